/**
 * Helpers for `SeriesPoints` columns that every storage engine needs: allocate, slice,
 * binary-search by timestamp, grow. They work per series, never per point.
 */
import type { SeriesPoints } from './storage';

/** Columns for `n` points (texts dense, all `undefined`). */
export function allocPoints(n: number): SeriesPoints {
  return {
    length: n,
    timestamps: new Float64Array(n),
    kinds: new Uint8Array(n),
    floats: new Float64Array(n),
    ints: new BigInt64Array(n),
    texts: new Array<string | undefined>(n).fill(undefined),
  };
}

/** Copies points [from, to) into fresh columns. `p.texts` may be shorter than `p.length` (numeric series). */
export function slicePoints(p: SeriesPoints, from: number, to: number): SeriesPoints {
  const length = Math.max(0, to - from);
  const texts = p.texts.length > from ? p.texts.slice(from, to) : [];
  texts.length = length;
  return {
    length,
    timestamps: p.timestamps.slice(from, to),
    kinds: p.kinds.slice(from, to),
    floats: p.floats.slice(from, to),
    ints: p.ints.slice(from, to),
    texts,
  };
}

/** Index range [from, to) of the points of `ts[0, length)` (sorted) in [start, end] (inclusive, ms). */
export function rangeOfSorted(ts: Float64Array, length: number, start: number, end: number): [number, number] {
  const from = lowerBound(ts, length, start);
  let to = lowerBound(ts, length, end);
  if (to < length && ts[to] === end) to++;
  return [from, Math.max(from, to)];
}

/** First index in `ts[from, length)` (sorted) whose timestamp is >= t (`length` when none). */
export function lowerBound(ts: Float64Array, length: number, t: number, from = 0): number {
  let lo = from;
  let hi = length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (ts[mid]! < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** First index in `ts[from, length)` (sorted) whose timestamp is > t (`length` when none). */
export function upperBound(ts: Float64Array, length: number, t: number, from = 0): number {
  let lo = from;
  let hi = length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (ts[mid]! <= t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Reallocates the typed columns of `p` to `capacity`, keeping their contents (texts grow by themselves). */
export function growColumns(p: SeriesPoints, capacity: number): void {
  const timestamps = new Float64Array(capacity);
  timestamps.set(p.timestamps.subarray(0, Math.min(p.timestamps.length, capacity)));
  p.timestamps = timestamps;
  const kinds = new Uint8Array(capacity);
  kinds.set(p.kinds.subarray(0, Math.min(p.kinds.length, capacity)));
  p.kinds = kinds;
  const floats = new Float64Array(capacity);
  floats.set(p.floats.subarray(0, Math.min(p.floats.length, capacity)));
  p.floats = floats;
  const ints = new BigInt64Array(capacity);
  ints.set(p.ints.subarray(0, Math.min(p.ints.length, capacity)));
  p.ints = ints;
}
