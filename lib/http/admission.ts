/**
 * Admission: at most `maxConcurrent` requests of a kind are processed at once; the others
 * wait, first come first served, and one that waits longer than `queueTimeoutMs` is
 * refused (its route answers 503). Used by the http plugin for write requests (routes
 * whose scope is `write`: `/api/put`, `/api/write`, `/api/rollup`, `/api/histogram`,
 * `/api/uid/assign`), which wait before their body is read, so the body stays in the
 * client's socket (TCP backpressure) rather than in the daemon's memory; and by
 * graph-image for `/q` PNG renders (OpenTSDB's GraphHandler runs gnuplot on a pool of one
 * thread a core).
 *
 * Why: every write body in progress is held whole (up to the `bodyLimit`) while it is
 * parsed and written, and a render holds its series and a width × height × 4-byte
 * raster. Without a bound, the memory a burst of clients takes grows with the burst, not
 * with the configuration. VictoriaMetrics does the same with `-maxConcurrentInserts` and
 * `-insert.maxQueueDuration` (two per CPU core, one minute).
 */
/** A request waiting for its turn: `turn` resolves true when admitted, false when it timed out or was cancelled. */
export interface WaitingTurn {
  turn: Promise<boolean>;
  /** Leaves the queue (the client has gone): `turn` resolves false, not counted as rejected; nothing once admitted or timed out. */
  cancel(): void;
}

export class Admission {
  private active = 0;
  /** waiting requests, oldest first: each is admitted (true) or timed out / cancelled (false) */
  private readonly waiting: ((admitted: boolean) => void)[] = [];
  /** requests that waited queueTimeoutMs (answered 503) */
  rejected = 0;

  /**
   * @param maxConcurrent requests processed at once (at least 1)
   * @param queueTimeoutMs how long a request may wait for its turn, in ms
   */
  constructor(
    readonly maxConcurrent: number,
    readonly queueTimeoutMs: number,
  ) {}

  /** Requests being processed now. */
  get inFlight(): number {
    return this.active;
  }

  /** Requests waiting for their turn now. */
  get queued(): number {
    return this.waiting.length;
  }

  /**
   * Takes a turn: true at once when one is free; otherwise a WaitingTurn, admitted when a
   * turn is handed over, or refused after queueTimeoutMs (nothing taken). Each turn taken
   * (true, or a WaitingTurn that resolved true) must be followed by exactly one release().
   */
  acquire(): true | WaitingTurn {
    if (this.active < this.maxConcurrent) {
      this.active++;
      return true;
    }
    let settle!: (admitted: boolean) => void;
    const turn = new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => {
        if (this.leave(settle)) this.rejected++;
        resolve(false);
      }, this.queueTimeoutMs);
      settle = (admitted: boolean): void => {
        clearTimeout(timer);
        resolve(admitted);
      };
    });
    this.waiting.push(settle);
    return {
      turn,
      cancel: () => {
        if (this.leave(settle)) settle(false);
      },
    };
  }

  /** Ends a turn: the oldest waiting request takes it (the count of active ones stays), else it is freed. */
  release(): void {
    const next = this.waiting.shift();
    if (next) next(true);
    else this.active--;
  }

  /** Takes a waiter out of the queue; false when it is no longer in it (admitted, timed out or cancelled). */
  private leave(settle: (admitted: boolean) => void): boolean {
    const at = this.waiting.indexOf(settle);
    if (at < 0) return false;
    this.waiting.splice(at, 1);
    return true;
  }
}
