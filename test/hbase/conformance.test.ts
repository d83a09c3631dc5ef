/** The HBase engine runs the shared storage conformance suite against a real HBase through its REST gateway. */
import { runStorageConformance, type StorageEngine } from '../../core';
import type { HBaseEngine } from '../../plugins/storage-hbase/engine';
import { createTestEngine, dropTestTables, freshPrefix, useHBase } from './hbase';

describe('storage-hbase on a real HBase (REST gateway) @integration', function () {
  this.timeout(180_000);
  useHBase();
  after(async function () {
    this.timeout(300_000);
    await dropTestTables();
  });

  const prefixes = new WeakMap<StorageEngine, string>();
  const create = (prefix = freshPrefix('conf')): HBaseEngine => {
    const engine = createTestEngine({ tablePrefix: prefix });
    prefixes.set(engine, prefix);
    return engine;
  };

  runStorageConformance('hbase', async () => create(), {
    // every new series costs a check-and-put through the gateway: 5,000 keep the run short on CI
    largeSeriesCount: 5000,
    reopen: async (engine) => {
      await engine.close();
      return create(prefixes.get(engine));
    },
  });
});
