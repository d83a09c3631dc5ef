/**
 * Retries for a CouchDB that comes and goes (a restart, a node of a cluster leaving, a
 * proxy answering 503). An operation is retried while CouchDB is unreachable until its
 * deadline, then fails with DSDB_ERR_STORAGE_UNAVAILABLE, which transports answer as a
 * retryable error (HTTP 503). Errors CouchDB answers (a refused document, a bad request)
 * are never retried.
 */
import { couchError, isUnavailable, unavailableError } from './couch';

/** Runs `op` with retries; `deadlineMs` 0 still tries twice (a kept-alive connection may be stale). */
export type Retrying = <T>(op: () => Promise<T>, deadlineMs: number, failure: string) => Promise<T>;

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * The retry policy of one engine: `op` is retried while CouchDB is unreachable until
 * `deadlineMs` has passed (at least twice), with backoff from 50 ms doubling to 1 s; then
 * it fails with DSDB_ERR_STORAGE_UNAVAILABLE. A closing engine stops retrying at once.
 * Any other failure is rethrown with `failure` in its message.
 */
export function makeRetrying(closing: () => boolean): Retrying {
  return async function retrying<T>(op: () => Promise<T>, deadlineMs: number, failure: string): Promise<T> {
    const started = Date.now();
    let delay = 50;
    for (let attempt = 1; ; attempt++) {
      try {
        return await op();
      } catch (err) {
        if (!isUnavailable(err)) throw (err as { statusCode?: number }).statusCode !== undefined ? couchError(failure, err) : err;
        if (closing() || (attempt >= 2 && Date.now() - started >= deadlineMs)) throw unavailableError(failure, err);
        if (attempt >= 2) {
          await sleep(delay);
          delay = Math.min(delay * 2, 1000);
        }
      }
    }
  };
}
