/**
 * One series' head: its points since the last cut, sorted by timestamp, last write wins on
 * a shared timestamp. Points that arrive out of order wait in a short unsorted tail that
 * settle() merges in (every reading method settles first; code reading the columns
 * directly calls settle()), as Prometheus' head keeps out-of-order samples apart until
 * they are merged; a staged group already in timestamp order is merged at once instead
 * (appendStaged). Compact, because the head is most of what the engine holds in memory
 * while it ingests (docs/storage.md, "Memory"):
 *  - one 8-byte value column: `floats` and `ints` are two views of the same bytes, so a
 *    point's slot holds its float's bits or its integer's, as its kind says (17 bytes a
 *    numeric point instead of 25 with a column each); all columns are views of one
 *    ArrayBuffer (one allocation a series, not four). The head itself writes the value
 *    column as 32-bit words; `floats` and `ints` are views made when something first reads
 *    them (a query, a cut), so a series that only ingests holds three views, not five (a
 *    typed-array view is ~96 bytes of heap, and with 100k series the views were a quarter
 *    of the storage thread's heap, all of it marked by every full collection). Readers of SeriesPoints read
 *    `floats[i]` only for a float point and `ints[i]` only for an integer one (the chunk
 *    codecs, the bucket summaries, the query engine); what leaves the head for anyone else
 *    is copied with the other column zeroed (`copy`);
 *  - growth by half (not doubling), and a first capacity and first growth from the
 *    previous head's length (the points a series gets between two cuts are about the
 *    same each time: Head makes a quarter now and the rest at the first growth), so the
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
/**
 * The most points a head is sized for ahead of its points: a new series' projected share
 * (appendStaged), or what the previous head suggests (Head's hint), so that a burst does
 * not pin memory.
 */
export const MAX_SIZED_POINTS = 1 << 16;
/** timestamp, value, kind */
const BYTES_PER_POINT = 17;
/**
 * Points out of order a head keeps unsorted before settle() merges them in. Merging a tail
 * touches the newest `tail + overlap` points, so a tail of a few dozen costs a few moves a
 * point; inserting each late point where it belongs moved ~20 points a point, across three
 * columns mostly out of cache, with four connections' interleaved streams (70% of the
 * bench's points arrive late then, most of them 8–31 places).
 */
const TAIL_POINTS = 64;
export { TAIL_POINTS };
/**
 * A late staged group merges in place (appendStaged) when the head's points newer than its
 * oldest are at most this many a group point, plus TAIL_POINTS: the moves a point the tail
 * would cost at most. Interleaved connections move ~2 head points a group point.
 */
const MERGE_MOVES_PER_POINT = 8;
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

/** Scratch to take a double's or an int64's bits as two 32-bit words (setNumber, set). */
const bitsFloat = new Float64Array(1);
const bitsInt = new BigInt64Array(bitsFloat.buffer);
const bitsWords = new Int32Array(bitsFloat.buffer);

/** The texts of every series that never held a string or JSON value (never written: set() replaces it first). */
const NO_TEXTS: (string | undefined)[] = [];

/** settle()'s scratch for a tail: timestamps, arrival index, and the deduplicated tail's columns */
let tailTimestamps = new Float64Array(TAIL_POINTS);
let tailOrder = new Uint32Array(TAIL_POINTS);
let mergedTimestamps = new Float64Array(TAIL_POINTS);
let mergedKinds = new Uint8Array(TAIL_POINTS);
let mergedWords = new Int32Array(2 * TAIL_POINTS);
const mergedTexts: (string | undefined)[] = [];

function ensureTailScratch(n: number): void {
  if (tailTimestamps.length >= n) return;
  tailTimestamps = new Float64Array(n);
  tailOrder = new Uint32Array(n);
  mergedTimestamps = new Float64Array(n);
  mergedKinds = new Uint8Array(n);
  mergedWords = new Int32Array(2 * n);
}

export class HeadSeries implements SeriesPoints {
  length = 0;
  timestamps: Float64Array;
  kinds: Uint8Array;
  /** the value column as 32-bit words: what the head writes and moves (two a point) */
  private valueWords: Int32Array;
  /** the views `floats` and `ints` made, until the columns grow */
  private floatView: Float64Array | undefined = undefined;
  private intView: BigInt64Array | undefined = undefined;
  texts: (string | undefined)[] = NO_TEXTS;
  /**
   * Points [0, sortedLength) are sorted with distinct timestamps; [sortedLength, length) is
   * the tail of points appended out of order (or after such a point), in arrival order,
   * until settle() merges it in. Readers settle first: the range methods here do.
   */
  sortedLength = 0;

  /** the capacity the first growth reaches at least (0 once grown): see the constructor */
  private reserve: number;
  /** not grown yet: the first growth of a head made without a reserve may take its projected size (appendStaged's `share`) */
  private firstGrowth = true;

  /**
   * `capacity`: the points allocated now (at least MIN_CAPACITY); `reserve`: the points
   * the first growth allocates at least, when more is expected than is allocated now.
   */
  constructor(capacity = MIN_CAPACITY, reserve = 0) {
    const size = Math.max(MIN_CAPACITY, capacity);
    this.reserve = reserve;
    const buffer = new ArrayBuffer(size * BYTES_PER_POINT);
    this.timestamps = new Float64Array(buffer, 0, size);
    this.valueWords = new Int32Array(buffer, size * 8, size * 2);
    this.kinds = new Uint8Array(buffer, size * 16, size);
  }

  /** The value column as doubles (meaningful for float points); made on first use. */
  get floats(): Float64Array {
    return (this.floatView ??= new Float64Array(this.valueWords.buffer, this.valueWords.byteOffset, this.timestamps.length));
  }

  /** The same bytes as 64-bit integers (meaningful for integer points); made on first use. */
  get ints(): BigInt64Array {
    return (this.intView ??= new BigInt64Array(this.valueWords.buffer, this.valueWords.byteOffset, this.timestamps.length));
  }

  /**
   * Appends a number without a bigint: a float (`float`), or an integer given as its
   * int64's two 32-bit words in memory order (`word0`, `word1`; BatchBuilder.pushSafeInt
   * and the batch's `ints` bytes). As `append`: sorted (once settled), last write wins.
   * The ingest path: a point newer than every settled one, with no tail, extends the sorted
   * columns; any other point joins the unsorted tail, merged in when it reaches TAIL_POINTS.
   */
  appendNumber(timestamp: number, kind: number, float: number, word0: number, word1: number): void {
    const at = this.length;
    if (at === this.timestamps.length) this.grow();
    this.setNumber(at, timestamp, kind, float, word0, word1);
    this.length = at + 1;
    if (this.sortedLength === at && (at === 0 || this.timestamps[at - 1]! < timestamp)) this.sortedLength = at + 1;
    else if (at + 1 - this.sortedLength >= TAIL_POINTS) this.settle();
  }

  /**
   * Appends the staged points `order[from, to)` (indexes into the staging's columns: a
   * float's bits or an int64's as two 32-bit words in `words`), in that order: the same as
   * appendNumber for each, in one call a series. Why: a call a point passes its timestamp
   * and float as arguments, and V8 boxes a double argument of a call it does not inline
   * (two heap numbers, 32 bytes, a point: the storage thread's largest allocation).
   * Points in timestamp order (Head's drain sorts each series' group: head-staging.ts)
   * reaching a head with no tail take none: a repeat of the newest timestamp replaces it,
   * and a group that starts before the head's newest point merges in place (mergeGroup)
   * when the head's points newer than its oldest are few for its size
   * (MERGE_MOVES_PER_POINT). Anything else goes through the tail as in appendNumber.
   * `shareScale` and `shareLimit` size a new series' first growth (Head.drain: its points
   * so far times `shareScale`, at most `shareLimit`; 0: grow by half). Returns the points
   * that growth allocated beyond growing by half (0 for any other call).
   */
  appendStaged(
    order: Uint32Array,
    from: number,
    to: number,
    timestamps: Float64Array,
    kinds: Uint8Array,
    words: Int32Array,
    shareScale = 0,
    shareLimit = 0,
  ): number {
    const room = this.length + (to - from);
    let reserved = 0;
    if (room > this.timestamps.length) {
      // a first growth may take the points projected for the series (Head.drain), within the limit
      const share = shareScale > 0 ? Math.min(Math.round(room * shareScale), shareLimit, MAX_SIZED_POINTS) : 0;
      reserved = this.grow(room, share);
    }
    const ownTimestamps = this.timestamps;
    let at = this.length;
    let sorted = this.sortedLength;
    // a group that starts before the newest point of a head with no tail (a connection
    // behind the others) merges in at once when it is in order, as Head's drain gives it,
    // and the head's points newer than its oldest are few for its size (each moves once
    // a merge: one late point a drain into a long head would move the head each time,
    // where the tail moves it once a TAIL_POINTS)
    const first = from < to ? timestamps[order[from]!]! : 0;
    if (sorted === at && at > 0 && from < to && first <= ownTimestamps[at - 1]!) {
      const newer = at - lateLowerBound(ownTimestamps, at, first);
      if (newer <= MERGE_MOVES_PER_POINT * (to - from) + TAIL_POINTS && this.mergeGroup(order, from, to, timestamps, kinds, words)) return reserved;
    }
    const ownKinds = this.kinds;
    const ownWords = this.valueWords;
    const texts = this.texts;
    for (let k = from; k < to; k++) {
      const i = order[k]!;
      const timestamp = timestamps[i]!;
      const kind = kinds[i]!;
      if (sorted === at && at > 0 && ownTimestamps[at - 1] === timestamp) {
        // a repeat of the newest point (a retry): the later write replaces it, no tail
        // (its timestamp too: -0 repeating 0 is kept as appending it would)
        ownTimestamps[at - 1] = timestamp;
        ownKinds[at - 1] = kind;
        ownWords[2 * at - 2] = words[2 * i]!;
        ownWords[2 * at - 1] = words[2 * i + 1]!;
        if (texts.length >= at) texts[at - 1] = undefined;
        continue;
      }
      ownTimestamps[at] = timestamp;
      ownKinds[at] = kind;
      // a float's bits or an int64's, as the kind says
      ownWords[2 * at] = words[2 * i]!;
      ownWords[2 * at + 1] = words[2 * i + 1]!;
      if (texts.length > at) texts[at] = undefined;
      if (sorted === at && (at === 0 || ownTimestamps[at - 1]! < timestamp)) sorted = at + 1;
      at++;
      if (at - sorted >= TAIL_POINTS) {
        // settle merges in place (the columns stay) and may drop repeated timestamps
        this.length = at;
        this.sortedLength = sorted;
        this.settle();
        at = this.length;
        sorted = this.sortedLength;
      }
    }
    this.length = at;
    this.sortedLength = sorted;
    return reserved;
  }

  /**
   * Merges the staged points `order[from, to)` (appendStaged's arguments) into a head with
   * no tail, if they are sorted by timestamp (equal ones in arrival order); returns false,
   * having changed nothing, if they are not. The later write of a shared timestamp wins,
   * as appending them one by one would keep. The columns have room for them
   * (appendStaged grew them). Why: a late group went through the tail, where settle()
   * sorted it again and copied it twice; merged in place, each point is written once and
   * only the head's points newer than the group's oldest move.
   */
  private mergeGroup(order: Uint32Array, from: number, to: number, timestamps: Float64Array, kinds: Uint8Array, words: Int32Array): boolean {
    for (let k = from + 1; k < to; k++) if (timestamps[order[k]!]! < timestamps[order[k - 1]!]!) return false;
    const ownTimestamps = this.timestamps;
    const ownKinds = this.kinds;
    const ownWords = this.valueWords;
    const texts = this.texts;
    const hasTexts = texts.length > 0;
    const end = this.length + (to - from);
    if (hasTexts) while (texts.length < end) texts.push(undefined);
    // from the newest end: a head point newer than the group's next moves up; a group point
    // already written at its timestamp (an earlier write of it) and a head point the group
    // overwrites (a tie) each leave a gap, closed below
    let i = this.length - 1;
    let w = end - 1;
    let gaps = 0;
    let written = NaN;
    for (let k = to - 1; k >= from; ) {
      const g = order[k]!;
      const t = timestamps[g]!;
      if (t === written) {
        gaps++;
        k--;
        continue;
      }
      const newest = i >= 0 ? ownTimestamps[i]! : -Infinity;
      if (newest > t) {
        ownTimestamps[w] = newest;
        ownKinds[w] = ownKinds[i]!;
        ownWords[2 * w] = ownWords[2 * i]!;
        ownWords[2 * w + 1] = ownWords[2 * i + 1]!;
        if (hasTexts) texts[w] = texts[i];
        i--;
        w--;
        continue;
      }
      if (newest === t) {
        i--;
        gaps++;
      }
      ownTimestamps[w] = t;
      ownKinds[w] = kinds[g]!;
      ownWords[2 * w] = words[2 * g]!;
      ownWords[2 * w + 1] = words[2 * g + 1]!;
      if (hasTexts) texts[w] = undefined;
      written = t;
      w--;
      k--;
    }
    // the gaps sit between the untouched points [0, i] and the merged ones (w, end)
    this.closeGaps(w + 1, end, gaps, hasTexts);
    return true;
  }

  /**
   * Merges the tail into the sorted points: sorts it by timestamp (stable, so among equal
   * timestamps the later write is kept), then merges it from the newest end with the sorted
   * points it overlaps, the tail winning a shared timestamp (it holds the later writes).
   * Afterwards [0, length) is sorted with distinct timestamps. Cheap when there is no tail.
   */
  settle(): void {
    const sortedLength = this.sortedLength;
    const length = this.length;
    if (sortedLength === length) return;
    const n = length - sortedLength;
    ensureTailScratch(n);
    const timestamps = this.timestamps;
    const kinds = this.kinds;
    const words = this.valueWords;
    const texts = this.texts;
    const hasTexts = texts.length > 0;
    if (hasTexts) while (texts.length < length) texts.push(undefined);
    // the tail sorted by (timestamp, arrival): an insertion sort, the tail is short
    const keys = tailTimestamps;
    const order = tailOrder;
    for (let k = 0; k < n; k++) {
      const t = timestamps[sortedLength + k]!;
      let j = k - 1;
      while (j >= 0 && keys[j]! > t) {
        keys[j + 1] = keys[j]!;
        order[j + 1] = order[j]!;
        j--;
      }
      keys[j + 1] = t;
      order[j + 1] = sortedLength + k;
    }
    // copied out, the last write of each timestamp only
    let m = 0;
    for (let k = 0; k < n; k++) {
      if (k + 1 < n && keys[k + 1] === keys[k]) continue;
      const from = order[k]!;
      mergedTimestamps[m] = keys[k]!;
      mergedKinds[m] = kinds[from]!;
      mergedWords[2 * m] = words[2 * from]!;
      mergedWords[2 * m + 1] = words[2 * from + 1]!;
      if (hasTexts) mergedTexts[m] = texts[from];
      m++;
    }
    this.mergeIn(sortedLength, m, hasTexts);
  }

  /**
   * Merges the deduplicated points in the merged* scratch [0, m) (sorted, distinct
   * timestamps, the later writes) into the sorted points [0, sortedLength), from the newest
   * end: the sorted points newer than a merged one move up; a merged point replaces a sorted
   * one with its timestamp (a tie). The columns have room for sortedLength + m points.
   * Afterwards [0, length) is sorted with distinct timestamps and there is no tail.
   */
  private mergeIn(sortedLength: number, m: number, hasTexts: boolean): void {
    const timestamps = this.timestamps;
    const kinds = this.kinds;
    const words = this.valueWords;
    const texts = this.texts;
    let i = sortedLength - 1;
    let w = sortedLength + m - 1;
    let ties = 0;
    for (let j = m - 1; j >= 0; w--) {
      const t = mergedTimestamps[j]!;
      if (i >= 0 && timestamps[i]! > t) {
        timestamps[w] = timestamps[i]!;
        kinds[w] = kinds[i]!;
        words[2 * w] = words[2 * i]!;
        words[2 * w + 1] = words[2 * i + 1]!;
        if (hasTexts) texts[w] = texts[i];
        i--;
        continue;
      }
      if (i >= 0 && timestamps[i] === t) {
        i--;
        ties++;
      }
      timestamps[w] = t;
      kinds[w] = mergedKinds[j]!;
      words[2 * w] = mergedWords[2 * j]!;
      words[2 * w + 1] = mergedWords[2 * j + 1]!;
      if (hasTexts) {
        texts[w] = mergedTexts[j];
        mergedTexts[j] = undefined;
      }
      j--;
    }
    // each tie left a gap of one between the untouched points [0, i] and the merged ones
    this.closeGaps(w + 1, sortedLength + m, ties, hasTexts);
  }

  /**
   * Ends a merge from the newest end: the merged points [from, end) move down by `gaps`
   * (the slots a merge left empty just below them), and the head is [0, end - gaps),
   * sorted, with no tail.
   */
  private closeGaps(from: number, end: number, gaps: number, hasTexts: boolean): void {
    const timestamps = this.timestamps;
    const kinds = this.kinds;
    const words = this.valueWords;
    const texts = this.texts;
    if (gaps > 0) {
      for (let k = from; k < end; k++) {
        const to = k - gaps;
        timestamps[to] = timestamps[k]!;
        kinds[to] = kinds[k]!;
        words[2 * to] = words[2 * k]!;
        words[2 * to + 1] = words[2 * k + 1]!;
        if (hasTexts) texts[to] = texts[k];
      }
    }
    this.length = this.sortedLength = end - gaps;
    if (hasTexts) texts.length = this.length;
  }

  private setNumber(at: number, timestamp: number, kind: number, float: number, word0: number, word1: number): void {
    this.timestamps[at] = timestamp;
    this.kinds[at] = kind;
    if (kind === INT) {
      this.valueWords[2 * at] = word0;
      this.valueWords[2 * at + 1] = word1;
    } else {
      bitsFloat[0] = float;
      this.valueWords[2 * at] = bitsWords[0]!;
      this.valueWords[2 * at + 1] = bitsWords[1]!;
    }
    if (this.texts.length > at) this.texts[at] = undefined;
  }

  /** Points the columns have room for. */
  get capacity(): number {
    return this.timestamps.length;
  }

  /** `int` is read only for an integer point, `float` only for a float one, `text` for the others. */
  append(timestamp: number, kind: number, float: number, int: bigint, text: string | undefined): void {
    this.settle();
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
    this.sortedLength = this.length;
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
      this.valueWords.copyWithin(2 * (at + 1), 2 * at, 2 * length);
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
    this.settle();
    return findLowerBound(this.timestamps, this.length, t);
  }

  /** Index range [from, to) of the points in [start, end] (inclusive, ms). */
  rangeOf(start: number, end: number): [number, number] {
    this.settle();
    return findRange(this.timestamps, this.length, start, end);
  }

  /** Removes points in [start, end]; returns how many. */
  deleteRange(start: number, end: number): number {
    const [from, to] = this.rangeOf(start, end);
    const removed = to - from;
    if (removed <= 0) return 0;
    // rangeOf settled: the columns are all sorted
    this.timestamps.copyWithin(from, to, this.length);
    this.kinds.copyWithin(from, to, this.length);
    this.valueWords.copyWithin(2 * from, 2 * to, 2 * this.length);
    if (this.texts.length > from) this.texts.splice(from, removed);
    this.length -= removed;
    this.sortedLength = this.length;
    return removed;
  }

  /** Drops the points from index `length` on (the newest ones). */
  truncate(length: number): void {
    this.settle();
    if (length >= this.length) return;
    this.length = Math.max(0, length);
    this.sortedLength = this.length;
    if (this.texts.length > this.length) this.texts.length = this.length;
  }

  /**
   * Copies the columns of points [from, to) (settled) into others at `at`: timestamps,
   * kinds, and `words`, a point's value as two 32-bit words (a float's bits or an int64's,
   * as its kind says; texts are the caller's to copy).
   * A loop rather than `set` over subarrays: Head.carryBack copies a few dozen points of
   * each series at a cut, and three subarrays a series were most of what it allocated.
   * Word by word, not as doubles: an int64 whose bits are a NaN would not survive a double.
   */
  copyColumnsInto(from: number, to: number, timestamps: Float64Array, kinds: Uint8Array, words: Int32Array, at: number): void {
    const ownTimestamps = this.timestamps;
    const ownKinds = this.kinds;
    const ownWords = this.valueWords;
    for (let i = from, j = at; i < to; i++, j++) {
      timestamps[j] = ownTimestamps[i]!;
      kinds[j] = ownKinds[i]!;
      words[2 * j] = ownWords[2 * i]!;
      words[2 * j + 1] = ownWords[2 * i + 1]!;
    }
  }

  /** Points [from, to) in fresh, separate columns: `ints` 0 for a non-integer point, `floats` 0 for a non-float one. */
  copy(from: number, to: number): SeriesPoints {
    this.settle();
    to = Math.min(to, this.length);
    const length = Math.max(0, to - from);
    // copied from the words: no `floats` view is left on the head for a read
    const floats = new Float64Array(this.valueWords.slice(2 * from, 2 * to).buffer);
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
    if (kind === INT) bitsInt[0] = int;
    else bitsFloat[0] = kind === FLOAT ? float : 0;
    this.valueWords[2 * at] = bitsWords[0]!;
    this.valueWords[2 * at + 1] = bitsWords[1]!;
    // texts stays empty (NO_TEXTS) for purely numeric series
    if (text !== undefined || this.texts.length > at) {
      if (this.texts === NO_TEXTS) this.texts = [];
      while (this.texts.length < at) this.texts.push(undefined);
      this.texts[at] = text;
    }
  }

  /**
   * Grows the columns by half (at least MIN_CAPACITY points), or to `atLeast` points when
   * that is more. By half: the slack a full head leaves is at most a third of it, not half.
   * The first growth of a head made without a reserve (a new series, no previous head to
   * size it by) may take `share` points at once instead, when more: the points the series
   * is projected to reach by the cut (Head.drain). Returns the points allocated beyond what
   * growing by half would have (0 unless `share` was taken).
   */
  private grow(atLeast = 0, share = 0): number {
    const old = this.timestamps.length;
    let size = Math.max(atLeast, old + Math.max(MIN_CAPACITY, old >> 1), this.reserve);
    let reserved = 0;
    if (this.firstGrowth && this.reserve === 0 && share > size) {
      reserved = share - size;
      size = share;
    }
    this.firstGrowth = false;
    this.reserve = 0;
    const buffer = new ArrayBuffer(size * BYTES_PER_POINT);
    // the whole old columns, slack included (a head grows when full, so there is little):
    // a subarray of each was three typed-array objects a growth, ~30 MB of the storage
    // thread's young garbage over a 10M-point load
    const timestamps = new Float64Array(buffer, 0, size);
    timestamps.set(this.timestamps);
    const words = new Int32Array(buffer, size * 8, size * 2);
    words.set(this.valueWords);
    const kinds = new Uint8Array(buffer, size * 16, size);
    kinds.set(this.kinds);
    this.timestamps = timestamps;
    this.valueWords = words;
    this.kinds = kinds;
    this.floatView = undefined;
    this.intView = undefined;
    return reserved;
  }
}
