/**
 * The series OpenTSDB's expression functions take and give (its `DataPoints`): a sub-query's
 * result or a function's output, with ALL the points of the rows read — the answer is cut to
 * [start, end] only when written (HttpJsonSerializer), so a function sees the points around
 * the range too.
 */
import type { Annotation } from '../../../core';
import type { NumericColumns } from '../columns';
import type { TsQuery } from '../model';
import type { ResultSeries } from '../serializer';
import { expError } from './errors';

export interface ExpSeries {
  metric: string;
  tags: Record<string, string>;
  aggregateTags: string[];
  tsuids: string[];
  /** the sub-query whose echo (showQuery) and fill policy the serializer uses */
  queryIndex: number;
  points: NumericColumns;
  annotations: Annotation[];
  /** an expression's own series (EDPtoDPS): OpenTSDB writes `"annotations":[]` even when empty */
  annotationsAlways?: boolean;
  /** computed as read (EDPtoDPS): its size() is -1 */
  lazy?: boolean;
  /**
   * The tags by UID (OpenTSDB's getTagUids), when they differ from the tags written: an
   * alias writes none (getTags is empty) yet keeps its input's UIDs, by which series
   * arithmetic joins it and names its output's tags (UnionIterator.flattenTags).
   */
  tagUids?: Record<string, string>;
  /** an alias's metric UID is empty: a series-arithmetic output with it as a member cannot name its metric */
  emptyMetricUid?: boolean;
  /** its metric name cannot be resolved (the answer fails when it is written) */
  metricFails?: boolean;
}

export function fromResult(r: ResultSeries): ExpSeries | undefined {
  if (!r.numeric) return undefined; // strings and JSON values take no part in arithmetic
  return {
    metric: r.metric,
    tags: r.tags,
    aggregateTags: r.aggregateTags,
    tsuids: r.tsuids,
    queryIndex: r.query.index,
    points: r.numeric,
    annotations: r.annotations,
  };
}

/** A series with new points and the meta of `base` (PostAggregatedDataPoints). */
export function withPoints(base: ExpSeries, points: NumericColumns): ExpSeries {
  return { ...base, points, lazy: false };
}

export function toResult(s: ExpSeries, query: TsQuery): ResultSeries {
  // the serializer resolves the metric name first, then reads the points
  if (s.metricFails) throw expError("Wrong id.length = 0 which is != 3 required for 'metrics'");
  const c = s.points;
  let from = 0;
  while (from < c.length && c.timestamps[from]! < query.start) from++;
  let to = c.length;
  while (to > from && c.timestamps[to - 1]! > query.end) to--;
  const numeric =
    from === 0 && to === c.length
      ? c
      : { length: to - from, timestamps: c.timestamps.subarray(from, to), values: c.values.subarray(from, to), ints: c.ints.subarray(from, to), isInt: c.isInt.subarray(from, to) };
  const sub = query.queries.find((q) => q.index === s.queryIndex) ?? query.queries[0]!;
  return {
    metric: s.metric,
    tags: s.tags,
    aggregateTags: s.aggregateTags,
    tsuids: s.tsuids,
    query: sub,
    numeric,
    annotations: query.noAnnotations ? [] : s.annotations,
    annotationsAlways: s.annotationsAlways === true && !query.noAnnotations,
    globalAnnotations: [],
  };
}
