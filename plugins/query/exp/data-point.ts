/**
 * OpenTSDB's ExpressionDataPoint: one column of an /api/query/exp answer — a series' meta
 * (metrics, tags, aggregated tags) and its current point, reset as the iterators step.
 * Join keys are OpenTSDB's: the UIDs of the tag names (lib/uid) when all have one, else
 * the names, which sort as UIDs assigned in name order would.
 */
export class ExpDataPoint {
  metrics: Set<string>;
  tags: Map<string, string>;
  aggTags: Set<string>;
  /** the series' position in its sub-query result (TimeSyncedIterator) */
  index = 0;
  timestamp = Number.MAX_SAFE_INTEGER;
  value = NaN;

  /**
   * The UIDs of the request's tag names (`k\0name` → tag key UID, `v\0name` → tag value
   * UID, hex), when every name has one: the join keys are then OpenTSDB's UID bytes.
   */
  readonly uids: ReadonlyMap<string, string> | undefined;

  constructor(from?: { metrics: Iterable<string>; tags: Iterable<[string, string]>; aggTags: Iterable<string>; uids?: ReadonlyMap<string, string> }) {
    this.metrics = new Set(from?.metrics ?? []);
    this.tags = new Map(from?.tags ?? []);
    this.aggTags = new Set(from?.aggTags ?? []);
    this.uids = from?.uids;
  }

  /** ExpressionDataPoint(ExpressionDataPoint): the meta copied, the point reset. */
  static copyOf(dp: ExpDataPoint): ExpDataPoint {
    return new ExpDataPoint({ metrics: dp.metrics, tags: dp.tags, aggTags: dp.aggTags, uids: dp.uids });
  }

  /** add(ExpressionDataPoint): metrics and aggregated tags merged (tags stay). */
  add(dp: ExpDataPoint): void {
    for (const m of dp.metrics) this.metrics.add(m);
    for (const t of dp.aggTags) this.aggTags.add(t);
  }

  reset(timestamp: number, value: number): void {
    this.timestamp = timestamp;
    this.value = value;
  }
}

/** OpenTSDB's NullPointerException text (HotSpot's helpful message) for a missing column. */
export class JavaNpe extends Error {}
