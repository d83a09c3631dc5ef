/** The Riak engine runs the shared storage conformance suite against a real Riak KV node. */
import { runStorageConformance, type StorageEngine } from '../../core';
import type { RiakEngine } from '../../plugins/storage-riak/engine';
import { createTestEngine, freshPrefix, useRiak } from './riak';

describe('storage-riak on a real Riak KV @integration', function () {
  this.timeout(180_000);
  useRiak();

  const prefixes = new WeakMap<StorageEngine, string>();
  /** An engine on `prefix`'s buckets, or on new, empty buckets of its own. */
  const create = (prefix = freshPrefix('conformance')): RiakEngine => {
    const engine = createTestEngine(prefix);
    prefixes.set(engine, prefix);
    return engine;
  };

  runStorageConformance('riak', async () => create(), {
    // Each new series is a GET and a PUT, each chunk a PUT, on a 2-core machine: 2,000 keep the run short.
    largeSeriesCount: 2000,
    reopen: async (engine) => {
      await engine.close();
      return create(prefixes.get(engine));
    },
  });
});
