/**
 * The head's staging (plugins/storage-embedded/head-staging.ts): numeric points wait in
 * arrival order and reach their series' heads a series at a time. What a head ends up
 * holding must be exactly what appending each point as it came gives (order, last write
 * wins, late points, int64 words, strings and JSON between numeric batches), and every
 * reader of the engine sees a point as soon as its write returned, with no other read
 * before it to move the staged points in.
 */
import { expect } from 'chai';
import { ValueKind, type DataPoint, type SeriesPoints } from '../../core';
import { pointBatch } from '../../core/testing/batch';
import { mulberry32 } from '../../core/testing/random';
import { Head, HeadSeries } from '../../plugins/storage-embedded/head';
import { sortGroupsByTime, STAGED_POINTS } from '../../plugins/storage-embedded/head-staging';
import { newSeriesEntry, type SeriesEntry } from '../../plugins/storage-embedded/series-index';
import { embeddedEngine, tempDataDir } from '../helpers/embedded';

const F = ValueKind.Float;
const I = ValueKind.Int;
const S = ValueKind.String;

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

describe('embedded head staging', () => {
  for (const sealing of [false, true]) it(`gives every series the head that appending point by point gives: interleaved series, late points, repeats, int64s, strings between, more than the staging holds; batches by entries and by ids (the write path\'s appendIds) mixed${sealing ? '; older points sealed, read (unsealed) between batches and sealed again' : ''}`, () => {
    const next = mulberry32(17);
    const seriesCount = 300;
    const entries = Array.from({ length: seriesCount }, (_, id) => newSeriesEntry(id, { metric: 'm', tags: {}, id: '' }));
    const head = new Head(0, sealing);
    let sealedSeen = 0;
    // the model: per series, the last write of each timestamp
    const want = Array.from({ length: seriesCount }, () => new Map<number, [number, number, bigint, string | undefined]>());
    const clock = new Array<number>(seriesCount).fill(0);
    let total = 0;
    let batches = 0;
    while (total < 2.5 * STAGED_POINTS) {
      // mostly numeric batches of every size, now and then one with strings (drained past)
      // and one larger than the staging (appended directly)
      const textBatch = batches % 7 === 3;
      const n = batches % 11 === 5 ? STAGED_POINTS + 10 : 1 + Math.floor(next() * 5000);
      batches++;
      // a batch's series in the order PointBatch gives them: `entries[s]` for seriesIndex s
      const batchSeries: number[] = [];
      const slotOf = new Map<number, number>();
      const columns = { length: n, seriesIndex: new Uint32Array(n), timestamps: new Float64Array(n), kinds: new Uint8Array(n), floats: new Float64Array(n), ints: new BigInt64Array(n), texts: [] as (string | undefined)[] };
      for (let i = 0; i < n; i++) {
        const series = Math.floor(next() * seriesCount);
        let slot = slotOf.get(series);
        if (slot === undefined) {
          slot = batchSeries.length;
          slotOf.set(series, slot);
          batchSeries.push(series);
        }
        // mostly in order; a fifth late by up to 40 steps (some onto a timestamp already written)
        clock[series]! += 1;
        const t = 1000 * (next() < 0.2 ? Math.max(0, clock[series]! - Math.floor(next() * 40)) : clock[series]!);
        columns.seriesIndex[i] = slot;
        columns.timestamps[i] = t;
        const r = next();
        // strings in the first half of the series only: the others keep sealing
        if (textBatch && r < 0.1 && series < seriesCount / 2) {
          columns.kinds[i] = S;
          columns.texts[i] = `s${i}`;
          want[series]!.set(t, [S, 0, 0n, `s${i}`]);
        } else if (r < 0.5) {
          const v = BigInt.asIntN(64, BigInt(Math.floor(next() * 2 ** 53)) * 1234567n - 2n ** 62n);
          columns.kinds[i] = I;
          columns.ints[i] = v;
          want[series]!.set(t, [I, 0, v, undefined]);
        } else {
          const v = next() * 1e6 - 5e5;
          columns.kinds[i] = F;
          columns.floats[i] = v;
          want[series]!.set(t, [F, v, 0n, undefined]);
        }
      }
      if (textBatch) columns.texts.length = n;
      // every third batch names its series by entry (Head.append: the WAL replay, a cut's
      // carry-back), the others by id as the write path does (ids are the entries' indexes)
      if (batches % 3 === 0) head.append(batchSeries.map((s) => entries[s]!), columns, batchSeries.length);
      else head.appendIds(entries, Uint32Array.from(batchSeries), columns, batchSeries.length);
      total += n;
      expect(head.points).to.equal(total);
      if (sealing && batches % 5 === 0) {
        // a read between batches: the series' head whole (its sealed points decoded back), as the model has it
        head.drain();
        for (const entry of entries) if (entry.head && entry.head.sealedBytes > 0) sealedSeen++;
        const s = Math.floor(next() * seriesCount);
        const h = entries[s]!.head;
        if (h) {
          const got = h.copy(0, h.length);
          expect(Array.from(got.timestamps), `series ${s} read between batches`).to.deep.equal([...want[s]!.keys()].sort((a, b) => a - b));
        }
      }
    }
    if (sealing) expect(sealedSeen, 'heads seen sealed').to.be.greaterThan(100);
    head.drain();
    for (let s = 0; s < seriesCount; s++) {
      const entry = entries[s]!;
      expect(head.isStaged(entry)).to.equal(false);
      const got = entry.head!.copy(0, entry.head!.length);
      const times = [...want[s]!.keys()].sort((a, b) => a - b);
      expect(Array.from(got.timestamps), `series ${s}`).to.deep.equal(times);
      expect(Array.from(got.kinds), `series ${s}`).to.deep.equal(times.map((t) => want[s]!.get(t)![0]));
      expect(Array.from(got.floats), `series ${s}`).to.deep.equal(times.map((t) => want[s]!.get(t)![1]));
      expect(Array.from(got.ints), `series ${s}`).to.deep.equal(times.map((t) => want[s]!.get(t)![2]));
      expect(Array.from({ length: got.length }, (_, k) => got.texts[k]), `series ${s}`).to.deep.equal(times.map((t) => want[s]!.get(t)![3]));
    }
  });

  it('sorts each series\' staged group by timestamp, stable, and leaves a group far out of order part sorted (a bounded number of moves); the head is right either way', () => {
    // two groups: four interleaved streams (a few places out of order), and one reversed
    const n = 4000;
    const timestamps = new Float64Array(2 * n);
    const order = new Uint32Array(2 * n);
    for (let k = 0; k < n; k++) {
      // stream k % 4 runs (k % 4) * 3 steps behind; every 50th point repeats the one before it
      timestamps[k] = k % 50 === 49 ? timestamps[k - 1]! : 1000 * (k - (k % 4) * 3);
      timestamps[n + k] = 1000 * (n - k);
      order[k] = k;
      order[n + k] = n + k;
    }
    sortGroupsByTime(order, Uint32Array.of(n, 2 * n), 2, timestamps);
    const first = Array.from(order.subarray(0, n));
    for (let k = 1; k < n; k++) {
      const [a, b] = [timestamps[first[k - 1]!]!, timestamps[first[k]!]!];
      expect(a <= b, `interleaved group at ${k}`).to.equal(true);
      // equal timestamps keep their arrival order (the later write stays later)
      if (a === b) expect(first[k - 1]! < first[k]!).to.equal(true);
    }
    // the reversed group: sorting it whole would move ~n²/2 indexes; it stops part sorted
    let unsorted = 0;
    for (let k = n + 1; k < 2 * n; k++) if (timestamps[order[k]!]! < timestamps[order[k - 1]!]!) unsorted++;
    expect(unsorted).to.be.greaterThan(n / 2);

    // through a head: a series written newest first (one drain's worth and more) gives
    // what appending point by point gives
    const head = new Head();
    const byPoint = new HeadSeries();
    const entry = newSeriesEntry(1, { metric: 'm', tags: {}, id: '' });
    const total = STAGED_POINTS + 100;
    for (let from = 0; from < total; from += 20_000) {
      const m = Math.min(20_000, total - from);
      const columns = { length: m, seriesIndex: new Uint32Array(m), timestamps: new Float64Array(m), kinds: new Uint8Array(m).fill(F), floats: new Float64Array(m), ints: new BigInt64Array(m), texts: [] as (string | undefined)[] };
      for (let i = 0; i < m; i++) {
        // newest first, a timestamp written twice in a row now and then (the second write wins)
        const k = from + i;
        columns.timestamps[i] = 1000 * (total - k + (k % 97 === 1 ? 1 : 0));
        columns.floats[i] = k;
        byPoint.appendNumber(columns.timestamps[i]!, F, k, 0, 0);
      }
      head.append([entry], columns);
    }
    const parts: SeriesPoints[] = [];
    head.collect(entry, 0, Infinity, parts);
    const got = parts.flatMap((p) => Array.from({ length: p.length }, (_, i) => [p.timestamps[i]!, p.floats[i]!]));
    byPoint.settle();
    const want = Array.from({ length: byPoint.length }, (_, i) => [byPoint.timestamps[i]!, byPoint.floats[i]!]);
    expect(got.length).to.equal(want.length);
    expect(got).to.deep.equal(want);
  });

  it('refuses a batch by id naming a series with no entry, staging none of it (the next batches are staged as before)', () => {
    const entries = [0, 1].map((id) => newSeriesEntry(id, { metric: 'm', tags: {}, id: '' }));
    const head = new Head();
    const columns = (n: number) => ({ length: n, seriesIndex: Uint32Array.from({ length: n }, (_, i) => i), timestamps: Float64Array.from({ length: n }, (_, i) => 1000 * (i + 1)), kinds: new Uint8Array(n).fill(F), floats: new Float64Array(n).fill(1.5), ints: new BigInt64Array(n), texts: [] });
    expect(() => head.appendIds(entries, Uint32Array.of(0, 5), columns(2), 2)).to.throw(/series id 5 has no entry/);
    expect(entries.map((e) => head.isStaged(e))).to.deep.equal([false, false]);
    expect(head.points).to.equal(0);
    head.appendIds(entries, Uint32Array.of(1, 0), columns(2), 2);
    expect(head.points).to.equal(2);
    head.drain();
    expect(entries.map((e) => e.head?.length)).to.deep.equal([1, 1]);
    expect(entries.map((e) => head.isStaged(e))).to.deep.equal([false, false]);
  });

  it('after a drain that threw part-way (a head that could not grow), the next drain appends the series not done yet, and each point once', () => {
    const entries = [0, 1, 2, 3].map((id) => newSeriesEntry(id, { metric: 'm', tags: {}, id: '' }));
    const head = new Head();
    // two batches, the series in a different order in each: every series gets points from both
    const columns = (n: number, t0: number) => ({ length: n, seriesIndex: Uint32Array.from({ length: n }, (_, i) => i % 4), timestamps: Float64Array.from({ length: n }, (_, i) => 1000 * (t0 + Math.floor(i / 4))), kinds: new Uint8Array(n).fill(F), floats: Float64Array.from({ length: n }, (_, i) => t0 + i), ints: new BigInt64Array(n), texts: [] });
    head.appendIds(entries, Uint32Array.of(2, 0, 3, 1), columns(12, 1), 4);
    head.appendIds(entries, Uint32Array.of(1, 3, 0, 2), columns(8, 4), 4);
    // series 3's head fails its first append (as an ArrayBuffer allocation does when memory runs out)
    head.drain();
    const failing = entries[3]!.head!;
    expect(failing).to.not.equal(undefined);
    head.appendIds(entries, Uint32Array.of(0, 1, 2, 3), columns(8, 6), 4);
    const appendStaged = failing.appendStaged;
    let failures = 0;
    failing.appendStaged = function (...args: Parameters<HeadSeries['appendStaged']>) {
      if (failures++ === 0) throw new RangeError('Array buffer allocation failed');
      return appendStaged.apply(this, args);
    };
    const before = entries.map((e) => e.head!.length);
    expect(() => head.drain()).to.throw(RangeError, /allocation failed/);
    // the series staged before series 3 (slot order: 0, 1, 2) were appended; 3 was not
    expect(entries.map((e) => e.head!.length - before[e.id]!)).to.deep.equal([2, 2, 2, 0]);
    expect(entries.map((e) => head.isStaged(e))).to.deep.equal([false, false, false, true]);
    // written meanwhile: joins what is still staged
    head.appendIds(entries, Uint32Array.of(3, 0), { ...columns(2, 8), seriesIndex: Uint32Array.of(0, 1) }, 2);
    head.drain();
    expect(entries.map((e) => head.isStaged(e))).to.deep.equal([false, false, false, false]);
    for (const entry of entries) {
      const got = entry.head!.copy(0, entry.head!.length);
      const want = entry.id === 0 || entry.id === 3 ? [1, 2, 3, 4, 5, 6, 7, 8] : [1, 2, 3, 4, 5, 6, 7];
      expect(Array.from(got.timestamps), `series ${entry.id}`).to.deep.equal(want.map((t) => 1000 * t));
    }
    expect(head.points).to.equal(12 + 8 + 8 + 2);
  });

  it('leaves no series staged and no head made by a batch that names series but holds no point', () => {
    const entries = [0, 1].map((id) => newSeriesEntry(id, { metric: 'm', tags: {}, id: '' }));
    const head = new Head();
    const empty = { length: 0, seriesIndex: new Uint32Array(0), timestamps: new Float64Array(0), kinds: new Uint8Array(0), floats: new Float64Array(0), ints: new BigInt64Array(0), texts: [] };
    head.append(entries, empty, 2);
    expect(entries.map((e) => head.isStaged(e))).to.deep.equal([false, false]);
    head.drain();
    expect(entries.map((e) => e.head)).to.deep.equal([undefined, undefined]);
    expect(head.points).to.equal(0);
  });

  it('lets every reader of the engine see a point once its write returned, whichever reads first', async () => {
    const readers: Record<string, (engine: Awaited<ReturnType<typeof embeddedEngine>>) => Promise<number>> = {
      read: async (engine) => (await collect(engine.read({ metric: 'm' }, { start: 0, end: 1e13 }))).reduce((n, d) => n + d.points.length, 0),
      readDownsampled: async (engine) => {
        const request = { intervalMs: 0, all: true, aggregator: 'count', reduce: (_: Float64Array, count: number) => count, merge: (p: Float64Array, count: number) => p.subarray(0, count).reduce((a, b) => a + b, 0) };
        const out = await collect(engine.readDownsampled!({ metric: 'm' }, { start: 0, end: 1e13 }, request));
        return out.reduce((n, d) => n + ('buckets' in d ? d.buckets.values.reduce((a, b) => a + b, 0) : d.points.length), 0);
      },
      last: async (engine) => (await collect(engine.last({ metric: 'm' }))).filter((p) => p.timestamp === 2_000_000 + 19).length,
      deleteRange: (engine) => engine.deleteRange({ metric: 'm' }, { start: 0, end: 1e13 }),
    };
    const want: Record<string, number> = { read: 20_000, readDownsampled: 20_000, last: 1000, deleteRange: 20_000 };
    for (const [name, reader] of Object.entries(readers)) {
      const engine = await embeddedEngine(tempDataDir(`staged-${name}`));
      await engine.open();
      try {
        // 1,000 series with 20 points each: the newest ten first (one batch), then the
        // oldest ten (ten batches), so the staged points are late and not in time order
        const pointsAt = (k: number): DataPoint[] =>
          Array.from({ length: 1000 }, (_, h) => ({ metric: 'm', tags: { host: `h${h}` }, timestamp: 2_000_000 + k, value: k % 2 ? { kind: F, value: k + 0.5 } : { kind: I, value: BigInt(k) } }));
        await engine.write(pointBatch(Array.from({ length: 10 }, (_, k) => pointsAt(10 + k)).flat()));
        for (let k = 0; k < 10; k++) await engine.write(pointBatch(pointsAt(k)));
        expect(await reader(engine), name).to.equal(want[name]);
      } finally {
        await engine.close();
      }
    }
  });
  describe('the first head of a new series', () => {
    /** One point (a float) for each of `entries[from, to)` at `timestamp`, as one batch. */
    function appendRound(head: Head, entries: SeriesEntry[], from: number, to: number, timestamp: number): void {
      const n = to - from;
      const floats = new Float64Array(n).fill(1.5);
      const columns = { length: n, seriesIndex: Uint32Array.from({ length: n }, (_, i) => i), timestamps: new Float64Array(n).fill(timestamp), kinds: new Uint8Array(n).fill(F), floats, ints: new BigInt64Array(floats.buffer), texts: [] };
      head.append(entries.slice(from, to), columns);
    }
    const capacities = (entries: SeriesEntry[]) => entries.map((e) => e.head!.timestamps.length);

    it('takes, at its first growth, the points the series is projected to reach by the cut (its share of maxPoints)', () => {
      // 1,000 series, one point each a round: a cut at 200,000 points is 200 a series
      const entries = Array.from({ length: 1000 }, (_, id) => newSeriesEntry(id, { metric: 'm', tags: {}, id: '' }));
      const projected = new Head(200_000);
      const byHalf = new Head();
      const other = Array.from({ length: 1000 }, (_, id) => newSeriesEntry(id, { metric: 'm', tags: {}, id: '' }));
      for (let round = 0; round < 150; round++) {
        appendRound(projected, entries, 0, 1000, 1000 * round);
        appendRound(byHalf, other, 0, 1000, 1000 * round);
      }
      projected.drain();
      byHalf.drain();
      // the first drain came at STAGED_POINTS (131 rounds): 131 points, times 200,000 / 131,072
      expect(new Set(capacities(entries))).to.deep.equal(new Set([200]));
      for (let round = 150; round < 200; round++) appendRound(projected, entries, 0, 1000, 1000 * round);
      projected.drain();
      // the 200 points of the generation fit without another growth
      expect(new Set(capacities(entries))).to.deep.equal(new Set([200]));
      expect(entries.every((e) => e.head!.length === 200)).to.equal(true);
      // growing by half, the same heads are not sized to the generation
      expect(new Set(capacities(other))).to.not.deep.equal(new Set([200]));
      expect(Math.max(...capacities(other))).to.be.below(200);
    });

    it('takes at most maxPoints beyond growing by half in all, however many series start in a burst', () => {
      const maxPoints = 320_000;
      const head = new Head(maxPoints);
      const entries = Array.from({ length: 3000 }, (_, id) => newSeriesEntry(id, { metric: 'm', tags: {}, id: '' }));
      // three waves of 1,000 new series, 10 points each, each drained on its own: every
      // wave's heads are projected from few points against a large maxPoints
      for (let wave = 0; wave < 3; wave++) {
        for (let round = 0; round < 10; round++) appendRound(head, entries, 1000 * wave, 1000 * (wave + 1), 1000 * round);
        head.drain();
      }
      const total = capacities(entries).reduce((a, b) => a + b, 0);
      // growing by half, a head of 10 points has room for 16
      expect(total).to.be.at.most(maxPoints + 16 * entries.length);
      // the first wave was projected (5,000 points × 64 ≥ maxPoints): 10 × 32 each
      expect(entries[0]!.head!.timestamps.length).to.equal(320);
      // and the last wave found the budget spent
      expect(entries[2999]!.head!.timestamps.length).to.equal(16);
    });

    it('projects nothing before the head is a 64th full, nothing past 65,536 points, nothing at a freeze, and again after one', () => {
      const fresh = (n: number, from = 0) => Array.from({ length: n }, (_, i) => newSeriesEntry(from + i, { metric: 'm', tags: {}, id: '' }));
      // 100 series × 10 points = 1,000 points: a 64th of 64,000 is 1,000, of 64,064 more
      const early = new Head(64_064);
      const earlyEntries = fresh(100);
      for (let round = 0; round < 10; round++) appendRound(early, earlyEntries, 0, 100, 1000 * round);
      early.drain();
      expect(new Set(capacities(earlyEntries))).to.deep.equal(new Set([16]));
      const enough = new Head(64_000);
      const enoughEntries = fresh(100);
      for (let round = 0; round < 10; round++) appendRound(enough, enoughEntries, 0, 100, 1000 * round);
      enough.drain();
      expect(new Set(capacities(enoughEntries))).to.deep.equal(new Set([640]));
      // a series alone in a head: 2,000 points × 128,000 / 2,000 projected, 65,536 taken
      const big = new Head(128_000);
      const [loner] = fresh(1);
      for (let round = 0; round < 2000; round++) appendRound(big, [loner!], 0, 1, 1000 * round);
      big.drain();
      expect(loner!.head!.timestamps.length).to.equal(65_536);
      // a freeze of a part-full head (a cut by age, a checkpoint) sizes none of its staged
      // new series by projection; the next generation projects its own new series again
      const head = new Head(200_000);
      const first = fresh(1000);
      for (let round = 0; round < 40; round++) appendRound(head, first, 0, 1000, 1000 * round);
      const frozen = head.freeze();
      expect(Math.max(...frozen.map((e) => e.frozen!.timestamps.length))).to.be.below(64);
      head.release(frozen);
      const second = fresh(1000, 1000);
      for (let round = 0; round < 150; round++) appendRound(head, second, 0, 1000, 1000 * round);
      head.drain();
      expect(new Set(capacities(second))).to.deep.equal(new Set([200]));
    });

    it('sizes a series with a previous head by that head, not by projection', () => {
      const entries = Array.from({ length: 1000 }, (_, id) => newSeriesEntry(id, { metric: 'm', tags: {}, id: '' }));
      const head = new Head(200_000);
      for (let round = 0; round < 40; round++) appendRound(head, entries, 0, 1000, 1000 * round);
      head.release(head.freeze());
      for (let round = 40; round < 200; round++) appendRound(head, entries, 0, 1000, 1000 * round);
      head.drain();
      // the previous head's 40 points and an eighth more, plus 8 (Head.newHead), then by half
      expect(entries[0]!.head!.length).to.equal(160);
      expect(entries[0]!.head!.timestamps.length).to.be.below(200);
    });
  });
});
