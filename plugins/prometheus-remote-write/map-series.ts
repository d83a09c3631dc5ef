/**
 * Prometheus series → OpenTSDB series. `__name__` is the metric, the other labels the
 * tags. Characters OpenTSDB rejects (Prometheus allows `:` in names, anything in
 * label values) become `_`; labels with an empty value are absent in Prometheus and
 * are dropped. See docs/write.md, "Prometheus remote_write".
 */
import { type Tags } from '../../core';
import { checkMetricAndTags, plainTags, sanitizeName } from '../../lib/opentsdb';
import type { PromLabel } from './prompb';

export type MappedSeries = { metric: string; tags: Tags; error?: undefined } | { error: string };

export function mapSeries(labels: readonly PromLabel[], maxTags: number): MappedSeries {
  let metric = '';
  const tags: Record<string, string> = Object.create(null);
  let count = 0;
  for (const { name, value } of labels) {
    if (name === '__name__') {
      metric = sanitizeName(value);
      continue;
    }
    if (value === '') continue;
    const key = sanitizeName(name);
    if (!(key in tags)) count++;
    tags[key] = sanitizeName(value);
  }
  if (!metric) return { error: 'series without __name__' };
  const error = checkMetricAndTags(metric, tags, count, maxTags);
  return error ? { error } : { metric, tags: plainTags(tags) };
}
