/**
 * What happens to one series as it arrives from storage, before grouping: its values are
 * selected (numbers, a JSON field, or strings/JSON as discrete values), then downsampled,
 * then turned into rates. Points keep their milliseconds: without msResolution OpenTSDB
 * writes each under its second, so one second can appear twice in `dps`, as it does there. Discrete series are checked against the aggregators that can take them.
 */
import { seriesKeyString, type Aggregator, type Registry, type SeriesBuckets, type SeriesData } from '../../core';
import { ApiError, type QueryBudget } from '../../lib/opentsdb';
import { DoubleArena, doubleColumns, type DiscreteColumns, type NumericColumns } from './columns';
import { downsample, downsampleDiscrete, type DownsampleContext } from './downsampler';
import { compileJsonPath, type PathStep } from './json-path';
import type { DownsampleSpec, SubQuery, TsQuery } from './model';
import { rate } from './rate';
import { selectValues } from './value-select';

export interface SeriesPipeline {
  path?: PathStep[];
  ctx: DownsampleContext;
  aggregators: Registry<Aggregator>;
  /** the sub-query's small double columns (rates) come from here */
  arena: DoubleArena;
}

export function pipelineFor(sub: SubQuery, query: TsQuery, budget: QueryBudget, aggregators: Registry<Aggregator>, scan?: { start: number; end: number }): SeriesPipeline {
  const ctx: DownsampleContext = { start: query.start, end: query.end, zone: query.timezone, budget, ...(scan ? { fillStart: scan.start, fillEnd: scan.end + 1 } : {}) };
  return {
    path: sub.jsonPath ? compileJsonPath(sub.jsonPath) : undefined,
    ctx,
    aggregators,
    arena: new DoubleArena(),
  };
}

function discreteAggregatorNames(aggregators: Registry<Aggregator>): string {
  return [...aggregators].filter(([, a]) => a.aggregateDiscrete).map(([name]) => name).join(', ');
}

function dropBefore(c: NumericColumns, from: number): NumericColumns {
  let i = 0;
  while (i < c.length && c.timestamps[i]! < from) i++;
  const n = c.length;
  return { length: n - i, timestamps: c.timestamps.subarray(i, n), values: c.values.subarray(i, n), ints: c.ints.subarray(i, n), isInt: c.isInt.subarray(i, n) };
}

export type ReducedSeries = { discrete: false; columns: NumericColumns } | { discrete: true; columns: DiscreteColumns };

/** One series through value selection, downsampling and rate (asynchronous: downsampling yields to the event loop). */
export async function reduceSeries(data: SeriesData, sub: SubQuery, p: SeriesPipeline): Promise<ReducedSeries> {
  const selected = selectValues(data.points, p.path);
  if (!selected.discrete) {
    let numeric = selected.columns;
    if (sub.downsample) numeric = await downsample(numeric, sub.downsample, p.ctx);
    // AggregationIterator skips what its iterator yields before the first row read (buckets
    // that begin earlier: calendar buckets, intervals that do not divide an hour)
    const from = p.ctx.fillStart ?? -Infinity;
    if (sub.rate) numeric = rate(numeric, sub.rateOptions, from, p.arena);
    else if (numeric.length > 0 && numeric.timestamps[0]! < from) numeric = dropBefore(numeric, from);
    return { discrete: false, columns: numeric };
  }
  const needed = sub.downsample ? [sub.aggregator, sub.downsample.aggregator] : [sub.aggregator];
  const unfit = needed.find((a) => !a.aggregateDiscrete);
  const name = seriesKeyString(data.series.metric, data.series.tags);
  if (unfit) {
    throw new ApiError(
      400,
      `Aggregator '${unfit.name}' cannot aggregate the string or JSON values of series ${name}`,
      `Use one of ${discreteAggregatorNames(p.aggregators)}, or select a numeric field of JSON values with jsonPath`,
    );
  }
  if (sub.rate) throw new ApiError(400, `Cannot compute the rate of the string or JSON values of series ${name}`);
  let discrete = selected.columns;
  if (sub.downsample) discrete = downsampleDiscrete(discrete, sub.downsample, p.ctx);
  return { discrete: true, columns: discrete };
}

/**
 * A series the storage engine downsampled (pushdown.ts): its buckets are the downsampler's
 * output, so only the rate (or the cut before the first row read) is left to do here.
 * The bucket arrays may be shared with later queries (an engine's memo): never written.
 */
export function reduceBuckets(buckets: SeriesBuckets, sub: SubQuery, p: SeriesPipeline): ReducedSeries {
  let numeric = doubleColumns(buckets.timestamps, buckets.values, buckets.length);
  if (buckets.rated) {
    // the engine applied the rate (pushdown.ts asked it to)
    if (buckets.rateSeed !== undefined) numeric.rateSeed = buckets.rateSeed;
    return { discrete: false, columns: numeric };
  }
  const from = p.ctx.fillStart ?? -Infinity;
  if (sub.rate) numeric = rate(numeric, sub.rateOptions, from, p.arena);
  else if (numeric.length > 0 && numeric.timestamps[0]! < from) numeric = dropBefore(numeric, from);
  return { discrete: false, columns: numeric };
}
