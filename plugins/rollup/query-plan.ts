/**
 * Which table a sub-query reads, as OpenTSDB 2.4's TsdbQuery decides
 * (transformDownSamplerToRollupQuery, tableToBeScanned, FallbackRollupOnEmptyResult):
 *
 * - a downsample whose interval is a multiple of configured intervals reads the largest of
 *   them (exact match first) with the downsample's aggregator (zimsum→sum, mimmax→max,
 *   mimmin→min; avg from sum and count; count is summed); no match, the default interval,
 *   `all`, or `rollupUsage: ROLLUP_RAW` read raw data;
 * - a literal_or filter on the aggregate tag (`_aggregate`) other than the raw value reads
 *   the pre-aggregation table instead (the default interval's, in raw form, without a rollup);
 * - when the table has no series at all: ROLLUP_NOFALLBACK (the default) answers empty,
 *   ROLLUP_FALLBACK tries the next smaller interval (the default one meaning raw data
 *   downsampled at the last interval tried), ROLLUP_FALLBACK_RAW reads raw data
 *   downsampled at the rollup interval.
 */
import { ApiError } from '../../lib/opentsdb';
import { rollupScanRange, rollupSeriesMetric, type RollupInterval } from '../../lib/rollup';
import type { SeriesSource, SubQueryPlan, SubQueryView } from '../../lib/query';
import type { RollupSettings } from './admit';
import { readRollupSeries } from './read';
import type { SeriesSelector, StorageEngine } from '../../core';

type Usage = 'ROLLUP_RAW' | 'ROLLUP_NOFALLBACK' | 'ROLLUP_FALLBACK' | 'ROLLUP_FALLBACK_RAW';
const USAGES: readonly string[] = ['ROLLUP_RAW', 'ROLLUP_NOFALLBACK', 'ROLLUP_FALLBACK', 'ROLLUP_FALLBACK_RAW'];

/** ROLLUP_USAGE.parse: unknown or absent is ROLLUP_NOFALLBACK. */
export function parseUsage(text: string | undefined): Usage {
  const upper = text?.toUpperCase();
  return upper !== undefined && USAGES.includes(upper) ? (upper as Usage) : 'ROLLUP_NOFALLBACK';
}

/** RollupQuery's aggregator renames, so the stored aggregator's cells match. */
function rollupAggregatorOf(name: string): string {
  return name === 'zimsum' ? 'sum' : name === 'mimmax' ? 'max' : name === 'mimmin' ? 'min' : name;
}

export function planSubQuery(sub: SubQueryView, s: RollupSettings, storage: () => StorageEngine): Promise<SubQueryPlan | undefined> | undefined {
  const usage = parseUsage(sub.rollupUsage);
  // TsdbQuery.resolveTagFilters: a literal_or on the aggregate tag naming anything but the raw value
  const preAggregate = sub.filters.some((f) => f.type === 'literal_or' && f.tagk === s.aggTagKey && (f.literals ?? []).join('|') !== s.rawAggTagValue);
  const rawPreAggregate = (): SeriesSource => customSource(s.config.defaultInterval.preAggregationTable, '', sub, s, storage, undefined);
  const noRollup = (): Promise<SubQueryPlan | undefined> | undefined => (preAggregate ? withKnown({ sources: [rawPreAggregate()] }, [rollupSeriesMetric(s.config.defaultInterval.preAggregationTable, '', sub.metric)], storage) : undefined);
  const ds = sub.downsample;
  if (usage === 'ROLLUP_RAW' || !ds || ds.all || ds.intervalMs <= 0) return noRollup();
  const matches = s.config.bestMatches(ds.intervalMs);
  const first = matches.shift();
  if (!first || first.isDefault) return noRollup();
  const aggregator = rollupAggregatorOf(ds.aggregator);
  try {
    if (aggregator === 'avg') {
      s.config.idForAggregator('sum');
      s.config.idForAggregator('count');
    } else {
      s.config.idForAggregator(aggregator);
    }
  } catch (err) {
    const message = (err as Error).message;
    throw new ApiError(400, message, message);
  }
  const tableOf = (i: RollupInterval): string => (preAggregate ? i.preAggregationTable : i.table);
  const sources: SeriesSource[] = [customSource(tableOf(first), aggregator, sub, s, storage, first)];
  const names = [rollupSeriesMetric(tableOf(first), aggregator === 'avg' ? 'sum' : aggregator, sub.metric)];
  if (usage === 'ROLLUP_FALLBACK_RAW') {
    sources.push({ kind: 'raw', downsample: { intervalMs: first.seconds * 1000, aggregator } });
  } else if (usage === 'ROLLUP_FALLBACK') {
    let last = first;
    for (const next of matches) {
      if (next.isDefault) {
        sources.push({ kind: 'raw', downsample: { intervalMs: last.seconds * 1000, aggregator } });
        break;
      }
      sources.push(customSource(tableOf(next), aggregator, sub, s, storage, next));
      names.push(rollupSeriesMetric(tableOf(next), aggregator === 'avg' ? 'sum' : aggregator, sub.metric));
      last = next;
    }
  }
  return withKnown({ sources }, names, storage);
}

/** Marks the metric known when any of the internal series exists (OpenTSDB has the metric's UID then). */
async function withKnown(plan: SubQueryPlan, names: string[], storage: () => StorageEngine): Promise<SubQueryPlan> {
  for (const name of names) {
    const [first] = await storage().suggest('metrics', name, 1);
    if (first === name) return { ...plan, metricKnown: true };
  }
  return plan;
}

function customSource(table: string, aggregator: string, sub: SubQueryView, s: RollupSettings, storage: () => StorageEngine, interval: RollupInterval | undefined): SeriesSource {
  return {
    kind: 'custom',
    label: `rollup ${table} ${aggregator || 'raw'}`,
    // a rollup reads its rows by the interval's row span; a raw-form pre-aggregate as raw data
    ...(interval ? { scan: rollupScanRange(sub.start, sub.end, interval, sub.rate) } : {}),
    // showQuery's rollupTable: the interval of a rollup read, `raw` for a raw-form pre-aggregate
    ...(interval ? { rollupTable: interval.interval } : {}),
    read: (selector: SeriesSelector, scan) => readRollupSeries(storage(), table, aggregator, selector, scan, sub.downsample),
    // Downsampler over rollups: a count is the sum of the stored counts
    ...(aggregator === 'count' ? { downsample: { aggregator: 'sum' } } : {}),
  };
}
