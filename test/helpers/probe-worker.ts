/**
 * A client on its own thread that probes a daemon running on the main thread: every
 * `intervalMs` it asks `/api/version`, then sends a telnet `put` followed by `version`
 * (whose answer, after the put's, ends that probe), and measures each wait. Being on
 * another thread, it keeps asking while the main thread's event loop is held, so a hold
 * shows as latency. Started by probeDaemon() (latency.ts); posts its results when told to stop.
 */
import net from 'node:net';
import { parentPort, workerData } from 'node:worker_threads';
import { daemonBusy, threadSchedStats, type Latency } from './latency';

interface Options {
  port: number;
  mainTid: number;
  intervalMs: number;
  metric: string;
  firstTimestamp: number;
}

const options = workerData as Options;
let stopping = false;
parentPort!.on('message', () => (stopping = true));

async function measure(run: () => Promise<unknown>): Promise<Latency> {
  const before = threadSchedStats(options.mainTid, process.pid);
  const start = performance.now();
  await run();
  const wall = performance.now() - start;
  const after = threadSchedStats(options.mainTid, process.pid);
  return { wall, ...daemonBusy(options.mainTid, before, after, wall) };
}

async function main(): Promise<void> {
  const socket = net.connect(options.port, '127.0.0.1');
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  let answered: (() => void) | undefined;
  let text = '';
  socket.on('data', (chunk: Buffer) => {
    text += chunk.toString();
    const end = text.indexOf('\n');
    if (end < 0) return;
    if (!text.startsWith('unknown command: probe.')) throw new Error(`unexpected telnet answer: ${text}`);
    text = text.slice(end + 1);
    answered?.();
  });
  const version: Latency[] = [];
  const put: Latency[] = [];
  let puts = 0;
  const base = `http://127.0.0.1:${options.port}`;
  // The connection the probes use, opened and used once before the caller starts its work:
  // the probes measure what that work does to a client, not this thread's start-up racing it.
  await (await fetch(`${base}/api/version`)).arrayBuffer();
  parentPort!.postMessage('ready');
  while (!stopping) {
    await new Promise((r) => setTimeout(r, options.intervalMs));
    if (stopping) break;
    version.push(
      await measure(async () => {
        const res = await fetch(`${base}/api/version`);
        if (res.status !== 200) throw new Error(`/api/version answered ${res.status}`);
        await res.arrayBuffer();
      }),
    );
    const ts = options.firstTimestamp + puts;
    put.push(
      await measure(
        () =>
          new Promise<void>((resolve) => {
            answered = resolve;
            socket.write(`put ${options.metric} ${ts} ${puts} host=probe\nprobe\n`);
          }),
      ),
    );
    puts++;
  }
  socket.destroy();
  parentPort!.postMessage({ version, put, puts });
}

void main();
