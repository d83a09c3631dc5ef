/**
 * How rollup and pre-aggregated points are kept in the ordinary series storage of any
 * engine: one internal series per (table, aggregator, metric, tags), named
 *
 *   :rollup:<table>:<aggregator>:<metric>     e.g. :rollup:tsdb-rollup-1h:sum:sys.cpu
 *
 * with the point's tags (a pre-aggregate's include `_aggregate=<GROUPBY>`). `<table>` is
 * the configured table OpenTSDB would write (an interval's `table` or
 * `preAggregationTable`); `<aggregator>` is the rollup aggregator OpenTSDB encodes in the
 * column qualifier, or empty for a pre-aggregate written without an interval (OpenTSDB
 * stores those in raw form in the default interval's pre-aggregation table). The leading
 * `:` is lib/storage's reserved prefix: no user can write, query, suggest or look up these
 * names, so raw data and rollups never mix.
 */
import { INTERNAL_METRIC_PREFIX } from '../../core/internal-series';

const PREFIX = `${INTERNAL_METRIC_PREFIX}rollup:`;

export function rollupSeriesMetric(table: string, aggregator: string, metric: string): string {
  return `${PREFIX}${table}:${aggregator}:${metric}`;
}

/** The parts of an internal rollup metric name, or undefined for any other name. */
export function parseRollupSeriesMetric(name: string): { table: string; aggregator: string; metric: string } | undefined {
  if (!name.startsWith(PREFIX)) return undefined;
  const rest = name.slice(PREFIX.length);
  const a = rest.indexOf(':');
  const b = a < 0 ? -1 : rest.indexOf(':', a + 1);
  if (b < 0) return undefined;
  return { table: rest.slice(0, a), aggregator: rest.slice(a + 1, b), metric: rest.slice(b + 1) };
}
