/**
 * One series' head: its points since the last cut, sorted by timestamp, last write wins on
 * a shared timestamp. Compact, because the head is most of what the engine holds in memory
 * while it ingests (docs/storage.md, "Memory"):
 *  - one 8-byte value column: `floats` and `ints` are two views of the same bytes, so a
 *    point's slot holds its float's bits or its integer's, as its kind says (17 bytes a
 *    numeric point instead of 25 with a column each); all columns are views of one
 *    ArrayBuffer (one allocation a series, not four). Readers of SeriesPoints read
 *    `floats[i]` only for a float point and `ints[i]` only for an integer one (the chunk
 *    codecs, the bucket summaries, the query engine); what leaves the head for anyone else
 *    is copied with the other column zeroed (`copy`);
 *  - growth by half (not doubling), and a first capacity from the previous head's length
 *    (the points a series gets between two cuts are about the same each time), so the
 *    slack and the garbage of regrowth stay small.
 * `texts` stays empty for purely numeric series.
 */
import { lowerBound, rangeOfSorted, ValueKind, type SeriesPoints } from '../../core';

// bound once: each read of an export through the core barrel is a getter call
const findLowerBound = lowerBound;
const findRange = rangeOfSorted;
const INT: number = ValueKind.Int;
const FLOAT: number = ValueKind.Float;
/** The smallest capacity allocated. */
const MIN_CAPACITY = 8;
/** timestamp, value, kind */
const BYTES_PER_POINT = 17;
/** Moves of up to this many points are done in a loop rather than by copyWithin (shiftUp). */
const SHORT_SHIFT = 16;

/**
 * lowerBound for a late point (`timestamps[length - 1] >= t`): gallops back from the end
 * (1, 2, 4, ... points), then searches the last step. With several connections most late
 * points are only a few places late: a few probes in the cache lines the appends are
 * using, where a binary search over the whole series starts in the middle of its
 * columns (ten probes, most of them cache misses, in a head of 1,000 points).
 */
export function lateLowerBound(timestamps: Float64Array, length: number, t: number): number {
  // the answer lies in (lo, hi]: timestamps[hi] >= t, and timestamps[lo] < t unless lo < 0
  let hi = length - 1;
  let step = 1;
  let lo = hi - step;
  while (lo >= 0 && timestamps[lo]! >= t) {
    hi = lo;
    step *= 2;
    lo = hi - step;
  }
  lo = lo < 0 ? 0 : lo + 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (timestamps[mid]! < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export class HeadSeries implements SeriesPoints {
  length = 0;
  timestamps: Float64Array;
  kinds: Uint8Array;
  /** the value column as doubles (meaningful for float points) */
  floats: Float64Array;
  /** the same bytes as 64-bit integers (meaningful for integer points) */
  ints: BigInt64Array;
  /** the same bytes as 32-bit words: integers copied without a bigint (appendNumber) */
  private valueWords: Int32Array;
  texts: (string | undefined)[] = [];

  /** `capacity`: the points expected (at least MIN_CAPACITY are allocated). */
  constructor(capacity = MIN_CAPACITY) {
    const size = Math.max(MIN_CAPACITY, capacity);
    const buffer = new ArrayBuffer(size * BYTES_PER_POINT);
    this.timestamps = new Float64Array(buffer, 0, size);
    this.floats = new Float64Array(buffer, size * 8, size);
    this.ints = new BigInt64Array(buffer, size * 8, size);
    this.valueWords = new Int32Array(buffer, size * 8, size * 2);
    this.kinds = new Uint8Array(buffer, size * 16, size);
  }

  /**
   * Appends a number without a bigint: a float (`float`), or an integer given as its
   * int64's two 32-bit words in memory order (`word0`, `word1`; BatchBuilder.pushSafeInt
   * and the batch's `ints` bytes). As `append`: sorted, last write wins. The ingest path.
   */
  appendNumber(timestamp: number, kind: number, float: number, word0: number, word1: number): void {
    let at = this.length;
    const timestamps = this.timestamps;
    if (at > 0 && timestamps[at - 1]! >= timestamp) {
      // a late point (several connections, a retry): searched for back from the end
      at = lateLowerBound(timestamps, this.length, timestamp);
      if (at < this.length && timestamps[at] === timestamp) {
        this.setNumber(at, timestamp, kind, float, word0, word1);
        return;
      }
      if (this.length === timestamps.length) this.grow();
      this.shiftUp(at);
      if (this.texts.length > at) this.texts.splice(at, 0, undefined);
    } else if (at === timestamps.length) {
      this.grow();
    }
    this.setNumber(at, timestamp, kind, float, word0, word1);
    this.length++;
  }

  private setNumber(at: number, timestamp: number, kind: number, float: number, word0: number, word1: number): void {
    this.timestamps[at] = timestamp;
    this.kinds[at] = kind;
    if (kind === INT) {
      this.valueWords[2 * at] = word0;
      this.valueWords[2 * at + 1] = word1;
    } else {
      this.floats[at] = float;
    }
    if (this.texts.length > at) this.texts[at] = undefined;
  }

  /** Points the columns have room for. */
  get capacity(): number {
    return this.timestamps.length;
  }

  /** `int` is read only for an integer point, `float` only for a float one, `text` for the others. */
  append(timestamp: number, kind: number, float: number, int: bigint, text: string | undefined): void {
    let at = this.length;
    // In-order appends are the common case; out-of-order ones are placed by binary search.
    if (at > 0 && this.timestamps[at - 1]! >= timestamp) {
      at = lateLowerBound(this.timestamps, this.length, timestamp);
      if (at < this.length && this.timestamps[at] === timestamp) {
        this.set(at, timestamp, kind, float, int, text);
        return;
      }
      if (this.length === this.timestamps.length) this.grow();
      this.shiftUp(at);
      if (this.texts.length > at) this.texts.splice(at, 0, undefined);
    } else if (at === this.timestamps.length) {
      this.grow();
    }
    this.set(at, timestamp, kind, float, int, text);
    this.length++;
  }

  /**
   * Moves points [at, length) one up. A point a little late (several connections, or a
   * collector's retries) lands a few places from the end: those few are moved in a loop,
   * the value column as 32-bit words (as doubles, an int64 whose bits are a NaN could
   * change); longer moves take copyWithin's three native calls.
   */
  private shiftUp(at: number): void {
    const length = this.length;
    if (length - at > SHORT_SHIFT) {
      this.timestamps.copyWithin(at + 1, at, length);
      this.kinds.copyWithin(at + 1, at, length);
      this.floats.copyWithin(at + 1, at, length);
      return;
    }
    const timestamps = this.timestamps;
    const kinds = this.kinds;
    const words = this.valueWords;
    for (let j = length; j > at; j--) {
      timestamps[j] = timestamps[j - 1]!;
      kinds[j] = kinds[j - 1]!;
      words[2 * j] = words[2 * j - 2]!;
      words[2 * j + 1] = words[2 * j - 1]!;
    }
  }

  /** First index whose timestamp is >= t. */
  lowerBound(t: number): number {
    return findLowerBound(this.timestamps, this.length, t);
  }

  /** Index range [from, to) of the points in [start, end] (inclusive, ms). */
  rangeOf(start: number, end: number): [number, number] {
    return findRange(this.timestamps, this.length, start, end);
  }

  /** Removes points in [start, end]; returns how many. */
  deleteRange(start: number, end: number): number {
    const [from, to] = this.rangeOf(start, end);
    const removed = to - from;
    if (removed <= 0) return 0;
    this.timestamps.copyWithin(from, to, this.length);
    this.kinds.copyWithin(from, to, this.length);
    this.floats.copyWithin(from, to, this.length);
    if (this.texts.length > from) this.texts.splice(from, removed);
    this.length -= removed;
    return removed;
  }

  /** Drops the points from index `length` on (the newest ones). */
  truncate(length: number): void {
    if (length >= this.length) return;
    this.length = Math.max(0, length);
    if (this.texts.length > this.length) this.texts.length = this.length;
  }

  /** Points [from, to) in fresh, separate columns: `ints` 0 for a non-integer point, `floats` 0 for a non-float one. */
  copy(from: number, to: number): SeriesPoints {
    const length = Math.max(0, to - from);
    const floats = this.floats.slice(from, to);
    const ints = new BigInt64Array(floats.buffer.slice(0));
    const kinds = this.kinds.slice(from, to);
    for (let i = 0; i < length; i++) {
      const kind = kinds[i]!;
      if (kind !== INT) ints[i] = 0n;
      if (kind !== FLOAT) floats[i] = 0;
    }
    const texts = this.texts.length > from ? this.texts.slice(from, to) : [];
    texts.length = length;
    return { length, timestamps: this.timestamps.slice(from, to), kinds, floats, ints, texts };
  }

  private set(at: number, timestamp: number, kind: number, float: number, int: bigint, text: string | undefined): void {
    this.timestamps[at] = timestamp;
    this.kinds[at] = kind;
    if (kind === INT) this.ints[at] = int;
    else this.floats[at] = kind === FLOAT ? float : 0;
    // texts stays empty for purely numeric series
    if (text !== undefined || this.texts.length > at) {
      while (this.texts.length < at) this.texts.push(undefined);
      this.texts[at] = text;
    }
  }

  /** By half: the slack a full head leaves is at most a third of it, not half. */
  private grow(): void {
    const old = this.timestamps.length;
    const size = old + Math.max(MIN_CAPACITY, old >> 1);
    const buffer = new ArrayBuffer(size * BYTES_PER_POINT);
    const timestamps = new Float64Array(buffer, 0, size);
    timestamps.set(this.timestamps.subarray(0, this.length));
    const floats = new Float64Array(buffer, size * 8, size);
    floats.set(this.floats.subarray(0, this.length));
    const kinds = new Uint8Array(buffer, size * 16, size);
    kinds.set(this.kinds.subarray(0, this.length));
    this.timestamps = timestamps;
    this.floats = floats;
    this.ints = new BigInt64Array(buffer, size * 8, size);
    this.valueWords = new Int32Array(buffer, size * 8, size * 2);
    this.kinds = kinds;
  }
}
