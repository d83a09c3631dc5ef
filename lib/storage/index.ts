/**
 * `lib/storage`: code shared by the server-backed storage engines (storage-mysql,
 * storage-hbase, storage-couchdb, storage-riak). It imports only the kernel.
 *  - retrying.ts: the retry loop for a store that comes and goes.
 *  - memory-meta-store.ts: a MetaStore in process memory.
 */
export { makeRetrying, type Retrying, type RetryPolicy } from './retrying';
export { MemoryMetaStore } from './memory-meta-store';
export { suggestVisible } from './internal-series';
