/** Column helpers: allocate, slice and merge SeriesPoints (per series, never per point). */
import type { SeriesPoints } from '../../core';

export function allocPoints(n: number): SeriesPoints {
  return {
    length: n,
    timestamps: new Float64Array(n),
    kinds: new Uint8Array(n),
    floats: new Float64Array(n),
    ints: new BigInt64Array(n),
    texts: new Array<string | undefined>(n),
  };
}

export const EMPTY_POINTS: SeriesPoints = allocPoints(0);

/** Copies points [from, to) into fresh columns. */
export function slicePoints(p: SeriesPoints, from: number, to: number): SeriesPoints {
  const texts = p.texts.length > from ? p.texts.slice(from, to) : [];
  texts.length = Math.max(0, to - from);
  return {
    length: Math.max(0, to - from),
    timestamps: p.timestamps.slice(from, to),
    kinds: p.kinds.slice(from, to),
    floats: p.floats.slice(from, to),
    ints: p.ints.slice(from, to),
    texts,
  };
}

/** First index whose timestamp is >= t. */
export function lowerBound(ts: Float64Array, length: number, t: number): number {
  let lo = 0;
  let hi = length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (ts[mid]! < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

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
