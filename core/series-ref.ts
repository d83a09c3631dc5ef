import type { PointBatch } from './storage';

/**
 * Series references: a transport's handle on one series, the same object in every batch
 * of that series while the transport remembers the series (its parse cache), so that the
 * consumers of a batch — the storage engine, a series tracker — keep what they found out
 * about a series on it, instead of looking the series up by its key in every batch. This
 * is Prometheus' storage.SeriesRef, held by the caller: the per-series cost of a batch is
 * an array read, not a hash-map probe.
 *
 * Each consumer takes a slot once (newSeriesRefSlot) and reads and writes only
 * `ref.memo[slot]`. What it finds there may be stale — a ref outlives an engine closed and
 * opened again, or a tracker that forgot its series — so it checks it (for example, that
 * the memo names its own index) before it trusts it.
 */
export interface SeriesRef {
  /** by slot: each consumer's finding about this series */
  readonly memo: unknown[];
}

let nextSlot = 0;

/** A slot of SeriesRef.memo of one's own; take it once (at module load), not per batch. */
export function newSeriesRefSlot(): number {
  return nextSlot++;
}

export function newSeriesRef(): SeriesRef {
  return { memo: [] };
}

/**
 * A transport's numbering of series (Prometheus' head series refs, as dense numbers): while
 * the space lives, a slot names the same series in every batch that names the space
 * (PointBatch.seriesSlots). A transport renews the space (a new object) when it starts its
 * numbering over. Consumers keep, per space, what they found out about each series in an
 * array indexed by slot (`space.memo[slot]`, a slot from newSeriesRefSlot): the per-series
 * cost of a batch is then a read of a small dense array, where a SeriesRef costs a read of
 * an object scattered in the heap for each series.
 */
export interface SeriesSpace {
  /** by consumer slot (newSeriesRefSlot): each consumer's state for this space */
  readonly memo: unknown[];
}

/** A batch's series as slots of a space: series `s` of the batch is slot `slots[s]`. */
export interface SeriesSlots {
  space: SeriesSpace;
  /** one slot per series of the batch (as long as PointBatch.series) */
  slots: Uint32Array;
}

export function newSeriesSpace(): SeriesSpace {
  return { memo: [] };
}

/**
 * How many series `batch` names, without making a batch that presents `series` lazily
 * (put-parse-pool's) build it: `seriesSlots.slots.length` when there are slots.
 */
export function seriesCountOf(batch: PointBatch): number {
  return batch.seriesSlots !== undefined ? batch.seriesSlots.slots.length : batch.series.length;
}
