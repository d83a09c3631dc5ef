/**
 * One series held in memory: parallel growable columns kept sorted by timestamp, with
 * last-write-wins on a duplicate timestamp.
 */
import type { SeriesInfo, SeriesPoints } from '../../core';

export class MemorySeries {
  length = 0;
  timestamps = new Float64Array(16);
  kinds = new Uint8Array(16);
  floats = new Float64Array(16);
  ints = new BigInt64Array(16);
  texts: (string | undefined)[] = [];

  constructor(readonly info: SeriesInfo) {}

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
      this.texts.splice(at, 0, undefined);
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

  /** Copies points in [start, end] (inclusive, ms) into fresh columns. */
  slice(start: number, end: number): SeriesPoints {
    const from = this.lowerBound(start);
    let to = this.lowerBound(end);
    if (to < this.length && this.timestamps[to] === end) to++;
    return {
      length: Math.max(0, to - from),
      timestamps: this.timestamps.slice(from, to),
      kinds: this.kinds.slice(from, to),
      floats: this.floats.slice(from, to),
      ints: this.ints.slice(from, to),
      texts: this.texts.slice(from, to),
    };
  }

  /** Removes points in [start, end]; returns how many. */
  deleteRange(start: number, end: number): number {
    const from = this.lowerBound(start);
    let to = this.lowerBound(end);
    if (to < this.length && this.timestamps[to] === end) to++;
    const removed = to - from;
    if (removed <= 0) return 0;
    this.timestamps.copyWithin(from, to, this.length);
    this.kinds.copyWithin(from, to, this.length);
    this.floats.copyWithin(from, to, this.length);
    this.ints.copyWithin(from, to, this.length);
    this.texts.splice(from, removed);
    this.length -= removed;
    return removed;
  }

  private set(at: number, timestamp: number, kind: number, float: number, int: bigint, text: string | undefined): void {
    this.timestamps[at] = timestamp;
    this.kinds[at] = kind;
    this.floats[at] = float;
    this.ints[at] = int;
    this.texts[at] = text;
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
