/**
 * Downsampling in the engine, exactly as the query engine would do it (OpenTSDB's
 * Downsampler, fixed interval, fill policy none): a run of a series' points (a chunk, a
 * slice of the head) is summarised once into a `RunBuckets` — the buckets wholly inside
 * the run reduced to one value each, and the run's first and last buckets kept as their
 * raw values, since the series' neighbouring runs may hold more points of those buckets.
 * `mergeRuns` joins the runs of a series oldest first, reducing each edge bucket over all
 * its points in time order, so the answer is bit for bit the reduction of every point of
 * every bucket — whatever the aggregator, as it always sees one bucket's values in order.
 *
 * With a decomposable aggregator (`request.merge`: count, min, max) an edge bucket keeps
 * one partial value — `reduce` of the run's values in it — and `mergeRuns` joins the parts'
 * partials with `merge`, which equals reducing all of them: a summary then holds a few
 * numbers however many points its edge buckets have (a `0all` summary one).
 *
 * A run's summary depends only on its points, the interval and the aggregator, so an
 * engine may keep the summaries of immutable chunks (the embedded engine's summary cache)
 * and answer later queries over them without decoding a point.
 */
import { int64ToDouble, int64Words, ValueKind, type DownsampleRequest, type SeriesPoints } from '../../core';

const INT: number = ValueKind.Int;
/** bound once: each read of an export through the core barrel is a getter call, and this runs per point */
const toDouble = int64ToDouble;
const FLOAT: number = ValueKind.Float;

/** One run's buckets: inner buckets reduced, the two edge buckets raw. */
export interface RunBuckets {
  /** first and last timestamp of the run's points (ms) */
  minT: number;
  maxT: number;
  /** raw points summarised */
  points: number;
  /** the bucket of the first point, and the values of the run in it (in time order; empty when `partial`) */
  headBucket: number;
  headValues: Float64Array;
  /** the bucket of the last point when it differs from headBucket (else NaN), and its values (empty when `partial`) */
  tailBucket: number;
  tailValues: Float64Array;
  /**
   * With `request.merge`: the edge buckets hold one partial value each — `reduce` of the
   * run's values in them — as numbers, not arrays (a summary of a `0all` count is then one
   * object and no typed array); NaN where there is no tail bucket.
   */
  partial: boolean;
  headPartial: number;
  tailPartial: number;
  /** buckets strictly between the two edges: starts and reduced values */
  innerTimestamps: Float64Array;
  innerValues: Float64Array;
}

let scratch = new Float64Array(1024);

function scratchOf(n: number): Float64Array {
  if (scratch.length < n) scratch = new Float64Array(Math.max(n, scratch.length * 2));
  return scratch;
}

/** The start of the fixed `interval` (ms) holding `t`, counted from the epoch (OpenTSDB's fixed downsample grid); right for negative `t` too. */
export const floorToInterval = (t: number, interval: number): number => t - (((t % interval) + interval) % interval);

/** A point's value as the query engine's numeric columns hold it; an int64 read from its words (`words`, int64Words of `p.ints`), no bigint a point. */
function valueAt(p: SeriesPoints, words: Int32Array, i: number): number {
  return p.kinds[i] === INT ? toDouble(words, i) : p.floats[i]!;
}

/** Whether points [from, to) are all numbers (ints or floats): only those are summarised. */
export function isNumericRun(p: SeriesPoints, from: number, to: number): boolean {
  const kinds = p.kinds;
  for (let i = from; i < to; i++) {
    const k = kinds[i]!;
    if (k !== INT && k !== FLOAT) return false;
  }
  return true;
}

/** Summarises points [from, to) of `p` (sorted, unique timestamps, numeric, to > from). */
export function summariseRun(p: SeriesPoints, from: number, to: number, request: DownsampleRequest): RunBuckets {
  const interval = request.intervalMs;
  const ts = p.timestamps;
  const partial = request.merge !== undefined;
  const words = int64Words(p.ints);
  if (request.all) {
    // one bucket (stamped by the caller): every value raw, reduced once over all runs (or its partial)
    const headValues = partial ? EMPTY : rawValues(p, words, from, to);
    const headPartial = partial ? partialOf(p, words, from, to, request) : NaN;
    return { minT: ts[from]!, maxT: ts[to - 1]!, points: to - from, headBucket: 0, headValues, tailBucket: NaN, tailValues: EMPTY, innerTimestamps: EMPTY, innerValues: EMPTY, partial, headPartial, tailPartial: NaN };
  }
  const headBucket = floorToInterval(ts[from]!, interval);
  const tailBucket = floorToInterval(ts[to - 1]!, interval);
  let i = from;
  while (i < to && ts[i]! < headBucket + interval) i++;
  const headValues = partial ? EMPTY : rawValues(p, words, from, i);
  const headPartial = partial ? partialOf(p, words, from, i, request) : NaN;
  if (headBucket === tailBucket) {
    return { minT: ts[from]!, maxT: ts[to - 1]!, points: to - from, headBucket, headValues, tailBucket: NaN, tailValues: EMPTY, innerTimestamps: EMPTY, innerValues: EMPTY, partial, headPartial, tailPartial: NaN };
  }
  let tailFrom = to;
  while (tailFrom > i && ts[tailFrom - 1]! >= tailBucket) tailFrom--;
  // one allocation for the run's arrays: tail values, then inner starts and values (views)
  const innerCap = Math.min(tailFrom - i, Math.max(0, (tailBucket - headBucket) / interval - 1));
  const tailLength = partial ? 0 : to - tailFrom;
  const store = tailLength + 2 * innerCap > 0 ? new Float64Array(tailLength + 2 * innerCap) : EMPTY;
  let tailValues = partial ? EMPTY : store.subarray(0, tailLength);
  for (let k = tailFrom; k < to && !partial; k++) tailValues[k - tailFrom] = valueAt(p, words, k);
  const tailPartial = partial ? partialOf(p, words, tailFrom, to, request) : NaN;
  // inner buckets: points [i, tailFrom), each bucket reduced as the query engine's downsampler does
  let innerTimestamps = store.subarray(tailLength, tailLength + innerCap);
  let innerValues = store.subarray(tailLength + innerCap);
  let n = 0;
  const reduce = request.reduce;
  while (i < tailFrom) {
    const bucket = floorToInterval(ts[i]!, interval);
    const end = bucket + interval;
    let j = i + 1;
    while (j < tailFrom && ts[j]! < end) j++;
    const values = scratchOf(j - i);
    for (let k = i; k < j; k++) values[k - i] = valueAt(p, words, k);
    innerTimestamps[n] = bucket;
    innerValues[n] = reduce.call(request, values, j - i);
    n++;
    i = j;
  }
  if (n < innerCap) {
    // fewer buckets than room (a gap in the chunk): copied into a store of the right size,
    // so a kept summary does not hold the rest (a day's gap at 1 minute: 23 kB for 2)
    const fitted = new Float64Array(tailLength + 2 * n);
    fitted.set(store.subarray(0, tailLength));
    fitted.set(innerTimestamps.subarray(0, n), tailLength);
    fitted.set(innerValues.subarray(0, n), tailLength + n);
    if (!partial) tailValues = fitted.subarray(0, tailLength);
    innerTimestamps = fitted.subarray(tailLength, tailLength + n);
    innerValues = fitted.subarray(tailLength + n);
  }
  return { minT: ts[from]!, maxT: ts[to - 1]!, points: to - from, headBucket, headValues, tailBucket, tailValues, innerTimestamps, innerValues, partial, headPartial, tailPartial };
}

const EMPTY = new Float64Array(0);

/**
 * What summariseRun gives for a run of `count` finite numbers from `minT` to `maxT` (ms)
 * in one bucket, under a request whose result depends only on their number
 * (`request.ofFinite` and `request.merge`, e.g. count): made from a chunk's header, no
 * value decoded. Undefined when the run spans more than one bucket or the request is not such.
 */
export function summariseFiniteRun(minT: number, maxT: number, count: number, request: DownsampleRequest): RunBuckets | undefined {
  if (request.ofFinite === undefined || request.merge === undefined || !(count > 0)) return undefined;
  let headBucket = 0;
  if (!request.all) {
    headBucket = floorToInterval(minT, request.intervalMs);
    if (floorToInterval(maxT, request.intervalMs) !== headBucket) return undefined;
  }
  return { minT, maxT, points: count, headBucket, headValues: EMPTY, tailBucket: NaN, tailValues: EMPTY, innerTimestamps: EMPTY, innerValues: EMPTY, partial: true, headPartial: request.ofFinite(count), tailPartial: NaN };
}

/** `reduce` over the values of points [from, to) (to > from), in time order. */
function partialOf(p: SeriesPoints, words: Int32Array, from: number, to: number, request: DownsampleRequest): number {
  const values = scratchOf(to - from);
  for (let k = from; k < to; k++) values[k - from] = valueAt(p, words, k);
  return request.reduce(values, to - from);
}

/** The values of points [from, to) as doubles, in a new array (an edge bucket's, kept raw). */
function rawValues(p: SeriesPoints, words: Int32Array, from: number, to: number): Float64Array {
  const values = new Float64Array(to - from);
  for (let k = from; k < to; k++) values[k - from] = valueAt(p, words, k);
  return values;
}

/**
 * Bytes a summary takes in memory, for a cache's bound: measured (Node 20, x64) as what
 * 100,000 summaries add to the heap and the typed arrays' memory — the object with its
 * fields and its cache slot about 500 bytes, each distinct typed-array buffer about 300
 * (its objects and the allocation), then 8 a value. Counting only the values, as before,
 * let a cache bounded at 64 MiB of `0all` summaries take over 200 MiB.
 */
export function runBytes(r: RunBuckets): number {
  // the buffers' own sizes, not the views' lengths: what stays alive while the summary is kept
  const head = r.headValues.length > 0 ? 300 + r.headValues.buffer.byteLength : 0;
  const store = r.tailValues.length > 0 ? r.tailValues : r.innerTimestamps;
  return 500 + head + (store.length > 0 ? 300 + store.buffer.byteLength : 0);
}

/**
 * Joins a series' runs into its buckets. The runs must be given oldest first and must not
 * overlap in time (`runs[k].minT > runs[k - 1].maxT`); `undefined` when they do (the
 * caller then downsamples the merged points instead, where later writes win).
 */
export function mergeRuns(runs: readonly RunBuckets[], request: DownsampleRequest): { length: number; points: number; timestamps: Float64Array; values: Float64Array } | undefined {
  let capacity = 0;
  let points = 0;
  for (let k = 0; k < runs.length; k++) {
    const r = runs[k]!;
    if (k > 0 && r.minT <= runs[k - 1]!.maxT) return undefined;
    capacity += r.innerTimestamps.length + 2;
    points += r.points;
  }
  const timestamps = new Float64Array(capacity);
  const values = new Float64Array(capacity);
  let n = 0;
  // the open edge bucket: its start and its raw values so far (in `pending`), in time order
  let open = NaN;
  let count = 0;
  for (let k = 0; k <= runs.length; k++) {
    const r = runs[k];
    // the run's head bucket goes on the open one, or closes it; past the last run, close
    for (let edge = 0; edge < 2; edge++) {
      if (r !== undefined && edge === 1 && Number.isNaN(r.tailBucket)) break; // one bucket: it may go on in the next run
      const bucket = r === undefined ? NaN : edge === 0 ? r.headBucket : r.tailBucket;
      if (bucket !== open || edge === 1) {
        if (count > 0) {
          timestamps[n] = open;
          values[n] = request.merge ? request.merge(pending, count) : request.reduce(pending, count);
          n++;
          count = 0;
        }
        if (r === undefined) break;
        if (edge === 1) {
          timestamps.set(r.innerTimestamps, n);
          values.set(r.innerValues, n);
          n += r.innerTimestamps.length;
        }
        open = bucket;
      }
      if (r!.partial) {
        // one partial value for this edge
        if (pending.length < count + 1) {
          const grown = new Float64Array(pending.length * 2);
          grown.set(pending.subarray(0, count));
          pending = grown;
        }
        pending[count++] = edge === 0 ? r!.headPartial : r!.tailPartial;
        continue;
      }
      const add = edge === 0 ? r!.headValues : r!.tailValues;
      if (pending.length < count + add.length) {
        const grown = new Float64Array(Math.max(count + add.length, pending.length * 2));
        grown.set(pending.subarray(0, count));
        pending = grown;
      }
      pending.set(add, count);
      count += add.length;
    }
  }
  return { length: n, points, timestamps: timestamps.subarray(0, n), values: values.subarray(0, n) };
}

/** mergeRuns' open edge bucket values or partials (a scratch of its own: `reduce` may reorder it) */
let pending = new Float64Array(64);
