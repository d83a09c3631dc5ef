/**
 * The head: the points written since the last block cut, in memory. Each series keeps its
 * own sorted columns on its SeriesEntry (`head`; last write wins on a shared timestamp);
 * a cut freezes them (`frozen`) and encodes them into a block while new writes go to fresh
 * heads. Reads see blocks, then frozen heads, then heads (querier.ts).
 *
 * Numeric points reach their series' heads through a staging area (head-staging.ts), a
 * series at a time: every reader of the heads calls `drain()` first. This class's methods
 * do; the engine's readers of `entry.head` itself (lastPoint, downsampleSeries) drain
 * before each series they read.
 */
import { inBlockOrder } from './block-order';
import { ValueKind, type PointBatch, type SeriesPoints } from '../../core';
import { HeadScratch, HeadSeries, MAX_SIZED_POINTS } from './head-series';
import { HeadStaging, STAGED_POINTS } from './head-staging';
import type { SeriesEntry } from './series-index';

export { HeadSeries };

/** The columns appended to the head: a PointBatch's, or a replayed SAMPLES record's. */
export type HeadColumns = Pick<PointBatch, 'length' | 'seriesIndex' | 'timestamps' | 'kinds' | 'floats' | 'ints' | 'texts'>;

// Module constants: reading ValueKind through the core barrel's re-export getter per point costs.
const INT: number = ValueKind.Int;
const FLOAT: number = ValueKind.Float;
/** Every point of the first `n` a float or an integer. */
function allNumeric(kinds: Uint8Array, n: number): boolean {
  for (let i = 0; i < n; i++) {
    const kind = kinds[i]!;
    if (kind !== FLOAT && kind !== INT) return false;
  }
  return true;
}

/** A batch's integers as 32-bit words: copied into the heads without a bigint per point. */
function intWordsOf(columns: HeadColumns): Int32Array {
  return new Int32Array(columns.ints.buffer, columns.ints.byteOffset, 2 * columns.length);
}

/** A new head starts at what the previous one reached (fewer regrowths), capped so that a burst does not pin memory. */
const MAX_HINT = MAX_SIZED_POINTS;
/**
 * A new series' head is sized by projection (drain) only once the live head holds this
 * fraction of its maximum: projected from fewer points, one burst would look like the rate.
 */
const SHARE_MIN_FILL = 64;

/** The capacity a series' head is expected to need: the previous head's points and an eighth more (the next cut comes at about the same count); 0 before its first cut. */
function expectedCapacity(hint: number): number {
  return hint === 0 ? 0 : hint + (hint >> 3) + 8;
}

export class Head {
  /** the series with a live head (entry.head set), each once: a series enters when its head is made */
  private dirty: SeriesEntry[] = [];
  /** append's heads of a batch's series, reused from batch to batch (no array of garbage a batch) */
  private readonly heads: HeadSeries[] = [];
  /** appendIds' entries of a batch's series, for the points not staged (strings, large batches) */
  private readonly idEntries: SeriesEntry[] = [];
  /** numeric points appended and not yet in their series' heads (head-staging.ts) */
  private readonly staging = new HeadStaging();
  /** columns a sealed head is decoded into for a read (collect), reused */
  private readonly readScratch = new HeadScratch();
  /** points in live heads */
  points = 0;
  /** points in frozen heads (a cut in progress) */
  frozenPoints = 0;
  /** points new series' first growths may still take beyond growing by half, until the next freeze (drain) */
  private shareBudget: number;

  /**
   * `maxPoints`: the points at which the engine cuts the head (headMaxPoints), used to size
   * new series' heads (drain); 0: they grow by half from their first points. `sealing`:
   * heads keep their older points compressed (head-series.ts; the engine's
   * `headCompression`).
   */
  constructor(
    private readonly maxPoints = 0,
    private readonly sealing = false,
  ) {
    this.shareBudget = maxPoints;
  }

  /**
   * Appends points; `entries[s]` (s < `count`) is the series of `columns.seriesIndex[i] === s`.
   * Series ids are unique within a head (the staging keys its series by id): two entries
   * with one id would share their staged points.
   */
  append(entries: readonly SeriesEntry[], columns: HeadColumns, count = entries.length): void {
    const n = columns.length;
    // a batch naming series but holding no point changes no head (nor stages its series)
    if (n === 0) return;
    const intWords = intWordsOf(columns);
    if (this.toStaging(columns)) {
      this.staging.stage(entries, columns, count, intWords);
      this.points += n;
      return;
    }
    this.appendDirect(entries, columns, count, intWords);
  }

  /**
   * As append, the batch's series given by id: `ids[s]` (s < `count`) is the series of
   * `columns.seriesIndex[i] === s`, its entry `byId[ids[s]]` (the engine's SeriesIndex.byId).
   * The write path's form (appender.ts): numeric points are staged without reading the
   * entry of a series already staged (HeadStaging.stageIds).
   */
  appendIds(byId: readonly (SeriesEntry | undefined)[], ids: Uint32Array, columns: HeadColumns, count: number): void {
    const n = columns.length;
    if (n === 0) return;
    const intWords = intWordsOf(columns);
    if (this.toStaging(columns)) {
      // staged first: a batch it refuses (an id with no entry) is not counted
      this.staging.stageIds(ids, byId, columns, count, intWords);
      this.points += n;
      return;
    }
    const entries = this.idEntries;
    for (let s = 0; s < count; s++) entries[s] = byId[ids[s]!]!;
    this.appendDirect(entries, columns, count, intWords);
    // emptied in place (setting length 0 would drop the array's storage: one allocation a batch)
    entries.fill(undefined as unknown as SeriesEntry, 0, count);
  }

  /**
   * Whether a batch goes through the staging: every point a number and no more than it
   * holds. Drains it first when the batch does not fit, so the batch is counted after the
   * points before it are drained (drain() projects new heads' sizes from the count).
   */
  private toStaging(columns: HeadColumns): boolean {
    const n = columns.length;
    if (n > STAGED_POINTS || (columns.texts.length > 0 && !allNumeric(columns.kinds, n))) return false;
    if (!this.staging.fits(n)) this.drain();
    return true;
  }

  /** Strings and JSON (and batches larger than the staging): straight to the heads, after the points staged before them. */
  private appendDirect(entries: readonly SeriesEntry[], columns: HeadColumns, count: number, intWords: Int32Array): void {
    this.drain();
    this.points += columns.length;
    this.appendNow(entries, columns, count, intWords);
  }

  /** Whether the entry's series has points staged, not yet in its head (tests). */
  isStaged(entry: SeriesEntry): boolean {
    return this.staging.isStaged(entry.id);
  }

  /**
   * Moves the staged points into their series' heads. Every reader of the heads calls it first.
   *
   * A series with no previous head (new to this process: after a restart, every series; or
   * one whose last head a delete emptied) has nothing to size its head by, and growing by
   * half from 8 points took ~8 reallocations a series to reach a generation's ~200 (a
   * fresh daemon under a 10,000-series fleet: ~80,000 array buffers, ~0.2 s of the storage
   * thread and ~20 MiB of peak RSS in garbage). Once the head is a 64th full, its first
   * growth takes the points it is projected to have at the cut instead: its points so far
   * times maxPoints / points, as if the rate so far went on (at most MAX_SIZED_POINTS,
   * head-series.ts). What all such growths take beyond growing by half is at most
   * maxPoints a generation (shareBudget; none while freeze drains), so a burst of
   * short-lived series cannot reserve more than one full head.
   */
  drain(): void {
    const maxPoints = this.maxPoints;
    const points = this.points;
    const scale = this.shareBudget > 0 && points > 0 && points * SHARE_MIN_FILL >= maxPoints ? maxPoints / points : 0;
    this.shareBudget -= this.staging.drain(this.liveHead, scale, this.shareBudget);
  }

  /** The entry's live head, made (and listed as dirty) when missing. */
  private readonly liveHead = (entry: SeriesEntry): HeadSeries => entry.head ?? this.newHead(entry, 0);

  /**
   * Makes the entry's live head (and lists it as dirty), with room for `carried` points more
   * than a quarter of the expected head now, the rest at its first growth. Why: a series'
   * new head is made right after a cut froze its last one, and the frozen heads hold their
   * memory until the cut's block is in (and a collection frees them); reserving the whole
   * expected head at once held two full heads of every series at the peak.
   */
  private newHead(entry: SeriesEntry, carried: number): HeadSeries {
    const expected = expectedCapacity(entry.headHint);
    const head = (entry.head = new HeadSeries((expected >> 2) + carried, expected, this.sealing, entry.sealHold));
    this.dirty.push(entry);
    return head;
  }

  private appendNow(entries: readonly SeriesEntry[], columns: HeadColumns, count: number, intWords: Int32Array): void {
    const { length: n, seriesIndex, timestamps, kinds, floats, texts } = columns;
    const heads = this.heads;
    for (let s = 0; s < count; s++) heads[s] = this.liveHead(entries[s]!);
    for (let i = 0; i < n; i++) {
      const kind = kinds[i]!;
      const head = heads[seriesIndex[i]!]!;
      // numbers without a bigint (reading a BigInt64Array element makes one)
      if (kind === FLOAT || kind === INT) {
        head.appendNumber(timestamps[i]!, kind, floats[i]!, intWords[2 * i]!, intWords[2 * i + 1]!);
      } else {
        head.append(timestamps[i]!, kind, 0, 0n, texts[i]);
      }
    }
    // a frozen head must not stay reachable from here once its cut has dropped it
    heads.fill(undefined as unknown as HeadSeries, 0, count);
  }

  /** Freezes every live head for a cut; returns their series in block order (block-order.ts). New writes go to fresh heads. */
  freeze(): SeriesEntry[] {
    // the heads frozen now take no more points: none is sized by projection (a cut by age
    // or a checkpoint finds the head part full, and would project its new series to the rest)
    this.shareBudget = 0;
    this.drain();
    const entries = inBlockOrder(this.dirty.sort((a, b) => a.id - b.id));
    for (const entry of entries) {
      // a frozen head is read as it is (the cut's encoding, carryBack): its tail merged once
      // here (its sealed points stay sealed: HeadSeries.materialize reads them for the cut)
      entry.head?.mergeTail();
      entry.frozen = entry.head;
      entry.headHint = Math.min(entry.head?.length ?? 0, MAX_HINT);
      // the next head starts with the lateness this one met (several connections a little apart)
      if (entry.head) entry.sealHold = entry.head.holdPoints;
      entry.head = undefined;
    }
    this.dirty = [];
    this.frozenPoints = this.points;
    this.points = 0;
    this.shareBudget = this.maxPoints;
    return entries;
  }

  /**
   * After freeze(): moves each frozen series' newest points — those less than `windowMs` older
   * than its newest, at most a quarter of them — back into a live head, and returns them as columns
   * (`ids[seriesIndex[i]]` is point i's series) for the caller to log again in the WAL
   * segment after the cut (the cut drops the segments that held them). Undefined when none
   * moved.
   *
   * Why: points arrive a little late (several connections, each a few seconds behind the
   * others). A cut of everything puts a late point's neighbours in the block and the point
   * itself in the next one, so the two blocks overlap in time for nearly every series, and
   * reads can no longer join the blocks' per-chunk summaries (downsampled-read.ts): the first
   * query after a 4-connection load read 5x slower. Kept back, the late points land in the
   * head beside their neighbours. Prometheus' head, which is cut by time and keeps the newest
   * range, does the same. The quarter bounds the head a cut leaves, so a cut always frees.
   */
  carryBack(entries: readonly SeriesEntry[], windowMs: number): (HeadColumns & { ids: Uint32Array }) | undefined {
    const moved: SeriesEntry[] = [];
    const firsts: number[] = [];
    let n = 0;
    for (const entry of entries) {
      const frozen = entry.frozen;
      if (!frozen || frozen.length < 4) continue;
      // points newer than `newest - windowMs` (a window of 0 carries none), as column indexes
      const first = frozen.carryFrom(windowMs);
      if (first >= frozen.columnLength) continue;
      moved.push(entry);
      firsts.push(first);
      n += frozen.columnLength - first;
    }
    if (n === 0) return undefined;
    const seriesIndex = new Uint32Array(n);
    const timestamps = new Float64Array(n);
    const kinds = new Uint8Array(n);
    const floats = new Float64Array(n);
    // a head's floats and ints share their bytes; so do these (each point's kind says which it is)
    const ints = new BigInt64Array(floats.buffer);
    const words = new Int32Array(floats.buffer);
    const texts: (string | undefined)[] = [];
    const ids = new Uint32Array(moved.length);
    let at = 0;
    for (let s = 0; s < moved.length; s++) {
      const entry = moved[s]!;
      const frozen = entry.frozen!;
      const first = firsts[s]!;
      const end = frozen.columnLength;
      const count = end - first;
      ids[s] = entry.id;
      // the points carried come on top of the quarter a new head starts with (newHead)
      if (entry.head === undefined) this.newHead(entry, count);
      seriesIndex.fill(s, at, at + count);
      frozen.copyColumnsInto(first, end, timestamps, kinds, words, at);
      if (frozen.texts.length > first) {
        while (texts.length < at) texts.push(undefined);
        for (let i = first; i < end; i++) texts[at + i - first] = frozen.texts[i];
      }
      frozen.truncateColumns(first);
      at += count;
    }
    texts.length = n;
    this.frozenPoints -= n;
    const columns = { length: n, seriesIndex, timestamps, kinds, floats, ints, texts, ids };
    this.append(moved, columns);
    return columns;
  }

  /**
   * Seals the frozen heads' points still in columns (HeadSeries.sealAll), after the
   * carry-back took their newest: a cut then holds its frozen points compressed while it
   * encodes them. Nothing without sealing.
   */
  sealFrozen(entries: readonly SeriesEntry[]): void {
    if (!this.sealing) return;
    for (const entry of entries) entry.frozen?.sealAll();
  }

  /** Drops the frozen heads: their points are in an installed block now. */
  release(entries: readonly SeriesEntry[]): void {
    for (const entry of entries) entry.frozen = undefined;
    this.frozenPoints = 0;
  }

  /** Gives frozen heads back after a failed cut (the WAL before the cut is still on disk). */
  thaw(entries: readonly SeriesEntry[]): void {
    this.drain();
    for (const entry of entries) {
      const frozen = entry.frozen;
      if (!frozen) continue;
      const head = entry.head;
      head?.settle();
      // the live head is newer: replaying it onto the frozen one keeps last-write-wins
      if (head) {
        for (let i = 0; i < head.length; i++) {
          const kind = head.kinds[i]!;
          frozen.append(head.timestamps[i]!, kind, head.floats[i]!, kind === INT ? head.ints[i]! : 0n, head.texts[i]);
        }
      }
      if (!head) this.dirty.push(entry);
      entry.head = frozen;
      entry.frozen = undefined;
    }
    this.points += this.frozenPoints;
    this.frozenPoints = 0;
  }

  /** Removes a series' live-head points in [start, end] (ms, inclusive). Callers finish any cut first. */
  deleteRange(entry: SeriesEntry, start: number, end: number): void {
    this.drain();
    if (entry.head) this.points -= entry.head.deleteRange(start, end);
  }

  /** Pushes onto `parts` the series' head points in [start, end], oldest first (frozen, then live). */
  collect(entry: SeriesEntry, start: number, end: number, parts: SeriesPoints[]): void {
    this.drain();
    for (const head of [entry.frozen, entry.head]) {
      if (!head || head.length === 0) continue;
      const points = head.copyRange(start, end, this.readScratch);
      if (points) parts.push(points);
    }
  }
}
