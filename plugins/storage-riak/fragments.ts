/**
 * A write batch cut into fragments: the points of one series in one time window,
 * sorted, the last of equal timestamps kept (a later write in the batch wins). Each
 * fragment is merged into its window's chunk. A counting sort groups the batch by series
 * (stable in batch order); allocation is per fragment, never per point.
 */
import { allocPoints, type PointBatch, type SeriesPoints } from '../../core';

export interface Fragment {
  /** index into batch.series */
  series: number;
  window: number;
  points: SeriesPoints;
}

export function fragmentsOf(batch: PointBatch, windowMs: number): Fragment[] {
  const nSeries = batch.series.length;
  const starts = new Uint32Array(nSeries + 1);
  for (let i = 0; i < batch.length; i++) starts[batch.seriesIndex[i]! + 1]!++;
  for (let s = 0; s < nSeries; s++) starts[s + 1]! += starts[s]!;
  const fill = starts.slice(0, nSeries);
  const order = new Uint32Array(batch.length);
  for (let i = 0; i < batch.length; i++) order[fill[batch.seriesIndex[i]!]!++] = i;
  const ts = batch.timestamps;
  const byTime = (a: number, b: number) => ts[a]! - ts[b]! || a - b;
  const out: Fragment[] = [];
  for (let s = 0; s < nSeries; s++) {
    const from = starts[s]!;
    const to = starts[s + 1]!;
    for (let k = from + 1; k < to; k++) {
      if (ts[order[k]!]! <= ts[order[k - 1]!]!) {
        order.subarray(from, to).sort(byTime);
        break;
      }
    }
    let k = from;
    while (k < to) {
      const window = Math.floor(ts[order[k]!]! / windowMs) * windowMs;
      let end = k;
      while (end < to && ts[order[end]!]! < window + windowMs) end++;
      const points = allocPoints(end - k);
      let n = 0;
      for (let j = k; j < end; j++) {
        const i = order[j]!;
        if (j + 1 < end && ts[order[j + 1]!] === ts[i]) continue; // a later write of the same timestamp wins
        points.timestamps[n] = ts[i]!;
        points.kinds[n] = batch.kinds[i]!;
        points.floats[n] = batch.floats[i]!;
        points.ints[n] = batch.ints[i]!;
        points.texts[n++] = batch.texts[i];
      }
      points.length = n;
      out.push({ series: s, window, points });
      k = end;
    }
  }
  return out;
}
