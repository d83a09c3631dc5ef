/**
 * The query plugin's extension point: where a sub-query reads its series. A plugin that
 * keeps data the raw scan does not see (rollups and pre-aggregates) taps `plan`:
 *
 *   getQueryHooks(hooks).plan.tapPromise('my-plugin', async (sub) => sub.downsample ? { sources: [...] } : undefined);
 *
 * and declares `enhances: ['query']`. The hook fires once per sub-query (never per series
 * or point); the first tap that answers decides. Without an answer the sub-query reads
 * raw series as always.
 */
import { AsyncSeriesBailHook } from 'tapable';
import { defineFeatureHooks } from '../../core/feature-hooks';
import type { SeriesData, SeriesSelector, TimeRange } from '../../core/storage';

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

export const getQueryHooks = defineFeatureHooks('query', () => ({
  /**
   * Decides where a sub-query reads, once per sub-query of /api/query (and of the
   * expressions built on it). Taps run in series until one returns a plan; throw an
   * ApiError (lib/opentsdb) to refuse the query. Called by the query plugin.
   */
  plan: new AsyncSeriesBailHook<[SubQueryView], SubQueryPlan | undefined>(['subQuery']),
}));

export type QueryHooks = ReturnType<typeof getQueryHooks>;
