/**
 * `storage-riak`: the `riak` storage engine, on Riak KV through its HTTP API. Several
 * daemons may share one Riak cluster: they keep no state the others need; concurrent
 * writes to one chunk become siblings that are merged point by point.
 * Buckets, options and guarantees: docs/storage-riak.md.
 */
import { definePlugin, Type } from '../../core';
import { DEFAULT_CODECS } from '../../lib/chunks';
import { RiakEngine, type RiakEngineOptions } from './engine';

/** a codec name, or names by preference (the first that accepts a chunk is used) */
const codecList = (names: string[]) => Type.Union([Type.String({ minLength: 1 }), Type.Array(Type.String({ minLength: 1 }), { minItems: 1 })], { default: names });
/** a Riak quorum: a number of replicas, or one|quorum|all|default */
const quorum = (value: string) => Type.String({ default: value, pattern: '^([0-9]+|one|quorum|all|default)$' });

export const RiakOptions = Type.Object(
  {
    /** base URL of a node's HTTP listener, or several (used round-robin) */
    url: Type.Union([Type.String({ minLength: 1 }), Type.Array(Type.String({ minLength: 1 }), { minItems: 1 })], { default: 'http://127.0.0.1:8098' }),
    /** prefix of the five bucket names (series, names, chunks, annotations, meta) */
    bucketPrefix: Type.String({ default: 'dsdb_', pattern: '^[A-Za-z0-9_.-]*$' }),
    /** replicas per object, set on the buckets at open; unset keeps the cluster's default */
    nVal: Type.Optional(Type.Integer({ minimum: 1 })),
    /** read quorum */
    r: quorum('quorum'),
    /** write quorum, and durable-write quorum (replicas on disk) before a write is acknowledged */
    w: quorum('quorum'),
    dw: quorum('quorum'),
    /** time window of a chunk (one Riak object per series and window); the first daemon to open fixes it for all */
    windowMs: Type.Integer({ minimum: 1000, default: 3600000 }),
    /** how long a write without `sync` is retried while Riak is unreachable before it is refused */
    retryTimeoutMs: Type.Integer({ minimum: 0, default: 10000 }),
    /** one HTTP request's time limit */
    requestTimeoutMs: Type.Integer({ minimum: 100, default: 10000 }),
    /** HTTP requests in flight at once per daemon */
    concurrency: Type.Integer({ minimum: 1, default: 32 }),
    /** chunks (points and vclock) a daemon keeps after writing them, so the next write to the window needs no GET */
    chunkCacheSize: Type.Integer({ minimum: 1, default: 8192 }),
    /** series key → id entries cached per daemon */
    seriesCacheSize: Type.Integer({ minimum: 1, default: 1000000 }),
    /** codecs per column by name, from the codec plugins (the same chunks as the embedded engine) */
    codecs: Type.Object(
      {
        timestamp: codecList(DEFAULT_CODECS.timestamp),
        int: codecList(DEFAULT_CODECS.int),
        float: codecList(DEFAULT_CODECS.float),
        string: codecList(DEFAULT_CODECS.string),
        json: codecList(DEFAULT_CODECS.json),
      },
      { default: {}, additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);

export default definePlugin({
  name: 'storage-riak',
  provides: ['storage:riak'],
  options: RiakOptions,
  register({ hooks }, options) {
    hooks.storage.engines.tap('storage-riak', (engines) => {
      engines.add('riak', { create: ({ logger, codecs }) => new RiakEngine(options as RiakEngineOptions, logger, codecs) }, 'storage-riak');
    });
  },
});
