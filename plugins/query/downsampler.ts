/**
 * Downsampling of one series: points are grouped into buckets and each bucket is reduced
 * with the downsampling aggregator, in doubles as OpenTSDB's Downsampler does.
 * Buckets are made over all the rows read (the engine cuts the answer to the range); with a
 * fill policy every bucket of the rows read is emitted, empty ones as NaN (nan, null) or 0
 * (zero). `0all` makes one bucket of the query's range, stamped with the start.
 */
import { type Aggregator } from '../../core';
import { tooManyDataPoints, type QueryBudget } from '../../lib/opentsdb';
import { allocColumns, pushPoint, trimColumns, type DiscreteColumns, type NumericColumns } from './columns';
import { floorToInterval } from '../../lib/chunks';
import { bucketing } from './buckets';
import type { DownsampleSpec } from './model';

export interface DownsampleContext {
  start: number;
  end: number;
  zone: string;
  /**
   * the query's budget: the buckets a series may still produce (what is left of the data
   * point limit), and its time slice, checked every BLOCK buckets
   */
  budget: QueryBudget;
  /** the rows read (ms, end exclusive): where a fill policy fills (default: the query range) */
  fillStart?: number;
  fillEnd?: number;
}

/**
 * Buckets between two looks at the query's time slice (a power of two: `& (BLOCK - 1)`).
 * A calendar bucket in a time zone costs microseconds: 4096 of them overran a slice
 * by up to 100 ms on a slow machine; a look is one clock read.
 */
const BLOCK = 256;

/** Scratch arrays shared by every call; grown on demand, never shrunk. */
let doubles = new Float64Array(256);
let longs = new BigInt64Array(256);

function ensureScratch(n: number): void {
  if (doubles.length < n) {
    doubles = new Float64Array(n * 2);
    longs = new BigInt64Array(n * 2);
  }
}

/**
 * Reduces points [from, to) of `input` with `agg` into `out` at `timestamp`. OpenTSDB's
 * Downsampler always runs the aggregator on doubles (runDouble) and yields doubles, so
 * `1m-avg` of the integers 1 and 2 is 1.5 and percentiles use their double estimator.
 */
function reduceInto(out: NumericColumns, input: NumericColumns, from: number, to: number, agg: Aggregator, timestamp: number): NumericColumns {
  const n = to - from;
  ensureScratch(n);
  for (let i = 0; i < n; i++) doubles[i] = input.values[from + i]!;
  return pushPoint(out, timestamp, agg.aggregate(doubles, n), 0n, 0);
}

/**
 * Downsamples one series. Asynchronous because it yields to the event loop every BLOCK
 * buckets when the query's time slice is used up (a fill policy over centuries makes
 * millions of buckets); throws the budget's 413 past the data point limit or the deadline.
 */
export async function downsample(input: NumericColumns, spec: DownsampleSpec, ctx: DownsampleContext): Promise<NumericColumns> {
  const agg = spec.aggregator;
  if (spec.all) {
    // `all` reduces the points of [start, end) only (Downsampler's run_all: the end is
    // exclusive there), not the whole rows read.
    let from = 0;
    while (from < input.length && input.timestamps[from]! < ctx.start) from++;
    let to = input.length;
    while (to > from && input.timestamps[to - 1]! >= ctx.end) to--;
    const out = allocColumns(1);
    return from === to ? trimColumns(out) : trimColumns(reduceInto(out, input, from, to, agg, ctx.start));
  }
  const n = input.length;
  const ts = input.timestamps;
  // AggregationIterator seeks each downsampler to the first row read, and the downsampler
  // rounds that up to a whole bucket: points of a bucket begun before it are skipped.
  const seek = seekStart(bucketing(spec, ctx.zone, ctx.fillStart), ctx.fillStart);
  let i = 0;
  while (i < n && ts[i]! < seek) i++;
  // the calendar grid counts from the first row read (filling) or the first point (not)
  if (spec.fill !== 'none') return downsampleFilling(input, spec, ctx, bucketing(spec, ctx.zone, ctx.fillStart), i);
  const buckets = bucketing(spec, ctx.zone, i < n ? ts[i] : undefined);
  let out = allocColumns(Math.max(1, Math.min(n, 1 << 16)));
  // Fixed intervals are computed inline: no call per bucket on the common path.
  const fixed = !spec.calendar;
  const interval = spec.intervalMs;
  const budget = ctx.budget;
  // Every bucket with data is kept, also before the start: a rate of the first bucket in
  // range needs the one before it (OpenTSDB downsamples the rows it read; the answer is cut later).
  while (i < n) {
    const t = ts[i]!;
    const bucket = fixed ? floorToInterval(t, interval) : buckets.floor(t);
    const bucketEnd = fixed ? bucket + interval : buckets.next(bucket);
    let j = i + 1;
    while (j < n && ts[j]! < bucketEnd) j++;
    out = reduceInto(out, input, i, j, agg, bucket);
    i = j;
    if ((out.length & (BLOCK - 1)) === 0 && budget.due()) await budget.pause();
  }
  return trimColumns(out);
}

/**
 * OpenTSDB's FillingDownsampler: one value per bucket from the bucket of the first row read
 * up to (not including) the bucket of the end of the rows read — for calendar buckets at
 * least one — the empty ones filled; data outside those buckets is left out.
 */
/** The first bucket boundary at or after `from` (Downsampler.seekInterval). */
/** The first bucket boundary at or after `from` (OpenTSDB's Downsampler.seekInterval): points before it are skipped. */
export function seekStart(buckets: ReturnType<typeof bucketing>, from: number | undefined): number {
  if (from === undefined) return -Infinity;
  const floor = buckets.floor(from);
  return floor === from ? from : buckets.next(floor);
}

async function downsampleFilling(input: NumericColumns, spec: DownsampleSpec, ctx: DownsampleContext, buckets: ReturnType<typeof bucketing>, first: number): Promise<NumericColumns> {
  const fillValue = spec.fill === 'zero' ? 0 : NaN;
  let t = buckets.floor(ctx.fillStart ?? ctx.start);
  let endTs = buckets.floor(ctx.fillEnd ?? ctx.end + 1);
  if (spec.calendar && endTs === t) endTs = buckets.next(endTs);
  // Refuse before allocating. (Calendar buckets vary in length: a month can be 10% shorter
  // than its nominal 30 days.)
  const budget = ctx.budget;
  const maxBuckets = budget.remainingBuckets;
  const shortestBucket = spec.calendar ? spec.intervalMs * 0.9 : spec.intervalMs;
  if (Math.floor((endTs - t) / shortestBucket) > maxBuckets) throw tooManyDataPoints(budget.limits.maxDataPoints);
  let out = allocColumns(64);
  const n = input.length;
  const ts = input.timestamps;
  // The values are bucketed on their own grid, counted (calendar) from the first point as
  // in the Downsampler without fill; the fill grid counts from the first row read. A value
  // bucket is written only where its start is a fill slot: one starting before the slot is
  // dropped (FillingDownsampler.next: `actual < timestamp` is skipped, `actual == timestamp`
  // kept), so when the two grids differ (a calendar `7mc` whose data begins the day after
  // the first row read) every slot is filled. For fixed intervals both grids are the same.
  const values = spec.calendar && first < n ? bucketing(spec, ctx.zone, ts[first]) : buckets;
  let i = first;
  while (t < endTs) {
    let bucket = i < n ? values.floor(ts[i]!) : Infinity;
    while (bucket < t) {
      const skipEnd = values.next(bucket);
      while (i < n && ts[i]! < skipEnd) i++;
      bucket = i < n ? values.floor(ts[i]!) : Infinity;
    }
    const slotEnd = buckets.next(t);
    if (bucket === t) {
      const bucketEnd = values.next(bucket);
      let j = i;
      while (j < n && ts[j]! < bucketEnd) j++;
      out = reduceInto(out, input, i, j, spec.aggregator, t);
      i = j;
    } else {
      out = pushPoint(out, t, fillValue, 0n, 0);
    }
    if (out.length > maxBuckets) throw tooManyDataPoints(budget.limits.maxDataPoints);
    t = slotEnd;
    if ((out.length & (BLOCK - 1)) === 0 && budget.due()) await budget.pause();
  }
  return trimColumns(out);
}

/** The same bucketing for strings and JSON, with the aggregator's discrete function. No fill. */
export function downsampleDiscrete(input: DiscreteColumns, spec: DownsampleSpec, ctx: DownsampleContext): DiscreteColumns {
  const agg = spec.aggregator;
  const timestamps: number[] = [];
  const texts: string[] = [];
  const kinds: number[] = [];
  const emit = (from: number, to: number, timestamp: number) => {
    const values = input.texts.slice(from, to);
    const result = agg.aggregateDiscrete!(values, values.length);
    timestamps.push(timestamp);
    if (typeof result === 'number') {
      texts.push(String(result));
      kinds.push(Number.isInteger(result) ? 1 : 2);
    } else {
      texts.push(result);
      kinds.push(input.kinds[from + Math.max(0, values.indexOf(result))]!);
    }
  };
  if (spec.all) {
    if (input.length > 0) emit(0, input.length, ctx.start);
  } else {
    const buckets = bucketing(spec, ctx.zone);
    let i = 0;
    while (i < input.length) {
      const bucket = buckets.floor(input.timestamps[i]!);
      const bucketEnd = buckets.next(bucket);
      let j = i + 1;
      while (j < input.length && input.timestamps[j]! < bucketEnd) j++;
      if (bucket >= ctx.start) emit(i, j, bucket);
      i = j;
    }
  }
  return { length: timestamps.length, timestamps: Float64Array.from(timestamps), texts, kinds: Uint8Array.from(kinds) };
}
