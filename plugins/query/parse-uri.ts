/**
 * The GET form of /api/query (QueryRpc.parseQuery): `start`, `end`, repeatable `m=` and
 * `tsuid=`, and presence flags (`ms`, `show_tsuids`, `arrays`, …: any value turns them on).
 */
import { type Aggregator, type Registry } from '../../core';
import { ApiError } from '../../lib/opentsdb';
import { createFilter, filterFromShortcut, type TagFilter } from './filters';
import { filterEqualityKey } from './exp/sub-query-equals';
import { LONG_MAX, type RateOptions, type TsQuery } from './model';
import { parseLong, validateQuery, type RawQuery, type RawSubQuery } from './parse-common';

export type QueryString = Record<string, string | string[] | undefined>;

function all(qs: QueryString, name: string): string[] {
  const value = qs[name];
  return value === undefined ? [] : Array.isArray(value) ? value : [value];
}

const has = (qs: QueryString, name: string): boolean => qs[name] !== undefined;

export function parseQueryString(qs: QueryString, aggregators: Registry<Aggregator>, now = Date.now()): TsQuery {
  const start = all(qs, 'start')[0];
  if (start === undefined) throw new ApiError(400, 'Missing parameter <code>start</code>');
  const raw: RawQuery = {
    start,
    end: all(qs, 'end')[0],
    msResolution: has(qs, 'ms'),
    showTSUIDs: has(qs, 'show_tsuids'),
    showQuery: has(qs, 'show_query'),
    showStats: has(qs, 'show_stats'),
    showSummary: has(qs, 'show_summary'),
    noAnnotations: has(qs, 'no_annotations'),
    globalAnnotations: has(qs, 'global_annotations'),
    arrays: has(qs, 'arrays'),
    exact: has(qs, 'exact'),
    // OpenTSDB 2.4.1's QueryRpc reads no `tz` (GET queries run in UTC): DSDB ignores it too;
    // `timezone=` is DSDB's own (the /q graph images pass their tz through it)
    timezone: all(qs, 'timezone')[0],
    queries: [],
  };
  // Identical sub-queries are asked once, as OpenTSDB de-duplicates them.
  const ms = [...new Set(all(qs, 'm'))];
  const tsuids = [...new Set(all(qs, 'tsuid'))];
  // OpenTSDB 2.4.1's QueryRpc reads the `tsuid=` sub-queries before the `m=` ones, whatever
  // their order in the URL (measured): answers and errors come in that order
  for (const t of tsuids) raw.queries!.push(parseTsuidQuery(t));
  for (const m of ms) raw.queries!.push(parseMetricQuery(m));
  if (raw.queries!.length === 0) throw new ApiError(400, 'Missing sub queries');
  return validateQuery(raw, aggregators, now);
}

/** Splits `m` into aggregator, options and the metric part, checking the part count. */
/**
 * `m=`'s `:`-separated parts, split as OpenTSDB's QueryRpc splits them, except inside the
 * brackets of DSDB's `jsonpath=` part, where a key may hold a colon (`jsonpath=$['a:b']`).
 */
function splitColons(text: string): string[] {
  const parts: string[] = [];
  let start = 0;
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x5b /* [ */ && text.startsWith('jsonpath=', start)) depth++;
    else if (c === 0x5d /* ] */ && depth > 0) depth--;
    else if (c === 0x3a /* : */ && depth === 0) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(text.slice(start));
  return parts;
}

function splitParts(text: string, name: string): { aggregator: string; middle: string[]; last: string; jsonPath?: string } {
  const parts = splitColons(text);
  const jsonParts = parts.filter((p) => p.startsWith('jsonpath='));
  const counted = parts.length - jsonParts.length;
  if (counted < 2) throw new ApiError(400, `Invalid parameter ${name}=${text} (not enough :-separated parts)`);
  if (counted > 5) throw new ApiError(400, `Invalid parameter ${name}=${text} (too many :-separated parts)`);
  const rest = parts.slice(1, -1).filter((p) => !p.startsWith('jsonpath='));
  return { aggregator: parts[0]!, middle: rest, last: parts[parts.length - 1]!, jsonPath: jsonParts[0]?.slice('jsonpath='.length) };
}

function applyMiddle(sub: RawSubQuery, middle: string[]): void {
  for (const part of middle) {
    // QueryRpc.parseMTypeSubQuery: keywords in any case and by prefix (`RATE`, `rates`,
    // `explicit_tagsX`), the rate's options read only when the part has a `{`
    const lower = part.toLowerCase();
    if (lower.startsWith('rate')) {
      sub.rate = true;
      // without `{` the options stay unset (showQuery echoes null)
      if (part.includes('{')) sub.rateOptions = parseRateOptions(part);
    } else if (/^\d/.test(part)) {
      sub.downsample = part;
    } else if (lower.startsWith('explicit_tags')) {
      sub.explicitTags = true;
    } else if (part.toLowerCase().startsWith('rollup_')) {
      sub.rollupUsage = part; // QueryRpc: TSSubQuery.setRollupUsage
    } else if (part.toLowerCase().startsWith('percentiles')) {
      sub.percentiles = parsePercentiles(part);
    } else if (part.toLowerCase().startsWith('show-histogram-buckets')) {
      sub.showHistogramBuckets = true;
    }
    // pre-agg: accepted and ignored.
  }
}

/** QueryRpc.parsePercentiles: `percentiles[50,99.9]`, each read by Float.valueOf. */
function parsePercentiles(spec: string): number[] {
  const open = spec.indexOf('[');
  const close = spec.indexOf(']');
  if (open === -1 || close === -1) throw new ApiError(400, `Malformated percentile query paramater: ${spec}`);
  return spec
    .slice(open + 1, close)
    .split(',')
    .map((s) => {
      const t = s.trim();
      if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?[fFdD]?$/.test(t)) throw new ApiError(400, `For input string: "${t}"`);
      return Math.fround(Number(t.replace(/[fFdD]$/, '')));
    });
}

export function parseMetricQuery(m: string): RawSubQuery {
  const { aggregator, middle, last, jsonPath } = splitParts(m, 'm');
  const sub: RawSubQuery = { aggregator, jsonPath };
  // QueryRpc reads the metric and its filters before the rate and downsample parts
  const { metric, filters } = parseMetricAndFilters(last, m);
  applyMiddle(sub, middle);
  sub.metric = metric;
  sub.filters = filters;
  return sub;
}

function parseTsuidQuery(text: string): RawSubQuery {
  // OpenTSDB's parseTsuidTypeSubQuery names the parameter `m=` in its errors (sic, measured)
  const { aggregator, middle, last } = splitParts(text, 'm');
  const sub: RawSubQuery = { aggregator, tsuids: last.split(',').filter(Boolean) };
  applyMiddle(sub, middle);
  return sub;
}

/**
 * `metric{groupBy filters}{other filters}`, as Tags.parseWithMetricAndFilters reads it: the
 * second braces first, then the group-by ones (a group-by filter equal to one already there
 * only marks it group-by). The order shows in showQuery's echo.
 */
export function parseMetricAndFilters(text: string, whole: string = text): { metric: string; filters: TagFilter[] } {
  const open = text.indexOf('{');
  if (open < 0) return { metric: text, filters: [] };
  const metric = text.slice(0, open);
  const groups: string[] = [];
  let rest = text.slice(open);
  while (rest.length > 0) {
    if (!rest.startsWith('{')) throw new ApiError(400, `Missing '}' at the end of: ${whole}`);
    const close = rest.indexOf('}');
    if (close < 0) throw new ApiError(400, `Missing '}' at the end of: ${whole}`);
    groups.push(rest.slice(1, close));
    rest = rest.slice(close + 1);
  }
  const filters: TagFilter[] = [];
  const parse = (body: string, groupBy: boolean) => {
    for (const pair of body.split(',')) {
      if (pair === '') break;
      const eq = pair.indexOf('=');
      const what = groupBy ? 'tag' : 'filter';
      if (eq <= 0 || eq === pair.length - 1) throw new ApiError(400, `When parsing ${what} '${pair}': invalid tag: ${pair}`);
      let filter: TagFilter;
      try {
        filter = filterFromShortcut(pair.slice(0, eq), pair.slice(eq + 1), groupBy);
      } catch (err) {
        // OpenTSDB 2.4.1 answers a bad filter in the URI with a 500 naming the pair; DSDB with
        // a 400 and the same message: bad input is the client's (opentsdb-compat.md, divergence 10)
        throw new ApiError(400, `When parsing ${what} '${pair}': ${(err as Error).message}`);
      }
      // TagVFilter.equals decides (groupBy not counted; `LGA` and `lga` are one not_iliteral_or)
      const key = groupBy ? filterEqualityKey(filter) : undefined;
      const same = key !== undefined ? filters.find((f) => filterEqualityKey(f) === key) : undefined;
      if (same) same.groupBy = true;
      else filters.push(filter);
    }
  };
  if (groups.length > 1) parse(groups[groups.length - 1]!, false);
  parse(groups[0]!, true);
  return { metric, filters };
}

/**
 * QueryRpc.parseRateOptions: `rate`, `rate{counter[,max[,reset]]}`, `rate{dropcounter}`.
 * As leniently as OpenTSDB: the options are the text between the fifth character and the
 * last, whatever those two are (`rate{counter` reads `counte`: no counter).
 */
export function parseRateOptions(spec: string): RateOptions {
  if (spec.length === 4) return { counter: false, counterMax: LONG_MAX, resetValue: 0, dropResets: false };
  if (spec.length < 6) throw new ApiError(400, `Invalid rate options specification: ${spec}`);
  const parts = spec.slice(5, -1).split(',');
  if (parts.length < 1 || parts.length > 3) {
    throw new ApiError(400, `Incorrect number of values in rate options specification, must be counter[,counter max value,reset value], recieved: ${parts.length} parts`);
  }
  const counter = parts[0]!.endsWith('counter');
  let counterMax = LONG_MAX;
  if (parts.length >= 2 && parts[1]!.length > 0) {
    const max = parseLong(parts[1]!);
    if (max === undefined) throw new ApiError(400, `Max value of counter was not a number, received '${parts[1]}'`);
    counterMax = max;
  }
  let resetValue = 0;
  if (parts.length >= 3 && parts[2]!.length > 0) {
    const reset = parseLong(parts[2]!);
    if (reset === undefined) throw new ApiError(400, `Reset value of counter was not a number, received '${parts[2]}'`);
    resetValue = Number(reset);
  }
  return { counter, counterMax, resetValue, dropResets: parts[0] === 'dropcounter' };
}

export { createFilter };
