/**
 * Prometheus series → OpenTSDB series. `__name__` is the metric, the other labels the
 * tags. Characters OpenTSDB rejects (Prometheus allows `:` in names, anything in
 * label values) become `_`; labels with an empty value are absent in Prometheus and
 * are dropped. A label name given twice, or two names that map to one tag key, refuse the
 * series. See docs/write.md, "Prometheus remote_write".
 */
import { type Tags } from '../../core';
import { checkMetricAndTags, plainTags, sanitizeName } from '../../lib/opentsdb';
import type { PromLabel } from './prompb';

export type MappedSeries = { metric: string; tags: Tags; error?: undefined } | { error: string };

export function mapSeries(labels: readonly PromLabel[], maxTags: number): MappedSeries {
  let metric = '';
  let named = false;
  const tags: Record<string, string> = Object.create(null);
  // a label name given twice is refused, as Prometheus refuses such a label set; and the
  // label each tag key came from: two whose names map to one key (`a:b` and `a_b`) would
  // make distinct Prometheus series one
  const names = new Set<string>();
  const sources: Record<string, string> = Object.create(null);
  let count = 0;
  for (const { name, value } of labels) {
    if (name === '__name__') {
      if (named) return { error: 'label name "__name__" is not unique' };
      named = true;
      metric = sanitizeName(value);
      continue;
    }
    if (names.has(name)) return { error: `label name "${name}" is not unique` };
    names.add(name);
    if (value === '') continue;
    const key = sanitizeName(name);
    const seen = sources[key];
    if (seen !== undefined) return { error: `labels "${seen}" and "${name}" both map to the tag key "${key}"` };
    sources[key] = name;
    count++;
    tags[key] = sanitizeName(value);
  }
  if (!metric) return { error: 'series without __name__' };
  const error = checkMetricAndTags(metric, tags, count, maxTags);
  return error ? { error } : { metric, tags: plainTags(tags) };
}
