/**
 * `lib/storage`: code shared by the server-backed storage engines (storage-mysql,
 * storage-hbase, storage-couchdb, storage-riak). It imports only the kernel.
 *  - retrying.ts: the retry loop for a store that comes and goes.
 *  - memory-meta-store.ts: a MetaStore in process memory.
 *  - meta-checks.ts: the limits of a MetaStore's spaces, keys and values, checked by every engine.
 *  - internal-series.ts: the reserved series namespace (rollups) that suggest and lookup leave out.
 */
export { makeRetrying, type Retrying, type RetryPolicy } from './retrying';
export { MemoryMetaStore } from './memory-meta-store';
export { checkMetaEntry, checkMetaScan, META_LIMITS, prefixEndBytes } from './meta-checks';
export { suggestVisible } from './internal-series';
