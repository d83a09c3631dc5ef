/**
 * `readDownsampled` for an engine that holds a series' points in one run (the memory
 * engine, or any engine after its own read): the points of the request's `values` range
 * summarised as one run (summariseRun), the `all` bucket stamped, the rate applied. The
 * same exact arithmetic as the chunk-by-chunk path, without anything kept.
 */
import type { BucketColumns, DownsampleRequest, SeriesPoints } from '../../core';
import { isNumericRun, mergeRuns, summariseRun } from './buckets';
import { rateOfDoubles } from './bucket-rate';

/** The buckets of one series (core BucketColumns). */
export type PointsBuckets = BucketColumns;

const EMPTY = new Float64Array(0);

/**
 * The buckets of `p` (the series' points in the read range, sorted), or undefined when a
 * value read is a string or JSON (the caller hands back the points).
 */
export function downsamplePoints(p: SeriesPoints, request: DownsampleRequest): PointsBuckets | undefined {
  // any string or JSON value read, also outside the bucketed range, makes the query engine
  // treat the series as discrete (value-select.ts): the caller hands back the points
  if (!isNumericRun(p, 0, p.length)) return undefined;
  const vs = request.values?.start ?? -Infinity;
  const ve = request.values?.end ?? Infinity;
  let from = 0;
  let to = p.length;
  while (from < to && p.timestamps[from]! < vs) from++;
  while (to > from && p.timestamps[to - 1]! > ve) to--;
  let out: PointsBuckets = { points: p.length, length: 0, timestamps: EMPTY, values: EMPTY };
  if (to > from) {
    const merged = mergeRuns([summariseRun(p, from, to, request)], request)!;
    out = { points: p.length, length: merged.length, timestamps: merged.timestamps, values: merged.values };
    if (request.all && out.length === 1) out.timestamps = Float64Array.of(request.values?.start ?? p.timestamps[0]!);
  }
  if (request.rate) {
    const rated = rateOfDoubles(out.timestamps, out.values, out.length, request.rate, (n) => new Float64Array(n));
    out = { points: out.points, length: rated.length, timestamps: rated.timestamps, values: rated.values, rated: true, ...(rated.seed !== undefined ? { rateSeed: rated.seed } : {}) };
  }
  return out;
}
