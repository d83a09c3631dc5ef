/**
 * Retries for a database that comes and goes: MariaDB restarts, failovers, deadlocks
 * between daemons. The loop is lib/storage's; here is what MariaDB's errors mean to it:
 * unreachable is retried until the deadline, then DSDB_ERR_STORAGE_UNAVAILABLE; a deadlock
 * (transient) is retried at once, up to 50 times.
 */
import { makeRetrying as makeStoreRetrying, type Retrying } from '../../lib/storage';
import { isTransient, isUnavailable, unavailableError } from './db';

export type { Retrying };

/** The retry policy of one engine; a closing engine stops retrying at once. */
export function makeRetrying(closing: () => boolean): Retrying {
  return makeStoreRetrying({ closing, isUnavailable, unavailableError, isTransient });
}
