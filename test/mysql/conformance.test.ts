/** The MySQL engine runs the shared storage conformance suite against the real MariaDB. */
import { runStorageConformance, type StorageEngine } from '../../core';
import type { MysqlEngine } from '../../plugins/storage-mysql/engine';
import { createTestEngine, dropTestEngines, freshDatabase, useMariaDb } from './mariadb';

describe('storage-mysql on a real MariaDB @integration', function () {
  this.timeout(120_000);
  useMariaDb();
  after(async () => dropTestEngines());

  const databases = new WeakMap<StorageEngine, string>();
  /** An engine on `database`, or on a new, empty database of its own. */
  const create = (database = freshDatabase('conformance')): MysqlEngine => {
    const engine = createTestEngine({ database });
    databases.set(engine, database);
    return engine;
  };

  runStorageConformance('mysql', async () => create(), {
    // 20,000 series are written through one connection pool; 5,000 keep the run short on CI.
    largeSeriesCount: 5000,
    reopen: async (engine) => {
      await engine.close();
      return create(databases.get(engine));
    },
  });
});
