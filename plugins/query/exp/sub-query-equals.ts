/**
 * TSSubQuery.equals as OpenTSDB 2.4.1 evaluates it. QueryExecutor hands each sub-query's
 * results to every metric id whose sub-query EQUALS it, so two metrics that differ only in
 * what equals ignores share one result set: the one of the last equal sub-query in run
 * order. What equals ignores matters: TagVFilter.equals compares the tag key and the
 * filter's matching state but never `groupBy`, and a wildcard compares only the pattern's
 * `*`-separated components (`web*` equals `*web`).
 */
import type { RawSubQuery } from '../parse-common';
import { splitLiterals, wildcardPattern, type TagFilter } from '../filters';

/** The state a filter's equals compares (its class family, tagk, pattern), as one string. */
export function filterEqualityKey(f: TagFilter): string {
  const type = f.runs ?? f.type;
  const caseInsensitive = type === 'iwildcard' || type === 'iliteral_or' || type === 'not_iliteral_or';
  if (type === 'wildcard' || type === 'iwildcard') {
    return JSON.stringify(['wildcard', f.tagk, caseInsensitive, wildcardPattern(f.filter, caseInsensitive).components]);
  }
  if (type === 'regexp') return JSON.stringify(['regexp', f.tagk, f.filter]);
  // literal_or and not_literal_or families: the literals as a set (HashSet.equals)
  const family = type.startsWith('not_') ? 'not_literal_or' : 'literal_or';
  return JSON.stringify([family, f.tagk, caseInsensitive, literalSet(f.filter, caseInsensitive)]);
}

/** TagVLiteralOrFilter's literals (`String.split` drops trailing empties), as a sorted set. */
function literalSet(filter: string, caseInsensitive: boolean): string[] {
  const parts = splitLiterals(filter);
  while (parts.length > 0 && parts[parts.length - 1] === '') parts.pop();
  return [...new Set(caseInsensitive ? parts.map((v) => v.toLowerCase()) : parts)].sort();
}

/**
 * Whether `a.equals(b)` holds for the sub-queries QueryExecutor builds from two exp
 * metrics: the same object, or the same aggregator (as written), metric, downsampler, rate,
 * explicit-tags flag and filters equal position by position.
 */
export function subQueriesEqual(a: RawSubQuery, b: RawSubQuery): boolean {
  if (a === b) return true;
  if (a.aggregator !== b.aggregator || a.metric !== b.metric) return false;
  if ((a.downsample ?? null) !== (b.downsample ?? null) || Boolean(a.rate) !== Boolean(b.rate)) return false;
  // validateAndSetQuery turns a missing filter list into an empty one
  const fa = a.filters ?? [];
  const fb = b.filters ?? [];
  if (fa.length !== fb.length) return false;
  for (let i = 0; i < fa.length; i++) if (filterEqualityKey(fa[i]!) !== filterEqualityKey(fb[i]!)) return false;
  return Boolean(a.explicitTags) === Boolean(b.explicitTags);
}

/**
 * What subQueriesEqual compares, as one string: equal sub-queries share it (unequal ones may
 * too, so callers still check each pair). Grouping by it keeps a body of many sub-queries
 * linear: compared with every earlier one, 8,000 sub-queries differing in one filter held
 * the event loop for over two minutes.
 */
export function subQueryEqualityKey(q: RawSubQuery): string {
  return JSON.stringify([q.aggregator, q.metric, q.downsample ?? null, Boolean(q.rate), Boolean(q.explicitTags), (q.filters ?? []).map(filterEqualityKey)]);
}
