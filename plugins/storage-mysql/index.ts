/**
 * `storage-mysql`: the `mysql` storage engine, on MySQL or MariaDB through mysql2.
 * Several daemons may share one database: they keep no state the others need.
 * Schema, options and guarantees: docs/storage-mysql.md.
 */
import { definePlugin, Type } from '../../core';
import { DEFAULT_CODECS } from '../../lib/chunks';
import { MysqlEngine } from './engine';

/** a codec name, or names by preference (the first that accepts a chunk is used) */
const codecList = (names: string[]) => Type.Union([Type.String({ minLength: 1 }), Type.Array(Type.String({ minLength: 1 }), { minItems: 1 })], { default: names });

export const MysqlOptions = Type.Object(
  {
    host: Type.String({ default: '127.0.0.1' }),
    port: Type.Integer({ minimum: 1, maximum: 65535, default: 3306 }),
    user: Type.String({ default: 'dsdb' }),
    password: Type.String({ default: '' }),
    /** created when missing */
    database: Type.String({ default: 'dsdb', minLength: 1, pattern: '^[A-Za-z0-9_$]+$' }),
    socketPath: Type.Optional(Type.String()),
    connectionLimit: Type.Integer({ minimum: 1, default: 8 }),
    connectTimeoutMs: Type.Integer({ minimum: 100, default: 5000 }),
    tablePrefix: Type.String({ default: 'dsdb_', pattern: '^[A-Za-z0-9_]*$' }),
    /** time window of a chunk; the first daemon to create the tables fixes it for all */
    windowMs: Type.Integer({ minimum: 1000, default: 3600000 }),
    /** how often fragments of written windows are merged (0: never, call compact()) */
    compactIntervalMs: Type.Integer({ minimum: 0, default: 30000 }),
    /** an open window is merged once it has this many fragments */
    compactFragments: Type.Integer({ minimum: 2, default: 16 }),
    /** how long a write without `sync` is retried while MariaDB is unreachable before it is refused */
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
  name: 'storage-mysql',
  provides: ['storage:mysql'],
  options: MysqlOptions,
  register({ hooks }, options) {
    hooks.storage.engines.tap('storage-mysql', (engines) => {
      engines.add(
        'mysql',
        {
          // Chunks are encoded by the codec plugins (codec-*): a missing one stops start-up, named.
          create: ({ logger, codecs }) => new MysqlEngine(options, logger, codecs),
        },
        'storage-mysql',
      );
    });
  },
});
