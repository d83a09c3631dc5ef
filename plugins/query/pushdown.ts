/**
 * When a sub-query's downsampling can run in the storage engine (core
 * StorageEngine.readDownsampled): a fixed interval with fill policy `none` over raw
 * numbers, the common dashboard query. The engine then answers each series with its
 * buckets, equal bit for bit to what downsampler.ts makes of the same points (the
 * [semantics] differential test runs through this path), and may keep per-chunk results.
 * Calendar and `all` downsampling, fill policies, JSON paths and rollup sources stay in
 * the query engine.
 */
import type { DownsampleRequest, StorageEngine, TimeRange } from '../../core';
import type { SubQuery } from './model';

export interface Pushdown {
  range: TimeRange;
  request: DownsampleRequest;
}

/**
 * The engine's read for `sub` over the rows read (`scan`), or undefined when it must stay
 * here. The range starts at the first bucket boundary at or after the scan's start: the
 * downsampler skips points before it (Downsampler.seekInterval), so the engine need not
 * read them.
 */
export function pushdownFor(sub: SubQuery, storage: StorageEngine, scan: TimeRange, seriesHookUsed: boolean): Pushdown | undefined {
  const ds = sub.downsample;
  if (!storage.readDownsampled || !sub.metric || !ds || ds.all || ds.calendar || ds.fill !== 'none' || sub.jsonPath || seriesHookUsed) return undefined;
  const interval = ds.intervalMs;
  if (!(interval > 0)) return undefined;
  const floor = scan.start - (((scan.start % interval) + interval) % interval);
  const start = floor === scan.start ? floor : floor + interval;
  const agg = ds.aggregator;
  return {
    range: { start, end: scan.end },
    request: { intervalMs: interval, aggregator: agg.name, reduce: (values, count) => agg.aggregate(values, count) },
  };
}
