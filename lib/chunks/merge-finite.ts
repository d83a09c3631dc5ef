/**
 * A count over overlapping runs of one series, from their timestamps alone: where every
 * value the merge would keep is a finite number, the reduction of a bucket by an
 * aggregator with `ofFinite` (count: n → n) needs only how many points the merge keeps in
 * it. So the runs' stretches (run-merge.ts: last write wins on a shared timestamp) are
 * counted bucket by bucket, each stretch by a binary search per bucket boundary it
 * crosses — no value copied, no point visited twice.
 *
 * Why: after a load over several connections, the head's late points overlap most of a
 * series' chunks, and each such series was merged point by point (values copied, then
 * summarised) on every count — the bench's "every point queryable" check among them. The
 * answer is the one summariseRun gives on mergeNumericParts' run, field for field.
 */
import { lowerBound, upperBound, type DownsampleRequest } from '../../core';
import { floorToInterval, type RunBuckets } from './buckets';
import { RunMerge, type SortedRun } from './run-merge';

// bound once: each read of an export through the core barrel is a getter call
const findLowerBound = lowerBound;
const findUpperBound = upperBound;
const EMPTY = new Float64Array(0);
const stretches = new RunMerge();
/** the closed inner buckets' starts and point counts, reused call after call */
let bucketStarts = new Float64Array(64);
let bucketCounts = new Float64Array(64);

function pushBucket(n: number, start: number, count: number): void {
  if (n === bucketStarts.length) {
    const starts = new Float64Array(2 * n);
    const counts = new Float64Array(2 * n);
    starts.set(bucketStarts);
    counts.set(bucketCounts);
    bucketStarts = starts;
    bucketCounts = counts;
  }
  bucketStarts[n] = start;
  bucketCounts[n] = count;
}

/**
 * Summarises `parts` (sorted runs, oldest first; the newest wins a shared timestamp) merged,
 * their points in [vs, ve] (ms), as summariseRun would summarise mergeNumericParts' run —
 * given that every value the merge keeps is a finite number and `request` has `ofFinite`
 * and `merge` (the caller checks both; otherwise the answer would be wrong).
 * Returns the merged point count (before [vs, ve]) and the summary, or null when no merged
 * point lies in [vs, ve].
 */
export function summariseFiniteParts(parts: readonly SortedRun[], vs: number, ve: number, request: DownsampleRequest): { points: number; run: RunBuckets | null } {
  const ofFinite = request.ofFinite!;
  const interval = request.intervalMs;
  const all = request.all === true;
  let merged = 0;
  let inRange = 0;
  let minT = NaN;
  let maxT = NaN;
  // the open bucket (NaN before the first point) and its count; closed buckets go to the scratch
  let open = NaN;
  let openCount = 0;
  let closed = 0;
  stretches.start(parts);
  while (stretches.next()) {
    const ts = parts[stretches.run]!.points.timestamps;
    let a = stretches.from;
    let b = stretches.to;
    merged += b - a;
    if (ts[a]! < vs) a = findLowerBound(ts, b, vs, a);
    if (a < b && ts[b - 1]! > ve) b = findUpperBound(ts, b, ve, a);
    if (a >= b) continue;
    if (inRange === 0) minT = ts[a]!;
    maxT = ts[b - 1]!;
    inRange += b - a;
    if (all) continue;
    for (let i = a; i < b; ) {
      const bucket = floorToInterval(ts[i]!, interval);
      const end = bucket + interval;
      const j = ts[b - 1]! < end ? b : findLowerBound(ts, b, end, i);
      if (bucket === open) openCount += j - i;
      else {
        if (openCount > 0) pushBucket(closed++, open, openCount);
        open = bucket;
        openCount = j - i;
      }
      i = j;
    }
  }
  if (inRange === 0) return { points: merged, run: null };
  if (all) {
    return { points: merged, run: { minT, maxT, points: inRange, headBucket: 0, headValues: EMPTY, tailBucket: NaN, tailValues: EMPTY, innerTimestamps: EMPTY, innerValues: EMPTY, partial: true, headPartial: ofFinite(inRange), tailPartial: NaN } };
  }
  if (closed === 0) {
    return { points: merged, run: { minT, maxT, points: inRange, headBucket: open, headValues: EMPTY, tailBucket: NaN, tailValues: EMPTY, innerTimestamps: EMPTY, innerValues: EMPTY, partial: true, headPartial: ofFinite(openCount), tailPartial: NaN } };
  }
  // the first closed bucket is the head, the open one the tail, those between inner (as summariseRun lays them out)
  const inner = closed - 1;
  const store = inner > 0 ? new Float64Array(2 * inner) : EMPTY;
  const innerTimestamps = store.subarray(0, inner);
  const innerValues = store.subarray(inner);
  for (let k = 0; k < inner; k++) {
    innerTimestamps[k] = bucketStarts[k + 1]!;
    innerValues[k] = ofFinite(bucketCounts[k + 1]!);
  }
  const run: RunBuckets = {
    minT,
    maxT,
    points: inRange,
    headBucket: bucketStarts[0]!,
    headValues: EMPTY,
    tailBucket: open,
    tailValues: EMPTY,
    innerTimestamps,
    innerValues,
    partial: true,
    headPartial: ofFinite(bucketCounts[0]!),
    tailPartial: ofFinite(openCount),
  };
  return { points: merged, run };
}
