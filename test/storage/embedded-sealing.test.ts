/**
 * The embedded engine with head compression (`headCompression`, head-series.ts sealing)
 * answers exactly as without it: random writes (late points, repeats, integers and floats,
 * strings in some series), background cuts with their carry-back, reads, `last` and
 * downsampled reads between writes, a checkpoint, and a reopen (WAL replay).
 */
import { expect } from 'chai';
import { ValueKind, type DataPoint, type SeriesData } from '../../core';
import { pointBatch } from '../../core/testing/batch';
import { mulberry32 } from '../../core/testing/random';
import type { EmbeddedEngine } from '../../plugins/storage-embedded/engine';
import { embeddedEngine, tempDataDir } from '../helpers/embedded';

const BASE = 1_700_000_000_000;
const ALL = { start: -8.64e15, end: 8.64e15 };

/** Every series' points as plain rows, sorted by series key. */
async function everything(engine: EmbeddedEngine): Promise<unknown[]> {
  const rows: unknown[] = [];
  const series: SeriesData[] = [];
  for await (const s of engine.read({ metric: 'm' }, ALL)) series.push(s);
  series.sort((a, b) => (JSON.stringify(a.series.tags) < JSON.stringify(b.series.tags) ? -1 : 1));
  for (const { series: info, points: p } of series) {
    const points: unknown[] = [];
    for (let i = 0; i < p.length; i++) {
      const kind = p.kinds[i]!;
      points.push([p.timestamps[i], kind, kind === ValueKind.Float ? p.floats[i] : kind === ValueKind.Int ? String(p.ints[i]) : p.texts[i]]);
    }
    rows.push([info.tags, points]);
  }
  return rows;
}

async function lasts(engine: EmbeddedEngine): Promise<unknown[]> {
  const out: unknown[] = [];
  for await (const l of engine.last({ metric: 'm' })) out.push([l.series.tags, l.timestamp, l.kind, l.float, String(l.int), l.text]);
  return out.sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1));
}

async function counts(engine: EmbeddedEngine): Promise<unknown[]> {
  const out: unknown[] = [];
  for await (const d of engine.readDownsampled({ metric: 'm' }, ALL, { intervalMs: 60_000, aggregator: 'count' } as never)) out.push(JSON.stringify(d, (_, v: unknown) => (typeof v === 'bigint' ? String(v) : ArrayBuffer.isView(v) ? Array.from(v as unknown as ArrayLike<unknown>) : v)));
  return out.sort();
}

describe('embedded engine: head compression', () => {
  it('answers reads, last and downsampled reads exactly as raw heads do, through background cuts and a reopen', async () => {
    const options = { headMaxPoints: 6_000, cutHoldBackMs: 60_000, chunkMaxPoints: 256 };
    const sealedDir = tempDataDir('sealed');
    let sealed = await embeddedEngine(sealedDir, { ...options, headCompression: true });
    const raw = await embeddedEngine(tempDataDir('raw'), { ...options, headCompression: false });
    await sealed.open();
    await raw.open();
    try {
      const next = mulberry32(7);
      const clock = new Array<number>(30).fill(0);
      for (let batch = 0; batch < 60; batch++) {
        const points: DataPoint[] = [];
        for (let i = 0; i < 400; i++) {
          const s = Math.floor(next() * clock.length);
          clock[s]! += 1;
          // mostly in order; some a little late, a few far (beyond any hold), some repeats
          const r = next();
          const step = r < 0.15 ? clock[s]! - 1 - Math.floor(next() * 20) : r < 0.17 ? Math.floor(next() * clock[s]!) : clock[s]!;
          const timestamp = BASE + Math.max(0, step) * 10_000;
          const tags = { host: `h${s}` };
          const k = next();
          if (s < 3 && k < 0.05) points.push({ metric: 'm', tags, timestamp, value: { kind: ValueKind.String, value: `s${batch}.${i}` } } as DataPoint);
          else if (s % 2 === 0) points.push({ metric: 'm', tags, timestamp, value: { kind: ValueKind.Float, value: Math.round(next() * 10_000) / 100 } } as DataPoint);
          else points.push({ metric: 'm', tags, timestamp, value: { kind: ValueKind.Int, value: BigInt(Math.floor(next() * 2 ** 40)) - 2n ** 39n } } as DataPoint);
        }
        await sealed.write(pointBatch(points));
        await raw.write(pointBatch(points));
        if (batch % 10 === 9) {
          expect(await everything(sealed), `read after batch ${batch}`).to.deep.equal(await everything(raw));
          expect(await lasts(sealed), `last after batch ${batch}`).to.deep.equal(await lasts(raw));
          expect(await counts(sealed), `counts after batch ${batch}`).to.deep.equal(await counts(raw));
        }
      }
      const stats = await sealed.stats();
      expect(stats.checkpoints, 'background cuts ran').to.be.greaterThan(1);
      // heads sealed: points later than a hold decoded some back (a module-wide count; the raw engine seals nothing)
      expect(Number(stats.headLateUnseals), 'late points met sealed heads').to.be.greaterThan(0);
      expect(await everything(sealed)).to.deep.equal(await everything(raw));
      sealed.checkpoint();
      raw.checkpoint();
      expect(await everything(sealed)).to.deep.equal(await everything(raw));
      // a reopen replays the WAL into sealing heads
      const before = await everything(raw);
      await sealed.close();
      sealed = await embeddedEngine(sealedDir, { ...options, headCompression: true });
      await sealed.open();
      expect(await everything(sealed)).to.deep.equal(before);
    } finally {
      await sealed.close();
      await raw.close();
    }
  });
});
