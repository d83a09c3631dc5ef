/**
 * Retries for an HBase that comes and goes (a restarted gateway, a region moving, the
 * master failing over). The loop is lib/storage's: an operation is retried while HBase is
 * unreachable until its deadline, then fails with DSDB_ERR_STORAGE_UNAVAILABLE (HTTP 503).
 * Any other error is thrown at once.
 */
import { makeRetrying as makeStoreRetrying, type Retrying } from '../../lib/storage';
import { isUnavailable, unavailableError } from './rest';

export type { Retrying };

/** The retry policy of one engine; a closing engine stops retrying at once. */
export function makeRetrying(closing: () => boolean): Retrying {
  return makeStoreRetrying({ closing, isUnavailable, unavailableError });
}
