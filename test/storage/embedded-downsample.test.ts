/**
 * The embedded engine's readDownsampled over blocks: buckets split across chunks, blocks
 * and the head are joined exactly, chunk summaries are kept and used, and overlapping
 * blocks (an out-of-order write) fall back to the plain read.
 */
import { expect } from 'chai';
import { ValueKind, type DataPoint } from '../../core';
import { pointBatch } from '../../core/testing/batch';
import { answered, compareDownsampled, MERGING_REDUCERS, REDUCER_REQUESTS, REDUCERS } from '../../core/testing/downsample-conformance';
import { BlockReader } from '../../plugins/storage-embedded/block';
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
        for (const agg of REDUCER_REQUESTS) {
          await compareDownsampled(engine, 'm', all, { intervalMs, ...agg });
          await compareDownsampled(engine, 'm', { start: BASE + 20_500, end: BASE + 377_000 }, { intervalMs, ...agg });
        }
      }
      expect(answered.points, 'no series fell back to points').to.equal(0);
      expect(answered.buckets).to.equal(2 * REDUCER_REQUESTS.length * 2 * 4);
      // the summaries of a query asked once are not kept (the doorkeeper); asked again, they are
      const median = { intervalMs: 60_000, aggregator: 'median', reduce: REDUCERS.median! };
      await compareDownsampled(engine, 'm', { start: BASE + 2_000, end: BASE + 250_000 }, median);
      const once = engine.summaries.size.entries;
      // (another range over the same whole chunks: the same range again is the series' memo's)
      await compareDownsampled(engine, 'm', { start: BASE + 1_000, end: BASE + 251_000 }, median);
      expect(engine.summaries.size.entries, 'kept the second time').to.be.greaterThan(once);
      await compareDownsampled(engine, 'm', all, { intervalMs: 60_000, aggregator: 'sum', reduce: REDUCERS.sum! });
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

  it('drops the summaries kept on the chunks of blocks a compaction closed: they would keep the closed blocks in memory', async () => {
    const engine = await embeddedEngine(tempDataDir('ds-closed'), { chunkMaxPoints: 16, headMaxPoints: 1_000_000 });
    await engine.open();
    try {
      for (const [from, to] of [[0, 100], [100, 200]] as const) {
        await engine.write(pointBatch(points('m', from, to)));
        engine.checkpoint();
      }
      const sum = { intervalMs: 60_000, aggregator: 'sum', reduce: REDUCERS.sum! };
      const range = { start: BASE, end: BASE + 300_000 };
      // a summary is kept the second time it is made (another range: a repeat of the same is the series' memo)
      const shifted = { start: BASE + 1, end: BASE + 300_001 };
      await compareDownsampled(engine, 'm', range, sum);
      await compareDownsampled(engine, 'm', shifted, sum);
      const internals = engine as unknown as { summaries: { size: { entries: number; bytes: number } }; blocks: { blocks: BlockReader[] } };
      const before = internals.blocks.blocks;
      expect(before).to.have.length(2);
      expect(internals.summaries.size.entries).to.be.greaterThan(0);
      const refsOf = (blocks: BlockReader[]) => blocks.flatMap((b) => b.refs);
      expect(refsOf(before).some((ref) => ref.summaries !== undefined)).to.equal(true);
      engine.compact();
      expect(internals.blocks.blocks).to.have.length(1);
      expect(before.every((b) => b.closed)).to.equal(true);
      expect(refsOf(before).filter((ref) => ref.summaries !== undefined), 'summaries left on closed blocks').to.deep.equal([]);
      const left = internals.summaries as unknown as { queue: { memo?: object }[]; first: number };
      expect(left.queue.slice(left.first).filter((e) => e.memo === undefined), 'chunk summaries still counted').to.deep.equal([]);
      // the merged block's chunks are summarised and kept anew, and answer the same
      await compareDownsampled(engine, 'm', range, sum);
      await compareDownsampled(engine, 'm', shifted, sum);
      expect(internals.summaries.size.entries).to.be.greaterThan(0);
      await compareDownsampled(engine, 'm', range, sum);
    } finally {
      await engine.close();
    }
  });

  it('merges blocks and heads that overlap in time (out-of-order writes) point by point, later writes winning, and stays exact', async () => {
    const engine = await embeddedEngine(tempDataDir('ds-overlap'), { chunkMaxPoints: 16 });
    await engine.open();
    try {
      const rewrite = (from: number, to: number, value: number): DataPoint[] => points('o', from, to).map((p) => ({ ...p, value: { kind: ValueKind.Float, value } }) as DataPoint);
      const check = async (label: string) => {
        answered.buckets = answered.points = 0;
        for (const agg of REDUCER_REQUESTS) {
          for (const request of [
            { intervalMs: 60_000, ...agg },
            { intervalMs: 7000, values: { start: BASE + 30_000, end: BASE + 170_000 }, ...agg },
            { intervalMs: 0, all: true, values: { start: BASE + 20_000, end: BASE + 150_000 }, ...agg },
          ]) {
            await compareDownsampled(engine, 'o', { start: -8.64e15, end: 8.64e15 }, request);
            await compareDownsampled(engine, 'o', { start: BASE + 52_000, end: BASE + 120_000 }, request);
          }
        }
        expect(answered.points, `${label}: no series handed back as points`).to.equal(0);
        expect(answered.buckets, label).to.equal(REDUCER_REQUESTS.length * 3 * 2 * 4);
      };
      await engine.write(pointBatch(points('o', 0, 200)));
      engine.checkpoint();
      // rewrites of older timestamps: in the head, they overlap the block and win, as in read()
      await engine.write(pointBatch(rewrite(50, 60, -1)));
      await check('head over a block');
      // then in a newer block, and newer rewrites of some of them in the head again
      engine.checkpoint();
      await engine.write(pointBatch(rewrite(55, 58, -2)));
      await engine.write(pointBatch(points('o', 200, 230)));
      await check('two blocks and the head over one span');
      engine.checkpoint();
      await check('three blocks over one span');
      await check('three blocks over one span, again (summaries kept)');
      engine.compact();
      await check('after compaction, one block');
      // a string in an overlapping part: that series is handed back as points
      await engine.write(pointBatch([{ metric: 'o', tags: { host: 'h0' }, timestamp: BASE + 100_000, value: { kind: ValueKind.String, value: 'late' } } as DataPoint]));
      answered.buckets = answered.points = 0;
      await compareDownsampled(engine, 'o', { start: -8.64e15, end: 8.64e15 }, { intervalMs: 60_000, aggregator: 'sum', reduce: REDUCERS.sum! });
      expect([answered.points, answered.buckets]).to.deep.equal([1, 3]);
    } finally {
      await engine.close();
    }
  });

  it('keeps one partial value per edge bucket for decomposable aggregators (count, min), not the raw values', async () => {
    const engine = await embeddedEngine(tempDataDir('ds-partials'), { chunkMaxPoints: 500 });
    await engine.open();
    try {
      await engine.write(pointBatch(points('p', 0, 2000)));
      engine.checkpoint();
      const all = { start: -8.64e15, end: 8.64e15 };
      const kept = (key: string) => {
        const runs: { headValues: Float64Array; tailValues: Float64Array; partial: boolean }[] = [];
        for (const entry of (engine as any).index.byId as ({ chunks: { summaries?: { key: string; run: (typeof runs)[0] }[] }[] } | undefined)[]) {
          for (const c of entry?.chunks ?? []) for (const slot of c.summaries ?? []) if (slot.key === key) runs.push(slot.run);
        }
        return runs;
      };
      // the bytes of the summaries a query asked twice keeps (asked once: none, the doorkeeper)
      const bytesAfter = async (request: Parameters<typeof compareDownsampled>[3], key: string): Promise<number> => {
        await compareDownsampled(engine, 'p', all, request);
        expect(kept(key), `${key}: nothing kept the first time`).to.have.length(0);
        const before = engine.summaries.size.bytes;
        // another read range over the same chunks (the same one again is the series' memo's)
        await compareDownsampled(engine, 'p', { start: all.start + 1, end: all.end - 1 }, request);
        expect(kept(key), key).to.have.length(16);
        return engine.summaries.size.bytes - before;
      };
      // 4 series x 4 chunks of 500 points: raw edges keep every value of a `0all` summary
      const raw = await bytesAfter({ intervalMs: 0, all: true, values: { start: BASE, end: BASE + 3_000_000 }, aggregator: 'sum', reduce: REDUCERS.sum! }, 'all:sum');
      expect(raw).to.be.at.least(4 * 2000 * 8);
      for (const [aggregator, f] of Object.entries(MERGING_REDUCERS)) {
        const partial = await bytesAfter({ intervalMs: 0, all: true, values: { start: BASE, end: BASE + 3_000_000 }, aggregator, ...f }, `all:${aggregator}:partial`);
        expect(partial, aggregator).to.be.greaterThan(0).and.below(raw / 4);
        // 10-minute buckets: 600 points in each, edges of 500-point chunks cut most of them
        const tenMinutes = await bytesAfter({ intervalMs: 600_000, aggregator, ...f }, `600000:${aggregator}:partial`);
        expect(tenMinutes, aggregator).to.be.greaterThan(0).and.below(raw / 4);
        for (const key of [`all:${aggregator}:partial`, `600000:${aggregator}:partial`]) {
          const runs = kept(key);
          expect(runs, key).to.have.length(16);
          for (const run of runs) expect([run.partial, run.headValues.length, run.tailValues.length], key).to.deep.equal([true, 0, 0]);
        }
      }
    } finally {
      await engine.close();
    }
  });

  it('counts a chunk of finite numbers in one bucket from its header (ints, decimal floats), and decodes the others (NaN, other floats, mixed kinds)', async () => {
    const engine = await embeddedEngine(tempDataDir('ds-finite'), { chunkMaxPoints: 100 });
    await engine.open();
    const decoded = new Map<string, number>();
    const proto = BlockReader.prototype;
    const readChunkInto = proto.readChunkInto;
    const readTimestampsInto = proto.readTimestampsInto;
    try {
      // 1,000 points a series, 10 chunks each, all in one hour (BASE is 800 s past an hour)
      const kinds: Record<string, (k: number) => DataPoint['value']> = {
        ints: (k) => ({ kind: ValueKind.Int, value: BigInt(k * 37 - 5000) }),
        decimals: (k) => ({ kind: ValueKind.Float, value: k / 4 - 3.25 }),
        nans: (k) => ({ kind: ValueKind.Float, value: k % 10 === 3 ? NaN : k / 4 }),
        sines: (k) => ({ kind: ValueKind.Float, value: Math.sin(k) }),
        mixed: (k) => (k % 2 === 0 ? { kind: ValueKind.Int, value: BigInt(k) } : { kind: ValueKind.Float, value: k + 0.5 }),
      };
      const written: DataPoint[] = [];
      for (const [host, value] of Object.entries(kinds)) for (let k = 0; k < 1000; k++) written.push({ metric: 'f', tags: { host }, timestamp: BASE + k * 1000, value: value(k) } as DataPoint);
      await engine.write(pointBatch(written));
      engine.checkpoint();
      // and a few in the head
      await engine.write(pointBatch(Object.keys(kinds).map((host) => ({ metric: 'f', tags: { host }, timestamp: BASE + 1_000_000, value: { kind: ValueKind.Int, value: 1n } }) as DataPoint)));
      const hosts = new Map<unknown, string>();
      for (const entry of (engine as any).index.byId as ({ info: { tags: Record<string, string> }; chunks: unknown[] } | undefined)[]) for (const c of entry?.chunks ?? []) hosts.set(c, entry!.info.tags.host!);
      // the block index says which chunks hold only finite numbers (DSDBEND4's flags): known before any chunk is read
      const finiteByHost: Record<string, boolean[]> = {};
      for (const [ref, host] of hosts) (finiteByHost[host] ??= []).push((ref as { finite?: boolean }).finite!);
      expect(Object.fromEntries(Object.entries(finiteByHost).map(([host, flags]) => [host, [...new Set(flags)]]))).to.deep.equal({ ints: [true], decimals: [true], nans: [false], sines: [false], mixed: [false] });
      proto.readChunkInto = function (this: BlockReader, ref, out) {
        const host = hosts.get(ref)!;
        decoded.set(host, (decoded.get(host) ?? 0) + 1);
        return readChunkInto.call(this, ref, out);
      };
      const all = { start: -8.64e15, end: 8.64e15 };
      const count = { aggregator: 'count', ...MERGING_REDUCERS.count! };
      const ofFinite = (n: number) => n;
      for (const request of [
        { intervalMs: 0, all: true, values: { start: BASE, end: BASE + 2_000_000 }, ...count, ofFinite },
        { intervalMs: 3_600_000, ...count, ofFinite },
      ]) {
        decoded.clear();
        expect(await compareDownsampled(engine, 'f', all, request)).to.equal(5);
        expect(Object.fromEntries(decoded), `${request.intervalMs}`).to.deep.equal({ nans: 10, sines: 10, mixed: 10 });
      }
      // 60 s buckets: most chunks span several, so they are decoded; the answers stay exact
      decoded.clear();
      await compareDownsampled(engine, 'f', all, { intervalMs: 60_000, ...count, ofFinite });
      expect(decoded.get('ints')).to.equal(10);
      // without ofFinite (an aggregator whose result depends on the values) every chunk is decoded
      decoded.clear();
      await compareDownsampled(engine, 'f', { start: all.start + 1, end: all.end }, { intervalMs: 0, all: true, values: { start: BASE, end: BASE + 2_000_000 }, ...count });
      expect(Object.fromEntries(decoded)).to.deep.equal({ ints: 10, decimals: 10, nans: 10, sines: 10, mixed: 10 });
      // late writes into the head within the seventh chunk's span (a NaN over a decimal, a
      // new timestamp, a repeat), beside the head's point past the last chunk: only that
      // chunk and those late points are merged point by point (the head is split where the
      // chunks begin and end), and of a finite chunk only its timestamps are decoded
      const late: DataPoint[] = [];
      for (const host of Object.keys(kinds)) {
        late.push({ metric: 'f', tags: { host }, timestamp: BASE + 600_000, value: host === 'decimals' ? { kind: ValueKind.Float, value: NaN } : { kind: ValueKind.Float, value: 2.5 } } as DataPoint);
        late.push({ metric: 'f', tags: { host }, timestamp: BASE + 600_500, value: { kind: ValueKind.Int, value: 7n } } as DataPoint);
      }
      await engine.write(pointBatch(late));
      const timestampsOnly = new Map<string, number>();
      proto.readTimestampsInto = function (this: BlockReader, ref, out) {
        const host = hosts.get(ref)!;
        timestampsOnly.set(host, (timestampsOnly.get(host) ?? 0) + 1);
        return readTimestampsInto.call(this, ref, out);
      };
      for (const request of [
        { intervalMs: 0, all: true, values: { start: BASE, end: BASE + 2_000_000 }, ...count, ofFinite },
        { intervalMs: 60_000, ...count, ofFinite },
      ]) {
        decoded.clear();
        timestampsOnly.clear();
        expect(await compareDownsampled(engine, 'f', { start: all.start, end: all.end - 1 }, request)).to.equal(5);
        expect(Object.fromEntries(timestampsOnly), `${request.intervalMs}: timestamps only`).to.deep.equal({ ints: 1, decimals: 1 });
        expect(decoded.get('ints') ?? 0, `${request.intervalMs}`).to.equal('all' in request ? 0 : 9);
        // a chunk that may hold NaN is decoded whole where it overlaps (1); the `0all`
        // summaries of the others were kept by the two `0all` counts above
        expect(decoded.get('nans'), `${request.intervalMs}`).to.equal('all' in request ? 1 : 10);
      }
    } finally {
      proto.readChunkInto = readChunkInto;
      proto.readTimestampsInto = readTimestampsInto;
      await engine.close();
    }
  });

  it('splits a head of late points where the chunks begin and end: every reducer exact, and only the chunks the late points fall in merged', async () => {
    const engine = await embeddedEngine(tempDataDir('ds-split'), { chunkMaxPoints: 16, headMaxPoints: 1_000_000 });
    await engine.open();
    const proto = BlockReader.prototype;
    const { readChunkInto } = proto;
    let decoded = 0;
    try {
      let seed = 20261203;
      const rnd = (): number => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
      // two blocks of four series (10 chunks of 16 points each), the second overlapping the
      // first's last chunks; then late points into the head: repeats of block timestamps
      // (floats, integers, a NaN), new timestamps inside chunks, in gaps between them and
      // past the last, spread over the series' whole time
      await engine.write(pointBatch(points('late', 0, 100)));
      engine.checkpoint();
      await engine.write(pointBatch(points('late', 90, 160)));
      engine.checkpoint();
      const late: DataPoint[] = [];
      for (let s = 0; s < 4; s++) {
        for (let j = 0; j < 12; j++) {
          const k = Math.floor(rnd() * 170);
          const repeat = rnd() < 0.5;
          const timestamp = BASE + k * 1000 + (repeat ? s * 7 : 500);
          const value = rnd() < 0.15 ? { kind: ValueKind.Float, value: NaN } : rnd() < 0.5 ? { kind: ValueKind.Int, value: BigInt(j - 6) } : { kind: ValueKind.Float, value: rnd() * 10 };
          late.push({ metric: 'late', tags: { host: `h${s}` }, timestamp, value } as DataPoint);
        }
      }
      // and repeats of a chunk's first and last timestamps (chunks hold k = 16m … 16m + 15)
      for (let s = 0; s < 4; s++) for (const k of [31, 48]) late.push({ metric: 'late', tags: { host: `h${s}` }, timestamp: BASE + k * 1000 + s * 7, value: { kind: ValueKind.Float, value: -k } } as DataPoint);
      await engine.write(pointBatch(late));
      const all = { start: -8.64e15, end: 8.64e15 };
      answered.buckets = answered.points = 0;
      for (const intervalMs of [7000, 60_000]) {
        for (const agg of REDUCER_REQUESTS) {
          await compareDownsampled(engine, 'late', all, { intervalMs, ...agg });
          await compareDownsampled(engine, 'late', { start: BASE + 20_500, end: BASE + 131_000 }, { intervalMs, ...agg });
          await compareDownsampled(engine, 'late', all, { intervalMs: 0, all: true, values: { start: BASE + 3_000, end: BASE + 150_000 }, ...agg });
        }
      }
      expect(answered.points, 'no series fell back to points').to.equal(0);
      expect(answered.buckets).to.equal(2 * REDUCER_REQUESTS.length * 3 * 4);
      // one late point in one chunk's span: that chunk alone is merged with it, every other
      // chunk is read alone (a repeat of the sum is then answered from kept summaries)
      const one = await embeddedEngine(tempDataDir('ds-split-one'), { chunkMaxPoints: 16, headMaxPoints: 1_000_000 });
      await one.open();
      try {
        await one.write(pointBatch(points('one', 0, 160).filter((p) => p.tags.host === 'h0')));
        one.checkpoint();
        await one.write(pointBatch([{ metric: 'one', tags: { host: 'h0' }, timestamp: BASE + 40_500, value: { kind: ValueKind.Float, value: 1 } } as DataPoint]));
        await one.write(pointBatch([{ metric: 'one', tags: { host: 'h0' }, timestamp: BASE + 200_000, value: { kind: ValueKind.Float, value: 1 } } as DataPoint]));
        const sum = { intervalMs: 60_000, aggregator: 'sum', reduce: REDUCERS.sum! };
        for (let i = 0; i < 3; i++) await compareDownsampled(one, 'one', all, sum);
        proto.readChunkInto = function (this: BlockReader, ref, out) {
          decoded++;
          return readChunkInto.call(this, ref, out);
        };
        await compareDownsampled(one, 'one', all, sum);
        expect(decoded, 'chunks decoded for a repeat with one late point').to.equal(1);
      } finally {
        proto.readChunkInto = readChunkInto;
        await one.close();
      }
    } finally {
      proto.readChunkInto = readChunkInto;
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
        for (const agg of REDUCER_REQUESTS) {
          for (const request of [
            { intervalMs: 7000, values, ...agg },
            { intervalMs: 0, all: true, values, ...agg },
            { intervalMs: 7000, values: { start: BASE + 10_000, end: BASE + 200_000 }, ...agg },
          ]) {
            answered.buckets = answered.points = 0;
            await compareDownsampled(engine, 's', range, request);
            await compareDownsampled(engine, 's', { start: BASE + 3000, end: BASE + 200_000 }, request); // the chunk with the string cut by the read
            expect(answered.points, `${agg.aggregator} ${request.intervalMs}`).to.equal(4);
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
        for (const agg of REDUCER_REQUESTS) {
          await compareDownsampled(engine, 'w', range, { intervalMs: 60_000, values, ...agg });
          await compareDownsampled(engine, 'w', range, { intervalMs: 0, all: true, values, ...agg });
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
          for (const agg of REDUCER_REQUESTS) await compareDownsampled(engine, 'b', { start: -8.64e15, end: 8.64e15 }, { intervalMs, ...agg });
        }
        expect(answered.buckets).to.equal(3 * REDUCER_REQUESTS.length * 4);
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
