/**
 * SeriesRefs and SeriesSpaces' slots (core/series-ref.ts) on the write path: the embedded
 * engine and the writer trust a ref's or a space's memo only when it is still theirs, so a
 * ref or space that outlives an engine, is shared by two engines, or comes with a batch a
 * beforeWrite tap relabelled never sends points to the wrong series.
 */
import { expect } from 'chai';
import { definePlugin, newSeriesRef, newSeriesSpace, pointBatch, ValueKind, type DataPoint, type PointBatch, type SeriesRef, type SeriesSpace, type StorageEngine, type WriteService } from '../../core';
import { startDaemon } from '../helpers/daemon';
import { embeddedEngine, tempDataDir } from '../helpers/embedded';
import { CODEC_PLUGINS } from '../helpers/plugins';

const ALL = { start: -8.64e15, end: 8.64e15 };

/** How a batch names its series besides their keys: refs by host, or slots of one space (a host's slot is its index in HOSTS). */
interface Naming {
  refs: Map<string, SeriesRef>;
  space: SeriesSpace;
  slots: boolean;
  /** whether no memo of a ref or of the space was written */
  untouched(): boolean;
}

const HOSTS = ['a', 'b', 'c'];

function naming(slots: boolean): Naming {
  const refs = new Map(HOSTS.map((h) => [h, newSeriesRef()]));
  const space = newSeriesSpace();
  const untouched = () => [...refs.values()].every((r) => r.memo.every((m) => m === undefined)) && space.memo.every((m) => m === undefined);
  return { refs, space, slots, untouched };
}

/** A batch of one point per host, naming its series as `names` says. */
function batchOf(hosts: string[], t: number, names: Naming): PointBatch {
  const points: DataPoint[] = hosts.map((host, i) => ({ metric: 'r', tags: { host }, timestamp: t, value: { kind: ValueKind.Float, value: i + t / 1000 } }));
  const batch = pointBatch(points);
  if (names.slots) batch.seriesSlots = { space: names.space, slots: Uint32Array.from(batch.series, (s) => HOSTS.indexOf(s.tags.host!)) };
  else batch.seriesRefs = batch.series.map((s) => names.refs.get(s.tags.host!));
  return batch;
}

async function hostsOf(engine: Awaited<ReturnType<typeof embeddedEngine>>): Promise<Record<string, number[]>> {
  const out: Record<string, number[]> = {};
  for await (const s of engine.read({ metric: 'r' }, ALL)) out[s.series.tags.host!] = Array.from(s.points.timestamps);
  return out;
}

describe('series refs and slots on the write path', () => {
  for (const slots of [false, true]) {
  const by = slots ? 'slots of a space' : 'refs';
  it(`keeps each point in its series when ${by} outlive an engine and are shared by two engines`, async () => {
    const refs = naming(slots);
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

  it(`drops the ${by} of a batch a beforeWrite tap relabels, so memos do not follow the old series`, async () => {
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
      const refs = naming(slots);
      const writer: WriteService = daemon.kernel.container.resolve('writer');
      await writer.write(batchOf(['a', 'b'], 1000, refs), { source: 'test', sync: false });
      await writer.write(batchOf(['b', 'a'], 2000, refs), { source: 'test', sync: false });
      const storage: StorageEngine = daemon.kernel.container.resolve('storage');
      const hosts: Record<string, number> = {};
      for await (const s of storage.read({ metric: 'r' }, ALL)) hosts[s.series.tags.host!] = s.points.length;
      expect(hosts).to.deep.equal({ a: 2, b: 1, b2: 1 });
      expect(refs.untouched()).to.equal(true);
    } finally {
      await daemon.stop();
    }
  });
  }
});
