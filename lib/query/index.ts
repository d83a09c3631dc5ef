/**
 * The query plugin's hooks (`getQueryHooks(hooks)`), for plugins that give sub-queries a
 * meaning the query plugin does not compute itself. Today: OpenTSDB 2.4's histogram
 * sub-queries (`percentiles`, `showHistogramBuckets`), answered by the histogram plugin.
 */
import { AsyncSeriesBailHook, SyncWaterfallHook } from 'tapable';
import { defineFeatureHooks } from '../../core/feature-hooks';
import type { SeriesData, TimeSlice } from '../../core';

/** One group of a histogram sub-query: the series it aggregates, in OpenTSDB's row-key order. */
export interface HistogramGroup {
  members: SeriesData[];
}

/**
 * A histogram sub-query (TsdbQuery.runHistogramAsync), its series already selected (filters,
 * tsuids), read over OpenTSDB's scan range and grouped by the group-by tag keys (aggregator
 * `none`: one group per series), groups in answer order.
 */
export interface HistogramRequest {
  groups: HistogramGroup[];
  /** percentiles asked for, sorted ascending (TSSubQuery.setPercentiles sorts them) */
  percentiles: number[];
  showBuckets: boolean;
  /**
   * Downsampling (only `sum` reaches here): `floor(ts)` is the start of the bucket holding
   * `ts` (ms); `all` sums everything in [start, end) into one bucket.
   */
  downsample?: { all: boolean; floor(ts: number): number };
  /** the query's range, epoch ms inclusive */
  start: number;
  end: number;
  /** yield to the event loop when due (the query's budget) */
  slice: TimeSlice;
}

/** One series of a histogram answer: `group` indexes request.groups; the metric is the answer's (`<metric>_pct_<p>`, `<metric>_<lo>_<hi>`). */
export interface HistogramSeries {
  group: number;
  metric: string;
  timestamps: number[];
  values: number[];
  /** bucket counts are integers (OpenTSDB prints them without `.0`); percentiles are doubles */
  integer: boolean;
}

export const getQueryHooks = defineFeatureHooks('query', () => ({
  /**
   * Once per histogram sub-query: the first tap that answers returns its series (not yet cut
   * to [start, end]: the query plugin cuts). No tap: the query is refused (400).
   */
  histograms: new AsyncSeriesBailHook<[HistogramRequest], HistogramSeries[] | undefined>(['request']),
  /**
   * Once per series a numeric or discrete sub-query reads, before its values are selected:
   * return the points that sub-query should see (the same data, or a copy without the
   * points that belong to another kind of query, e.g. histograms).
   */
  series: new SyncWaterfallHook<[SeriesData]>(['data']),
}));

export type QueryHooks = ReturnType<typeof getQueryHooks>;
