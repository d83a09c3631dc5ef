/**
 * DSDB's reserved series namespace, part of the storage contract: a metric name that starts
 * with `:` belongs to DSDB itself (a feature's internal series, e.g. rollups:
 * `:rollup:<table>:<aggregator>:<metric>`). No ingest path can write such a name — each
 * checks names with OpenTSDB's rules, which refuse `:` — and whatever lists names or
 * series to users leaves them out (lib/storage suggestVisible), so internal data is seen
 * only through the feature that owns it. Engines store these series like any other.
 */
export const INTERNAL_METRIC_PREFIX = ':';

/** Whether a stored metric name is one of DSDB's internal series (never shown to users). */
export function isInternalMetric(metric: string): boolean {
  return metric.charCodeAt(0) === 58; // ':'
}
