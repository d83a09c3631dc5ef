/** Column helpers of the embedded engine: clip and merge SeriesPoints (per series, never per point); the basic ones come from the kernel. */
import { allocPoints, lowerBound, slicePoints, type SeriesPoints } from '../../core';

export { allocPoints, lowerBound, slicePoints };

export const EMPTY_POINTS: SeriesPoints = allocPoints(0);

/** The points of `p` in [start, end], without a copy when all of them are. */
export function clipPoints(p: SeriesPoints, start: number, end: number): SeriesPoints {
  if (p.length === 0 || (p.timestamps[0]! >= start && p.timestamps[p.length - 1]! <= end)) return p;
  const from = lowerBound(p.timestamps, p.length, start);
  let to = lowerBound(p.timestamps, p.length, end);
  if (to < p.length && p.timestamps[to] === end) to++;
  return slicePoints(p, from, Math.max(from, to));
}

/** Merges two sorted runs; on a shared timestamp the point of `newer` wins (last write wins). */
export function mergePoints(older: SeriesPoints, newer: SeriesPoints): SeriesPoints {
  if (older.length === 0) return newer;
  if (newer.length === 0) return older;
  const out = allocPoints(older.length + newer.length);
  if (older.timestamps[older.length - 1]! < newer.timestamps[0]!) {
    // Disjoint and ordered (the usual case: a block, then the head): plain concatenation.
    out.timestamps.set(older.timestamps.subarray(0, older.length));
    out.timestamps.set(newer.timestamps.subarray(0, newer.length), older.length);
    out.kinds.set(older.kinds.subarray(0, older.length));
    out.kinds.set(newer.kinds.subarray(0, newer.length), older.length);
    out.floats.set(older.floats.subarray(0, older.length));
    out.floats.set(newer.floats.subarray(0, newer.length), older.length);
    out.ints.set(older.ints.subarray(0, older.length));
    out.ints.set(newer.ints.subarray(0, newer.length), older.length);
    for (let k = 0; k < older.length; k++) out.texts[k] = older.texts[k];
    for (let k = 0; k < newer.length; k++) out.texts[older.length + k] = newer.texts[k];
    return out;
  }
  let i = 0;
  let j = 0;
  let n = 0;
  while (i < older.length && j < newer.length) {
    const a = older.timestamps[i]!;
    const b = newer.timestamps[j]!;
    if (a < b) copyPoint(out, n++, older, i++);
    else if (b < a) copyPoint(out, n++, newer, j++);
    else {
      copyPoint(out, n++, newer, j++);
      i++;
    }
  }
  while (i < older.length) copyPoint(out, n++, older, i++);
  while (j < newer.length) copyPoint(out, n++, newer, j++);
  return n === out.length ? out : slicePoints(out, 0, n);
}

function copyPoint(out: SeriesPoints, n: number, src: SeriesPoints, k: number): void {
  out.timestamps[n] = src.timestamps[k]!;
  out.kinds[n] = src.kinds[k]!;
  out.floats[n] = src.floats[k]!;
  out.ints[n] = src.ints[k]!;
  out.texts[n] = src.texts[k];
}

/**
 * Combines runs given oldest first into one sorted run, later runs winning on a shared
 * timestamp. Runs that follow one another in time (the usual case: the chunks of a series)
 * are concatenated in one copy; overlapping ones are merged pairwise.
 */
export function combinePoints(parts: SeriesPoints[]): SeriesPoints {
  const runs = parts.filter((p) => p.length > 0);
  if (runs.length === 0) return EMPTY_POINTS;
  if (runs.length === 1) return runs[0]!;
  let ordered = true;
  let total = 0;
  for (let k = 0; k < runs.length; k++) {
    total += runs[k]!.length;
    if (k > 0 && runs[k]!.timestamps[0]! <= runs[k - 1]!.timestamps[runs[k - 1]!.length - 1]!) ordered = false;
  }
  if (!ordered) return runs.reduce((acc, run) => mergePoints(acc, run));
  const out = allocPoints(total);
  let n = 0;
  for (const run of runs) {
    out.timestamps.set(run.timestamps.subarray(0, run.length), n);
    out.kinds.set(run.kinds.subarray(0, run.length), n);
    out.floats.set(run.floats.subarray(0, run.length), n);
    out.ints.set(run.ints.subarray(0, run.length), n);
    for (let k = 0; k < run.length; k++) out.texts[n + k] = run.texts[k];
    n += run.length;
  }
  return out;
}
