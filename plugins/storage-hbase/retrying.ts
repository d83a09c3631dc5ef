/**
 * Retries for an HBase that comes and goes (a restarted gateway, a region moving, the
 * master failing over): an operation is retried while HBase is unreachable until its
 * deadline, then fails with DSDB_ERR_STORAGE_UNAVAILABLE, which transports answer as a
 * retryable error (HTTP 503). Any other error is thrown at once.
 */
import { isUnavailable, unavailableError } from './rest';

/** Runs `op` with retries; `deadlineMs` 0 still tries twice (a kept-alive socket may be stale). */
export type Retrying = <T>(op: () => Promise<T>, deadlineMs: number, failure: string) => Promise<T>;

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** The retry policy of one engine; a closing engine stops retrying at once. */
export function makeRetrying(closing: () => boolean): Retrying {
  return async function retrying<T>(op: () => Promise<T>, deadlineMs: number, failure: string): Promise<T> {
    const started = Date.now();
    let delay = 50;
    for (let attempt = 1; ; attempt++) {
      try {
        return await op();
      } catch (err) {
        if (!isUnavailable(err)) throw err;
        if (closing() || (attempt >= 2 && Date.now() - started >= deadlineMs)) throw unavailableError(failure, err);
        if (attempt >= 2) {
          await sleep(delay);
          delay = Math.min(delay * 2, 1000);
        }
      }
    }
  };
}
