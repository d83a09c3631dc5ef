/**
 * Retries for a Riak that comes and goes (a node restarting, a failed quorum). An
 * operation is retried while Riak is unreachable until its deadline, then fails with
 * DSDB_ERR_STORAGE_UNAVAILABLE, which transports answer as a retryable error (HTTP 503).
 * Every operation the engine retries is idempotent: a chunk write merges its points
 * again, series and names are written with the same value.
 */
import { DsdbError } from '../../core';
import { RiakUnavailable } from './http';

/** Runs `op` with retries; `deadlineMs` 0 still tries twice (a kept-alive connection may be stale). */
export type Retrying = <T>(op: () => Promise<T>, deadlineMs: number, failure: string) => Promise<T>;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export function unavailableError(what: string, cause: unknown): DsdbError {
  const reason = cause instanceof RiakUnavailable ? cause.reason : ((cause as Error)?.message ?? String(cause));
  return new DsdbError('DSDB_ERR_STORAGE_UNAVAILABLE', `storage-riak: Riak is unreachable (${reason}); ${what}`, { cause });
}

export function makeRetrying(closing: () => boolean): Retrying {
  return async function retrying<T>(op: () => Promise<T>, deadlineMs: number, failure: string): Promise<T> {
    const started = Date.now();
    let delay = 50;
    for (let attempt = 1; ; attempt++) {
      try {
        return await op();
      } catch (err) {
        if (!(err instanceof RiakUnavailable)) throw err;
        if (closing() || (attempt >= 2 && Date.now() - started >= deadlineMs)) throw unavailableError(failure, err);
        if (attempt >= 2) {
          await sleep(delay);
          delay = Math.min(delay * 2, 1000);
        }
      }
    }
  };
}
