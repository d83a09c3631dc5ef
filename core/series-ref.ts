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
