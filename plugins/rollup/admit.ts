/**
 * One rollup or pre-aggregated point through OpenTSDB 2.4's TSDB.addAggregatePoint checks,
 * in its order and with its messages, into the internal series that stores it
 * (lib/rollup series-identity). Shared by /api/rollup and the telnet `rollup` command;
 * a failure is a message, never a throw.
 */
import type { Aggregator, BatchBuilder, Registry } from '../../core';
import { ValueKind } from '../../core';
import { badTimestampMessage, checkMetricAndTags, describeEncodedValue, formatTagMap, MAX_SECONDS } from '../../lib/opentsdb';
import { rollupBaseTime, rollupSeriesMetric, rollupTimestamp, type RollupConfig } from '../../lib/rollup';

type Tags = Record<string, string>;

/** The tsd.rollups.* settings besides the config itself. */
export interface RollupSettings {
  config: RollupConfig;
  /** tsd.rollups.tag_raw */
  tagRaw: boolean;
  /** tsd.rollups.agg_tag_key */
  aggTagKey: string;
  /** tsd.rollups.raw_agg_tag_value */
  rawAggTagValue: string;
  /** tsd.rollups.block_derived */
  blockDerived: boolean;
}

export interface AggregatePoint {
  metric: string;
  /** seconds (a larger value is refused, as OpenTSDB refuses milliseconds here) */
  timestamp: number;
  timestampText: string;
  kind: typeof ValueKind.Int | typeof ValueKind.Float;
  int: bigint;
  float: number;
  /** changed in place: the aggregate tag is added, as OpenTSDB does (and echoes) */
  tags: Tags;
  isGroupBy: boolean;
  interval?: string;
  aggregator?: string;
  groupByAggregator?: string;
}

/** Why OpenTSDB refuses the point: `unknownInterval` is its NoSuchRollupForIntervalException. */
export type AdmitError = { message: string; unknownInterval?: boolean };

/** Checks the point and pushes it into `batch`, or returns why not. */
export function admitAggregatePoint(p: AggregatePoint, s: RollupSettings, aggregators: Registry<Aggregator>, batch: BatchBuilder): AdmitError | undefined {
  const { config } = s;
  if (p.isGroupBy && !p.groupByAggregator) {
    return { message: `Cannot write a group by data point without specifying the aggregation function. Metric=${p.metric} tags=${formatTagMap(javaMapOrder(p.tags))}` };
  }
  if (p.timestamp < 0 || p.timestamp > MAX_SECONDS) {
    const encoded = describeEncodedValue(p.kind === ValueKind.Int ? 'int' : 'float', p.int, p.float);
    return { message: badTimestampMessage(p.timestampText, encoded, p.metric, p.tags).replace('bad timestamp', p.timestamp < 0 ? 'negative  timestamp' : 'bad timestamp') };
  }
  const tagValue = p.tags[s.aggTagKey];
  if (tagValue === undefined) {
    if (!p.isGroupBy) {
      if (s.tagRaw) p.tags[s.aggTagKey] = s.rawAggTagValue;
    } else {
      p.tags[s.aggTagKey] = p.groupByAggregator!.toUpperCase();
    }
  } else {
    if (p.groupByAggregator === undefined || tagValue.toLowerCase() !== p.groupByAggregator.toLowerCase()) {
      return { message: `Given tag value for ${s.aggTagKey} of ${tagValue} did not match the group by aggregator of ${p.groupByAggregator ?? 'null'} for ${p.metric} ${formatTagMap(javaMapOrder(p.tags))}` };
    }
    p.tags[s.aggTagKey] = p.groupByAggregator.toUpperCase();
  }
  if (p.isGroupBy) {
    const groupBy = p.groupByAggregator!;
    if (!aggregators.get(groupBy.toLowerCase())) return { message: `Invalid group by aggregator ${groupBy} with metric ${p.metric} ${formatTagMap(javaMapOrder(p.tags))}` };
    const upper = groupBy.toUpperCase();
    if (s.blockDerived && (upper === 'AVG' || upper === 'DEV')) {
      return { message: `Derived group by aggregations are not allowed ${groupBy} with metric ${p.metric} ${formatTagMap(javaMapOrder(p.tags))}` };
    }
  }
  let tagCount = 0;
  for (const _ in p.tags) tagCount++;
  const invalid = checkMetricAndTags(p.metric, p.tags, tagCount);
  if (invalid) return { message: invalid };
  const interval = p.interval ? config.intervals.get(p.interval) : undefined;
  if (p.interval && !interval) return { message: `No rollups configured for the interval: ${p.interval}`, unknownInterval: true };
  let aggregatorName = '';
  if (interval) {
    try {
      config.idForAggregator(p.aggregator);
    } catch (err) {
      return { message: (err as Error).message };
    }
    aggregatorName = p.aggregator!.toLowerCase();
    const upper = aggregatorName.toUpperCase();
    if (s.blockDerived && (upper === 'AVG' || upper === 'DEV')) {
      return { message: `Derived rollup aggregations are not allowed ${upper} with metric ${p.metric} ${formatTagMap(javaMapOrder(p.tags))}` };
    }
  }
  // OpenTSDB: an interval's table or pre-aggregation table; without an interval (a
  // pre-aggregate only) the default interval's pre-aggregation table, in raw form
  const table = interval ? (p.isGroupBy ? interval.preAggregationTable : interval.table) : config.defaultInterval.preAggregationTable;
  if (interval) {
    // RollupUtils.buildRollupQualifier: the last, partial interval of a row has no column
    const offset = Math.floor((p.timestamp - rollupBaseTime(p.timestamp, interval)) / interval.seconds);
    if (offset >= interval.intervals) return { message: `Offset of ${offset} was greater than the configured intervals ${interval.intervals}` };
  }
  const seconds = interval ? rollupTimestamp(p.timestamp, interval) : p.timestamp;
  const series = batch.seriesOf(rollupSeriesMetric(table, aggregatorName, p.metric), p.tags);
  batch.push(series, seconds * 1000, p.kind, p.float, p.int, undefined);
  return undefined;
}

/** Java's String.hashCode. */
function javaHash(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (Math.imul(31, h) + s.charCodeAt(i)) | 0;
  return h;
}

/**
 * Tags in the order Java's HashMap (16 buckets up to 12 entries, as OpenTSDB's tag maps
 * have) iterates them, for messages that print the map OpenTSDB built (HashMap.toString).
 */
export function javaMapOrder(tags: Tags): Tags {
  const keys = Object.keys(tags);
  const buckets = keys.length > 12 ? 32 : 16;
  const slot = (k: string) => {
    const h = javaHash(k);
    return (h ^ (h >>> 16)) & (buckets - 1);
  };
  const out: Tags = {};
  for (const k of keys.map((key, i) => ({ key, i, b: slot(key) })).sort((x, y) => x.b - y.b || x.i - y.i)) out[k.key] = tags[k.key]!;
  return out;
}
