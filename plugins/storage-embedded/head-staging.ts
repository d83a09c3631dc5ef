/**
 * Numeric points on their way into the head, in arrival order, moved into their series'
 * heads a series at a time (`drain`).
 *
 * Why: a fleet's points arrive interleaved across series (a collector sends a host's
 * hundred metrics, then the next host's), so appending each point to its series' head
 * touched that series' object and three columns, cold again since its previous point: about
 * seven cache misses a point, 2.1 s of the storage thread's 7 s in a 10M-point load over
 * 10,000 series. Here a point is written to the end of these columns (in cache), and once
 * STAGED_POINTS wait (or anything reads the head) they are grouped by series with a counting
 * sort, then each series' points by timestamp (stable: equal timestamps stay in the order
 * they came), so every head's last-write-wins and late-point handling
 * (HeadSeries.appendStaged, as appendNumber) keep what appending each point as it came
 * gives, and a series' cold lines are touched once for all its points waiting here.
 * VictoriaMetrics buffers its incoming rows the same way before it sorts them into a part.
 *
 * Staged points count as the head's (Head.points) and are in the WAL already: only the
 * order in which memory is touched changes. Strings and JSON are not staged (Head.append
 * drains, then appends them directly).
 */
import { ValueKind } from '../../core';
import type { HeadColumns } from './head';
import type { HeadSeries } from './head-series';
import type { SeriesEntry } from './series-index';

/**
 * Points staged before a drain: at 10,000 series about 13 a series, so each series' cold
 * lines are paid once for a dozen points; the columns (21 bytes a point, 2.7 MiB) stay
 * within the last-level cache.
 */
export const STAGED_POINTS = 1 << 17;

// bound once: each read of an export through the core barrel is a getter call
const FLOAT: number = ValueKind.Float;

export class HeadStaging {
  /** points staged */
  length = 0;
  /**
   * The staged series, by slot: [0, seriesCount) of it. Kept at its size from drain to
   * drain (its slots cleared, not dropped): emptied by `length = 0`, V8 let its elements
   * go, and regrowing them to a fleet's 10,000 series made ~18 MB of the storage thread's
   * young garbage over a 10M-point load.
   */
  private readonly entries: (SeriesEntry | undefined)[] = [];
  /** series staged since the last drain */
  private seriesCount = 0;
  /**
   * Each staged series' slot + 1, by series id (0: not staged); grown to the largest id
   * staged. A typed array rather than a field of the entry: stageIds then reads no entry
   * of a series already staged, and a batch names nearly every series of a fleet, each
   * entry a cache miss (~16 ns) when read per batch. Series ids are unique within a head.
   */
  private slotById: Int32Array = new Int32Array(1024);
  /** point i's series slot, timestamp (ms), kind and value (a double's or an int64's bits, as 32-bit words) */
  readonly slots = new Uint32Array(STAGED_POINTS);
  readonly timestamps = new Float64Array(STAGED_POINTS);
  readonly kinds = new Uint8Array(STAGED_POINTS);
  readonly floats = new Float64Array(STAGED_POINTS);
  readonly words = new Int32Array(this.floats.buffer);
  /** drain's counting sort: the staged points' indexes grouped by slot, and each slot's end */
  private readonly order = new Uint32Array(STAGED_POINTS);
  private ends = new Uint32Array(1024);
  /** the batch's series slots, reused from batch to batch */
  private batchSlots = new Uint32Array(1024);

  /** Room for `n` more points. */
  fits(n: number): boolean {
    return this.length + n <= STAGED_POINTS;
  }

  /**
   * Stages the numeric points of `columns` (every point a float or an integer; the caller
   * checked, and that they fit): `entries[s]` (s < `count`) is the series of
   * `columns.seriesIndex[i] === s`. `intWords` is the batch's ints as 32-bit words.
   */
  stage(entries: readonly SeriesEntry[], columns: HeadColumns, count: number, intWords: Int32Array): void {
    const batchSlots = this.batchSlotsFor(count);
    for (let s = 0; s < count; s++) {
      const entry = entries[s]!;
      const id = entry.id;
      if (id >= this.slotById.length) this.growSlots(id);
      let slot = this.slotById[id]! - 1;
      if (slot < 0) slot = this.addSeries(entry);
      batchSlots[s] = slot;
    }
    this.stageColumns(columns, intWords);
  }

  /**
   * As stage, the batch's series given by id: `ids[s]` (s < `count`) is the series of
   * `columns.seriesIndex[i] === s`, its entry `byId[ids[s]]` (read only for a series not
   * staged yet). Throws, staging nothing of the batch, when an id has no entry.
   */
  stageIds(ids: Uint32Array, byId: readonly (SeriesEntry | undefined)[], columns: HeadColumns, count: number, intWords: Int32Array): void {
    const batchSlots = this.batchSlotsFor(count);
    const stagedBefore = this.seriesCount;
    let slotById: Int32Array = this.slotById;
    for (let s = 0; s < count; s++) {
      const id = ids[s]!;
      if (id >= slotById.length) slotById = this.growSlots(id);
      let slot = slotById[id]! - 1;
      if (slot < 0) {
        const entry = byId[id];
        if (entry === undefined) this.unstageFrom(stagedBefore, id);
        slot = this.addSeries(entry);
      }
      batchSlots[s] = slot;
    }
    this.stageColumns(columns, intWords);
  }

  /** stageIds met series `id` with no entry: forgets the series it staged for the batch and throws (a caller's bug, reported where it is made). */
  private unstageFrom(stagedBefore: number, id: number): never {
    const staged = this.entries;
    for (let k = stagedBefore; k < this.seriesCount; k++) {
      this.slotById[staged[k]!.id] = 0;
      staged[k] = undefined;
    }
    this.seriesCount = stagedBefore;
    throw new Error(`head staging: series id ${id} has no entry in the series index`);
  }

  /** Gives `entry`'s series the next slot; returns the slot. */
  private addSeries(entry: SeriesEntry): number {
    const slot = this.seriesCount++;
    // a slot within the array's length is overwritten; past it, the array grows by one (push: amortized)
    if (slot < this.entries.length) this.entries[slot] = entry;
    else this.entries.push(entry);
    this.slotById[entry.id] = slot + 1;
    return slot;
  }

  /** Whether series `id` has points staged. */
  isStaged(id: number): boolean {
    return id < this.slotById.length && this.slotById[id]! > 0;
  }

  private batchSlotsFor(count: number): Uint32Array {
    if (this.batchSlots.length < count) this.batchSlots = new Uint32Array(Math.max(count, 2 * this.batchSlots.length));
    return this.batchSlots;
  }

  private growSlots(id: number): Int32Array {
    const grown = new Int32Array(Math.max(id + 1, 2 * this.slotById.length));
    grown.set(this.slotById);
    return (this.slotById = grown);
  }

  /** Writes the batch's points into the columns, each with its series' slot (batchSlots, by the batch's series). */
  private stageColumns(columns: HeadColumns, intWords: Int32Array): void {
    const batchSlots = this.batchSlots;
    const { length: n, seriesIndex, timestamps, kinds, floats } = columns;
    const at = this.length;
    const slots = this.slots;
    const words = this.words;
    for (let i = 0; i < n; i++) slots[at + i] = batchSlots[seriesIndex[i]!]!;
    this.timestamps.set(timestamps.subarray(0, n), at);
    this.kinds.set(kinds.subarray(0, n), at);
    const stagedFloats = this.floats;
    for (let i = 0; i < n; i++) {
      // a float's bits or an int64's words: the kind says which the head reads
      if (kinds[i] === FLOAT) stagedFloats[at + i] = floats[i]!;
      else {
        words[2 * (at + i)] = intWords[2 * i]!;
        words[2 * (at + i) + 1] = intWords[2 * i + 1]!;
      }
    }
    this.length = at + n;
  }

  /**
   * Moves every staged point into its series' head, a series at a time, each series' points
   * in timestamp order (equal timestamps in arrival order: sortGroupsByTime).
   * `headOf(entry)` gives the entry's live head, making it when missing.
   * `shareScale` and `shareBudget` size new series' first growths (HeadSeries.appendStaged;
   * the budget bounds the points they take beyond growing by half, all series together).
   * Returns the points so taken.
   */
  drain(headOf: (entry: SeriesEntry) => HeadSeries, shareScale = 0, shareBudget = 0): number {
    const n = this.length;
    if (n === 0) return 0;
    const staged = this.entries;
    const seriesCount = this.seriesCount;
    if (this.ends.length < seriesCount + 1) this.ends = new Uint32Array(Math.max(seriesCount + 1, 2 * this.ends.length));
    // three passes, each a function of its own: one function holding all three loops was
    // optimized while in its first loop (on-stack replacement), then thrown back to the
    // interpreter on reaching the next one (no type feedback there yet), ~30 times a load
    groupBySlot(this.slots, n, seriesCount, this.ends, this.order);
    sortGroupsByTime(this.order, this.ends, seriesCount, this.timestamps);
    const reserved = appendGrouped(staged, seriesCount, this.slotById, headOf, this.ends, this.order, this.timestamps, this.kinds, this.words, shareScale, shareBudget);
    this.seriesCount = 0;
    this.length = 0;
    return reserved;
  }
}

/**
 * A stable counting sort of the staged points [0, n) by slot: `order` lists their indexes
 * slot by slot, arrival order within a slot, and `ends[s]` is where slot s's end is in it.
 */
function groupBySlot(slots: Uint32Array, n: number, seriesCount: number, ends: Uint32Array, order: Uint32Array): void {
  // ends[s + 1] counts, then the running sum gives each slot's start; each loop a function
  // of its own, for the reason drain() gives (this one deoptimized ~17 times a load)
  ends.fill(0, 0, seriesCount + 1);
  countSlots(slots, n, ends);
  runningSum(ends, seriesCount);
  placeBySlot(slots, n, ends, order);
}

function countSlots(slots: Uint32Array, n: number, ends: Uint32Array): void {
  for (let i = 0; i < n; i++) {
    const s = slots[i]! + 1;
    ends[s] = ends[s]! + 1;
  }
}

function runningSum(ends: Uint32Array, seriesCount: number): void {
  for (let s = 1; s <= seriesCount; s++) ends[s] = ends[s]! + ends[s - 1]!;
}

/** Placing advances each slot's start to its end; stable (i ascending). */
function placeBySlot(slots: Uint32Array, n: number, ends: Uint32Array, order: Uint32Array): void {
  for (let i = 0; i < n; i++) {
    const s = slots[i]!;
    const k = ends[s]!;
    order[k] = i;
    ends[s] = k + 1;
  }
}

/**
 * An insertion sort of a group stops once it has moved this many indexes a point (and
 * SORT_MOVES_MIN more): a group of interleaved connections takes a few a point; one in
 * reverse order would take half its length a point (quadratic in a drain of 131,072).
 */
const SORT_MOVES_PER_POINT = 8;
const SORT_MOVES_MIN = 64;

/**
 * Sorts each slot's group in `order` by timestamp, stable (an insertion sort: equal
 * timestamps keep their arrival order, so the head still keeps the last write). Why: with
 * several connections a series' staged points come interleaved from each (every
 * connection a few seconds behind or ahead of the others), and a head took each point
 * older than its newest into its unsorted tail, which settle() sorted and copied out and
 * back: ~3/4 of the points of a 4-connection load went that way, and settle was the
 * storage thread's largest item. Sorted here, a group extends its head in order, or, when
 * it starts before the head's newest point, merges into it in place
 * (HeadSeries.appendStaged). A group in order (one connection) costs a comparison a point.
 * A group too far out of order stops part sorted (SORT_MOVES_PER_POINT); still stable, it
 * goes through the head's tail as before.
 */
export function sortGroupsByTime(order: Uint32Array, ends: Uint32Array, seriesCount: number, timestamps: Float64Array): void {
  let from = 0;
  for (let s = 0; s < seriesCount; s++) {
    const to = ends[s]!;
    let previous = -Infinity;
    // moves allowed: a group far out of order (a series backfilled newest first) is left
    // part sorted, which appendStaged takes through the tail, bounded by TAIL_POINTS
    let moves = SORT_MOVES_PER_POINT * (to - from) + SORT_MOVES_MIN;
    for (let k = from; k < to; k++) {
      const index = order[k]!;
      const t = timestamps[index]!;
      if (t >= previous) {
        previous = t;
        continue;
      }
      // out of order: moved back past every later timestamp
      let j = k - 1;
      while (j >= from && timestamps[order[j]!]! > t) {
        order[j + 1] = order[j]!;
        j--;
      }
      order[j + 1] = index;
      moves -= k - 1 - j;
      if (moves < 0) break;
    }
    from = to;
  }
}

/**
 * Appends each staged series' points (groupBySlot's `order` and `ends`, sorted by
 * sortGroupsByTime) to its head in that order, and clears its slot (`slotById`); returns the points
 * first growths took from the budget.
 */
function appendGrouped(
  staged: (SeriesEntry | undefined)[],
  seriesCount: number,
  slotById: Int32Array,
  headOf: (entry: SeriesEntry) => HeadSeries,
  ends: Uint32Array,
  order: Uint32Array,
  timestamps: Float64Array,
  kinds: Uint8Array,
  words: Int32Array,
  shareScale: number,
  shareBudget: number,
): number {
  let from = 0;
  let reserved = 0;
  for (let s = 0; s < seriesCount; s++) {
    const entry = staged[s];
    const to = ends[s]!;
    // a series already appended by a drain that threw part-way: its points are in its head
    if (entry === undefined) {
      from = to;
      continue;
    }
    const left = shareBudget - reserved;
    reserved += headOf(entry).appendStaged(order, from, to, timestamps, kinds, words, left > 0 ? shareScale : 0, left);
    // cleared once appended (the slot kept): no staged series stays reachable from here
    staged[s] = undefined;
    slotById[entry.id] = 0;
    from = to;
  }
  return reserved;
}
