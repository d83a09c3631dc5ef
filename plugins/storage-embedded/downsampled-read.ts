/**
 * `readDownsampled` for one series (core DownsampleRequest): each chunk wholly inside the
 * range is summarised once and its summary kept (summary-cache.ts); a chunk cut by the
 * range and the head are summarised as they are read; lib/chunks' mergeRuns joins them.
 * Where that would not equal downsampling `read`'s points — runs that overlap in time
 * (an out-of-order write, blocks not yet compacted over the same span), or any string or
 * JSON value — it answers `undefined` and the caller reads the points instead.
 */
import type { DownsampleRequest } from '../../core';
import { isNumericRun, mergeRuns, summariseRun, type RunBuckets } from '../../lib/chunks';
import type { BlockReader, ChunkRef } from './block';
import type { SeriesEntry } from './series-index';
import type { SummaryCache } from './summary-cache';
import type { HeadSeries } from './head';

export interface DownsampledSeries {
  points: number;
  length: number;
  timestamps: Float64Array;
  values: Float64Array;
}

function chunkRun(ref: ChunkRef, block: BlockReader, start: number, end: number, request: DownsampleRequest, cache: SummaryCache, key: string): RunBuckets | null | undefined {
  const whole = ref.minT >= start && ref.maxT <= end;
  if (whole) {
    const cached = cache.get(ref, key);
    if (cached) return cached;
  }
  const points = block.readChunk(ref);
  let from = 0;
  let to = points.length;
  if (!whole) {
    while (from < to && points.timestamps[from]! < start) from++;
    while (to > from && points.timestamps[to - 1]! > end) to--;
  }
  if (to === from) return null;
  if (!isNumericRun(points, from, to)) return undefined;
  const run = summariseRun(points, from, to, request);
  if (whole) cache.set(ref, key, run);
  return run;
}

/** The cache key of a request's summaries: one per interval and aggregator. */
export function summaryKey(request: DownsampleRequest): string {
  return `${request.intervalMs}:${request.aggregator}`;
}

function headRun(head: HeadSeries | undefined, start: number, end: number, request: DownsampleRequest): RunBuckets | null | undefined {
  if (!head || head.length === 0) return null;
  const [from, to] = head.rangeOf(start, end);
  if (to <= from) return null;
  if (!isNumericRun(head, from, to)) return undefined;
  return summariseRun(head, from, to, request);
}

/**
 * The series' buckets over [start, end] (ms, inclusive), or undefined when the engine
 * cannot give them exactly (see the file comment). Throws a corrupt chunk's error.
 * `generation`: the BlockSet's; a series with no head points in the range answers a repeat
 * of its last request from the series' memo while its blocks are unchanged.
 */
export function downsampleSeries(
  entry: SeriesEntry,
  start: number,
  end: number,
  request: DownsampleRequest,
  cache: SummaryCache,
  generation: number,
  key = summaryKey(request),
): DownsampledSeries | undefined {
  const inHead = hasPoints(entry.frozen, start, end) || hasPoints(entry.head, start, end);
  const memo = entry.downsampled;
  if (!inHead && memo !== undefined && memo.generation === generation && memo.key === key && memo.start === start && memo.end === end) return memo.result;
  const runs: RunBuckets[] = [];
  for (const { block, ref } of entry.chunks) {
    if (ref.maxT < start || ref.minT > end) continue;
    const run = chunkRun(ref, block, start, end, request, cache, key);
    if (run === undefined) return undefined;
    if (run !== null) runs.push(run);
  }
  if (inHead) {
    for (const head of [entry.frozen, entry.head]) {
      const run = headRun(head, start, end, request);
      if (run === undefined) return undefined;
      if (run !== null) runs.push(run);
    }
  }
  // blocks are in seq order, which is time order for in-order data; sort only when not
  for (let k = 1; k < runs.length; k++) {
    if (runs[k]!.minT < runs[k - 1]!.minT) {
      runs.sort((a, b) => a.minT - b.minT);
      break;
    }
  }
  const result = mergeRuns(runs, request);
  // kept only when it came from blocks alone (a result shared by later queries is never written to)
  if (result && !inHead) entry.downsampled = { key, start, end, generation, result };
  return result;
}

function hasPoints(head: HeadSeries | undefined, start: number, end: number): boolean {
  if (!head || head.length === 0) return false;
  const [from, to] = head.rangeOf(start, end);
  return to > from;
}
