/**
 * A query's budget: the series and data points it may read, the buckets it may produce
 * and the time it may take, checked while it runs, with OpenTSDB's answers (413 in
 * OpenTSDB's error JSON) when one runs out. It is also the query's time slice
 * (core/time-slice.ts): the query yields to the event loop every slice, so other clients
 * are served meanwhile, and the deadline is checked at every yield. Everything the query
 * built is dropped with the error, so its memory is freed at the next collection.
 *
 * Sources: OpenTSDB 2.4.1 SaltScanner (`tsd.query.limits.data_points.default`: 413
 * "Sorry, you have attempted to fetch more than our limit of N data points. …"), and
 * OpenTSDB 2.5 SaltScanner for `tsd.query.timeout` (413 "Sorry, your query timed out.
 * Time limit: N ms, fetch time: F ms. …"); 2.4.1 declares `tsd.query.timeout` but never
 * reads it. The series limit has no OpenTSDB twin and is worded like the others.
 */
import { TimeSlice } from '../../core';
import { ApiError } from './api-error';

export interface QueryLimits {
  /** most series one query may read (all sub-queries together); 0 = no limit */
  maxSeries: number;
  /** most data points one query may read, and most buckets it may produce; 0 = no limit */
  maxDataPoints: number;
  /** a query still running after this many ms is stopped with a 413; 0 = no limit */
  timeoutMs: number;
}

const ADVICE = 'Please try filtering using more tags or decrease your time range.';

/** OpenTSDB 2.4.1's answer to a query over `tsd.query.limits.data_points.default`. */
export function tooManyDataPoints(max: number): ApiError {
  return new ApiError(413, `Sorry, you have attempted to fetch more than our limit of ${max} data points. ${ADVICE}`);
}

export function tooManySeries(max: number): ApiError {
  return new ApiError(413, `Sorry, you have attempted to fetch more than our limit of ${max} time series. ${ADVICE}`);
}

/** OpenTSDB 2.5's answer when `tsd.query.timeout` fires (fetch time printed as a Java double). */
export function queryTimedOut(limitMs: number, elapsedMs: number): ApiError {
  const elapsed = Math.round(elapsedMs * 1000) / 1000;
  return new ApiError(413, `Sorry, your query timed out. Time limit: ${limitMs} ms, fetch time: ${Number.isInteger(elapsed) ? `${elapsed}.0` : elapsed} ms. ${ADVICE}`);
}

/** The answer to a query an administrator cancelled (DSDB's own: OpenTSDB cannot cancel a query). Status 400, as OpenTSDB's QueryException. */
export function queryCancelled(id: number, by: string): ApiError {
  return new ApiError(400, 'Query cancelled', `Query ${id} was cancelled by ${by} (DELETE /api/stats/query?id=${id})`);
}

export class QueryBudget extends TimeSlice {
  series = 0;
  points = 0;
  produced = 0;
  private readonly started = performance.now();
  private readonly deadline: number;
  private cancelError?: ApiError;
  private onCancel?: (error: ApiError) => void;

  constructor(
    readonly limits: QueryLimits,
    sliceMs?: number,
  ) {
    super(sliceMs);
    this.deadline = limits.timeoutMs > 0 ? this.started + limits.timeoutMs : Infinity;
  }

  /** Throws when the query is past its deadline, or was cancelled (its client has gone, or an administrator stopped it). */
  check(): void {
    if (this.cancelError) throw this.cancelError;
    const now = performance.now();
    if (now > this.deadline) throw queryTimedOut(this.limits.timeoutMs, now - this.started);
  }

  /** Yields to the event loop, then checks the deadline (callers: `if (budget.due()) await budget.pause()`). */
  override async pause(): Promise<void> {
    await super.pause();
    this.check();
  }

  /**
   * Stops the query at its next check with `error`: by default its client closed the
   * connection (499); an administrator's cancel passes queryCancelled(). A `race` under
   * way rejects with `error` at once. The first cancel wins.
   */
  cancel(error: ApiError = new ApiError(499, 'Client closed the request')): void {
    if (this.cancelError) return;
    this.cancelError = error;
    this.onCancel?.(error);
  }

  /**
   * `work`'s outcome, or the cancel error as soon as cancel() is called: the client is
   * answered at once even while the work waits on storage; the work itself stops at its
   * next check (a yield, a series), and what it built is then dropped. One race per budget.
   */
  race<T>(work: Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.onCancel = reject;
      // Once settled, the budget lets go of `reject`: a resolving function keeps its
      // promise, and so the answer, alive as long as the budget is (the completed-query
      // list keeps 256 of them: 58 MB each for a large answer, until out of memory).
      // Both handlers attached: a work that fails after a cancel is no unhandled rejection.
      work.then(
        (value) => {
          this.onCancel = undefined;
          resolve(value);
        },
        (err: unknown) => {
          this.onCancel = undefined;
          reject(err);
        },
      );
      if (this.cancelError) reject(this.cancelError);
    });
  }

  /** Counts a series read with its points; throws past maxSeries, maxDataPoints or the deadline. */
  addSeries(points: number): void {
    this.series++;
    this.points += points;
    if (this.limits.maxSeries > 0 && this.series > this.limits.maxSeries) throw tooManySeries(this.limits.maxSeries);
    if (this.limits.maxDataPoints > 0 && this.points > this.limits.maxDataPoints) throw tooManyDataPoints(this.limits.maxDataPoints);
    this.check();
  }

  /** Points a series produced (downsampling with a fill policy can make more than it read). */
  addProduced(points: number): void {
    this.produced += points;
    if (this.limits.maxDataPoints > 0 && this.produced > this.limits.maxDataPoints) throw tooManyDataPoints(this.limits.maxDataPoints);
  }

  /** Buckets the next series may still produce. */
  get remainingBuckets(): number {
    return this.limits.maxDataPoints > 0 ? Math.max(0, this.limits.maxDataPoints - this.produced) : Number.MAX_SAFE_INTEGER;
  }
}
