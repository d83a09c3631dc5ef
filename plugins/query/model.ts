/** The parsed form of a query, shared by the GET and POST parsers and the engine. */
import type { Aggregator } from '../../core';
import type { TagFilter } from './filters';

export type FillPolicy = 'none' | 'nan' | 'null' | 'zero';

export interface DownsampleSpec {
  /** as written, echoed by showQuery */
  text: string;
  /** bucket length in ms; for `all`, 0 (one bucket over the whole range) */
  intervalMs: number;
  all: boolean;
  /** calendar-aligned buckets (`c` suffix or useCalendar) */
  calendar: boolean;
  /** count and unit of the interval, for calendar alignment */
  count: number;
  unit: string;
  aggregator: Aggregator;
  fill: FillPolicy;
}

export interface RateOptions {
  counter: boolean;
  /** Long.MAX_VALUE by default */
  counterMax: bigint;
  resetValue: number;
  dropResets: boolean;
}

export interface SubQuery {
  /** position in the request, echoed as `query.index` */
  index: number;
  aggregator: Aggregator;
  /** the metric to read; undefined in a TSUID sub-query (one that names TSUIDs, whatever metric it names too) */
  metric?: string;
  /** the TSUIDs to read (a TSUID sub-query); undefined when none were named */
  tsuids?: string[];
  /** `metric` and `tsuids` as the request gave them, for showQuery's echo (TSSubQuery echoes its fields as set) */
  given?: { metric?: string; tsuids?: string[] };
  rate: boolean;
  rateOptions: RateOptions;
  /** rateOptions were in the query (showQuery echoes null otherwise) */
  rateOptionsGiven?: boolean;
  downsample?: DownsampleSpec;
  filters: TagFilter[];
  explicitTags: boolean;
  /** OpenTSDB 2.4's `rollupUsage` (ROLLUP_RAW, ROLLUP_NOFALLBACK, …) as given; read by a `plan` tap (lib/query) */
  rollupUsage?: string;
  /** showQuery's `rollupTable`: the rollup interval the answer was read from (set by the engine), else `raw` */
  rollupTable?: string;
  /** JSON values: the numeric field to aggregate (see docs/query.md) */
  jsonPath?: string;
  /** the legacy `tags` map as given, echoed by showQuery */
  tags: Record<string, string>;
  /** histogram query (OpenTSDB 2.4): percentiles to compute, sorted ascending */
  percentiles?: number[];
  /** histogram query: each bucket (and under/overflow) as a series of its own */
  showHistogramBuckets?: boolean;
}

export interface TsQuery {
  /** epoch ms, inclusive */
  start: number;
  end: number;
  timezone: string;
  useCalendar: boolean;
  msResolution: boolean;
  showTSUIDs: boolean;
  showQuery: boolean;
  /** each output series' figures as `stats` (OpenTSDB's QueryStats; query-trace.ts) */
  showStats?: boolean;
  /** the request's figures as a last `{"statsSummary": …}` element (query-trace.ts) */
  showSummary?: boolean;
  noAnnotations: boolean;
  globalAnnotations: boolean;
  delete: boolean;
  /** `?arrays`: dps as [[ts, v], …] */
  arrays: boolean;
  /**
   * `?exact` (DSDB): with the `none` aggregator and no rate or downsampling, each point
   * keeps its stored kind (an int next to a double stays an int) instead of OpenTSDB's
   * isInteger() promotion. `dsdb export/scan --url` read with it.
   */
  exact?: boolean;
  queries: SubQuery[];
}

export const LONG_MAX = 9223372036854775807n;

export function defaultRateOptions(): RateOptions {
  return { counter: false, counterMax: LONG_MAX, resetValue: 0, dropResets: false };
}
