/**
 * Latency of requests to a daemon — in its own process, or on this process' main thread —
 * measured from a worker thread (probe-worker.ts) so that the measuring goes on while this
 * thread is busy. Each probe has `wall`, the wall-clock time the client waited, and
 * `busy`, the part of it the daemon's own work caused, from Linux's
 * /proc/<pid>/task/<tid>/schedstat (ns on the CPU, ns runnable but waiting for one).
 *
 * `busy` is the smaller of two bounds:
 * - the CPU time the daemon's event-loop thread spent meanwhile: a client cannot wait
 *   longer on a held loop than the loop ran;
 * - `wall` less the run-queue waits of the daemon's and the client's threads meanwhile
 *   (their sum: waits along one request's path add up): a put crosses the event loop, a parse worker and the storage thread,
 *   and its answer is read by the client's thread; on a machine shared with other busy
 *   processes any of them can wait 100+ ms for a core. The event loop is not idle then (it
 *   runs the query's next 5 ms slices), so its CPU time alone counts that wait as if the
 *   daemon caused it, which failed CI at 101–112 ms.
 *
 * A query that holds the event loop still shows in full: the loop is on the CPU (no
 * run-queue wait) for the whole time the client waits. Without /proc, `busy` is `wall`.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';


/**
 * CPU and run-queue ns of each thread of the processes `pids`, by thread id (unique across
 * processes on Linux); undefined where the kernel does not report them.
 */
export function threadSchedStats(...pids: number[]): Map<string, { cpuNs: number; waitNs: number }> | undefined {
  try {
    const stats = new Map<string, { cpuNs: number; waitNs: number }>();
    for (const pid of new Set(pids)) {
      for (const tid of fs.readdirSync(`/proc/${pid}/task`)) {
        try {
          const [cpu, wait] = fs.readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ');
          stats.set(tid, { cpuNs: Number(cpu), waitNs: Number(wait) });
        } catch {
          // the thread ended between the listing and the read
        }
      }
    }
    return stats;
  } catch {
    return undefined;
  }
}

/**
 * The part of `wallMs` the daemon `pid` caused, from the threads' stats before and after
 * (see the module comment): min(event-loop CPU ms, wall − the run-queue waits ms), and what
 * it was made of (`detail`, for the test's log).
 */
export function daemonBusy(pid: number, before: ReturnType<typeof threadSchedStats>, after: ReturnType<typeof threadSchedStats>, wallMs: number): { busy: number; detail: string } {
  const main0 = before?.get(String(pid));
  const main1 = after?.get(String(pid));
  if (!main0 || !main1) return { busy: wallMs, detail: 'no thread stats' };
  let waitsNs = 0;
  const waits: string[] = [];
  for (const [tid, end] of after!) {
    const start = before!.get(tid);
    if (!start || end.waitNs === start.waitNs) continue;
    waitsNs += end.waitNs - start.waitNs;
    waits.push(`${tid} ${((end.waitNs - start.waitNs) / 1e6).toFixed(1)}`);
  }
  const loopCpuMs = (main1.cpuNs - main0.cpuNs) / 1e6;
  const busy = Math.max(0, Math.min(wallMs, loopCpuMs, wallMs - waitsNs / 1e6));
  return { busy, detail: `loop CPU ${loopCpuMs.toFixed(1)} ms; run-queue waits (thread ms): ${waits.join(', ') || 'none'}` };
}

/** daemonBusy's `busy` alone. */
export function daemonBusyMs(pid: number, before: ReturnType<typeof threadSchedStats>, after: ReturnType<typeof threadSchedStats>, wallMs: number): number {
  return daemonBusy(pid, before, after, wallMs).busy;
}

export interface Latency {
  /** wall-clock ms */
  wall: number;
  /** ms of `wall` the daemon's own work caused (daemonBusy; wall where unknown) */
  busy: number;
  /** how `busy` was found: the loop's CPU and each thread's run-queue wait */
  detail?: string;
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
