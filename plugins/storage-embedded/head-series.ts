/**
 * The in-memory head of one series: the points written since the last block was cut, in
 * parallel growable columns kept sorted by timestamp (last write wins on a duplicate).
 */
import type { SeriesPoints } from '../../core';

export class HeadSeries implements SeriesPoints {
  length = 0;
  timestamps: Float64Array;
  kinds: Uint8Array;
  floats: Float64Array;
  ints: BigInt64Array;
  texts: (string | undefined)[] = [];

  /** `capacity`: points expected, e.g. what the series' previous head held when it was cut. */
  constructor(capacity = 8) {
    const size = Math.max(8, capacity);
    this.timestamps = new Float64Array(size);
    this.kinds = new Uint8Array(size);
    this.floats = new Float64Array(size);
    this.ints = new BigInt64Array(size);
  }

  append(timestamp: number, kind: number, float: number, int: bigint, text: string | undefined): void {
    let at = this.length;
    // In-order appends are the common case; out-of-order ones are placed by binary search.
    if (at > 0 && this.timestamps[at - 1]! >= timestamp) {
      at = this.lowerBound(timestamp);
      if (at < this.length && this.timestamps[at] === timestamp) {
        this.set(at, timestamp, kind, float, int, text);
        return;
      }
      this.grow();
      this.timestamps.copyWithin(at + 1, at, this.length);
      this.kinds.copyWithin(at + 1, at, this.length);
      this.floats.copyWithin(at + 1, at, this.length);
      this.ints.copyWithin(at + 1, at, this.length);
      if (this.texts.length > at) this.texts.splice(at, 0, undefined);
    } else {
      this.grow();
    }
    this.set(at, timestamp, kind, float, int, text);
    this.length++;
  }

  /** First index whose timestamp is >= t. */
  lowerBound(t: number): number {
    let lo = 0;
    let hi = this.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.timestamps[mid]! < t) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Index range [from, to) of the points in [start, end] (inclusive, ms). */
  rangeOf(start: number, end: number): [number, number] {
    const from = this.lowerBound(start);
    let to = this.lowerBound(end);
    if (to < this.length && this.timestamps[to] === end) to++;
    return [from, Math.max(from, to)];
  }

  /** Removes points in [start, end]; returns how many. */
  deleteRange(start: number, end: number): number {
    const [from, to] = this.rangeOf(start, end);
    const removed = to - from;
    if (removed <= 0) return 0;
    this.timestamps.copyWithin(from, to, this.length);
    this.kinds.copyWithin(from, to, this.length);
    this.floats.copyWithin(from, to, this.length);
    this.ints.copyWithin(from, to, this.length);
    if (this.texts.length > from) this.texts.splice(from, removed);
    this.length -= removed;
    return removed;
  }

  private set(at: number, timestamp: number, kind: number, float: number, int: bigint, text: string | undefined): void {
    this.timestamps[at] = timestamp;
    this.kinds[at] = kind;
    this.floats[at] = float;
    this.ints[at] = int;
    // texts stays empty for purely numeric series
    if (text !== undefined || this.texts.length > at) {
      while (this.texts.length < at) this.texts.push(undefined);
      this.texts[at] = text;
    }
  }

  private grow(): void {
    if (this.length < this.timestamps.length) return;
    const size = this.timestamps.length * 2;
    const timestamps = new Float64Array(size);
    timestamps.set(this.timestamps);
    this.timestamps = timestamps;
    const kinds = new Uint8Array(size);
    kinds.set(this.kinds);
    this.kinds = kinds;
    const floats = new Float64Array(size);
    floats.set(this.floats);
    this.floats = floats;
    const ints = new BigInt64Array(size);
    ints.set(this.ints);
    this.ints = ints;
  }
}
