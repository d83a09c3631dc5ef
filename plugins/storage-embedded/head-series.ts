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
import { SealedPoints } from './sealed-points';

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
 * Sealing (HeadSeries' compressed older points, sealed-points.ts): a head keeps its newest
 * `hold` points as raw columns, where late points merge in as before, and seals the older
 * ones once at least SEAL_MIN_POINTS wait beyond the hold. The hold starts at
 * SEAL_HOLD_MIN and doubles (to SEAL_HOLD_MAX) each time a point comes later than it
 * reaches: the series' sealed points are decoded back (unseal) to take it, so a series
 * written by several connections a little apart soon holds enough to take their lateness
 * in its columns; the series' next head starts with that hold (SeriesEntry.sealHold). SEAL_CAPACITY is the columns' size a sealing head starts with and
 * returns to: what its hold and a drain's points need.
 */
const SEAL_HOLD_MIN = 8;
const SEAL_HOLD_MAX = 128;
const SEAL_MIN_POINTS = 24;
const SEAL_CAPACITY = 64;
/** Counts of the heads' sealing, for stats (engine.ts: headLateUnseals). */
export const sealingStats = { lateUnseals: 0 };
const EMPTY_TIMESTAMPS = new Float64Array(0);
const EMPTY_WORDS = new Int32Array(0);
const EMPTY_KINDS = new Uint8Array(0);

/** Every point of the first `n` a float or an integer. */
function allNumbers(kinds: Uint8Array, n: number): boolean {
  for (let i = 0; i < n; i++) {
    const kind = kinds[i]!;
    if (kind !== FLOAT && kind !== INT) return false;
  }
  return true;
}

/**
 * Reusable columns that HeadSeries.materialize decodes a sealed head into (the cut's read
 * of frozen heads): valid until the same scratch is used again.
 */
export class HeadScratch {
  private words = new Int32Array(0);
  private points: SeriesPoints = { length: 0, timestamps: new Float64Array(0), kinds: new Uint8Array(0), floats: new Float64Array(0), ints: new BigInt64Array(0), texts: [] };

  /** Columns for `n` points (`length` set to n), and the value column as 32-bit words. */
  columns(n: number): { points: SeriesPoints; words: Int32Array } {
    if (this.points.timestamps.length < n) {
      const size = Math.max(n, this.points.timestamps.length * 2, 256);
      const floats = new Float64Array(size);
      this.words = new Int32Array(floats.buffer);
      this.points = { length: 0, timestamps: new Float64Array(size), kinds: new Uint8Array(size), floats, ints: new BigInt64Array(floats.buffer), texts: [] };
    }
    this.points.length = n;
    return { points: this.points, words: this.words };
  }
}

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

/** Points [from, to) of columns in fresh, separate ones: `ints` 0 for a non-integer point, `floats` 0 for a non-float one. */
function copyColumns(timestamps: Float64Array, kindColumn: Uint8Array, words: Int32Array, textColumn: (string | undefined)[], from: number, to: number): SeriesPoints {
  const length = Math.max(0, to - from);
  // copied from the words: no `floats` view is left on the head for a read
  const floats = new Float64Array(words.slice(2 * from, 2 * to).buffer);
  const ints = new BigInt64Array(floats.buffer.slice(0));
  const kinds = kindColumn.slice(from, to);
  for (let i = 0; i < length; i++) {
    const kind = kinds[i]!;
    if (kind !== INT) ints[i] = 0n;
    if (kind !== FLOAT) floats[i] = 0;
  }
  const texts = textColumn.length > from ? textColumn.slice(from, to) : [];
  texts.length = length;
  return { length, timestamps: timestamps.slice(from, to), kinds, floats, ints, texts };
}

/** Copies points [from, to) of one set of columns to another's, from point `at` on (words: two a point); word by word, so an int64 whose bits are a NaN stays exact. */
function copyPoints(timestamps: Float64Array, kinds: Uint8Array, words: Int32Array, from: number, to: number, toTimestamps: Float64Array, toKinds: Uint8Array, toWords: Int32Array, at: number): void {
  for (let i = from, j = at; i < to; i++, j++) {
    toTimestamps[j] = timestamps[i]!;
    toKinds[j] = kinds[i]!;
    toWords[2 * j] = words[2 * i]!;
    toWords[2 * j + 1] = words[2 * i + 1]!;
  }
}

export class HeadSeries implements SeriesPoints {
  /** points in the raw columns (the newest; `length` counts the sealed ones too) */
  columnLength = 0;
  /** the older points, compressed (sealed-points.ts): all older than the columns' */
  private sealed: SealedPoints | undefined = undefined;
  /** whether this head seals its older points (a head that met a string or JSON value stops) */
  private sealing: boolean;
  /** the newest points kept raw when sealing (SEAL_HOLD_MIN, doubled by each late unseal) */
  private hold = SEAL_HOLD_MIN;
  /** the points this head is expected to reach (the previous head's: Head.newHead), to size its sealed bytes */
  private readonly expectedPoints: number;
  // the three columns are set by replaceColumns (the constructor calls it)
  timestamps!: Float64Array;
  kinds!: Uint8Array;
  /** the value column as 32-bit words: what the head writes and moves (two a point) */
  private valueWords!: Int32Array;
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
  constructor(capacity = MIN_CAPACITY, reserve = 0, sealing = false, hold = 0) {
    this.sealing = sealing;
    if (hold > SEAL_HOLD_MIN) this.hold = Math.min(hold, SEAL_HOLD_MAX);
    this.expectedPoints = reserve;
    // a sealing head's columns hold its newest points only: sized for those
    const size = sealing ? Math.max(MIN_CAPACITY, Math.min(capacity, Math.max(SEAL_CAPACITY, this.hold + 2 * SEAL_MIN_POINTS))) : Math.max(MIN_CAPACITY, capacity);
    this.reserve = sealing ? 0 : reserve;
    this.replaceColumns(size);
  }

  /**
   * Puts new, empty columns of `size` points in place of the current ones (which the
   * caller still holds, to copy from): one buffer of BYTES_PER_POINT a point, timestamps
   * first, then the value words, then the kinds (the constructor's layout).
   */
  private replaceColumns(size: number): void {
    const buffer = new ArrayBuffer(size * BYTES_PER_POINT);
    this.timestamps = new Float64Array(buffer, 0, size);
    this.valueWords = new Int32Array(buffer, size * 8, size * 2);
    this.kinds = new Uint8Array(buffer, size * 16, size);
    this.floatView = undefined;
    this.intView = undefined;
  }

  /** The value column as doubles (meaningful for float points); made on first use. */
  get floats(): Float64Array {
    return (this.floatView ??= new Float64Array(this.valueWords.buffer, this.valueWords.byteOffset, this.timestamps.length));
  }

  /** The same bytes as 64-bit integers (meaningful for integer points); made on first use. */
  get ints(): BigInt64Array {
    return (this.intView ??= new BigInt64Array(this.valueWords.buffer, this.valueWords.byteOffset, this.timestamps.length));
  }

  /** Points in the head: the sealed ones and the columns'. After settle() the columns hold them all. */
  get length(): number {
    return this.sealed === undefined ? this.columnLength : this.sealed.count + this.columnLength;
  }

  /** Bytes the sealed points take (their buffer; 0 with none). */
  get sealedBytes(): number {
    return this.sealed === undefined ? 0 : this.sealed.byteLength;
  }

  /**
   * Appends a number without a bigint: a float (`float`), or an integer given as its
   * int64's two 32-bit words in memory order (`word0`, `word1`; BatchBuilder.pushSafeInt
   * and the batch's `ints` bytes). As `append`: sorted (once settled), last write wins.
   * The ingest path: a point newer than every settled one, with no tail, extends the sorted
   * columns; any other point joins the unsorted tail, merged in when it reaches TAIL_POINTS.
   */
  appendNumber(timestamp: number, kind: number, float: number, word0: number, word1: number): void {
    if (this.sealed !== undefined && timestamp <= this.sealed.last) this.unsealLate();
    const at = this.columnLength;
    if (at === this.timestamps.length) this.grow();
    this.setNumber(at, timestamp, kind, float, word0, word1);
    this.columnLength = at + 1;
    if (this.sortedLength === at && (at === 0 || this.timestamps[at - 1]! < timestamp)) this.sortedLength = at + 1;
    else if (at + 1 - this.sortedLength >= TAIL_POINTS) this.mergeTail();
    if (this.sealing && this.columnLength >= this.hold + SEAL_MIN_POINTS) this.seal();
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
    if (this.sealed !== undefined && from < to) {
      // a point at or before the newest sealed one: the sealed points come back to take it
      const last = this.sealed.last;
      for (let k = from; k < to; k++) {
        if (timestamps[order[k]!]! <= last) {
          this.unsealLate();
          break;
        }
      }
    }
    const room = this.columnLength + (to - from);
    let reserved = 0;
    if (room > this.timestamps.length) {
      // a first growth may take the points projected for the series (Head.drain), within the limit
      const share = shareScale > 0 && !this.sealing ? Math.min(Math.round(room * shareScale), shareLimit, MAX_SIZED_POINTS) : 0;
      reserved = this.grow(room, share);
    }
    const ownTimestamps = this.timestamps;
    let at = this.columnLength;
    let sorted = this.sortedLength;
    // a group that starts before the newest point of a head with no tail (a connection
    // behind the others) merges in at once when it is in order, as Head's drain gives it,
    // and the head's points newer than its oldest are few for its size (each moves once
    // a merge: one late point a drain into a long head would move the head each time,
    // where the tail moves it once a TAIL_POINTS)
    const first = from < to ? timestamps[order[from]!]! : 0;
    if (sorted === at && at > 0 && from < to && first <= ownTimestamps[at - 1]!) {
      const newer = at - lateLowerBound(ownTimestamps, at, first);
      if (newer <= MERGE_MOVES_PER_POINT * (to - from) + TAIL_POINTS && this.mergeGroup(order, from, to, timestamps, kinds, words)) {
        if (this.sealing && this.columnLength >= this.hold + SEAL_MIN_POINTS) this.seal();
        return reserved;
      }
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
        this.columnLength = at;
        this.sortedLength = sorted;
        this.mergeTail();
        at = this.columnLength;
        sorted = this.sortedLength;
      }
    }
    this.columnLength = at;
    this.sortedLength = sorted;
    if (this.sealing && at >= this.hold + SEAL_MIN_POINTS) this.seal();
    return reserved;
  }

  /**
   * Seals the columns' points but the newest `hold` (sealed-points.ts), when they are
   * sorted with no tail and all numbers; a head holding a string or JSON value stops
   * sealing. The held points move down; columns grown far beyond SEAL_CAPACITY (a large
   * batch, an unseal) are made small again.
   */
  private seal(): void {
    const n = this.columnLength - this.hold;
    if (n < SEAL_MIN_POINTS || this.sortedLength !== this.columnLength) return;
    const kinds = this.kinds;
    if (this.texts.length > 0 || !allNumbers(kinds, n)) {
      this.sealing = false;
      return;
    }
    (this.sealed ??= new SealedPoints(Math.max(n, this.expectedPoints))).append(this.timestamps, kinds, this.valueWords, this.floats, 0, n);
    this.keepColumnsFrom(n);
  }

  /** Drops the columns' points before `n` (sealed now), moving the rest down; shrinks columns far larger than needed. */
  private keepColumnsFrom(n: number): void {
    const left = this.columnLength - n;
    if (this.timestamps.length > 4 * SEAL_CAPACITY && left < SEAL_CAPACITY >> 1) {
      const { timestamps, kinds, valueWords } = this;
      this.replaceColumns(SEAL_CAPACITY);
      copyPoints(timestamps, kinds, valueWords, n, this.columnLength, this.timestamps, this.kinds, this.valueWords, 0);
    } else if (left > SHORT_SHIFT) {
      this.timestamps.copyWithin(0, n, this.columnLength);
      this.kinds.copyWithin(0, n, this.columnLength);
      this.valueWords.copyWithin(0, 2 * n, 2 * this.columnLength);
    } else {
      this.copyColumnsInto(n, this.columnLength, this.timestamps, this.kinds, this.valueWords, 0);
    }
    this.columnLength = this.sortedLength = left;
  }

  /** Seals every point (a frozen head, after its carry-back: Head.sealFrozen) and drops the columns; nothing when it cannot seal them all. */
  sealAll(): void {
    if (!this.sealing) return;
    this.mergeTail();
    const n = this.columnLength;
    if (n === 0) return;
    if (this.texts.length > 0 || !allNumbers(this.kinds, n)) {
      this.sealing = false;
      return;
    }
    (this.sealed ??= new SealedPoints(Math.max(n, this.expectedPoints))).append(this.timestamps, this.kinds, this.valueWords, this.floats, 0, n);
    this.timestamps = EMPTY_TIMESTAMPS;
    this.valueWords = EMPTY_WORDS;
    this.kinds = EMPTY_KINDS;
    this.floatView = undefined;
    this.intView = undefined;
    this.columnLength = this.sortedLength = 0;
  }

  /** Decodes the sealed points back into the columns, before the columns' points (settle; a late point). */
  private unseal(): void {
    const sealed = this.sealed!;
    const n = sealed.count;
    const m = this.columnLength;
    const { timestamps, kinds, valueWords } = this;
    this.replaceColumns(Math.max(MIN_CAPACITY, n + m + ((n + m) >> 3)));
    sealed.decodeInto(this.timestamps, this.kinds, this.valueWords, 0);
    copyPoints(timestamps, kinds, valueWords, 0, m, this.timestamps, this.kinds, this.valueWords, n);
    if (this.texts.length > 0) this.texts = (new Array(n).fill(undefined) as (string | undefined)[]).concat(this.texts);
    this.sealed = undefined;
    this.columnLength = n + m;
    this.sortedLength += n;
  }

  /**
   * unseal() for a point later than the hold reaches: the hold doubles, so the series'
   * lateness soon fits in it (the next head starts with it: Head.freeze). Past
   * SEAL_HOLD_MAX this head stops sealing (raw columns, as without sealing), so a series
   * written far out of order decodes its sealed points once a head, not once a late point.
   */
  private unsealLate(): void {
    this.unseal();
    if (this.hold >= SEAL_HOLD_MAX) this.sealing = false;
    else this.hold = Math.min(SEAL_HOLD_MAX, 2 * this.hold);
    sealingStats.lateUnseals++;
  }

  /** The newest points this head keeps raw when it seals (for the next head: Head.freeze). */
  get holdPoints(): number {
    return this.hold;
  }

  /** Whether the head's time span (oldest to newest point) meets [start, end] (ms, inclusive); merges the tail first. */
  spans(start: number, end: number): boolean {
    this.mergeTail();
    const m = this.columnLength;
    const sealed = this.sealed;
    if (m === 0 && sealed === undefined) return false;
    const oldest = sealed !== undefined ? sealed.first : this.timestamps[0]!;
    const newest = m > 0 ? this.timestamps[m - 1]! : sealed!.last;
    return oldest <= end && newest >= start;
  }

  /**
   * Every point as one SeriesPoints, without unsealing: the head itself when nothing is
   * sealed, else the sealed points decoded into `scratch` followed by the columns' (valid
   * until `scratch` is used again). The cut's read of frozen heads: decoding them in
   * place would bring their raw columns back, the memory sealing saves.
   */
  materialize(scratch: HeadScratch): SeriesPoints {
    this.mergeTail();
    const sealed = this.sealed;
    if (sealed === undefined) return this;
    const n = sealed.count;
    const { points, words } = scratch.columns(n + this.columnLength);
    sealed.decodeInto(points.timestamps, points.kinds, words, 0);
    this.copyColumnsInto(0, this.columnLength, points.timestamps, points.kinds, words, n);
    return points;
  }

  /**
   * The carry-back's first column index (Head.carryBack): the points to carry are those
   * newer than `newest - windowMs`, at most the newest quarter of the head, and they are
   * all in the columns afterwards (the sealed points are decoded back when the carry
   * reaches into them). Returns columnLength when none is carried. Merges the tail first.
   */
  carryFrom(windowMs: number): number {
    this.mergeTail();
    const total = this.length;
    if (this.sealed !== undefined && this.columnLength === 0) this.unseal();
    const m = this.columnLength;
    if (m === 0) return 0;
    const bound = this.timestamps[m - 1]! - windowMs + 1;
    const quarterFirst = total - (total >> 2);
    if (this.sealed !== undefined && quarterFirst < this.sealed.count && this.timestamps[0]! >= bound) this.unseal();
    const sealedCount = this.sealed === undefined ? 0 : this.sealed.count;
    return Math.max(findLowerBound(this.timestamps, this.columnLength, bound), quarterFirst - sealedCount);
  }

  /** Drops the columns' points from index `n` on (the newest; carryFrom's caller moved them). */
  truncateColumns(n: number): void {
    if (n >= this.columnLength) return;
    this.columnLength = this.sortedLength = Math.max(0, n);
    if (this.texts.length > this.columnLength) this.texts.length = this.columnLength;
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
    const end = this.columnLength + (to - from);
    if (hasTexts) while (texts.length < end) texts.push(undefined);
    // from the newest end: a head point newer than the group's next moves up; a group point
    // already written at its timestamp (an earlier write of it) and a head point the group
    // overwrites (a tie) each leave a gap, closed below
    let i = this.columnLength - 1;
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
   * Makes the columns the whole head: merges the tail in (mergeTail) and decodes the
   * sealed points back into the columns (unseal). Afterwards [0, length) of the columns is
   * every point, sorted with distinct timestamps. Every reader of the columns calls it.
   */
  settle(): void {
    this.mergeTail();
    if (this.sealed !== undefined) this.unseal();
  }

  /**
   * Merges the tail into the sorted points: sorts it by timestamp (stable, so among equal
   * timestamps the later write is kept), then merges it from the newest end with the sorted
   * points it overlaps, the tail winning a shared timestamp (it holds the later writes).
   * Afterwards the columns [0, columnLength) are sorted with distinct timestamps (the
   * sealed points, if any, all older). Cheap when there is no tail.
   */
  mergeTail(): void {
    const sortedLength = this.sortedLength;
    const length = this.columnLength;
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
    this.columnLength = this.sortedLength = end - gaps;
    if (hasTexts) texts.length = this.columnLength;
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
    let at = this.columnLength;
    // In-order appends are the common case; out-of-order ones are placed by binary search.
    if (at > 0 && this.timestamps[at - 1]! >= timestamp) {
      at = lateLowerBound(this.timestamps, this.columnLength, timestamp);
      if (at < this.columnLength && this.timestamps[at] === timestamp) {
        this.set(at, timestamp, kind, float, int, text);
        return;
      }
      if (this.columnLength === this.timestamps.length) this.grow();
      this.shiftUp(at);
      if (this.texts.length > at) this.texts.splice(at, 0, undefined);
    } else if (at === this.timestamps.length) {
      this.grow();
    }
    this.set(at, timestamp, kind, float, int, text);
    this.columnLength++;
    this.sortedLength = this.columnLength;
  }

  /**
   * Moves points [at, length) one up. A point a little late (several connections, or a
   * collector's retries) lands a few places from the end: those few are moved in a loop,
   * the value column as 32-bit words (as doubles, an int64 whose bits are a NaN could
   * change); longer moves take copyWithin's three native calls.
   */
  private shiftUp(at: number): void {
    const length = this.columnLength;
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
    return findLowerBound(this.timestamps, this.columnLength, t);
  }

  /** Index range [from, to) of the points in [start, end] (inclusive, ms). */
  rangeOf(start: number, end: number): [number, number] {
    this.settle();
    return findRange(this.timestamps, this.columnLength, start, end);
  }

  /** Removes points in [start, end]; returns how many. */
  deleteRange(start: number, end: number): number {
    const [from, to] = this.rangeOf(start, end);
    const removed = to - from;
    if (removed <= 0) return 0;
    // rangeOf settled: the columns are all sorted
    this.timestamps.copyWithin(from, to, this.columnLength);
    this.kinds.copyWithin(from, to, this.columnLength);
    this.valueWords.copyWithin(2 * from, 2 * to, 2 * this.columnLength);
    if (this.texts.length > from) this.texts.splice(from, removed);
    this.columnLength -= removed;
    this.sortedLength = this.columnLength;
    return removed;
  }

  /** Drops the points from index `length` on (the newest ones). */
  truncate(length: number): void {
    this.settle();
    if (length >= this.columnLength) return;
    this.columnLength = Math.max(0, length);
    this.sortedLength = this.columnLength;
    if (this.texts.length > this.columnLength) this.texts.length = this.columnLength;
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
    copyPoints(this.timestamps, this.kinds, this.valueWords, from, to, timestamps, kinds, words, at);
  }

  /** Points [from, to) in fresh, separate columns: `ints` 0 for a non-integer point, `floats` 0 for a non-float one. */
  copy(from: number, to: number): SeriesPoints {
    this.settle();
    return copyColumns(this.timestamps, this.kinds, this.valueWords, this.texts, from, Math.min(to, this.columnLength));
  }

  /**
   * The points in [start, end] (ms, inclusive) in fresh columns, as rangeOf and copy give
   * them, or undefined when none; a sealed head stays sealed (its points are decoded into
   * `scratch`). A query's read of the head (Head.collect): decoded in place, every series
   * a query read would hold its raw columns again until its next appends.
   */
  copyRange(start: number, end: number, scratch: HeadScratch): SeriesPoints | undefined {
    let from: number;
    let to: number;
    if (this.sealed === undefined) {
      [from, to] = this.rangeOf(start, end);
      return to > from ? this.copy(from, to) : undefined;
    }
    this.mergeTail();
    const n = this.sealed.count + this.columnLength;
    const { points, words } = scratch.columns(n);
    this.sealed.decodeInto(points.timestamps, points.kinds, words, 0);
    this.copyColumnsInto(0, this.columnLength, points.timestamps, points.kinds, words, this.sealed.count);
    [from, to] = findRange(points.timestamps, n, start, end);
    return to > from ? copyColumns(points.timestamps, points.kinds, words, NO_TEXTS, from, to) : undefined;
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
    const { timestamps, kinds, valueWords } = this;
    this.replaceColumns(size);
    // the whole old columns, slack included (a head grows when full, so there is little):
    // a subarray of each was three typed-array objects a growth, ~30 MB of the storage
    // thread's young garbage over a 10M-point load
    this.timestamps.set(timestamps);
    this.valueWords.set(valueWords);
    this.kinds.set(kinds);
    return reserved;
  }
}
