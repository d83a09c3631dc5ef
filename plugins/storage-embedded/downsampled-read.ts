/**
 * `readDownsampled` for one series (core DownsampleRequest): each chunk wholly inside the
 * bucketed range is summarised once and its summary kept (summary-cache.ts); a chunk cut by
 * the range and the head are summarised as they are read; lib/chunks' mergeRuns joins them.
 * Where that would not equal downsampling `read`'s points — runs that overlap in time
 * (an out-of-order write, blocks not yet compacted over the same span), or any string or
 * JSON value — it answers `undefined` and the caller reads the points instead.
 */
import { allocPoints, lowerBound, rangeOfSorted, upperBound, ValueKind, type BucketColumns, type DownsampleRequest, type SeriesPoints } from '../../core';
import { isNumericRun, mergeNumericParts, mergeRuns, rateOfDoubles, summariseFiniteParts, summariseFiniteRun, summariseRun, type NumericPart, type RunBuckets } from '../../lib/chunks';
import type { BlockReader, ChunkRef } from './block';
import type { SeriesEntry } from './series-index';
import { keyHashOf, summaryIdentity, type SummaryCache } from './summary-cache';
import { HeadScratch, type HeadSeries } from './head-series';

/** One series' buckets (core BucketColumns), as the engine keeps and yields them. */
export type DownsampledSeries = BucketColumns;

const FLOAT: number = ValueKind.Float;

/** Decoded chunk points, reused chunk after chunk (summaries copy what they keep). */
let scratch = allocPoints(4096);

/** The cache key of a request's summaries: one per interval (or `all`), aggregator, and raw or partial edges. */
export function summaryKey(request: DownsampleRequest): string {
  return `${request.all ? 'all' : request.intervalMs}:${request.aggregator}${request.merge ? ':partial' : ''}`;
}

/** The key of a series' memo: the summaries' and the rate's. */
export function memoKey(request: DownsampleRequest): string {
  const r = request.rate;
  return r ? `${summaryKey(request)}:rate:${r.counter}:${r.counterMax}:${r.resetValue}:${r.dropResets}:${r.from}` : summaryKey(request);
}

/** The ranges of one request: `[start, end]` read (existence, point counts), `[vs, ve]` bucketed. */
interface Ranges {
  start: number;
  end: number;
  vs: number;
  ve: number;
}

const within = (minT: number, maxT: number, from: number, to: number): boolean => minT >= from && maxT <= to;

/** Points of a decoded run in [from, to]: the index range. */
function clip(ts: Float64Array, length: number, from: number, to: number): [number, number] {
  let a = 0;
  let b = length;
  while (a < b && ts[a]! < from) a++;
  while (b > a && ts[b - 1]! > to) b--;
  return [a, b];
}

/** One chunk: its points in the read range, and its run over the bucketed range (null: none; undefined: not numeric). */
function chunkRun(ref: ChunkRef, block: BlockReader, r: Ranges, request: DownsampleRequest, cache: SummaryCache, key: string): { points: number; run: RunBuckets | null | undefined } {
  const wholeRead = within(ref.minT, ref.maxT, r.start, r.end);
  const wholeValues = within(ref.minT, ref.maxT, r.vs, r.ve);
  if (wholeValues) {
    // a summary is kept only for a chunk that is numbers throughout
    const cached = cache.get(ref, key);
    if (cached) return { points: ref.count, run: cached };
    // a count (request.ofFinite) over a chunk of finite numbers in one bucket is its point
    // count: answered from the chunk's header, no value decoded (the first count after a load);
    // its bytes checked once (a corrupt chunk throws: the plain read skips it, as it skips it for every other aggregator)
    if (wholeRead && request.ofFinite !== undefined) {
      const run = summariseFiniteRun(ref.minT, ref.maxT, ref.count, request);
      if (run !== undefined && block.valuesFinite(ref)) {
        block.checkBytes(ref);
        ref.numeric = true;
        return { points: ref.count, run };
      }
    }
  } else if (wholeRead && ref.numeric === true && (ref.maxT < r.vs || ref.minT > r.ve)) {
    return { points: ref.count, run: null }; // read, but outside the buckets
  }
  if (scratch.length < ref.count) scratch = allocPoints(Math.max(ref.count, scratch.length * 2));
  const p = scratch;
  const n = block.readChunkInto(ref, p);
  const [ra, rb] = wholeRead ? [0, n] : clip(p.timestamps, n, r.start, r.end);
  const [va, vb] = wholeValues ? [0, n] : clip(p.timestamps, n, r.vs, r.ve);
  // any string or JSON value READ makes the query engine treat the series as discrete
  // (value-select.ts), also outside the bucketed range: those series are read as points
  const numeric = wholeRead ? (ref.numeric ??= isNumericRun(p, 0, n)) : isNumericRun(p, ra, rb);
  if (!numeric) return { points: rb - ra, run: undefined };
  if (vb <= va) return { points: rb - ra, run: null };
  const run = summariseRun(p, va, vb, request);
  if (wholeValues) cache.set(ref, key, run, summaryIdentity(keyHashOf(key), block.seq, ref.offset));
  return { points: rb - ra, run };
}

function headRun(head: SeriesPoints | undefined, r: Ranges, request: DownsampleRequest): { points: number; run: RunBuckets | null | undefined } {
  if (!head || head.length === 0) return { points: 0, run: null };
  const [ra, rb] = rangeOfSorted(head.timestamps, head.length, r.start, r.end);
  const [va, vb] = rangeOfSorted(head.timestamps, head.length, r.vs, r.ve);
  if (rb > ra && !isNumericRun(head, ra, rb)) return { points: rb - ra, run: undefined }; // as for a chunk: any non-number read
  if (vb <= va) return { points: Math.max(0, rb - ra), run: null };
  return { points: rb - ra, run: summariseRun(head, va, vb, request) };
}

function hasPoints(head: SeriesPoints | undefined, start: number, end: number): boolean {
  if (!head || head.length === 0) return false;
  const [from, to] = rangeOfSorted(head.timestamps, head.length, start, end);
  return to > from;
}

/** Columns the frozen and the live head are decoded into when sealed (headPoints), reused read after read. */
const frozenScratch = new HeadScratch();
const liveScratch = new HeadScratch();

/**
 * A head's points as sorted columns when its time span meets [start, end], else undefined:
 * the head itself, or, when it holds sealed points, those decoded into `scratch` (the head
 * stays sealed: decoded in place, every series a query read would hold raw columns again).
 */
function headPoints(head: HeadSeries | undefined, start: number, end: number, scratch: HeadScratch): SeriesPoints | undefined {
  if (!head || head.length === 0 || !head.spans(start, end)) return undefined;
  return head.materialize(scratch);
}

/**
 * The series' buckets over [start, end] (ms, inclusive; the request's `values` range
 * bucketed), or undefined when the engine cannot give them exactly (see the file comment).
 * Throws a corrupt chunk's error. `generation`: the BlockSet's; a series with no head
 * points in the range answers a repeat of its last request from the series' memo while
 * its blocks are unchanged. Reads the heads' columns: the caller drains the head's staged
 * points first (Head.drain).
 */
export function downsampleSeries(
  entry: SeriesEntry,
  start: number,
  end: number,
  request: DownsampleRequest,
  cache: SummaryCache,
  generation: number,
  key = summaryKey(request),
  shared: { timestamps?: Float64Array } = {},
  memoKeyOf = memoKey(request),
): DownsampledSeries | undefined {
  const r: Ranges = { start, end, vs: Math.max(start, request.values?.start ?? start), ve: Math.min(end, request.values?.end ?? end) };
  const frozen = headPoints(entry.frozen, start, end, frozenScratch);
  const live = headPoints(entry.head, start, end, liveScratch);
  const inHead = hasPoints(frozen, start, end) || hasPoints(live, start, end);
  const memo = entry.downsampled;
  if (!inHead && memo !== undefined && memo.generation === generation && memo.key === memoKeyOf && memo.start === start && memo.end === end && memo.vs === r.vs && memo.ve === r.ve) {
    shared.timestamps = memo.result.timestamps;
    return memo.result;
  }
  // the parts read, oldest first (blocks in seq order, then the frozen and the live head),
  // with the time spans they may hold in the read range
  const parts: Part[] = [];
  for (const ref of entry.chunks) {
    if (ref.maxT < start || ref.minT > end) continue;
    parts.push({ lo: Math.max(ref.minT, start), hi: Math.min(ref.maxT, end), block: ref.block, ref });
  }
  if (inHead) {
    const chunkParts = parts.length;
    for (const head of [frozen, live]) {
      if (!head || head.length === 0) continue;
      const [ra, rb] = rangeOfSorted(head.timestamps, head.length, start, end);
      if (rb > ra) pushHeadParts(parts, chunkParts, head, ra, rb);
    }
  }
  const runs: RunBuckets[] = [];
  let points = 0;
  // parts whose spans share a time may hold a timestamp twice (a later write wins in
  // read()): those are merged point by point and summarised together, the rest each alone
  const clusters = overlapClusters(parts);
  for (let k = 0, n = clusters ? clusters.length : parts.length; k < n; k++) {
    const cluster = clusters?.[k];
    const c = cluster === undefined ? partRun(parts[k]!, r, request, cache, key) : cluster.length === 1 ? partRun(cluster[0]!, r, request, cache, key) : mergedRun(cluster, r, request);
    if (c.run === undefined) return undefined;
    points += c.points;
    if (c.run !== null) runs.push(c.run);
  }
  // blocks are in seq order, which is time order for in-order data; sort only when not
  for (let k = 1; k < runs.length; k++) {
    if (runs[k]!.minT < runs[k - 1]!.minT) {
      runs.sort((a, b) => a.minT - b.minT);
      break;
    }
  }
  const merged = mergeRuns(runs, request);
  if (!merged) return undefined;
  let result: DownsampledSeries = { ...merged, points };
  // `all`: the one bucket is stamped with the start of the bucketed range
  if (request.all && result.length === 1) result = { ...result, timestamps: Float64Array.of(request.values?.start ?? start) };
  // series of one read mostly share their bucket starts: one array for all of them (less
  // memory, and the query engine sees at once that they line up)
  const last = shared.timestamps;
  if (last !== undefined && last.length === result.length && last !== result.timestamps && sameValues(last, result.timestamps)) result = { ...result, timestamps: last };
  shared.timestamps = result.timestamps;
  // the per-series half of the rate, where the buckets are (and kept with them)
  if (request.rate) {
    const rated = rateOfDoubles(result.timestamps, result.values, result.length, request.rate, (n) => new Float64Array(n));
    result = { points: result.points, length: rated.length, timestamps: rated.timestamps, values: rated.values, rated: true, ...(rated.seed !== undefined ? { rateSeed: rated.seed } : {}) };
  }
  // kept only when it came from blocks alone (a result shared by later queries is never written to)
  if (!inHead) {
    entry.downsampled = { key: memoKeyOf, start, end, vs: r.vs, ve: r.ve, generation, result };
    cache.keepMemo(entry);
  }
  return result;
}

/** A part of a series read: a block's chunk or a head, with its span in the read range. */
interface Part {
  lo: number;
  hi: number;
  block?: BlockReader;
  ref?: ChunkRef;
  /** a head's points (headPoints) */
  head?: SeriesPoints;
}

function partRun(part: Part, r: Ranges, request: DownsampleRequest, cache: SummaryCache, key: string): { points: number; run: RunBuckets | null | undefined } {
  return part.head ? headRun(part.head, narrowed(r, part), request) : chunkRun(part.ref!, part.block!, r, request, cache, key);
}

/** `r` within a head part's span: the part's points are exactly the head's points in [lo, hi]. */
function narrowed(r: Ranges, part: Part): Ranges {
  return { start: Math.max(r.start, part.lo), end: Math.min(r.end, part.hi), vs: Math.max(r.vs, part.lo), ve: Math.min(r.ve, part.hi) };
}

/** The spans of a read's chunk parts merged where they overlap, sorted: starts and ends, reused read after read. */
let spanStarts = new Float64Array(64);
let spanEnds = new Float64Array(64);

/**
 * Adds the head's points [ra, rb) as parts split where the series' chunk parts (`parts`
 * [0, chunkParts)) begin and end: one part for the head points inside each merged chunk
 * span, one for those in each gap. Why: a head holding a few late points spread over the
 * series' time (after a load over several connections, nearly every series) spanned all
 * of its chunks as one part, so every chunk was decoded and merged with it on every read;
 * split, a chunk with no head point in its span is read alone (its summary cached, or a
 * count from its header) and only the chunks the late points fall in are merged.
 * Exact whatever the split: overlapClusters still joins any parts whose spans touch.
 */
function pushHeadParts(parts: Part[], chunkParts: number, head: SeriesPoints, ra: number, rb: number): void {
  const ts = head.timestamps;
  if (chunkParts === 0) {
    parts.push({ lo: ts[ra]!, hi: ts[rb - 1]!, head });
    return;
  }
  const m = mergedSpans(parts, chunkParts);
  let i = ra;
  for (let u = 0; u < m && i < rb; u++) {
    const gapEnd = lowerBound(ts, rb, spanStarts[u]!, i);
    if (gapEnd > i) parts.push({ lo: ts[i]!, hi: ts[gapEnd - 1]!, head });
    const insideEnd = upperBound(ts, rb, spanEnds[u]!, gapEnd);
    if (insideEnd > gapEnd) parts.push({ lo: ts[gapEnd]!, hi: ts[insideEnd - 1]!, head });
    i = insideEnd;
  }
  if (i < rb) parts.push({ lo: ts[i]!, hi: ts[rb - 1]!, head });
}

/** Merges the spans of parts [0, n) into spanStarts/spanEnds (sorted, disjoint); returns how many. */
function mergedSpans(parts: Part[], n: number): number {
  if (spanStarts.length < n) {
    spanStarts = new Float64Array(2 * n);
    spanEnds = new Float64Array(2 * n);
  }
  let sorted = true;
  for (let k = 1; k < n; k++) {
    if (parts[k]!.lo < parts[k - 1]!.lo) {
      sorted = false;
      break;
    }
  }
  const order = sorted ? undefined : parts.slice(0, n).sort((a, b) => a.lo - b.lo);
  let m = 0;
  for (let k = 0; k < n; k++) {
    const part = order ? order[k]! : parts[k]!;
    if (m > 0 && part.lo <= spanEnds[m - 1]!) {
      if (part.hi > spanEnds[m - 1]!) spanEnds[m - 1] = part.hi;
    } else {
      spanStarts[m] = part.lo;
      spanEnds[m] = part.hi;
      m++;
    }
  }
  return m;
}

/**
 * The parts grouped where their spans share a time, each group in the parts' order (oldest
 * first); undefined when they are in time order without overlap — the usual case: then
 * each part is read alone, and nothing is sorted or allocated.
 */
function overlapClusters(parts: Part[]): Part[][] | undefined {
  let ordered = true;
  for (let k = 1; k < parts.length; k++) {
    if (parts[k]!.lo <= parts[k - 1]!.hi) {
      ordered = false;
      break;
    }
  }
  if (ordered) return undefined;
  const byStart = parts.map((part, order) => ({ part, order })).sort((a, b) => a.part.lo - b.part.lo || a.order - b.order);
  const clusters: { part: Part; order: number }[][] = [];
  let hi = -Infinity;
  for (const item of byStart) {
    if (clusters.length === 0 || item.part.lo > hi) clusters.push([item]);
    else clusters[clusters.length - 1]!.push(item);
    hi = clusters[clusters.length - 1]!.length === 1 ? item.part.hi : Math.max(hi, item.part.hi);
  }
  return clusters.map((c) => c.sort((a, b) => a.order - b.order).map((item) => item.part));
}

/** Decoded chunks of one overlapping group, reused group after group. */
const groupScratch: SeriesPoints[] = [];
/** Per part of the group mergedRun reads: whether its chunk was read for its timestamps alone (values finite). */
const timestampsOnly: boolean[] = [];

/**
 * Overlapping parts merged as read() merges them (lib/chunks mergeNumericParts: the newest
 * part wins a shared timestamp) and summarised as one run, not kept. Any non-number read
 * answers `undefined`, as for one part.
 */
function mergedRun(group: Part[], r: Ranges, request: DownsampleRequest): { points: number; run: RunBuckets | null | undefined } {
  const numeric: NumericPart[] = [];
  // a count (request.ofFinite) needs only whether a winning value is finite: a chunk whose
  // values are all finite gives its timestamps alone
  const countOnly = request.ofFinite !== undefined && request.merge !== undefined;
  // whether every part's value in the read range is finite: the count is then made from the timestamps alone
  let allFinite = countOnly;
  for (let k = 0; k < group.length; k++) {
    const part = group[k]!;
    let p: SeriesPoints;
    let from: number;
    let to: number;
    let finite = false;
    if (part.head) {
      // a head part is the head's points in its span (pushHeadParts)
      p = part.head;
      [from, to] = rangeOfSorted(p.timestamps, p.length, Math.max(r.start, part.lo), Math.min(r.end, part.hi));
    } else {
      const ref = part.ref!;
      let buffer = groupScratch[k];
      if (!buffer || buffer.length < ref.count) buffer = groupScratch[k] = allocPoints(Math.max(ref.count, 2 * (buffer?.length ?? 0)));
      let n: number;
      if (countOnly && part.block!.valuesFinite(ref)) {
        n = part.block!.readTimestampsInto(ref, buffer);
        finite = true;
      } else n = part.block!.readChunkInto(ref, buffer);
      p = buffer;
      [from, to] = clip(p.timestamps, n, r.start, r.end);
    }
    if (!finite) {
      if (!isNumericRun(p, from, to)) return { points: to - from, run: undefined };
      if (allFinite) allFinite = numbersFinite(p, from, to);
    }
    timestampsOnly[k] = finite;
    numeric.push({ points: p, from, to });
  }
  if (allFinite) return summariseFiniteParts(numeric, r.vs, r.ve, request);
  // merged after all (a value in the head is not finite): a chunk read for its timestamps gets the finite stand-in 0
  for (let k = 0; k < numeric.length; k++) {
    if (!timestampsOnly[k]) continue;
    const { points, from, to } = numeric[k]!;
    points.kinds.fill(FLOAT, from, to);
    points.floats.fill(0, from, to);
  }
  const merged = mergeNumericParts(numeric);
  const [va, vb] = clip(merged.timestamps, merged.length, r.vs, r.ve);
  return { points: merged.length, run: vb > va ? summariseRun(merged, va, vb, request) : null };
}

/** Whether the floats among numeric points [from, to) of `p` are all finite (an integer always is). */
function numbersFinite(p: SeriesPoints, from: number, to: number): boolean {
  const kinds = p.kinds;
  const floats = p.floats;
  for (let i = from; i < to; i++) if (kinds[i] === FLOAT && !Number.isFinite(floats[i]!)) return false;
  return true;
}

function sameValues(a: Float64Array, b: Float64Array): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
