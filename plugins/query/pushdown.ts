/**
 * When a sub-query's downsampling can run in the storage engine (core
 * StorageEngine.readDownsampled): a fixed interval with fill policy `none` over raw
 * numbers, the common dashboard query. The engine then answers each series with its
 * buckets, equal bit for bit to what downsampler.ts makes of the same points (the
 * [semantics] differential test runs through this path), and may keep per-chunk results.
 * `0all` is pushed down too (one bucket). Calendar downsampling, fill policies, JSON paths
 * and rollup sources stay in the query engine.
 */
import type { DownsampleRequest, StorageEngine, TimeRange } from '../../core';
import type { SubQuery } from './model';
import { rateRequestOf } from './rate';
import { bucketing } from './buckets';
import { seekStart } from './downsampler';

export interface Pushdown {
  range: TimeRange;
  request: DownsampleRequest;
}

/**
 * The engine's read for `sub` over the rows read (`scan`), or undefined when it must stay
 * here. The bucketed points start at the first bucket boundary at or after the scan's
 * start (the downsampler skips points before it: Downsampler.seekInterval), while a series
 * with points only before it is still read, a member of its group as in OpenTSDB.
 */
export function pushdownFor(sub: SubQuery, storage: StorageEngine, scan: TimeRange, query: { start: number; end: number }, seriesHookUsed: boolean): Pushdown | undefined {
  const ds = sub.downsample;
  if (!storage.readDownsampled || !sub.metric || !ds || sub.jsonPath || seriesHookUsed) return undefined;
  // the extra hour row of an explicitTags scan: whether a series counts depends on its first raw point (engine.ts spanGroupEnd)
  if (sub.explicitTags && sub.filters.length > 0) return undefined;
  const agg = ds.aggregator;
  const reduce = (values: Float64Array, count: number): number => agg.aggregate(values, count);
  // decomposable aggregators (count, min, max) let the engine keep partial values, not raw ones
  const merge = agg.merge ? { merge: (partials: Float64Array, count: number): number => agg.merge!(partials, count) } : {};
  // count-like aggregators (with merge): an engine may count finite values without decoding them
  const ofFinite = agg.merge && agg.ofFinite ? { ofFinite: (count: number): number => agg.ofFinite!(count) } : {};
  // the per-series half of the rate goes with the buckets (rates of the rows read, from the scan's start)
  const rate = sub.rate ? { rate: rateRequestOf(sub.rateOptions, scan.start) } : {};
  if (ds.all) {
    // `0all`: one bucket of the query's [start, end) (Downsampler's run_all), any fill policy
    return { range: scan, request: { intervalMs: 0, all: true, values: { start: query.start, end: query.end - 1 }, aggregator: agg.name, reduce, ...merge, ...ofFinite, ...rate } };
  }
  if (ds.calendar || ds.fill !== 'none') return undefined;
  const interval = ds.intervalMs;
  if (!(interval > 0)) return undefined;
  const start = seekStart(bucketing(ds, 'UTC'), scan.start);
  return { range: scan, request: { intervalMs: interval, values: { start, end: scan.end }, aggregator: agg.name, reduce, ...merge, ...ofFinite, ...rate } };
}
