/**
 * UIDs and TSMeta for series as they are first written — OpenTSDB's auto-create of UIDs
 * (`tsd.core.auto_create_metrics`) and realtime TSMeta (`tsd.core.meta.enable_realtime_ts`).
 * Runs per batch, and per series only for series this process has not seen: a known
 * series costs one Set lookup of its key per batch. New series get their UIDs (metric,
 * then tag keys and values in name order) and a TSMeta stamped with the time they were
 * first written (`created`, seconds), before the batch reaches storage — as OpenTSDB
 * assigns UIDs before it writes the row — so a UID exists for every stored series.
 */
import { newSeriesRefSlot, type PointBatch } from '../../core';

/** Where a tracker marks, on a batch's SeriesRefs, the series it has seen (its `token`). */
const SEEN_SLOT = newSeriesRefSlot();
import type { MetaRecords } from '../../lib/uid';

export class SeriesTracker {
  private seen = new Set<string>();
  private previous = new Set<string>();
  /** this tracker's mark on the refs of series it has seen; a new one when it forgets them all */
  private token: object = {};
  /** keys whose TSMeta could not be created: their refs are not marked, so they are tried again once forgotten (at most maxSeries) */
  private failed = new Set<string>();

  /** @param maxSeries series keys remembered (two generations of this many; beyond, a series is checked again) */
  constructor(
    private readonly records: () => MetaRecords,
    private readonly maxSeries: number,
    private readonly onError: (err: unknown, metric: string) => void,
  ) {}

  /** Makes sure every series of the batch has its UIDs and TSMeta. */
  async track(batch: PointBatch): Promise<void> {
    const keys = batch.seriesKeys;
    const refs = batch.seriesRefs;
    const token = this.token;
    let fresh: number[] | undefined;
    for (let s = 0; s < keys.length; s++) {
      // a series seen through this ref before: no lookup by key
      const ref = refs?.[s];
      if (ref !== undefined && ref.memo[SEEN_SLOT] === token) continue;
      const key = keys[s]!;
      if (this.seen.has(key)) {
        if (ref && !this.failed.has(key)) ref.memo[SEEN_SLOT] = token;
        continue;
      }
      if (this.previous.has(key)) {
        this.remember(key);
        if (ref && !this.failed.has(key)) ref.memo[SEEN_SLOT] = token;
        continue;
      }
      (fresh ??= []).push(s);
    }
    if (!fresh) return;
    const records = this.records();
    // UIDs for every new series at once: names get them in the order one series after
    // another would give them (as OpenTSDB assigns them as writes arrive), in rounds that
    // share the store's writes; a series' names mostly have theirs already, costing no write
    const tsuids = await records.uids.tsuids(fresh.map((s) => batch.series[s]!));
    const created: { s: number; tsuid: string }[] = [];
    fresh.forEach((s, k) => {
      const tsuid = tsuids[k]!;
      if (!(tsuid instanceof Error)) return void created.push({ s, tsuid });
      // the points are still written (DSDB loses no accepted data): the series keeps its
      // engine id as TSUID until a later write finds it forgotten by this cache and tries again
      this.onError(tsuid, batch.series[s]!.metric);
      this.remember(keys[s]!);
    });
    // the TSMetas of the batch's new series together: one group commit, not one sync each
    const now = Math.floor(Date.now() / 1000);
    const results = await records.createTsMetas(created.map((c) => ({ tsuid: c.tsuid, fields: { created: now } })));
    for (let k = 0; k < created.length; k++) {
      const s = created[k]!.s;
      const result = results[k]!;
      this.remember(keys[s]!);
      // a failed TSMeta is tried again once this cache forgets the key: the ref must not skip it for good
      if (result instanceof Error) {
        this.onError(result, batch.series[s]!.metric);
        if (this.failed.size >= this.maxSeries) this.failed.clear();
        this.failed.add(keys[s]!);
        continue;
      }
      this.failed.delete(keys[s]!);
      const ref = refs?.[s];
      if (ref && token === this.token) ref.memo[SEEN_SLOT] = token;
    }
  }

  /** Forgets every series (after a rename or a cache drop, the next write checks again). */
  clear(): void {
    this.seen.clear();
    this.previous.clear();
    this.failed.clear();
    this.token = {};
  }

  private remember(key: string): void {
    if (this.seen.size >= this.maxSeries) {
      // two generations: the older is dropped whole, so the bound costs nothing per lookup
      this.previous = this.seen;
      this.seen = new Set();
    }
    this.seen.add(key);
  }
}
