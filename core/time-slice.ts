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

/** performance.now() when a TimeSlice last got the event loop back (slicedWorkRunning). */
let resumedAt = -Infinity;

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
    paused++;
    try {
      await yieldToEventLoop();
    } finally {
      paused--;
    }
    resumedAt = performance.now();
    this.sliceEnd = resumedAt + this.sliceMs;
  }
}

/** TimeSlices waiting in pause() for their next turn. */
let paused = 0;

/**
 * Whether sliced work (a query, a scan) is running: one is paused for its next turn now, or
 * one resumed within `withinMs`. Background work that is never urgent (an engine's
 * compaction) rests while this holds, so that it does not take the turns a query yields:
 * a query pauses every 5 ms, and a merge's slice of ~100 ms after each pause would make it
 * wait twenty times as long as it works.
 */
export function slicedWorkRunning(withinMs: number): boolean {
  return paused > 0 || performance.now() - resumedAt < withinMs;
}
