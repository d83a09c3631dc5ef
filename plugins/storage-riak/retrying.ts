/**
 * Retries for a Riak that comes and goes (a node restarting, a failed quorum). The loop is
 * lib/storage's: an operation is retried while Riak is unreachable until its deadline, then fails with
 * DSDB_ERR_STORAGE_UNAVAILABLE, which transports answer as a retryable error (HTTP 503).
 * Every operation the engine retries is idempotent: a chunk write merges its points
 * again, series and names are written with the same value.
 */
import { DsdbError } from '../../core';
import { makeRetrying as makeStoreRetrying, type Retrying } from '../../lib/storage';
import { RiakUnavailable } from './http';

export type { Retrying };

export function unavailableError(what: string, cause: unknown): DsdbError {
  const reason = cause instanceof RiakUnavailable ? cause.reason : ((cause as Error)?.message ?? String(cause));
  return new DsdbError('DSDB_ERR_STORAGE_UNAVAILABLE', `storage-riak: Riak is unreachable (${reason}); ${what}`, { cause });
}

/** The retry policy of one engine; a closing engine stops retrying at once. */
export function makeRetrying(closing: () => boolean): Retrying {
  return makeStoreRetrying({ closing, isUnavailable: (err) => err instanceof RiakUnavailable, unavailableError });
}
