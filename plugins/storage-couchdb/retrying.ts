/**
 * Retries for a CouchDB that comes and goes (a restart, a node of a cluster leaving, a
 * proxy answering 503). The loop is lib/storage's: an operation is retried while CouchDB
 * is unreachable until its deadline, then fails with DSDB_ERR_STORAGE_UNAVAILABLE (HTTP
 * 503). Errors CouchDB answers (a refused document, a bad request) are never retried, and
 * are thrown as couchError naming what failed.
 */
import { makeRetrying as makeStoreRetrying, type Retrying } from '../../lib/storage';
import { couchError, isUnavailable, unavailableError } from './couch';

export type { Retrying };

/** The retry policy of one engine; a closing engine stops retrying at once. */
export function makeRetrying(closing: () => boolean): Retrying {
  return makeStoreRetrying({
    closing,
    isUnavailable,
    unavailableError,
    otherError: (failure, err) => ((err as { statusCode?: number }).statusCode !== undefined ? couchError(failure, err) : err),
  });
}
