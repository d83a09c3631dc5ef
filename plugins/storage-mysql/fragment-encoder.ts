/**
 * Turns a write batch into chunk fragments: one per series and time window, encoded in
 * the shared chunk format (lib/chunks) with the codec plugins. Reuses one scratch column
 * set across batches, so a write allocates only the encoded bytes.
 */
import { allocPoints, type PointBatch, type SeriesPoints } from '../../core';
import type { MysqlChunks } from './chunk';

export class FragmentEncoder {
  /** reused per write: the points of one series and window, sorted */
  private scratch: SeriesPoints = allocPoints(64);

  constructor(
    private readonly codec: MysqlChunks,
    /** the window length in ms: read per batch, since open() may adopt the database's */
    private readonly windowMs: () => number,
  ) {}

  /** A scratch column set of at least `n` points, shared with window rewrites. */
  scratchFor(n: number): SeriesPoints {
    if (this.scratch.length < n) this.scratch = allocPoints(n);
    return this.scratch;
  }

  /**
   * Groups the batch by series (a counting sort, stable in batch order), sorts each
   * series by time where needed, keeps the last of equal timestamps, and encodes one
   * fragment per series and window. Returns flat INSERT params: id, window, n, data.
   */
  encode(batch: PointBatch, ids: number[]): unknown[] {
    const nSeries = batch.series.length;
    const starts = new Uint32Array(nSeries + 1);
    for (let i = 0; i < batch.length; i++) starts[batch.seriesIndex[i]! + 1]!++;
    for (let s = 0; s < nSeries; s++) starts[s + 1]! += starts[s]!;
    const fill = starts.slice(0, nSeries);
    const order = new Uint32Array(batch.length);
    for (let i = 0; i < batch.length; i++) order[fill[batch.seriesIndex[i]!]!++] = i;
    const ts = batch.timestamps;
    const byTime = (a: number, b: number) => ts[a]! - ts[b]! || a - b;
    const out = this.scratchFor(batch.length);
    const params: unknown[] = [];
    for (let s = 0; s < nSeries; s++) {
      const from = starts[s]!;
      const to = starts[s + 1]!;
      for (let k = from + 1; k < to; k++) {
        if (ts[order[k]!]! <= ts[order[k - 1]!]!) {
          order.subarray(from, to).sort(byTime);
          break;
        }
      }
      let n = 0;
      let windowStart = NaN;
      for (let k = from; k < to; k++) {
        const i = order[k]!;
        const t = ts[i]!;
        if (k + 1 < to && ts[order[k + 1]!] === t) continue; // a later write of the same timestamp wins
        const w = Math.floor(t / this.windowMs()) * this.windowMs();
        if (w !== windowStart) {
          if (n > 0) params.push(ids[s], windowStart, n, this.chunkBuffer(out, n));
          windowStart = w;
          n = 0;
        }
        out.timestamps[n] = t;
        out.kinds[n] = batch.kinds[i]!;
        out.floats[n] = batch.floats[i]!;
        out.ints[n] = batch.ints[i]!;
        out.texts[n++] = batch.texts[i];
      }
      if (n > 0) params.push(ids[s], windowStart, n, this.chunkBuffer(out, n));
    }
    return params;
  }

  chunkBuffer(points: SeriesPoints, n: number): Buffer {
    const bytes = this.codec.encode(points, 0, n);
    return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

}
