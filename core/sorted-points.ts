/**
 * One series' points in parallel growable columns, kept sorted by timestamp, with last
 * write wins on a duplicate timestamp. The embedded engine's head and the memory engine
 * both hold their series in it. `texts` stays empty for purely numeric series.
 */
import { growColumns, lowerBound, rangeOfSorted } from './series-points';
import type { SeriesPoints } from './storage';

export class SortedPoints implements SeriesPoints {
  length = 0;
  timestamps: Float64Array;
  kinds: Uint8Array;
  floats: Float64Array;
  ints: BigInt64Array;
  texts: (string | undefined)[] = [];

  /** `capacity`: the points expected (at least 8 are allocated). */
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
    return lowerBound(this.timestamps, this.length, t);
  }

  /** Index range [from, to) of the points in [start, end] (inclusive, ms). */
  rangeOf(start: number, end: number): [number, number] {
    return rangeOfSorted(this.timestamps, this.length, start, end);
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
    growColumns(this, this.timestamps.length * 2);
  }
}
