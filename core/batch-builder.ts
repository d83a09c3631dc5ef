/**
 * Fills a PointBatch point by point into growable typed columns. Ingest paths map each
 * series to its index in the batch once (by canonical key) and then only append
 * numbers, so a point costs no object allocation.
 */
import type { SeriesRef } from './series-ref';
import type { PointBatch } from './storage';
import { seriesKeyString, ValueKind, type SeriesKey, type Tags } from './types';

const INT: number = ValueKind.Int;
const TWO_TO_32 = 4294967296;
/** pushSafeInt writes int64s as two words, low first: only where that is the memory order */
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/**
 * The texts of a batch with no string or JSON point: one frozen empty array for all of
 * them, whose every index reads undefined, instead of an array of the batch's length each
 * (takePacked's batches, and the parse pool's on the storage thread).
 */
export const NO_TEXTS = Object.freeze([]) as unknown as (string | undefined)[];

/** Copies the int64 words of the integer points among the first `n` into `to` (their slots of a shared value column). */
function packIntWords(kinds: Uint8Array, from: Int32Array, to: Int32Array, n: number): void {
  for (let i = 0; i < n; i++) {
    if (kinds[i] !== INT) continue;
    to[2 * i] = from[2 * i]!;
    to[2 * i + 1] = from[2 * i + 1]!;
  }
}

export class BatchBuilder implements PointBatch {
  private static nextEpoch = 1;
  length = 0;
  /**
   * The batch's series are the first `seriesCount` entries of `series`, `seriesKeys` and
   * `seriesRefs`. A batch from take() gets arrays of exactly that length; after
   * takePacked() the builder keeps its arrays for the next batch (their later entries are
   * stale), so that a batch of a thousand series does not grow three arrays from empty.
   */
  seriesCount = 0;
  series: SeriesKey[] = [];
  seriesKeys: string[] = [];
  seriesIndex: Uint32Array;
  timestamps: Float64Array;
  kinds: Uint8Array;
  floats: Float64Array;
  ints: BigInt64Array;
  /** `ints` as 32-bit words (little-endian: low word first), written by pushSafeInt */
  private intWords: Int32Array;
  texts: (string | undefined)[] = [];
  /** per series, the SeriesRef its caller gave addDistinctSeries (a cache's identity), else undefined */
  seriesRefs: (SeriesRef | undefined)[] = [];
  /** whether any series of this batch has a ref */
  private hasRefs = false;
  /**
   * Unique across every builder of the process and renewed on every take(): a series
   * cache shared by many builders remembers (epoch, index) to skip the key lookup.
   */
  epoch = BatchBuilder.nextEpoch++;
  private readonly keyIndex = new Map<string, number>();
  /** series [0, mapped) are in keyIndex; those added by addDistinctSeries enter it only once seriesFor is called */
  private mapped = 0;
  private hasTexts = false;

  constructor(private capacity = 1024) {
    this.seriesIndex = new Uint32Array(capacity);
    this.timestamps = new Float64Array(capacity);
    this.kinds = new Uint8Array(capacity);
    this.floats = new Float64Array(capacity);
    this.ints = new BigInt64Array(capacity);
    this.intWords = new Int32Array(this.ints.buffer);
  }

  /** The batch index of a series, adding it on first sight. `key` is its seriesKeyString. */
  seriesFor(key: string, metric: string, tags: Tags): number {
    while (this.mapped < this.seriesCount) this.keyIndex.set(this.seriesKeys[this.mapped]!, this.mapped++);
    let index = this.keyIndex.get(key);
    if (index === undefined) {
      index = this.addSeries(key, { metric, tags }, undefined);
      this.keyIndex.set(key, index);
      this.mapped++;
    }
    return index;
  }

  /** Appends a series to the batch's (overwriting a stale entry of a reused array); returns its index. */
  private addSeries(key: string, series: SeriesKey, ref: SeriesRef | undefined): number {
    const index = this.seriesCount++;
    if (index < this.series.length) {
      this.series[index] = series;
      this.seriesKeys[index] = key;
      this.seriesRefs[index] = ref;
    } else {
      this.series.push(series);
      this.seriesKeys.push(key);
      this.seriesRefs.push(ref);
    }
    return index;
  }

  /**
   * Adds a series the caller knows is not in this batch yet, without the keyed lookup
   * (lib/opentsdb's SeriesCache knows it by the series' identity); returns its index.
   * `series` is kept as given (not copied): one object per series serves every batch.
   * Once seriesFor has been used in this batch, this is seriesFor.
   */
  addDistinctSeries(key: string, series: SeriesKey, ref: SeriesRef): number {
    this.hasRefs = true;
    if (this.mapped > 0) {
      const before = this.seriesCount;
      const index = this.seriesFor(key, series.metric, series.tags);
      if (index === before) {
        this.series[index] = series;
        this.seriesRefs[index] = ref;
      }
      return index;
    }
    return this.addSeries(key, series, ref);
  }

  /** seriesFor, computing the canonical key. */
  seriesOf(metric: string, tags: Tags): number {
    return this.seriesFor(seriesKeyString(metric, tags), metric, tags);
  }

  /** Appends one point; `text` only for string and JSON kinds. */
  push(series: number, timestampMs: number, kind: ValueKind, float: number, int: bigint, text: string | undefined): void {
    const i = this.length;
    if (i === this.capacity) this.grow();
    this.seriesIndex[i] = series;
    this.timestamps[i] = timestampMs;
    this.kinds[i] = kind;
    this.floats[i] = float;
    this.ints[i] = int;
    if (text !== undefined || this.hasTexts) {
      if (!this.hasTexts) {
        this.texts = new Array(this.capacity);
        this.hasTexts = true;
      }
      this.texts[i] = text;
    }
    this.length = i + 1;
  }

  /**
   * Appends an integer point given as a number (a safe integer, |value| < 2^53): its
   * int64 is written as two 32-bit words, so no bigint is made per point.
   */
  pushSafeInt(series: number, timestampMs: number, value: number): void {
    if (!LITTLE_ENDIAN || this.hasTexts) return this.push(series, timestampMs, ValueKind.Int, 0, BigInt(value), undefined);
    const i = this.length;
    if (i === this.capacity) this.grow();
    this.seriesIndex[i] = series;
    this.timestamps[i] = timestampMs;
    this.kinds[i] = INT;
    this.floats[i] = 0;
    const high = Math.floor(value / TWO_TO_32);
    this.intWords[2 * i] = value - high * TWO_TO_32;
    this.intWords[2 * i + 1] = high;
    this.length = i + 1;
  }

  pushFloat(series: number, timestampMs: number, value: number): void {
    this.push(series, timestampMs, ValueKind.Float, value, 0n, undefined);
  }

  /**
   * Hands the points gathered so far to the caller as a PointBatch of exactly `length`
   * points, and starts empty again.
   */
  take(): PointBatch {
    const n = this.length;
    // the batch takes the arrays, exactly as long as its series (the builder makes new ones)
    this.series.length = this.seriesKeys.length = this.seriesRefs.length = this.seriesCount;
    const batch = this.batchOf(this.seriesIndex.subarray(0, n), this.timestamps.subarray(0, n), this.kinds.subarray(0, n), this.floats.subarray(0, n), this.ints.subarray(0, n));
    // The taken batch keeps the old columns; fresh ones for the next batch.
    this.seriesIndex = new Uint32Array(this.capacity);
    this.timestamps = new Float64Array(this.capacity);
    this.kinds = new Uint8Array(this.capacity);
    this.floats = new Float64Array(this.capacity);
    this.ints = new BigInt64Array(this.capacity);
    this.intWords = new Int32Array(this.ints.buffer);
    this.restart(false);
    return batch;
  }

  /**
   * take(), except that the columns are copied into one new ArrayBuffer — with room for
   * `extraWords` 32-bit words of the caller's, returned as `extra` — and this builder keeps
   * its own columns for the next batch: one allocation a batch instead of five, and one
   * buffer to hand to another thread (the parse worker's answer). The batch's `series`,
   * `seriesKeys` and `seriesRefs` are this builder's arrays, kept for the next batch: read
   * their first `seriesCount` entries (taken before this call) before adding to it.
   *
   * The batch's `floats` and `ints` are two views of ONE value column (as PointBatch
   * allows: a point's value is read from the column its kind names): a point's slot holds
   * its float's bits or its int64's. 8 bytes a point fewer to copy, to hand over and to
   * log (the embedded engine's WAL writes such a column once).
   */
  takePacked(extraWords: number): { batch: PointBatch; extra: Uint32Array } {
    const n = this.length;
    // 8-byte columns first, then 4-byte, then bytes: every view aligned
    const buffer = new ArrayBuffer(n * 20 + extraWords * 4 + n);
    const timestamps = new Float64Array(buffer, 0, n);
    const floats = new Float64Array(buffer, n * 8, n);
    const ints = new BigInt64Array(buffer, n * 8, n);
    const seriesIndex = new Uint32Array(buffer, n * 16, n);
    const extra = new Uint32Array(buffer, n * 20, extraWords);
    const kinds = new Uint8Array(buffer, n * 20 + extraWords * 4, n);
    timestamps.set(this.timestamps.subarray(0, n));
    // the floats' bytes, then each integer's words over its slot (words, not doubles: an
    // int64 whose bits are a NaN would not survive a double)
    floats.set(this.floats.subarray(0, n));
    packIntWords(this.kinds, this.intWords, new Int32Array(buffer, n * 8, 2 * n), n);
    seriesIndex.set(this.seriesIndex.subarray(0, n));
    kinds.set(this.kinds.subarray(0, n));
    const batch = this.batchOf(seriesIndex, timestamps, kinds, floats, ints, NO_TEXTS);
    this.restart(true);
    return { batch, extra };
  }

  /** The batch gathered so far, over the given columns (each exactly `length` long). */
  private batchOf(seriesIndex: Uint32Array, timestamps: Float64Array, kinds: Uint8Array, floats: Float64Array, ints: BigInt64Array, noTexts?: (string | undefined)[]): PointBatch {
    const n = this.length;
    return {
      length: n,
      series: this.series,
      seriesKeys: this.seriesKeys,
      seriesIndex,
      timestamps,
      kinds,
      floats,
      ints,
      texts: this.hasTexts ? this.texts.slice(0, n) : (noTexts ?? new Array(n)),
      ...(this.hasRefs ? { seriesRefs: this.seriesRefs } : {}),
    };
  }

  /**
   * Empties the batch for the next one, keeping the columns (their old values are
   * overwritten before they are read), and the series arrays when `keepSeriesArrays`.
   */
  private restart(keepSeriesArrays: boolean): void {
    this.texts = [];
    this.hasTexts = false;
    this.seriesCount = 0;
    if (!keepSeriesArrays) {
      this.series = [];
      this.seriesKeys = [];
      this.seriesRefs = [];
    }
    this.hasRefs = false;
    this.keyIndex.clear();
    this.mapped = 0;
    this.length = 0;
    this.epoch = BatchBuilder.nextEpoch++;
  }

  private grow(): void {
    const capacity = this.capacity * 2;
    const grow = <T extends Uint32Array | Float64Array | Uint8Array | BigInt64Array>(old: T, make: new (n: number) => T): T => {
      const next = new make(capacity);
      next.set(old as never);
      return next;
    };
    this.seriesIndex = grow(this.seriesIndex, Uint32Array);
    this.timestamps = grow(this.timestamps, Float64Array);
    this.kinds = grow(this.kinds, Uint8Array);
    this.floats = grow(this.floats, Float64Array);
    this.ints = grow(this.ints, BigInt64Array);
    this.intWords = new Int32Array(this.ints.buffer);
    if (this.hasTexts) this.texts.length = capacity;
    this.capacity = capacity;
  }
}
