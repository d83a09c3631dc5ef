/**
 * The one loop that runs the engine's long jobs (a block cut, a compaction) in the
 * background. Encoding a block takes seconds; done in one go it would stall ingest, so a
 * job does a slice of about `slicePoints` points per event-loop turn (setImmediate lets
 * sockets and timers run between slices), then installs its output. Deletes, close and
 * the explicit checkpoint()/compact() need the job's result now: finishNow() completes it
 * synchronously, and the background loop, finding the job gone, stops.
 */

export interface BackgroundJob {
  /** Does about `budget` points of work; true when none is left. Throws on failure. */
  step(budget: number): boolean;
  /**
   * After a step that returned false: a promise when the job can do nothing until it
   * settles (its work is on another thread); the runner waits for it instead of spinning.
   */
  idle?(): Promise<unknown> | undefined;
  /** Installs the output, synchronously. On failure it undoes itself (as abort()) and throws. */
  finish(): void;
  /** Gives up: drops partial output and restores what the job took. */
  abort(): void;
}

export interface JobEvents<J> {
  /**
   * After a job's finish(): `background` is false inside finishNow()/run(), whose callers
   * (deletes, checkpoint) must not see a new job start under them.
   */
  finished(job: J, background: boolean): void;
  /** a background job (or `finished` after it) failed; the job has undone itself. finishNow() throws instead */
  failed(err: unknown, job: J): void;
}

export class JobRunner<J extends BackgroundJob> {
  private job?: J;
  /** settled()'s callers, woken when the job in progress ends */
  private waiters: (() => void)[] = [];

  constructor(
    private readonly slicePoints: number,
    private readonly events: JobEvents<J>,
    /**
     * Work that goes first: when it returns a promise (the WAL's fsync in flight), the next
     * slice waits for it once. A slice holds the event loop, and sync writers waiting for
     * that fsync would wait for the slice too; waiting once, not until nothing is in flight,
     * keeps a steady stream of sync writes from starving the job.
     */
    private readonly yieldTo: () => Promise<unknown> | undefined = () => undefined,
    /**
     * Milliseconds to rest after a slice that took `sliceMs` (0: next turn), counting the
     * time it waited for its work on another thread (BackgroundJob.idle). A compaction
     * rests while writes flow, so that it takes a bounded share of the thread ingest runs on;
     * a cut never rests (the head waits for it).
     */
    private readonly restAfter: (sliceMs: number) => number = () => 0,
  ) {}

  /** The job in progress, if any. */
  get current(): J | undefined {
    return this.job;
  }

  /**
   * Resolves once the job in progress ends — finished, failed or aborted — after the
   * runner's `finished` or `failed` event has run (which may have started the next job);
   * at once when none runs. Never rejects: a failure is the `failed` event's to report.
   */
  settled(): Promise<void> {
    if (!this.job) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Wakes settled()'s callers: their continuations run after the caller's synchronous code (the events). */
  private wake(): void {
    if (this.waiters.length === 0) return;
    const waiters = this.waiters;
    this.waiters = [];
    for (const resolve of waiters) resolve();
  }

  /** Runs `job` in slices between other work. One job at a time: finish or abort the current one first. */
  runInBackground(job: J): void {
    if (this.job) throw new Error('a background job is already running');
    this.job = job;
    // ms the job has worked since its last rest: its slices here, and the time it waited
    // for its work on another thread (idle), which paces a worker's share the same way
    let worked = 0;
    const next = (): void => {
      const rest = this.restAfter(worked);
      worked = 0;
      if (rest > 0) setTimeout(drive, rest);
      else setImmediate(drive);
    };
    const drive = (waited?: boolean): void => {
      if (this.job !== job) return; // finished or aborted meanwhile
      const busy = waited ? undefined : this.yieldTo();
      if (busy) return void busy.then(() => setImmediate(drive, true));
      try {
        const started = performance.now();
        if (!job.step(this.slicePoints)) {
          worked += performance.now() - started;
          const idle = job.idle?.();
          if (!idle) return void next();
          const waiting = performance.now();
          const resume = (): void => {
            if (this.job !== job) return; // finished now or aborted meanwhile: no timer left behind
            worked += performance.now() - waiting;
            next();
          };
          return void idle.then(resume, resume);
        }
      } catch (err) {
        this.job = undefined;
        this.wake();
        job.abort();
        this.events.failed(err, job);
        return;
      }
      this.job = undefined;
      this.wake();
      try {
        job.finish();
        this.events.finished(job, true);
      } catch (err) {
        this.events.failed(err, job); // nothing else would see it: this runs from setImmediate
      }
    };
    setImmediate(drive);
  }

  /** Completes the current job now, on the event loop. Throws its error (the job is aborted). */
  finishNow(): void {
    const job = this.job;
    if (!job) return;
    try {
      job.step(Infinity);
    } catch (err) {
      this.job = undefined;
      this.wake();
      job.abort();
      throw err;
    }
    this.job = undefined;
    this.wake();
    job.finish();
    this.events.finished(job, false);
  }

  /** Completes the current job now, like finishNow(), when it was started without the background loop. */
  run(job: J): void {
    if (this.job) throw new Error('a background job is already running');
    this.job = job;
    this.finishNow();
  }

  /** Aborts the current job, if any. */
  abort(): void {
    const job = this.job;
    this.job = undefined;
    this.wake();
    job?.abort();
  }
}
