/**
 * `storage-hbase`: the `hbase` storage engine, on HBase through its REST gateway with the
 * npm `hbase` client. Several daemons may share one HBase: they keep no state the others
 * need. Schema, options and guarantees: docs/storage-hbase.md.
 */
import { definePlugin, Type } from '../../core';
import { DEFAULT_CODECS } from '../../lib/chunks';
import { HBaseEngine, type HBaseEngineOptions } from './engine';

/** a codec name, or names by preference (the first that accepts a chunk is used) */
const codecList = (names: string[]) => Type.Union([Type.String({ minLength: 1 }), Type.Array(Type.String({ minLength: 1 }), { minItems: 1 })], { default: names });

export const HBaseOptions = Type.Object(
  {
    /** the REST gateway (`hbase rest start`) */
    host: Type.String({ default: '127.0.0.1' }),
    port: Type.Integer({ minimum: 1, maximum: 65535, default: 8080 }),
    /** a gateway request not answered in this time is abandoned and counts as "unreachable" */
    requestTimeoutMs: Type.Integer({ minimum: 100, default: 10000 }),
    /** tables are `<prefix>data` and `<prefix>uid`, created when missing */
    tablePrefix: Type.String({ default: 'dsdb_', pattern: '^[A-Za-z0-9_.-]*$' }),
    /** time window of a row; the first daemon to create the tables fixes it for all */
    windowMs: Type.Integer({ minimum: 1000, default: 3600000 }),
    /** salt buckets (first key byte = series id mod buckets); fixed by the first daemon */
    saltBuckets: Type.Integer({ minimum: 1, maximum: 256, default: 4 }),
    /** how often rows this daemon wrote fragments to are merged (0: never, call compact()) */
    compactIntervalMs: Type.Integer({ minimum: 0, default: 30000 }),
    /** a row of an open window is merged once it has this many fragments */
    compactFragments: Type.Integer({ minimum: 2, default: 16 }),
    /** how long a write without `sync` is retried while HBase is unreachable before it is refused */
    retryTimeoutMs: Type.Integer({ minimum: 0, default: 10000 }),
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
  name: 'storage-hbase',
  provides: ['storage:hbase'],
  options: HBaseOptions,
  register({ hooks }, options) {
    hooks.storage.engines.tap('storage-hbase', (engines) => {
      engines.add(
        'hbase',
        {
          // Chunks are encoded by the codec plugins (codec-*): a missing one stops start-up, named.
          create: ({ logger, codecs }) => new HBaseEngine(options as HBaseEngineOptions, logger, codecs),
        },
        'storage-hbase',
      );
    });
  },
});
