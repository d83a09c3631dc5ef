/**
 * Turning chunk rows back into points: decode every fragment of a series in (window,
 * seq) order, then, only when fragments overlap, sort by timestamp keeping the value of
 * the latest fragment (last write wins).
 */
import { allocPoints, type SeriesPoints } from '../../core';
import type { MysqlChunks } from './chunk';

export interface ChunkRow {
  series_id: number;
  window_start: number;
  seq: number;
  npoints: number;
  data: Buffer;
}

/** Points of `rows[from, to)` with timestamps in [start, end], sorted, deduplicated. */
export function mergeRows(codec: MysqlChunks, rows: readonly ChunkRow[], from: number, to: number, start: number, end: number): SeriesPoints {
  let total = 0;
  for (let r = from; r < to; r++) total += rows[r]!.npoints;
  const all = allocPoints(total);
  let n = 0;
  for (let r = from; r < to; r++) n += codec.decode(rows[r]!.data, all, n);
  let sorted = true;
  for (let i = 1; i < n; i++) {
    if (all.timestamps[i]! <= all.timestamps[i - 1]!) {
      sorted = false;
      break;
    }
  }
  let order: Uint32Array | undefined;
  if (!sorted) {
    // Stable by timestamp, then the last of equal timestamps is the latest write.
    order = new Uint32Array(n);
    for (let i = 0; i < n; i++) order[i] = i;
    const ts = all.timestamps;
    order.sort((a, b) => ts[a]! - ts[b]! || a - b);
  }
  let count = 0;
  for (let k = 0; k < n; k++) {
    const i = order ? order[k]! : k;
    const t = all.timestamps[i]!;
    if (t < start || t > end) continue;
    if (order && k + 1 < n && all.timestamps[order[k + 1]!] === t) continue;
    count++;
  }
  const out = allocPoints(count);
  let j = 0;
  for (let k = 0; k < n; k++) {
    const i = order ? order[k]! : k;
    const t = all.timestamps[i]!;
    if (t < start || t > end) continue;
    if (order && k + 1 < n && all.timestamps[order[k + 1]!] === t) continue;
    out.timestamps[j] = t;
    out.kinds[j] = all.kinds[i]!;
    out.floats[j] = all.floats[i]!;
    out.ints[j] = all.ints[i]!;
    out.texts[j++] = all.texts[i];
  }
  return out;
}
