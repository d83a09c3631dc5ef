/**
 * The one retry loop of the server-backed storage engines (MySQL, HBase, CouchDB, Riak):
 * an operation is retried while its store is unreachable until its deadline, then fails
 * with the engine's DSDB_ERR_STORAGE_UNAVAILABLE error, which transports answer as a
 * retryable error (HTTP 503 with Retry-After, the telnet error line). Each engine says
 * which of its errors mean "unreachable" and which mean "retry at once" (a deadlock).
 */

/** Runs `op` with retries; `deadlineMs` 0 still tries twice (a pooled or kept-alive connection may be stale). */
export type Retrying = <T>(op: () => Promise<T>, deadlineMs: number, failure: string) => Promise<T>;

/** What an engine tells the loop about its store's errors. */
export interface RetryPolicy {
  /** the engine is closing: stop retrying at once */
  closing(): boolean;
  /** the store cannot be reached (connection refused, reset, timed out, 5xx): retry until the deadline */
  isUnavailable(err: unknown): boolean;
  /** the store's error after the deadline: DSDB_ERR_STORAGE_UNAVAILABLE naming `failure` */
  unavailableError(failure: string, err: unknown): Error;
  /** an error worth retrying at once, up to 50 times (a deadlock between daemons); none by default */
  isTransient?(err: unknown): boolean;
  /** how any other error is thrown (default: as it is) */
  otherError?(failure: string, err: unknown): unknown;
}

const TRANSIENT_RETRIES = 50;
const FIRST_DELAY_MS = 50;
const MAX_DELAY_MS = 1000;

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * `op` is retried while the store is unreachable until `deadlineMs` has passed (always at
 * least twice), with a delay doubling from 50 ms to 1 s; transient errors are retried at
 * once; any other error is thrown at once.
 */
export function makeRetrying(policy: RetryPolicy): Retrying {
  return async function retrying<T>(op: () => Promise<T>, deadlineMs: number, failure: string): Promise<T> {
    const started = Date.now();
    let delay = FIRST_DELAY_MS;
    let transient = 0;
    for (let attempt = 1; ; attempt++) {
      try {
        return await op();
      } catch (err) {
        if (policy.isTransient?.(err) && ++transient < TRANSIENT_RETRIES) {
          attempt--;
          await sleep(transient);
          continue;
        }
        if (!policy.isUnavailable(err)) throw policy.otherError ? policy.otherError(failure, err) : err;
        if (policy.closing() || (attempt >= 2 && Date.now() - started >= deadlineMs)) throw policy.unavailableError(failure, err);
        if (attempt >= 2) {
          await sleep(delay);
          delay = Math.min(delay * 2, MAX_DELAY_MS);
        }
      }
    }
  };
}
