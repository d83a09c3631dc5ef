/**
 * Latency of a request to an in-process daemon, as the daemon's own work caused it.
 * `wall` is the wall-clock time the client waited. `busy` is the CPU time the process'
 * main thread (the event loop, where the daemon and this client both run) spent meanwhile,
 * read from Linux's /proc/self/task/<pid>/schedstat (first field, exact, in ns). The two
 * differ by what no daemon code can prevent: on a machine shared with other busy processes
 * the thread waits to be scheduled, sometimes 100+ ms; and it sleeps while waiting for I/O
 * or for V8's GC helper threads. A query that holds the event loop shows as `busy`: the
 * loop is on the CPU running it while the client waits. Without /proc, `busy` is `wall`.
 */
import fs from 'node:fs';

const SCHEDSTAT = `/proc/self/task/${process.pid}/schedstat`;

/** The main thread's total CPU time in ms, or undefined where the kernel does not report it. */
export function mainThreadCpuMs(): number | undefined {
  try {
    return Number(fs.readFileSync(SCHEDSTAT, 'utf8').split(' ')[0]) / 1e6;
  } catch {
    return undefined;
  }
}

export interface Latency {
  /** wall-clock ms */
  wall: number;
  /** ms of CPU the event-loop thread used meanwhile (wall where unknown) */
  busy: number;
}

export async function measure(run: () => Promise<unknown>): Promise<Latency> {
  const cpu0 = mainThreadCpuMs();
  const start = performance.now();
  await run();
  const wall = performance.now() - start;
  const cpu1 = mainThreadCpuMs();
  return { wall, busy: cpu0 === undefined || cpu1 === undefined ? wall : cpu1 - cpu0 };
}
