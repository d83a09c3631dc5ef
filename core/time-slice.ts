/**
 * Cooperative scheduling for long work on the event loop. Work that may run for long
 * (a query over 100k series, millions of downsampling buckets, a scan of the series
 * index) checks `due()` once per series or per block of buckets and, when its slice of
 * time is used up, `await pause()`s: the event loop then serves I/O (other clients' reads
 * and writes, timers) before the work goes on. One slice is `sliceMs` of work (5 ms by
 * default), so a client waits at most about one slice plus one block for its turn.
 *
 * `due()` reads the clock and allocates nothing, so it is cheap enough per series; hot
 * loops (per point, per bucket) count work and call it once per block.
 */
export const DEFAULT_SLICE_MS = 5;

/** Resolves in the check phase of the event loop, after the pending I/O callbacks have run. */
export function yieldToEventLoop(): Promise<void> {
  return new Promise<void>((resolve) => setImmediate(resolve));
}

export class TimeSlice {
  private sliceEnd: number;

  constructor(readonly sliceMs: number = DEFAULT_SLICE_MS) {
    this.sliceEnd = performance.now() + sliceMs;
  }

  /** Whether this slice's time is used up (the caller should `await pause()`). */
  due(): boolean {
    return performance.now() >= this.sliceEnd;
  }

  /** Lets the event loop serve everything else that is ready, then starts a new slice. */
  async pause(): Promise<void> {
    await yieldToEventLoop();
    this.sliceEnd = performance.now() + this.sliceMs;
  }
}
