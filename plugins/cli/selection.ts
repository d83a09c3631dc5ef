/**
 * What `export` and `scan` read: `METRIC [tagk=v…] [METRIC [tagk=v…]]…` (no metric: every
 * metric), where a value is literal, `a|b` for either, or `*` for any. Series come out
 * one at a time, metrics in the order given (all metrics: sorted) and series sorted by
 * their canonical key, so two stores holding the same points print the same bytes
 * whatever their engines.
 */
import { CliExit, seriesKeyString, type SeriesData, type SeriesSelector, type StorageEngine, type TagPredicate, type TimeRange } from '../../core';

export interface TagFilterArg {
  key: string;
  /** undefined: any value (`*`) */
  values?: string[];
}

export interface MetricSelection {
  metric: string;
  filters: TagFilterArg[];
}

export interface Selection {
  metrics: MetricSelection[];
  /** filters given before any metric: they apply to every metric */
  common: TagFilterArg[];
}

export function parseSelection(words: readonly string[]): Selection {
  const selection: Selection = { metrics: [], common: [] };
  for (const word of words) {
    const eq = word.indexOf('=');
    if (eq < 0) {
      selection.metrics.push({ metric: word, filters: [...selection.common] });
      continue;
    }
    if (eq === 0 || eq === word.length - 1) throw new CliExit(`invalid tag filter "${word}" (want tagk=value, tagk=a|b or tagk=*)`, 2);
    const value = word.slice(eq + 1);
    const filter: TagFilterArg = { key: word.slice(0, eq), values: value === '*' ? undefined : value.split('|') };
    const last = selection.metrics[selection.metrics.length - 1];
    (last ? last.filters : selection.common).push(filter);
  }
  return selection;
}

export function predicatesOf(filters: readonly TagFilterArg[]): TagPredicate[] {
  return filters.map(({ key, values }) =>
    values ? { key, literals: values, test: (v: string | undefined) => v !== undefined && values.includes(v) } : { key, test: (v: string | undefined) => v !== undefined },
  );
}

/** The metrics of a selection, listing the store's when none was named. */
export async function metricsOf(selection: Selection, listAll: () => Promise<string[]>): Promise<MetricSelection[]> {
  if (selection.metrics.length > 0) return selection.metrics;
  return (await listAll()).map((metric) => ({ metric, filters: selection.common }));
}

/** Whether the store holds any series of `metric`. */
async function metricExists(storage: StorageEngine, metric: string): Promise<boolean> {
  for await (const _ of storage.lookup({ metric, predicates: [] })) return true;
  return false;
}

/**
 * The selected series with their points in `range`, from storage, in a stable order.
 * Throws CliExit (1) for a named metric the store has no series of, in OpenTSDB's words
 * (its `scan` and /api/query, as `--url` reads): a typo is not an empty export.
 */
export async function* readSelection(storage: StorageEngine, selection: Selection, range: TimeRange): AsyncIterable<SeriesData> {
  for (const { metric, filters } of await metricsOf(selection, () => storage.suggest('metrics', '', 1_000_000_000))) {
    const keys: { key: string; tags: Record<string, string> }[] = [];
    for await (const info of storage.lookup({ metric, predicates: predicatesOf(filters) })) keys.push({ key: seriesKeyString(info.metric, info.tags), tags: { ...info.tags } });
    if (keys.length === 0 && selection.metrics.length > 0 && !(await metricExists(storage, metric))) throw new CliExit(`No such name for 'metrics': '${metric}'`, 1);
    keys.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    for (const { tags } of keys) {
      // exactly this series: its tags as literals, and no other tag keys
      const selector: SeriesSelector = {
        metric,
        predicates: Object.keys(tags).map((key) => ({ key, literals: [tags[key]!], test: (v: string | undefined) => v === tags[key] })),
        explicitTagKeys: Object.keys(tags),
      };
      for await (const data of storage.read(selector, range)) yield data;
    }
  }
}
