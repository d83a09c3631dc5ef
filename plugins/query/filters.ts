/**
 * Tag value filters (OpenTSDB's TagVFilter family: the seven types OpenTSDB 2.4.1 has —
 * it has no not_key). Each becomes a TagPredicate the storage engine runs; literal_or gives
 * its literals so an index can answer by postings.
 */
import { RE2JS } from 're2js';
import { type TagPredicate } from '../../core';
import { ApiError } from '../../lib/opentsdb';

export interface TagFilter extends TagPredicate {
  type: string;
  tagk: string;
  filter: string;
  groupBy: boolean;
  /** the filter that runs when `type` only names it (the `*` shortcut: iwildcard typed `wildcard`) */
  runs?: string;
}

interface FilterType {
  description: string;
  examples: string;
  build(tagk: string, filter: string): (value: string | undefined) => boolean;
  literals?(filter: string): string[];
}

/**
 * Longest `regexp` filter accepted. The engine (RE2JS, linear time) costs time in the
 * pattern's size times the value's length; a bound on both keeps one filter cheap.
 */
export const MAX_REGEXP_LENGTH = 4096;

/**
 * Compiles a `regexp` filter with RE2JS, a JavaScript port of RE2: matching takes time
 * linear in the value, so `(a+)+$` cannot hold the event loop as a backtracking engine
 * would. Java-only syntax (backreferences, lookaround, possessive quantifiers) is a 400;
 * docs/query.md lists the differences.
 */
function compileRegexp(filter: string): (value: string) => boolean {
  if (filter.length > MAX_REGEXP_LENGTH) {
    throw new ApiError(400, `Invalid regular expression: longer than ${MAX_REGEXP_LENGTH} characters`, `the pattern has ${filter.length} characters`);
  }
  let re: RE2JS;
  try {
    re = RE2JS.compile(filter);
  } catch (err) {
    throw new ApiError(400, `Invalid regular expression: ${filter}`, (err as Error).message);
  }
  // Java's Matcher.find(): unanchored.
  return (value) => re.test(value);
}

/**
 * A literal_or filter's values as TagVLiteralOrFilter reads them: Java's `split("\\|")`,
 * which drops trailing empty strings (`a|` is `a`), then each trimmed. Only pipes: 400
 * `Filter must contain more than just a pipe`.
 */
export function splitLiterals(filter: string): string[] {
  const parts = filter.split('|');
  while (parts.length > 0 && parts[parts.length - 1] === '') parts.pop();
  if (parts.length === 0 && filter.length > 0) throw new ApiError(400, 'Filter must contain more than just a pipe');
  return parts.map((v) => v.trim());
}

/**
 * A wildcard pattern as TagVWildcardFilter's constructor reads it (OpenTSDB 2.4.1): lowered
 * for `iwildcard`, leading and trailing `*` runs dropped (one `*` kept when that is all there
 * is), the rest split on `*`. Its equals compares `components` alone, so `web*` equals `*web`
 * (exp/sub-query-equals.ts); its match also uses which ends the dropped asterisks anchored.
 */
export interface WildcardPattern {
  /** the `*`-separated pieces; `['*']` for a pattern of asterisks alone */
  components: string[];
  /** a leading `*` was dropped: the value must end with the last piece (unless both ends were) */
  anchoredEnd: boolean;
  /** a trailing `*` was dropped: the value must start with the first piece (unless both ends were) */
  anchoredStart: boolean;
}

export function wildcardPattern(filter: string, caseInsensitive: boolean): WildcardPattern {
  let actual = (caseInsensitive ? filter.toLowerCase() : filter).trim();
  const anchoredEnd = actual.startsWith('*');
  while (actual.length > 1 && actual.startsWith('*')) actual = actual.slice(1);
  const anchoredStart = actual.endsWith('*');
  while (actual.length > 1 && actual.endsWith('*')) actual = actual.slice(0, -1);
  return { components: actual === '*' ? ['*'] : actual.split('*'), anchoredEnd, anchoredStart };
}

/**
 * OpenTSDB 2.4.1's wildcard match (TagVWildcardFilter.match), measured on the real server:
 * leading asterisks anchor the value's end to the last piece, trailing ones its start to the
 * first, and a pattern with neither or both is anchored nowhere; then each piece must occur
 * at or after the sum of the earlier pieces' lengths (not after the previous match). So
 * `web*.tsdb.net` also takes `xweb1.tsdb.net.y`, and `x*x` takes `bx`. `iwildcard` lowers
 * both sides. A pattern of asterisks alone takes every value.
 */
function wildcardMatcher(filter: string, caseInsensitive: boolean): (value: string) => boolean {
  const { components: pieces, anchoredEnd, anchoredStart } = wildcardPattern(filter, caseInsensitive);
  if (pieces.length === 1 && pieces[0] === '*') return () => true;
  const first = pieces[0]!;
  const last = pieces[pieces.length - 1]!;
  return (raw) => {
    const value = caseInsensitive ? raw.toLowerCase() : raw;
    if (anchoredEnd && !anchoredStart && !value.endsWith(last)) return false;
    if (anchoredStart && !anchoredEnd && !value.startsWith(first)) return false;
    let from = 0;
    for (const piece of pieces) {
      if (value.indexOf(piece, from) < 0) return false;
      from += piece.length;
    }
    return true;
  };
}

function wildcard(caseInsensitive: boolean): FilterType['build'] {
  return (_tagk, filter) => {
    if (!filter.includes('*')) {
      // OpenTSDB requires at least one asterisk in a wildcard filter.
      throw new ApiError(400, 'Filter must contain an asterisk');
    }
    if (filter.trim() === '*') return (v) => v !== undefined;
    const matches = wildcardMatcher(filter.trim(), caseInsensitive);
    return (v) => v !== undefined && matches(v);
  };
}

export const FILTER_TYPES: Record<string, FilterType> = {
  literal_or: {
    description: 'Accepts one or more exact values and matches if the series contains any of them. Multiple values can be included and must be separated by the | (pipe) character. The filter is case sensitive and will not allow characters that TSDB does not allow at write time.',
    examples: 'host=literal_or(web01),  host=literal_or(web01|web02|web03)  {"type":"literal_or","tagk":"host","filter":"web01|web02|web03","groupBy":false}',
    build: (_tagk, filter) => {
      const set = new Set(splitLiterals(filter));
      return (v) => v !== undefined && set.has(v);
    },
    literals: splitLiterals,
  },
  iliteral_or: {
    description: 'Accepts one or more exact values and matches if the series contains any of them. Multiple values can be included and must be separated by the | (pipe) character. The filter is case insensitive and will not allow characters that TSDB does not allow at write time.',
    examples: 'host=iliteral_or(web01),  host=iliteral_or(web01|web02|web03)  {"type":"iliteral_or","tagk":"host","filter":"web01|web02|web03","groupBy":false}',
    build: (_tagk, filter) => {
      const set = new Set(splitLiterals(filter).map((v) => v.toLowerCase()));
      return (v) => v !== undefined && set.has(v.toLowerCase());
    },
  },
  not_literal_or: {
    description: 'Accepts one or more exact values and matches if the series does NOT contain any of them. Multiple values can be included and must be separated by the | (pipe) character. The filter is case sensitive and will not allow characters that TSDB does not allow at write time.',
    examples: 'host=not_literal_or(web01),  host=not_literal_or(web01|web02|web03)  {"type":"not_literal_or","tagk":"host","filter":"web01|web02|web03","groupBy":false}',
    build: (_tagk, filter) => {
      const set = new Set(splitLiterals(filter));
      return (v) => v === undefined || !set.has(v);
    },
  },
  not_iliteral_or: {
    description: 'Accepts one or more exact values and matches if the series does NOT contain any of them. Multiple values can be included and must be separated by the | (pipe) character. The filter is case insensitive and will not allow characters that TSDB does not allow at write time.',
    examples: 'host=not_iliteral_or(web01),  host=not_iliteral_or(web01|web02|web03)  {"type":"not_iliteral_or","tagk":"host","filter":"web01|web02|web03","groupBy":false}',
    build: (_tagk, filter) => {
      const set = new Set(splitLiterals(filter).map((v) => v.toLowerCase()));
      return (v) => v === undefined || !set.has(v.toLowerCase());
    },
  },
  wildcard: {
    description: 'Performs pre, post and in-fix glob matching of values. The globs are case sensitive and multiple wildcards can be used. The wildcard character is the * (asterisk). At least one wildcard must be present in the filter value. A wildcard by itself can be used as well to match on any value for the tag key.',
    examples: 'host=wildcard(web*),  host=wildcard(web*.tsdb.net)  {"type":"wildcard","tagk":"host","filter":"web*.tsdb.net","groupBy":false}',
    build: wildcard(false),
  },
  iwildcard: {
    description: 'Performs pre, post and in-fix glob matching of values. The globs are case insensitive and multiple wildcards can be used. The wildcard character is the * (asterisk). Case insensitivity is achieved by dropping all values to lower case. At least one wildcard must be present in the filter value. A wildcard by itself can be used as well to match on any value for the tag key.',
    examples: 'host=iwildcard(web*),  host=iwildcard(web*.tsdb.net)  {"type":"iwildcard","tagk":"host","filter":"web*.tsdb.net","groupBy":false}',
    build: wildcard(true),
  },
  regexp: {
    description: 'Provides full, POSIX compliant regular expression using the built in Java Pattern class. Note that an expression containing curly braces {} will not parse properly in URLs. If the pattern is not a valid regular expression then an exception will be raised.',
    examples: 'host=regexp(.*)  {"type":"regexp","tagk":"host","filter":".*","groupBy":false}',
    build: (_tagk, filter) => {
      const test = compileRegexp(filter);
      return (v) => v !== undefined && test(v);
    },
  },
};

export function createFilter(type: string, tagk: string, filter: string, groupBy: boolean): TagFilter {
  const kind = FILTER_TYPES[type.toLowerCase()];
  if (!kind) throw new ApiError(400, `Could not find a tag value filter of the type: ${type}`);
  if (!tagk) throw new ApiError(400, 'Missing tag key (tagk) in filter');
  // TagVFilter's constructors, every type (regexp() selected every series before)
  if (filter === undefined || filter === null || filter === '') throw new ApiError(400, 'Filter cannot be null or empty');
  const test = kind.build(tagk, filter);
  const literals = kind.literals?.(filter);
  return { type: type.toLowerCase(), tagk, filter, groupBy, key: tagk, test, ...(literals ? { literals } : {}) };
}

/**
 * The `tag=value` shortcut of the URI braces and the legacy `tags` map:
 * `type(expr)` names a filter; `*` alone or a value with `*` is a case-insensitive
 * wildcard; anything else is literal_or.
 */
export function filterFromShortcut(tagk: string, value: string, groupBy: boolean): TagFilter {
  const open = value.indexOf('(');
  if (open > 0 && value.endsWith(')')) {
    // TagVFilter.getFilter: `type(…)` names a filter, an unknown type is an error
    const type = value.slice(0, open).toLowerCase();
    return createFilter(type, tagk, value.slice(open + 1, -1), groupBy);
  }
  // TagVWildcardFilter(tagk, value, true): case-insensitive, yet its type reads `wildcard`
  if (value.includes('*')) return { ...createFilter('iwildcard', tagk, value, groupBy), type: 'wildcard', runs: 'iwildcard' };
  return createFilter('literal_or', tagk, value, groupBy);
}
