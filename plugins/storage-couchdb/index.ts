/**
 * `storage-couchdb`: the `couchdb` storage engine, on Apache CouchDB (or any server of
 * its HTTP API) through nano. Several daemons may share one database: they keep no
 * state the others need. Design, options and guarantees: docs/storage-couchdb.md.
 */
import { definePlugin, Type } from '../../core';
import { DEFAULT_CODECS } from '../../lib/chunks';
import { CouchEngine } from './engine';

/** a codec name, or names by preference (the first that accepts a chunk is used) */
const codecList = (names: string[]) => Type.Union([Type.String({ minLength: 1 }), Type.Array(Type.String({ minLength: 1 }), { minItems: 1 })], { default: names });

export const CouchOptions = Type.Object(
  {
    /** the server, e.g. http://db.internal:5984 */
    url: Type.String({ default: 'http://127.0.0.1:5984', pattern: '^https?://' }),
    /** credentials (or put them in the URL) */
    user: Type.Optional(Type.String()),
    password: Type.Optional(Type.String()),
    /** created when missing; CouchDB's rule for database names */
    database: Type.String({ default: 'dsdb', pattern: '^[a-z][a-z0-9_$()+/-]*$' }),
    /** time window of a chunk document; the first daemon to open the database fixes it for all */
    windowMs: Type.Integer({ minimum: 1000, default: 3600000 }),
    /** one HTTP request's limit before it counts as "unreachable" */
    requestTimeoutMs: Type.Integer({ minimum: 100, default: 30000 }),
    /** how long a write without `sync` is retried while CouchDB is unreachable before it is refused */
    retryTimeoutMs: Type.Integer({ minimum: 0, default: 10000 }),
    /** series known to exist, cached per daemon */
    seriesCacheSize: Type.Integer({ minimum: 1, default: 1000000 }),
    /** window documents (revision and points) cached per daemon, so a write need not read them first */
    windowCacheSize: Type.Integer({ minimum: 1, default: 20000 }),
    /** series read at once by queries over long ranges and by last-point queries */
    readConcurrency: Type.Integer({ minimum: 1, default: 8 }),
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
  name: 'storage-couchdb',
  provides: ['storage:couchdb'],
  options: CouchOptions,
  register({ hooks }, options) {
    hooks.storage.engines.tap('storage-couchdb', (engines) => {
      engines.add(
        'couchdb',
        {
          // Chunks are encoded by the codec plugins (codec-*): a missing one stops start-up, named.
          create: ({ logger, codecs }) => new CouchEngine(options, logger, codecs),
        },
        'storage-couchdb',
      );
    });
  },
});
