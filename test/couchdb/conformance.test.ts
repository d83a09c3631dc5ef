/** The CouchDB engine runs the shared storage conformance suite against a real CouchDB-API server (pouchdb-server). */
import { runStorageConformance, type StorageEngine } from '../../core';
import type { CouchEngine } from '../../plugins/storage-couchdb/engine';
import { createTestEngine, dropDatabase, freshDatabase, useCouchDb } from './couchdb';

describe('storage-couchdb on a CouchDB-API server (pouchdb-server) @integration', function () {
  this.timeout(180_000);
  useCouchDb();
  const databases = new Map<StorageEngine, string>();
  after(async () => {
    for (const db of new Set(databases.values())) await dropDatabase(db);
  });

  /** An engine on `database`, or on a new, empty database of its own. */
  const create = (database = freshDatabase('conformance')): CouchEngine => {
    const engine = createTestEngine(database);
    databases.set(engine, database);
    return engine;
  };

  runStorageConformance('couchdb', async () => create(), {
    // pouchdb-server (one Node process on LevelDB) answers a few thousand requests a second, and
    // an unbounded read costs a request per series: 2,000 series keep the run short (5,000 pass in ~2 min).
    largeSeriesCount: 2000,
    reopen: async (engine) => {
      await engine.close();
      return create(databases.get(engine));
    },
  });
});
