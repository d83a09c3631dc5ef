/**
 * Latency of requests to a daemon — in its own process, or on this process' main thread —
 * measured from a worker thread (probe-worker.ts) so that the measuring goes on while this
 * thread is busy. Each probe has `wall`, the wall-clock time the client waited, and
 * `busy`, the CPU time the daemon's event-loop thread spent meanwhile, read from Linux's
 * /proc/<pid>/task/<pid>/schedstat (first field: ns on the CPU, exact). They differ
 * by what no daemon code can prevent: on a machine shared with other busy processes the
 * thread waits to be scheduled, sometimes for 100+ ms. A query that holds the event loop
 * shows in `busy`: the loop is on the CPU running it while the client waits. Without
 * /proc, `busy` is `wall`.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';

/** The total CPU time in ms of process `pid`'s main thread, or undefined where the kernel does not report it. */
export function mainThreadCpuMs(pid: number = process.pid): number | undefined {
  try {
    return Number(fs.readFileSync(`/proc/${pid}/task/${pid}/schedstat`, 'utf8').split(' ')[0]) / 1e6;
  } catch {
    return undefined;
  }
}

export interface Latency {
  /** wall-clock ms */
  wall: number;
  /** ms of CPU the daemon's event-loop thread used meanwhile (wall where unknown) */
  busy: number;
}

export interface ProbeResults {
  version: Latency[];
  put: Latency[];
  /** telnet puts sent (and answered) */
  puts: number;
}

/**
 * Starts probing the daemon on `port` every `intervalMs` (/api/version, and a telnet put of
 * `metric` at `firstTimestamp` + n seconds); `stop()` ends it and gives the results.
 */
export function probeDaemon(port: number, metric: string, firstTimestamp: number, intervalMs = 20, daemonPid = process.pid): { ready: Promise<void>; stop(): Promise<ProbeResults> } {
  const worker = new Worker(path.join(__dirname, 'probe-worker.js'), { workerData: { port, mainTid: daemonPid, intervalMs, metric, firstTimestamp } });
  let onReady!: () => void;
  const ready = new Promise<void>((resolve) => (onReady = resolve));
  const results = new Promise<ProbeResults>((resolve, reject) => {
    worker.on('message', (message: 'ready' | ProbeResults) => (message === 'ready' ? onReady() : resolve(message)));
    worker.once('error', reject);
  });
  results.catch(() => undefined);
  return {
    /** resolves once the worker's connection is open and has been used once: probing starts */
    ready: Promise.race([ready, results.then(() => undefined)]),
    stop: async () => {
      worker.postMessage('stop');
      const r = await results;
      await worker.terminate();
      return r;
    },
  };
}
