/**
 * The embedded engine's readDownsampled over blocks: buckets split across chunks, blocks
 * and the head are joined exactly, chunk summaries are kept and used, and overlapping
 * blocks (an out-of-order write) fall back to the plain read.
 */
import { expect } from 'chai';
import { ValueKind, type DataPoint } from '../../core';
import { pointBatch } from '../../core/testing/batch';
import { answered, compareDownsampled, REDUCERS } from '../../core/testing/downsample-conformance';
import { embeddedEngine, tempDataDir } from '../helpers/embedded';

const BASE = 1_700_000_000_000;

function points(metric: string, from: number, to: number): DataPoint[] {
  const out: DataPoint[] = [];
  for (let s = 0; s < 4; s++) {
    for (let k = from; k < to; k++) {
      const value = s % 2 === 0 ? { kind: ValueKind.Float, value: Math.sin(k * (s + 1)) * 1e3 + 0.1 } : { kind: ValueKind.Int, value: BigInt(k * k * (s + 1)) };
      out.push({ metric, tags: { host: `h${s}` }, timestamp: BASE + k * 1000 + s * 7, value } as DataPoint);
    }
  }
  return out;
}

describe('embedded engine: downsampling in the engine', () => {
  it('joins buckets split across chunks, blocks and the head, and answers repeats from kept summaries', async () => {
    const engine = await embeddedEngine(tempDataDir('ds'), { chunkMaxPoints: 16, headMaxPoints: 1_000_000 });
    await engine.open();
    try {
      // three blocks and a head, in time order; chunk edges of 16 points fall inside 7 s and 60 s buckets
      for (const [from, to] of [[0, 101], [101, 250], [250, 333]] as const) {
        await engine.write(pointBatch(points('m', from, to)));
        engine.checkpoint();
      }
      await engine.write(pointBatch(points('m', 333, 400)));
      answered.buckets = answered.points = 0;
      const all = { start: -8.64e15, end: 8.64e15 };
      for (const intervalMs of [7000, 60_000]) {
        for (const [aggregator, reduce] of Object.entries(REDUCERS)) {
          await compareDownsampled(engine, 'm', all, { intervalMs, aggregator, reduce });
          await compareDownsampled(engine, 'm', { start: BASE + 20_500, end: BASE + 377_000 }, { intervalMs, aggregator, reduce });
        }
      }
      expect(answered.points, 'no series fell back to points').to.equal(0);
      expect(answered.buckets).to.equal(2 * 4 * 2 * 4);
      const misses = engine.summaries.misses;
      const hits = engine.summaries.hits;
      await compareDownsampled(engine, 'm', all, { intervalMs: 60_000, aggregator: 'sum', reduce: REDUCERS.sum! });
      expect(engine.summaries.misses, 'a repeat decodes no chunk').to.equal(misses);
      expect(engine.summaries.hits - hits).to.be.greaterThan(4 * 20);
      const stats = await engine.stats();
      expect(stats.bucketCacheHits).to.equal(engine.summaries.hits);
      expect(stats.bucketCacheEntries).to.be.greaterThan(0);
      expect(stats.bucketCacheBytes).to.be.greaterThan(0);
    } finally {
      await engine.close();
    }
  });

  it('falls back to the plain read where blocks overlap (an out-of-order write), and stays exact', async () => {
    const engine = await embeddedEngine(tempDataDir('ds-overlap'), { chunkMaxPoints: 16 });
    await engine.open();
    try {
      await engine.write(pointBatch(points('o', 0, 200)));
      engine.checkpoint();
      // rewrites of older timestamps, in a newer block: they win, as in read()
      await engine.write(pointBatch(points('o', 50, 60).map((p) => ({ ...p, value: { kind: ValueKind.Float, value: -1 } }) as DataPoint)));
      engine.checkpoint();
      answered.buckets = answered.points = 0;
      for (const [aggregator, reduce] of Object.entries(REDUCERS)) await compareDownsampled(engine, 'o', { start: -8.64e15, end: 8.64e15 }, { intervalMs: 60_000, aggregator, reduce });
      expect(answered.points).to.equal(4 * 4);
      engine.compact();
      answered.buckets = answered.points = 0;
      for (const [aggregator, reduce] of Object.entries(REDUCERS)) await compareDownsampled(engine, 'o', { start: -8.64e15, end: 8.64e15 }, { intervalMs: 60_000, aggregator, reduce });
      expect(answered.buckets, 'after compaction one block: buckets again').to.equal(4 * 4);
    } finally {
      await engine.close();
    }
  });

  it('hands back points for a series with a string or JSON value read outside the bucketed range (head, whole chunk, cut chunk)', async () => {
    const engine = await embeddedEngine(tempDataDir('ds-strings'), { chunkMaxPoints: 16 });
    await engine.open();
    try {
      const at = (host: string, k: number, value: DataPoint['value']): DataPoint => ({ metric: 's', tags: { host }, timestamp: BASE + k * 1000, value }) as DataPoint;
      const num = (k: number): DataPoint['value'] => ({ kind: ValueKind.Int, value: BigInt(k) });
      const write = async (host: string, text: DataPoint['value']) => {
        const pts: DataPoint[] = [];
        for (let k = 0; k < 100; k++) pts.push(at(host, k, k === 5 ? text : num(k)));
        await engine.write(pointBatch(pts));
      };
      await write('str', { kind: ValueKind.String, value: 'boot' });
      await write('json', { kind: ValueKind.Json, value: '{"a":1}' });
      // the bucketed part starts after the non-number (a query's first bucket boundary, or `0all`'s start)
      const range = { start: BASE, end: BASE + 200_000 };
      const values = { start: BASE + 60_000, end: BASE + 200_000 };
      const check = async () => {
        for (const [aggregator, reduce] of Object.entries(REDUCERS)) {
          for (const request of [
            { intervalMs: 7000, values, aggregator, reduce },
            { intervalMs: 0, all: true, values, aggregator, reduce },
            { intervalMs: 7000, values: { start: BASE + 10_000, end: BASE + 200_000 }, aggregator, reduce },
          ]) {
            answered.buckets = answered.points = 0;
            await compareDownsampled(engine, 's', range, request);
            await compareDownsampled(engine, 's', { start: BASE + 3000, end: BASE + 200_000 }, request); // the chunk with the string cut by the read
            expect(answered.points, `${aggregator} ${request.intervalMs}`).to.equal(4);
          }
        }
      };
      await check(); // in the head
      engine.checkpoint();
      await check(); // in a block, the string's chunk wholly before the bucketed part
      await check(); // again, from what the engine kept
    } finally {
      await engine.close();
    }
  });

  it('counts a point overwritten outside the bucketed range once, as read() returns it (the query limits count them)', async () => {
    const engine = await embeddedEngine(tempDataDir('ds-overwritten'), { chunkMaxPoints: 16 });
    await engine.open();
    try {
      const pts = (offset: number, from: number, to: number): DataPoint[] => {
        const out: DataPoint[] = [];
        for (let k = from; k < to; k++) out.push({ metric: 'w', tags: { host: 'a' }, timestamp: BASE + k * 1000, value: { kind: ValueKind.Int, value: BigInt(offset + k) } } as DataPoint);
        return out;
      };
      await engine.write(pointBatch([...pts(0, 0, 40), ...pts(0, 600, 640)]));
      engine.checkpoint();
      await engine.write(pointBatch(pts(100, 0, 40))); // rewrites, before the bucketed range: in the head, then in a newer block
      const range = { start: BASE, end: BASE + 3_600_000 };
      const values = { start: BASE + 420_000, end: range.end };
      for (const cut of [false, true]) {
        if (cut) engine.checkpoint();
        for (const [aggregator, reduce] of Object.entries(REDUCERS)) {
          await compareDownsampled(engine, 'w', range, { intervalMs: 60_000, values, aggregator, reduce });
          await compareDownsampled(engine, 'w', range, { intervalMs: 0, all: true, values, aggregator, reduce });
        }
      }
    } finally {
      await engine.close();
    }
  });

  it('keeps summaries and series memos within summaryCacheBytes together (0: nothing kept), and stays exact', async () => {
    for (const bound of [0, 20_000]) {
      const engine = await embeddedEngine(tempDataDir('ds-bound'), { chunkMaxPoints: 16, summaryCacheBytes: bound });
      await engine.open();
      try {
        await engine.write(pointBatch(points('b', 0, 600)));
        engine.checkpoint();
        answered.buckets = answered.points = 0;
        for (const intervalMs of [7000, 60_000, 600_000]) {
          for (const [aggregator, reduce] of Object.entries(REDUCERS)) await compareDownsampled(engine, 'b', { start: -8.64e15, end: 8.64e15 }, { intervalMs, aggregator, reduce });
        }
        expect(answered.buckets).to.equal(3 * 4 * 4);
        expect(engine.summaries.size.bytes, `bound ${bound}`).to.be.at.most(bound);
        // the series' memos are within the bound too: none kept under 0
        const memos = ((engine as any).index.byId as { downsampled?: unknown }[]).filter((e) => e?.downsampled !== undefined).length;
        if (bound === 0) expect([engine.summaries.size.entries, memos]).to.deep.equal([0, 0]);
        else expect(engine.summaries.size.entries).to.be.greaterThan(0);
      } finally {
        await engine.close();
      }
    }
  });
});
