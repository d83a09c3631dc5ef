/** Both engines in the repository run the storage conformance suite, as a third-party engine would. */
import { runStorageConformance } from '../../core';
import { MemoryEngine } from '../../plugins/storage-memory/engine';
import type { EmbeddedEngine } from '../../plugins/storage-embedded/engine';
import { embeddedEngine, tempDataDir } from '../helpers/embedded';

runStorageConformance('memory', async () => new MemoryEngine());

const dirs = new WeakMap<object, string>();
async function fresh(dir: string, small: boolean): Promise<EmbeddedEngine> {
  // `small` cuts blocks after a few points and compacts after two, so reads merge head + blocks + compactions
  const engine = await embeddedEngine(dir, small ? { headMaxPoints: 3, compactBlocks: 2, chunkMaxPoints: 16 } : {});
  dirs.set(engine, dir);
  return engine;
}

runStorageConformance('embedded', () => fresh(tempDataDir('conf'), false), {
  reopen: async (engine) => {
    await engine.close();
    return fresh(dirs.get(engine)!, false);
  },
});

runStorageConformance('embedded (tiny blocks, eager compaction)', () => fresh(tempDataDir('conf-small'), true), {
  largeSeriesCount: 2000,
  reopen: async (engine) => {
    await engine.close();
    return fresh(dirs.get(engine)!, true);
  },
});
