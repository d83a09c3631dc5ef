/**
 * Write batches to cells and cells back to points. A write becomes, per series and
 * window, one fragment: the points encoded as one chunk in the shared format
 * (lib/chunks, stored frame) with the codec plugins, in a cell whose qualifier is the
 * writer's next sequence number. A row's cells replayed in qualifier order, later
 * values winning on equal timestamps, give the window's points (last write wins).
 */
import { allocPoints, type PointBatch, type SeriesPoints } from '../../core';
import { decodeStoredChunkInto, encodeStoredChunk, storedChunkPointCount, type CodecSet } from '../../lib/chunks';
import { DATA_FAMILY, dataRowKey } from './keys';
import type { Cell } from './rest';

/**
 * Qualifiers that sort in write order: 16 hex digits of a per-daemon sequence that
 * follows the clock (ms × 1024, strictly increasing), then 8 hex digits naming the
 * daemon, so two daemons never write the same cell. Across daemons, the later write by
 * the clock wins, as with HBase's own cell timestamps.
 */
export class Sequencer {
  private last = 0;
  private readonly writer = Math.floor(Math.random() * 0xffffffff).toString(16).padStart(8, '0');

  next(): Buffer {
    const now = Date.now() * 1024;
    this.last = now > this.last ? now : this.last + 1;
    return Buffer.from(`${DATA_FAMILY}:${this.last.toString(16).padStart(16, '0')}${this.writer}`);
  }
}

export class FragmentCodec {
  /** reused per write: the points of one series and window, sorted */
  private scratch: SeriesPoints = allocPoints(64);

  constructor(
    readonly codecs: CodecSet,
    private readonly sequencer: Sequencer,
  ) {}

  scratchFor(n: number): SeriesPoints {
    if (this.scratch.length < n) this.scratch = allocPoints(n);
    return this.scratch;
  }

  encode(points: SeriesPoints, n: number): Buffer {
    const bytes = encodeStoredChunk(points, 0, n, this.codecs);
    return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  /**
   * Groups the batch by series (a counting sort, stable in batch order), sorts each
   * series by time where needed, keeps the last of equal timestamps, and encodes one
   * cell per series and window, all under one qualifier (this write's sequence number).
   * `touched` gets the "id:window" of each cell.
   */
  cells(batch: PointBatch, ids: readonly number[], windowMs: number, salt: number, touched: string[]): Cell[] {
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
    const column = this.sequencer.next();
    const cells: Cell[] = [];
    const emit = (id: number, window: number, n: number) => {
      cells.push({ row: dataRowKey(id, window, salt), column, value: this.encode(out, n) });
      touched.push(`${id}:${window}`);
    };
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
        const w = Math.floor(t / windowMs) * windowMs;
        if (w !== windowStart) {
          if (n > 0) emit(ids[s]!, windowStart, n);
          windowStart = w;
          n = 0;
        }
        out.timestamps[n] = t;
        out.kinds[n] = batch.kinds[i]!;
        out.floats[n] = batch.floats[i]!;
        out.ints[n] = batch.ints[i]!;
        out.texts[n++] = batch.texts[i];
      }
      if (n > 0) emit(ids[s]!, windowStart, n);
    }
    // rows in key order: on a cluster the gateway's batch then splits by region cleanly
    cells.sort((a, b) => Buffer.compare(a.row, b.row));
    return cells;
  }

  /**
   * Points of some cells (replayed in the given order: rows by window, cells by
   * qualifier) with timestamps in [start, end], sorted, one per timestamp, the latest
   * written winning.
   */
  merge(values: readonly Buffer[], start: number, end: number): SeriesPoints {
    let total = 0;
    for (const v of values) total += storedChunkPointCount(v);
    const all = allocPoints(total);
    let n = 0;
    for (const v of values) n += decodeStoredChunkInto(v, this.codecs, all, n);
    let sorted = true;
    for (let i = 1; i < n; i++) {
      if (all.timestamps[i]! <= all.timestamps[i - 1]!) {
        sorted = false;
        break;
      }
    }
    let order: Uint32Array | undefined;
    if (!sorted) {
      // stable by timestamp: the last of equal timestamps is the latest write
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
    if (count === n && !order) return all;
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
}
