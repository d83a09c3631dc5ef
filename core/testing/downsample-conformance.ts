/**
 * The `readDownsampled` cases of the storage conformance suite (storage-conformance.ts runs
 * them on each fresh engine; an engine without the method skips them). What an engine
 * answers must equal downsampling what its own `read` returns — the same buckets, the
 * same doubles bit for bit — for order-sensitive reducers (first, last), reducers that
 * reorder their scratch (a median), NaN-skipping sums, any interval, over data written in
 * many batches out of order, overwritten, with strings in one series, read twice (an
 * engine may answer the second time from what it kept) and after more writes.
 */
import assert from 'node:assert/strict';
import type { DownsampleRequest, RateRequest, SeriesData, StorageEngine, TimeRange } from '../storage';
import { ValueKind, type DataPoint } from '../types';
import { pointBatch } from './batch';
import { mulberry32 } from './random';

export interface DownsampleCaseContext {
  engine(): StorageEngine;
}


export const REDUCERS: Record<string, (values: Float64Array, count: number) => number> = {
  sum(values, count) {
    let s = 0;
    let seen = false;
    for (let i = 0; i < count; i++) {
      if (values[i] !== values[i]) continue;
      s += values[i]!;
      seen = true;
    }
    return seen ? s : NaN;
  },
  first: (values) => values[0]!,
  last: (values, count) => values[count - 1]!,
  median(values, count) {
    const sorted = values.subarray(0, count).sort();
    return sorted[count >> 1]!;
  },
};

/**
 * Decomposable reducers (core DownsampleRequest.merge): an engine may keep their partial
 * values, and what it answers must still equal reducing every value of a bucket at once.
 */
export const MERGING_REDUCERS: Record<string, { reduce(values: Float64Array, count: number): number; merge(partials: Float64Array, count: number): number }> = {
  count: {
    reduce(values, count) {
      let n = 0;
      for (let i = 0; i < count; i++) if (values[i] === values[i]) n++;
      return n;
    },
    merge(partials, count) {
      let n = 0;
      for (let i = 0; i < count; i++) n += partials[i]!;
      return n;
    },
  },
  min: { reduce: firstSmallest, merge: firstSmallest },
};

/** The first smallest value, NaN skipped (all NaN: NaN), as OpenTSDB's min over doubles. */
function firstSmallest(values: Float64Array, count: number): number {
  let min = NaN;
  for (let i = 0; i < count; i++) {
    const v = values[i]!;
    if (v === v && !(v >= min)) min = v;
  }
  return min;
}

/** Every reducer above as the fields of a request. */
export const REDUCER_REQUESTS: Pick<DownsampleRequest, 'aggregator' | 'reduce' | 'merge' | 'ofFinite'>[] = [
  ...Object.entries(REDUCERS).map(([aggregator, reduce]) => ({ aggregator, reduce })),
  ...Object.entries(MERGING_REDUCERS).map(([aggregator, f]) => ({ aggregator, ...f })),
  // count as the query engine asks for it: an engine may count finite values undecoded
  { aggregator: 'count', ...MERGING_REDUCERS.count!, ofFinite: (count: number) => count },
];

/** The reference: `read`'s points in the bucketed range, bucketed and reduced in time order. */
function reference(data: SeriesData, request: DownsampleRequest): { t: number; v: number }[] {
  const p = data.points;
  const from = request.values?.start ?? -Infinity;
  const to = request.values?.end ?? Infinity;
  const out: { t: number; v: number }[] = [];
  let i = 0;
  while (i < p.length && p.timestamps[i]! < from) i++;
  while (i < p.length && p.timestamps[i]! <= to) {
    const bucket = request.all ? from : p.timestamps[i]! - (((p.timestamps[i]! % request.intervalMs) + request.intervalMs) % request.intervalMs);
    const values: number[] = [];
    while (i < p.length && p.timestamps[i]! <= to && (request.all || p.timestamps[i]! < bucket + request.intervalMs)) {
      values.push(p.kinds[i] === ValueKind.Int ? Number(p.ints[i]!) : p.floats[i]!);
      i++;
    }
    out.push({ t: bucket, v: request.reduce(Float64Array.from(values), values.length) });
  }
  return out;
}

/**
 * The reference rate (OpenTSDB's RateSpan over doubles, written plainly): the first rate
 * from a virtual (0, 0) is held as the seed, rates stamped before `from` are skipped, a
 * counter's drop is a rollover at counterMax (or dropped), above resetValue it is 0.
 */
function referenceRate(points: { t: number; v: number }[], rate: RateRequest): { points: { t: number; v: number }[]; seed?: number } {
  const out: { t: number; v: number }[] = [];
  let seed: number | undefined;
  for (let i = 0; i < points.length; i++) {
    const [t0, v0] = i === 0 ? [0, 0] : [points[i - 1]!.t, points[i - 1]!.v];
    const { t, v } = points[i]!;
    if (t < rate.from) continue;
    let r = (v - v0) / ((t - t0) / 1000);
    if (rate.counter && v - v0 < 0) {
      if (rate.dropResets) continue;
      r = (rate.counterMax - v0 + v) / ((t - t0) / 1000);
      if (rate.resetValue > 0 && r > rate.resetValue) r = 0;
    }
    if (seed === undefined) seed = r;
    else out.push({ t, v: r });
  }
  return out.length > 0 ? { points: out, seed } : { points: out };
}

const same = (a: number, b: number): boolean => Object.is(a, b) || (Number.isNaN(a) && Number.isNaN(b));

/** series answered with buckets, and with points, over the whole case */
export const answered = { buckets: 0, points: 0 };

/** Compares readDownsampled with the reference for every series of `metric`; the number of series compared. */
export async function compareDownsampled(engine: StorageEngine, metric: string, range: TimeRange, request: DownsampleRequest): Promise<number> {
  const plain = new Map<string, SeriesData>();
  for await (const d of engine.read({ metric }, range)) plain.set(d.series.id, d);
  let seen = 0;
  for await (const got of engine.readDownsampled!({ metric }, range, request)) {
    const want = plain.get(got.series.id);
    assert.ok(want, `series ${got.series.id} is not in read()`);
    seen++;
    if (got.points !== undefined) {
      // the engine handed back points: they must be read()'s, and hold a string (or the engine declined)
      assert.equal(got.points.length, want.points.length);
      answered.points++;
      continue;
    }
    // a string or JSON value anywhere in the read range (also outside the bucketed part)
    // makes the query engine treat the series as discrete: the engine must hand back points
    const kinds = want.points.kinds;
    for (let i = 0; i < want.points.length; i++) {
      assert.ok(kinds[i] === ValueKind.Int || kinds[i] === ValueKind.Float, `series ${got.series.id} has a non-number at ${want.points.timestamps[i]}, but was answered with buckets`);
    }
    answered.buckets++;
    const b = got.buckets;
    assert.equal(b.points, want.points.length, 'points counted');
    let expected = reference(want, request);
    if (request.rate && b.rated) {
      // the engine applied the rate: compare rates (an engine may also leave it to the caller)
      const rated = referenceRate(expected, request.rate);
      expected = rated.points;
      assert.ok(same(b.rateSeed ?? NaN, rated.seed ?? NaN), `rate seed of ${got.series.id}: ${b.rateSeed} != ${rated.seed}`);
    }
    assert.equal(b.length, expected.length, `buckets of ${got.series.id} (interval ${request.intervalMs}, ${request.aggregator})`);
    for (let k = 0; k < b.length; k++) {
      assert.equal(b.timestamps[k], expected[k]!.t);
      assert.ok(same(b.values[k]!, expected[k]!.v), `bucket ${b.timestamps[k]} of ${got.series.id}: ${b.values[k]} != ${expected[k]!.v} (${request.aggregator}, ${request.intervalMs} ms)`);
    }
  }
  assert.equal(seen, plain.size, 'every series read() has');
  return seen;
}

export function defineDownsampleCases(ctx: DownsampleCaseContext): void {
  it('readDownsampled equals downsampling read(), bit for bit, over out-of-order, overwritten and mixed data', async function () {
    const engine = ctx.engine();
    if (!engine.readDownsampled) this.skip();
    answered.buckets = answered.points = 0;
    const rnd = mulberry32(20261130);
    const metric = `ds.${Math.floor(rnd() * 1e9)}`;
    const base = 1_700_000_000_000;
    const write = async (from: number, to: number, shuffle: boolean) => {
      const points: DataPoint[] = [];
      for (let s = 0; s < 6; s++) {
        for (let k = from; k < to; k++) {
          if (rnd() < 0.15) continue; // gaps
          const timestamp = base + k * 1000 + (s % 2 === 0 ? 0 : Math.floor(rnd() * 999)); // ms inside seconds
          const r = rnd();
          const value =
            s === 5 && r < 0.05
              ? { kind: ValueKind.String, value: 'down' }
              : r < 0.4
                ? { kind: ValueKind.Int, value: BigInt(Math.floor(rnd() * 2 ** 40) - 2 ** 39) }
                : r < 0.43
                  ? { kind: ValueKind.Float, value: NaN }
                  : { kind: ValueKind.Float, value: (rnd() - 0.5) * 10 ** Math.floor(rnd() * 12) };
          points.push({ metric, tags: { host: `h${s}` }, timestamp, value } as DataPoint);
        }
      }
      if (shuffle) points.sort(() => rnd() - 0.5);
      for (let i = 0; i < points.length; i += 97) await engine.write(pointBatch(points.slice(i, i + 97)));
    };
    await write(0, 700, false);
    await write(650, 1400, true); // overlaps the first: out of order, some timestamps overwritten
    await write(1400, 2000, false);
    await engine.flush();
    const ranges: TimeRange[] = [
      { start: -8.64e15, end: 8.64e15 },
      { start: base + 333_000, end: base + 1_777_777 },
    ];
    let checked = 0;
    for (const intervalMs of [1000, 7000, 60_000, 3_600_000]) {
      for (const agg of REDUCER_REQUESTS) {
        const request: DownsampleRequest = { intervalMs, ...agg };
        for (const range of ranges) {
          checked += await compareDownsampled(engine, metric, range, request);
          checked += await compareDownsampled(engine, metric, range, request); // again: from whatever the engine kept
        }
      }
    }
    // `0all` over part of the range, and fixed buckets over part of it: series with points
    // only outside the bucketed part are still answered, with no buckets
    for (const agg of REDUCER_REQUESTS) {
      const values = { start: base + 400_000, end: base + 1_200_000 };
      checked += await compareDownsampled(engine, metric, ranges[0]!, { intervalMs: 0, all: true, values, ...agg });
      checked += await compareDownsampled(engine, metric, ranges[0]!, { intervalMs: 0, all: true, values, ...agg });
      checked += await compareDownsampled(engine, metric, ranges[1]!, { intervalMs: 60_000, values: { start: base + 420_000, end: base + 1_500_000 }, ...agg });
    }
    // rates of the buckets, with every rate option
    for (const rate of [
      { counter: false, counterMax: 2 ** 63, resetValue: 0, dropResets: false, from: base + 100_000 },
      { counter: true, counterMax: 2 ** 63, resetValue: 0, dropResets: false, from: -8.64e15 },
      { counter: true, counterMax: 2 ** 41, resetValue: 1e6, dropResets: false, from: base },
      { counter: true, counterMax: 2 ** 63, resetValue: 0, dropResets: true, from: base + 250_000 },
    ]) {
      checked += await compareDownsampled(engine, metric, ranges[0]!, { intervalMs: 60_000, aggregator: 'sum', reduce: REDUCERS.sum!, rate });
      checked += await compareDownsampled(engine, metric, ranges[0]!, { intervalMs: 60_000, aggregator: 'sum', reduce: REDUCERS.sum!, rate });
    }
    // more writes after the engine may have kept results: the answers follow them
    await write(1990, 2100, true);
    await engine.flush();
    for (const agg of REDUCER_REQUESTS) checked += await compareDownsampled(engine, metric, ranges[0]!, { intervalMs: 60_000, ...agg });
    // a string read only before the bucketed range (a query's first bucket boundary, `0all`'s start): points
    const textMetric = `${metric}.text`;
    const text: DataPoint[] = [];
    for (let k = 0; k < 100; k++) text.push({ metric: textMetric, tags: { host: 'h' }, timestamp: base + k * 1000, value: k === 5 ? { kind: ValueKind.String, value: 'boot' } : { kind: ValueKind.Int, value: BigInt(k) } } as DataPoint);
    await engine.write(pointBatch(text));
    await engine.flush();
    const before = answered.points;
    for (const request of [
      { intervalMs: 7000, values: { start: base + 60_000, end: base + 200_000 }, aggregator: 'sum', reduce: REDUCERS.sum! },
      { intervalMs: 0, all: true, values: { start: base + 60_000, end: base + 200_000 }, aggregator: 'sum', reduce: REDUCERS.sum! },
    ]) {
      await compareDownsampled(engine, textMetric, { start: base, end: base + 200_000 }, request);
    }
    assert.equal(answered.points - before, 2, 'the series with a string read is answered with points');
    assert.ok(checked >= 6 * 4 * 4 * 4, `series compared: ${checked}`);
    // an engine may hand back points where it cannot downsample, but not for everything
    assert.ok(answered.buckets > answered.points, `answered with buckets ${answered.buckets} times, with points ${answered.points}`);
  });
}
