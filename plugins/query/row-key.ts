/**
 * Which series a sub-query's filters let through, as OpenTSDB 2.4.1 builds its data-table
 * scan: TsdbQuery.findGroupBys turns the filters into per-tag-key row-key values, and
 * QueryUtil.setDataTableScanFilter scans with a row-key regex plus, for `explicitTags`,
 * an HBase FuzzyRowFilter. Both quirks below were found by the differential test
 * (test/oracle) and are pinned by fixed vectors there.
 */
import type { StorageEngine } from '../../core';
import { uidServiceFor } from '../../lib/uid';
import type { TagFilter } from './filters';

export interface RowKeyLiterals {
  /** per tag key, in walk order: the literal values its row-key regex requires, or null for any value */
  rowKey: Map<string, Set<string> | null>;
  /** filters still checked on each series after the scan (those whose values went into the row key are not) */
  postScan: Set<TagFilter>;
}

/**
 * OpenTSDB's findGroupBys walk. Filters are sorted by tag key (stable) and walked in runs.
 * The first run holds every filter of the first key: its case-sensitive literal_or filters
 * are merged into one set of values (two of them on `host` select series matching either).
 * Because findGroupBys never resets its current key, every later filter is a run of its own,
 * and the last one of a key decides that key's row-key values (a literal_or's values, or any
 * value) — a literal_or before it on the same key no longer restricts anything.
 */
export function rowKeyLiterals(filters: readonly TagFilter[]): RowKeyLiterals {
  const sorted = [...filters].sort((a, b) => (a.tagk < b.tagk ? -1 : a.tagk > b.tagk ? 1 : 0)); // stable, like Collections.sort
  const rowKey = new Map<string, Set<string> | null>();
  const postScan = new Set<TagFilter>(sorted);
  const n = sorted.length;
  let tagk: string | undefined;
  let lookAhead = 0;
  let next: TagFilter | undefined = lookAhead < n ? sorted[lookAhead++] : undefined;
  let cursor = 0;
  while (cursor < n) {
    next = lookAhead < n ? sorted[lookAhead++] : undefined;
    const literals = new Set<string>();
    const literalFilters: TagFilter[] = [];
    let current: TagFilter;
    do {
      current = sorted[cursor++]!;
      if (tagk === undefined) tagk = current.tagk;
      if (current.type === 'literal_or') {
        for (const v of current.literals ?? []) literals.add(v);
        literalFilters.push(current);
      }
      if (next !== undefined && tagk !== next.tagk) break;
      next = lookAhead < n ? sorted[lookAhead++] : undefined;
    } while (cursor < n && tagk === current.tagk);
    if (literals.size > 0) {
      rowKey.set(current.tagk, literals);
      for (const f of literalFilters) postScan.delete(f);
    } else {
      rowKey.set(current.tagk, null);
    }
  }
  return { rowKey, postScan };
}

/**
 * OpenTSDB's FuzzyRowFilter for `explicitTags` (QueryUtil.buildFuzzyFilters, on by
 * `tsd.query.enable_fuzzy_filter`, the default). It is not the product of the row-key
 * values: one template row key takes, for each key with values, its lowest-UID value, and
 * one more key is built per other value of a key, changing only that key. So a series
 * passes only when at most one of those keys holds a value other than its template value:
 * with `{dc=lga|sjc}{host=literal_or(web01|Web03|db1)}` and lga, Web03 the lowest UIDs,
 * `dc=sjc,host=db1` is never scanned. Undefined when the filter cannot drop anything.
 */
export async function fuzzyRowFilter(
  storage: StorageEngine,
  explicitTags: boolean,
  rowKey: ReadonlyMap<string, Set<string> | null>,
): Promise<((tags: Readonly<Record<string, string>>) => boolean) | undefined> {
  if (!explicitTags) return undefined;
  const keyed = [...rowKey].filter((e): e is [string, Set<string>] => e[1] !== null);
  // one multi-valued key alone is fully covered; two keys with values and one of them multi-valued are not
  if (keyed.length < 2 || keyed.every(([, values]) => values.size === 1)) return undefined;
  const uids = uidServiceFor(storage);
  const template = new Map<string, string>();
  for (const [key, values] of keyed) {
    let lowest: { value: string; order: string } | undefined;
    for (const value of values) {
      // names without a UID (no uid-meta plugin) order after those with one, by name
      const order = (await uids.getId('tagv', value)) ?? `\uffff${value}`;
      if (lowest === undefined || order < lowest.order) lowest = { value, order };
    }
    template.set(key, lowest!.value);
  }
  return (tags) => {
    let changed = 0;
    for (const [key, value] of template) if (tags[key] !== value && ++changed > 1) return false;
    return true;
  };
}
