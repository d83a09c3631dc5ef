/**
 * `lib/storage`: code shared by the server-backed storage engines (storage-mysql,
 * storage-hbase, storage-couchdb, storage-riak). It imports only the kernel.
 *  - retrying.ts: the retry loop for a store that comes and goes.
 */
export { makeRetrying, type Retrying, type RetryPolicy } from './retrying';
