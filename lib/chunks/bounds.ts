/**
 * Binary searches over a sorted range of timestamps (ms), from `from` rather than 0 (core's
 * lowerBound searches a whole column): a merge's stretch, a head's part.
 */

/** First index in ts[from, to) whose timestamp is >= t (to when none). */
export function lowerBoundIn(ts: Float64Array, from: number, to: number, t: number): number {
  let lo = from;
  let hi = to;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (ts[mid]! < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** First index in ts[from, to) whose timestamp is > t (to when none). */
export function upperBoundIn(ts: Float64Array, from: number, to: number, t: number): number {
  let lo = from;
  let hi = to;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (ts[mid]! <= t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
