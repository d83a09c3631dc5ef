/**
 * The query plugin's extension points (`getQueryHooks(hooks)`), for plugins that give
 * sub-queries a meaning the query plugin does not compute itself; a tapping plugin declares
 * `enhances: ['query']`. Every hook fires once per sub-query or per series, never per point.
 *  - `plan`: where a sub-query reads its series. A plugin that keeps data the raw scan does
 *    not see (rollups and pre-aggregates) taps it:
 *      getQueryHooks(hooks).plan.tapPromise('my-plugin', async (sub) => sub.downsample ? { sources: [...] } : undefined);
 *    The first tap that answers decides; without an answer the sub-query reads raw series.
 *  - `histograms` and `series`: OpenTSDB 2.4's histogram sub-queries (`percentiles`,
 *    `showHistogramBuckets`), answered by the histogram plugin.
 */
import { AsyncSeriesBailHook, SyncWaterfallHook } from 'tapable';
import { defineFeatureHooks } from '../../core/feature-hooks';
import type { SeriesData, SeriesSelector, TimeRange } from '../../core/storage';
import type { TimeSlice } from '../../core';

/** What a plan sees of a sub-query (the query plugin's parsed form, reduced to plain data). */
export interface SubQueryView {
  metric: string;
  /** the group-by aggregator's name */
  aggregator: string;
  downsample?: {
    /** bucket length in ms (0 for `all`) */
    intervalMs: number;
    aggregator: string;
    calendar: boolean;
    all: boolean;
  };
  rate: boolean;
  /** OpenTSDB's `rollupUsage` as given (`ROLLUP_RAW`, …), undefined when absent */
  rollupUsage?: string;
  filters: readonly { tagk: string; type: string; literals?: readonly string[] }[];
  /** the query's range, epoch ms inclusive */
  start: number;
  end: number;
}

/** A replacement downsampling for the series a source reads (OpenTSDB's rollup rewrites). */
export interface DownsampleOverride {
  intervalMs?: number;
  /** an aggregator name of the `aggregators` registry */
  aggregator?: string;
}

/** Where one attempt reads its series. */
export type SeriesSource =
  | {
      kind: 'raw';
      /** raw series, downsampled differently (a rollup query falling back to raw data) */
      downsample?: DownsampleOverride;
    }
  | {
      kind: 'custom';
      /** for logs and errors: e.g. `rollup tsdb-rollup-1h sum` */
      label: string;
      /** the rows this source reads, ms inclusive (the pipeline fills and trims by it as by a raw scan); absent: a raw scan's rows */
      scan?: TimeRange;
      /** the series, named as the user's metric, as storage.read would give them */
      read(selector: SeriesSelector, scan: TimeRange): AsyncIterable<SeriesData>;
      downsample?: DownsampleOverride;
      /** what showQuery echoes as `rollupTable` when this source answers (OpenTSDB: the rollup interval, e.g. `1h`); default `raw` */
      rollupTable?: string;
    };

export interface SubQueryPlan {
  /**
   * Tried in order: the first that yields any series answers; the last answers even when
   * empty (OpenTSDB's rollup fallback: ROLLUP_FALLBACK / ROLLUP_FALLBACK_RAW).
   */
  sources: SeriesSource[];
  /** the metric has data under this plan even if no raw series has the name (skips "No such name") */
  metricKnown?: boolean;
}

/**
 * One group of a histogram sub-query: the series read into it (by the group-by tags), in
 * OpenTSDB's row-key order. Only those with histogram points are OpenTSDB's spans; of those,
 * HistogramSpanGroup.add leaves out one whose first histogram point lies past `spanEnd`
 * (HistogramRequest). A group with spans but every one left out still answers each
 * percentile, as `_pct_<p>` without tags or points, and no bucket series; a group without
 * spans answers nothing.
 */
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
  /** the end (ms) HistogramSpanGroup.add checks a span's first histogram point against (getScanEndTimeSeconds × 1000) */
  spanEnd: number;
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
  /** indexes of the group's members that are its spans (its tags and TSUIDs come from them); all when absent */
  members?: number[];
}

export const getQueryHooks = defineFeatureHooks('query', () => ({
  /**
   * Decides where a sub-query reads, once per sub-query of /api/query (and of the
   * expressions built on it). Taps run in series until one returns a plan; throw an
   * ApiError (lib/opentsdb) to refuse the query. Called by the query plugin.
   */
  plan: new AsyncSeriesBailHook<[SubQueryView], SubQueryPlan | undefined>(['subQuery']),
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
