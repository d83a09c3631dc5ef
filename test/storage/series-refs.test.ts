/**
 * SeriesRefs (core/series-ref.ts) on the write path: the embedded engine and the writer
 * trust a ref's memo only when it is still theirs, so a ref that outlives an engine, is
 * shared by two engines, or comes with a batch a beforeWrite tap relabelled never sends
 * points to the wrong series.
 */
import { expect } from 'chai';
import { definePlugin, newSeriesRef, pointBatch, ValueKind, type DataPoint, type PointBatch, type SeriesRef, type StorageEngine, type WriteService } from '../../core';
import { startDaemon } from '../helpers/daemon';
import { embeddedEngine, tempDataDir } from '../helpers/embedded';
import { CODEC_PLUGINS } from '../helpers/plugins';

const ALL = { start: -8.64e15, end: 8.64e15 };

/** A batch of one point per host, with the given refs (by host). */
function batchOf(hosts: string[], t: number, refs: Map<string, SeriesRef>): PointBatch {
  const points: DataPoint[] = hosts.map((host, i) => ({ metric: 'r', tags: { host }, timestamp: t, value: { kind: ValueKind.Float, value: i + t / 1000 } }));
  const batch = pointBatch(points);
  batch.seriesRefs = batch.series.map((s) => refs.get(s.tags.host!));
  return batch;
}

async function hostsOf(engine: Awaited<ReturnType<typeof embeddedEngine>>): Promise<Record<string, number[]>> {
  const out: Record<string, number[]> = {};
  for await (const s of engine.read({ metric: 'r' }, ALL)) out[s.series.tags.host!] = Array.from(s.points.timestamps);
  return out;
}

describe('series refs on the write path', () => {
  it('keeps each point in its series when refs outlive an engine and are shared by two engines', async () => {
    const refs = new Map(['a', 'b', 'c'].map((h) => [h, newSeriesRef()]));
    const dirA = tempDataDir('refs-a');
    const a = await embeddedEngine(dirA);
    await a.open();
    await a.write(batchOf(['a', 'b'], 1000, refs));
    await a.write(batchOf(['b', 'a', 'c'], 2000, refs));
    // a second engine gets the same refs (memos of the first): it must make its own series
    const b = await embeddedEngine(tempDataDir('refs-b'));
    await b.open();
    await b.write(batchOf(['c', 'a'], 3000, refs));
    await a.write(batchOf(['c', 'b', 'a'], 4000, refs));
    expect(await hostsOf(a)).to.deep.equal({ a: [1000, 2000, 4000], b: [1000, 2000, 4000], c: [2000, 4000] });
    expect(await hostsOf(b)).to.deep.equal({ a: [3000], c: [3000] });
    await b.close();
    // the first engine closed and opened again (a new index, from its logs): memos are stale
    await a.close();
    const again = await embeddedEngine(dirA);
    await again.open();
    await again.write(batchOf(['a', 'c'], 5000, refs));
    expect(await hostsOf(again)).to.deep.equal({ a: [1000, 2000, 4000, 5000], b: [1000, 2000, 4000], c: [2000, 4000, 5000] });
    await again.close();
  });

  it('drops the refs of a batch a beforeWrite tap relabels, so memos do not follow the old series', async () => {
    // relabels the first batch only: a memo kept from it would send later points of b to b2
    let batches = 0;
    const relabel = definePlugin({
      name: 'relabel-b',
      register({ hooks }) {
        hooks.write.beforeWrite.tap('relabel-b', (batch: PointBatch) => {
          if (batches++ === 0) for (const series of batch.series) if (series.tags.host === 'b') (series.tags as Record<string, string>).host = 'b2';
          return batch;
        });
      },
    });
    const dir = tempDataDir('refs-relabel');
    const daemon = await startDaemon({ plugins: [...CODEC_PLUGINS, ['storage-embedded', { dataDir: dir }], relabel] });
    try {
      const refs = new Map(['a', 'b'].map((h) => [h, newSeriesRef()]));
      const writer: WriteService = daemon.kernel.container.resolve('writer');
      await writer.write(batchOf(['a', 'b'], 1000, refs), { source: 'test', sync: false });
      await writer.write(batchOf(['b', 'a'], 2000, refs), { source: 'test', sync: false });
      const storage: StorageEngine = daemon.kernel.container.resolve('storage');
      const hosts: Record<string, number> = {};
      for await (const s of storage.read({ metric: 'r' }, ALL)) hosts[s.series.tags.host!] = s.points.length;
      expect(hosts).to.deep.equal({ a: 2, b: 1, b2: 1 });
      expect([...refs.values()].every((r) => r.memo.every((m) => m === undefined))).to.equal(true);
    } finally {
      await daemon.stop();
    }
  });
});
