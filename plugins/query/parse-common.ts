/** Validation shared by the GET (`m=`) and POST (JSON) query forms: TSQuery/TSSubQuery. */
import { type Aggregator, type Registry } from '../../core';
import { ApiError } from '../../lib/opentsdb';
import { parseDownsample } from './downsample-spec';
import { filterFromShortcut, type TagFilter } from './filters';
import { LONG_MAX, type RateOptions, type SubQuery, type TsQuery } from './model';
import { exactQueryTime, invalidQueryTime, isJavaTimeZone, parseDateTime } from '../../lib/opentsdb/time';

export interface RawSubQuery {
  aggregator?: string;
  metric?: string;
  tsuids?: string[];
  rate?: boolean;
  rateOptions?: RateOptions;
  downsample?: string;
  filters?: TagFilter[];
  tags?: Record<string, string>;
  explicitTags?: boolean;
  rollupUsage?: string;
  jsonPath?: string;
  percentiles?: number[];
  showHistogramBuckets?: boolean;
}

export interface RawQuery {
  start?: string;
  end?: string;
  timezone?: string;
  useCalendar?: boolean;
  msResolution?: boolean;
  showTSUIDs?: boolean;
  showQuery?: boolean;
  showStats?: boolean;
  showSummary?: boolean;
  noAnnotations?: boolean;
  globalAnnotations?: boolean;
  delete?: boolean;
  arrays?: boolean;
  exact?: boolean;
  queries?: RawSubQuery[];
}

const ROLLUP_USAGES: readonly string[] = ['ROLLUP_RAW', 'ROLLUP_NOFALLBACK', 'ROLLUP_FALLBACK', 'ROLLUP_FALLBACK_RAW'];

/** TSQuery.validateAndSetQuery: times first, then every sub-query; then the times TsdbQuery refuses. */
export function validateQuery(raw: RawQuery, aggregators: Registry<Aggregator>, now = Date.now()): TsQuery {
  if (raw.start === undefined || raw.start === '') throw new ApiError(400, 'Missing start time');
  // checked only where used, as OpenTSDB does: absolute dates here, downsampling below
  const zone = raw.timezone || 'UTC';
  const start = parseDateTime(raw.start, zone, now);
  const end = raw.end === undefined || raw.end === '' ? now : parseDateTime(raw.end, zone, now);
  if (end <= start) {
    // past 2^53 two times may be one double: compared (and named) as OpenTSDB's longs
    const exactStart = exactQueryTime(raw.start, start, now);
    const exactEnd = raw.end === undefined || raw.end === '' ? BigInt(end) : exactQueryTime(raw.end, end, now);
    if (exactEnd <= exactStart) throw new ApiError(400, `End time [${exactEnd}] must be greater than the start time [${exactStart}]`);
  }
  if (!raw.queries || raw.queries.length === 0) throw new ApiError(400, 'Missing queries');
  const queries = raw.queries.map((sub, index) => validateSubQuery(sub, index, aggregators, raw.useCalendar ?? false));
  // then TSQuery.buildQueries: TsdbQuery.setStartTime/setEndTime, before any name is resolved
  // (OpenTSDB's 500 for this bad input is a 400 here, as its other 500s for bad input)
  const invalid = invalidQueryTime(raw.start, start, now) ?? (raw.end === undefined || raw.end === '' ? undefined : invalidQueryTime(raw.end, end, now));
  if (invalid !== undefined) throw new ApiError(400, `Invalid timestamp: ${invalid}`);
  // TsdbQuery.configureFromQuery: a downsampling sub-query looks the zone up, calendar or not
  const zoneKnown = isJavaTimeZone(zone);
  if (!zoneKnown && queries.some((q) => q.downsample !== undefined)) throw new ApiError(400, 'The timezone specification could not be found');
  const timezone = zoneKnown ? zone : 'UTC';
  return {
    start,
    end,
    timezone,
    useCalendar: raw.useCalendar ?? false,
    msResolution: raw.msResolution ?? false,
    showTSUIDs: raw.showTSUIDs ?? false,
    showQuery: raw.showQuery ?? false,
    showStats: raw.showStats ?? false,
    showSummary: raw.showSummary ?? false,
    noAnnotations: raw.noAnnotations ?? false,
    globalAnnotations: raw.globalAnnotations ?? false,
    delete: raw.delete ?? false,
    arrays: raw.arrays ?? false,
    exact: raw.exact ?? false,
    queries,
  };
}

function validateSubQuery(raw: RawSubQuery, index: number, aggregators: Registry<Aggregator>, useCalendar: boolean): SubQuery {
  if (!raw.aggregator) throw new ApiError(400, 'Missing the aggregation function');
  const aggregator = aggregators.get(raw.aggregator);
  if (!aggregator) throw new ApiError(400, `No such aggregation function: ${raw.aggregator}`);
  if (!raw.metric && (!raw.tsuids || raw.tsuids.length === 0)) throw new ApiError(400, 'Missing the metric or tsuids, provide at least one');
  const filters = [...(raw.filters ?? [])];
  const tags = raw.tags ?? {};
  for (const [tagk, value] of Object.entries(tags)) filters.push(filterFromShortcut(tagk, String(value), true));
  const downsample = raw.downsample ? parseDownsample(raw.downsample, aggregators, useCalendar) : undefined;
  const percentiles = raw.percentiles && raw.percentiles.length > 0 ? [...raw.percentiles].sort((a, b) => a - b) : undefined;
  const showHistogramBuckets = raw.showHistogramBuckets ?? false;
  if (percentiles || showHistogramBuckets) checkHistogramQuery(aggregator, downsample, percentiles);
  return {
    index,
    aggregator,
    // TsdbQuery.configureFromQuery: a sub-query naming TSUIDs is a TSUID query, whatever metric it names too
    metric: raw.tsuids && raw.tsuids.length > 0 ? undefined : raw.metric || undefined,
    tsuids: raw.tsuids && raw.tsuids.length > 0 ? raw.tsuids : undefined,
    given: { metric: raw.metric, tsuids: raw.tsuids },
    rate: raw.rate ?? false,
    rateOptions: raw.rateOptions ?? { counter: false, counterMax: LONG_MAX, resetValue: 0, dropResets: false },
    rateOptionsGiven: raw.rateOptions !== undefined,
    downsample,
    filters,
    explicitTags: raw.explicitTags ?? false,
    // TSSubQuery.setRollupUsage: ROLLUP_USAGE.parse (an unknown value is ROLLUP_NOFALLBACK)
    ...(raw.rollupUsage !== undefined ? { rollupUsage: ROLLUP_USAGES.includes(raw.rollupUsage.toUpperCase()) ? raw.rollupUsage.toUpperCase() : 'ROLLUP_NOFALLBACK' } : {}),
    jsonPath: raw.jsonPath || undefined,
    tags: { ...tags },
    ...(percentiles ? { percentiles } : {}),
    ...(showHistogramBuckets ? { showHistogramBuckets } : {}),
  };
}

/** TSSubQuery.checkHistogramQuery: `none` or `sum` across series, `sum` downsampling, percentiles in [0, 100]. */
function checkHistogramQuery(aggregator: Aggregator, downsample: SubQuery['downsample'], percentiles: number[] | undefined): void {
  if (aggregator.name !== 'none' && aggregator.name !== 'sum') throw new ApiError(400, 'Only NONE or SUM aggregation function supported for histogram query');
  if (downsample && downsample.aggregator.name !== 'sum') throw new ApiError(400, 'Only SUM downsampling aggregation supported for histogram query');
  for (const p of percentiles ?? []) if (p < 0 || p > 100) throw new ApiError(400, `Invalid percentile parameters: ${javaFloat(p)}`);
}

/** A percentile as Java prints a Float (`99.0`, `-1.0`). */
function javaFloat(p: number): string {
  return Number.isInteger(p) ? `${p}.0` : String(p);
}

/** Long.parseLong semantics for rate options; undefined when not a valid long. */
export function parseLong(text: string): bigint | undefined {
  if (!/^[+-]?\d{1,19}$/.test(text)) return undefined;
  const value = BigInt(text);
  return value > LONG_MAX || value < -LONG_MAX - 1n ? undefined : value;
}
