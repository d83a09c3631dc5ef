/**
 * Retries for a database that comes and goes: MariaDB restarts, failovers, deadlocks
 * between daemons. An operation is retried while the server is unreachable until its
 * deadline, then fails with DSDB_ERR_STORAGE_UNAVAILABLE, which transports answer as a
 * retryable error; deadlocks (transient) are retried at once, up to 50 times.
 */
import { isTransient, isUnavailable, unavailableError } from './db';

/** Runs `op` with retries; `deadlineMs` 0 still tries twice (a pooled connection may be stale). */
export type Retrying = <T>(op: () => Promise<T>, deadlineMs: number, failure: string) => Promise<T>;

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * The retry policy of one engine: `op` is retried while MariaDB is unreachable until
 * `deadlineMs` has passed (always at least twice: the first failure may be a pooled
 * connection the server closed), and on deadlocks up to 50 times; then it fails with
 * DSDB_ERR_STORAGE_UNAVAILABLE. A closing engine stops retrying at once.
 */
export function makeRetrying(closing: () => boolean): Retrying {
  return async function retrying<T>(op: () => Promise<T>, deadlineMs: number, failure: string): Promise<T> {
    const started = Date.now();
    let delay = 50;
    let rolledBack = 0;
    for (let attempt = 1; ; attempt++) {
      try {
        return await op();
      } catch (err) {
        if (isTransient(err) && ++rolledBack < 50) {
          attempt--;
          await sleep(rolledBack);
          continue;
        }
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
