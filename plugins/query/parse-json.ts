/**
 * The POST form of /api/query: a TSQuery JSON body. Unknown fields are ignored (Jackson's
 * @JsonIgnoreProperties); numbers for start/end are read as their text in the body.
 */
import { type Aggregator, type Registry } from '../../core';
import { ApiError, firstJsonValueText, JsonNumber, jsonText, optionalJsonText, parseExactJson, type ExactJson } from '../../lib/opentsdb';
import { createFilter, filterFromShortcut } from './filters';
import { LONG_MAX, type RateOptions, type TsQuery } from './model';
import { parseLong, validateQuery, type RawQuery, type RawSubQuery } from './parse-common';
import { subQueriesEqual, subQueryEqualityKey } from './exp/sub-query-equals';
import { rawBodyText } from '../../lib/http';

type Json = Record<string, unknown>;

/** A request body's text up to the end of its first JSON value (lib/opentsdb firstJsonValueText: Jackson ignores the rest). */
function bodyText(body: unknown): string {
  return firstJsonValueText(rawBodyText(body));
}

export function parseJsonBody(body: unknown): Json {
  const text = bodyText(body);
  if (text.trim().length === 0) throw new ApiError(400, 'Missing message content', 'Supply valid JSON formatted data in the body of your request');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new ApiError(400, 'Unable to parse the given JSON', (err as Error).message);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new ApiError(400, 'Unable to parse the given JSON', 'The JSON must be an object');
  return parsed as Json;
}

const str = (v: unknown, field: string): string | undefined => optionalJsonText(v, field);
/**
 * A JSON value bound to one of TSQuery's `boolean` fields as Jackson binds it (measured on
 * OpenTSDB 2.4.1): true and false; an integer, true unless 0 (`"rate":1` is a rate); the
 * strings `true`/`True` and `false`/`False`/`""`, trimmed; anything else (`"yes"`, `1.5`, an
 * object) a 400 `Unable to parse the given JSON`. Absent or null: undefined.
 */
export const bool = (v: unknown): boolean | undefined => {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'boolean') return v;
  if (typeof v === 'number' && Number.isInteger(v)) return v !== 0;
  if (typeof v === 'string') {
    const text = v.trim();
    if (text === 'true' || text === 'True') return true;
    if (text === 'false' || text === 'False' || text === '') return false;
  }
  const shown = typeof v === 'string' ? `String "${v}"` : typeof v === 'number' ? `number ${v}` : 'a JSON object or array';
  throw new ApiError(400, 'Unable to parse the given JSON', `Cannot deserialize value of type boolean from ${shown}`);
};

/**
 * `start` and `end` given as JSON numbers, as their text in the body: Jackson binds a number
 * to TSQuery's String fields as written, so `1.7e9` is not a time and `1700003600.0` is
 * `<seconds>.<ms>` (17000036000 ms), where the number's value would be neither. Only read
 * when one of them is a number.
 */
function numberTexts(body: unknown, json: Json): { start?: string; end?: string } {
  if (typeof json.start !== 'number' && typeof json.end !== 'number') return {};
  const text = bodyText(body);
  let exact: ExactJson;
  try {
    exact = parseExactJson(text);
  } catch {
    return {};
  }
  const fields = exact as Record<string, ExactJson>;
  const textOf = (v: ExactJson | undefined) => (v instanceof JsonNumber ? v.text : undefined);
  return { start: textOf(fields.start), end: textOf(fields.end) };
}

export function parseQueryBody(body: unknown, aggregators: Registry<Aggregator>, flags: { arrays?: boolean; exact?: boolean } = {}, now = Date.now()): TsQuery {
  const json = parseJsonBody(body);
  const queries = json.queries;
  if (queries !== undefined && !Array.isArray(queries)) throw new ApiError(400, 'Unable to parse the given JSON', '"queries" must be an array');
  const written = numberTexts(body, json);
  const raw: RawQuery = {
    start: written.start ?? str(json.start, 'start'),
    end: written.end ?? str(json.end, 'end'),
    timezone: str(json.timezone, 'timezone'),
    useCalendar: bool(json.useCalendar),
    msResolution: bool(json.msResolution),
    showTSUIDs: bool(json.showTSUIDs),
    showQuery: bool(json.showQuery),
    showStats: bool(json.showStats),
    showSummary: bool(json.showSummary),
    noAnnotations: bool(json.noAnnotations),
    globalAnnotations: bool(json.globalAnnotations),
    delete: bool(json.delete),
    arrays: flags.arrays,
    exact: flags.exact,
    queries: withoutDuplicates((queries as unknown[] | undefined)?.map(subQueryFromJson)),
  };
  return validateQuery(raw, aggregators, now);
}

/**
 * HttpJsonSerializer.parseQueryV1 keeps a POST's sub-queries in a LinkedHashSet: one equal
 * to an earlier one (TSSubQuery.equals: aggregator, metric, downsample, rate, explicit tags,
 * the filters position by position with `groupBy` ignored, and the rate options by value;
 * measured on OpenTSDB 2.4.1) is dropped, the first kept. Grafana sends a panel's targets in
 * one POST, so two identical targets answer once, as with OpenTSDB. Sub-queries naming
 * TSUIDs are kept (not measured).
 */
function withoutDuplicates(subs: RawSubQuery[] | undefined): RawSubQuery[] | undefined {
  if (subs === undefined || subs.length < 2) return subs;
  const kept: RawSubQuery[] = [];
  // the kept sub-queries by what equals compares (subQueryEqualityKey): each is compared
  // with those of its bucket only
  const buckets = new Map<string, RawSubQuery[]>();
  for (const sub of subs) {
    if (namesTsuids(sub)) {
      kept.push(sub);
      continue;
    }
    const key = subQueryEqualityKey(sub);
    const bucket = buckets.get(key);
    if (bucket?.some((k) => sameRateOptions(k.rateOptions, sub.rateOptions) && subQueriesEqual(k, sub))) continue;
    if (bucket) bucket.push(sub);
    else buckets.set(key, [sub]);
    kept.push(sub);
  }
  return kept;
}

const namesTsuids = (q: RawSubQuery) => q.tsuids !== undefined && q.tsuids.length > 0;

/** RateOptions.equals: both absent, or every field the same. */
function sameRateOptions(a: RateOptions | undefined, b: RateOptions | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  return a.counter === b.counter && String(a.counterMax) === String(b.counterMax) && a.resetValue === b.resetValue && a.dropResets === b.dropResets;
}

function subQueryFromJson(value: unknown): RawSubQuery {
  if (typeof value !== 'object' || value === null) throw new ApiError(400, 'Unable to parse the given JSON', 'each query must be an object');
  const q = value as Json;
  // Jackson calls TSSubQuery.setTags and setFilters in the order of the JSON keys, and each
  // replaces the filter list: the later of `tags` and `filters` wins.
  const jsonError = (err: unknown) => new ApiError(400, 'Unable to parse the given JSON', (err as Error).message);
  let filters: ReturnType<typeof createFilter>[] | undefined;
  for (const key of Object.keys(q)) {
    if (key === 'tags') {
      // Jackson maps `tags` onto setTags(Map): anything but an object (null too: setTags
      // reads its size) fails the JSON
      if (typeof q.tags !== 'object' || q.tags === null || Array.isArray(q.tags)) throw new ApiError(400, 'Unable to parse the given JSON', '"tags" must be an object of tag keys to values');
      const entries = Object.entries(q.tags as Json).map(([k, v]) => [k, jsonText(v, `tags.${k}`)] as const);
      try {
        filters = entries.map(([k, v]) => filterFromShortcut(k, v, true));
      } catch (err) {
        throw jsonError(err);
      }
    } else if (key === 'filters') {
      // setFilters(List): null clears the list; anything but an array fails the JSON
      if (q.filters === null) {
        filters = undefined;
        continue;
      }
      if (!Array.isArray(q.filters)) throw new ApiError(400, 'Unable to parse the given JSON', '"filters" must be an array of filter objects');
      filters = (q.filters as Json[]).map((f) => {
        if (typeof f !== 'object' || f === null || Array.isArray(f)) throw new ApiError(400, 'Unable to parse the given JSON', 'each filter must be an object');
        const [type, tagk, filter] = [jsonText(f.type, 'filters.type'), jsonText(f.tagk, 'filters.tagk'), jsonText(f.filter, 'filters.filter')];
        // Jackson binds both spellings (showQuery echoes `group_by`); the later key wins
        let groupBy = false;
        for (const k of Object.keys(f)) if (k === 'groupBy' || k === 'group_by') groupBy = bool(f[k]) ?? false;
        try {
          return createFilter(type, tagk, filter, groupBy);
        } catch (err) {
          // OpenTSDB builds filters while it reads the JSON: a bad one is a JSON error
          throw jsonError(err);
        }
      });
    }
  }
  if (q.tsuids !== undefined && q.tsuids !== null && !Array.isArray(q.tsuids)) throw new ApiError(400, 'Unable to parse the given JSON', '"tsuids" must be an array of TSUID strings');
  if (q.rateOptions !== undefined && q.rateOptions !== null && (typeof q.rateOptions !== 'object' || Array.isArray(q.rateOptions))) {
    throw new ApiError(400, 'Unable to parse the given JSON', '"rateOptions" must be an object');
  }
  return {
    aggregator: str(q.aggregator, 'aggregator'),
    metric: str(q.metric, 'metric'),
    tsuids: Array.isArray(q.tsuids) ? q.tsuids.map((t) => jsonText(t, 'tsuids')) : undefined,
    rate: bool(q.rate),
    rateOptions: q.rateOptions && typeof q.rateOptions === 'object' ? rateOptionsFromJson(q.rateOptions as Json) : undefined,
    downsample: str(q.downsample, 'downsample'),
    filters,
    explicitTags: bool(q.explicitTags),
    rollupUsage: str(q.rollupUsage, 'rollupUsage'),
    jsonPath: str(q.jsonPath, 'jsonPath'),
    percentiles: percentilesFromJson(q.percentiles),
    showHistogramBuckets: bool(q.showHistogramBuckets),
  };
}

/** `percentiles`: a JSON array of numbers (Jackson reads List<Float>; numeric strings too). */
function percentilesFromJson(v: unknown): number[] | undefined {
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v)) throw new ApiError(400, 'Unable to parse the given JSON', '"percentiles" must be an array of numbers');
  return v.map((p) => {
    const n = typeof p === 'number' ? p : typeof p === 'string' && p.trim() !== '' ? Number(p) : NaN;
    if (!Number.isFinite(n)) throw new ApiError(400, 'Unable to parse the given JSON', `"percentiles" must be an array of numbers, got ${JSON.stringify(p)}`);
    return Math.fround(n);
  });
}

/** The fields of OpenTSDB's RateOptions, as Jackson names them. */
const RATE_OPTION_FIELDS = new Set(['counter', 'counterMax', 'resetValue', 'dropResets']);

/** counterMax/resetValue may come as integers, floats (Grafana's Go backend) or strings; any other field is a 400 (Jackson's "Unrecognized field"). */
function rateOptionsFromJson(json: Json): RateOptions {
  const toLong = (v: unknown, what: 'Max' | 'Reset'): bigint | undefined => {
    if (v === undefined || v === null || v === '') return undefined;
    if (typeof v === 'number' && Number.isFinite(v)) {
      const n = BigInt(Math.trunc(v));
      return n > LONG_MAX ? LONG_MAX : n;
    }
    const parsed = parseLong(jsonText(v, `rateOptions.counter${what}`));
    if (parsed === undefined) throw new ApiError(400, `${what} value of counter was not a number, received '${String(v)}'`);
    return parsed;
  };
  // RateOptions has no @JsonIgnoreProperties (TSSubQuery has): an unknown field fails the JSON
  for (const key of Object.keys(json)) {
    if (!RATE_OPTION_FIELDS.has(key)) throw new ApiError(400, 'Unable to parse the given JSON', `Unrecognized field "${key}" (class net.opentsdb.core.RateOptions), not marked as ignorable`);
  }
  return {
    counter: bool(json.counter) ?? false,
    counterMax: toLong(json.counterMax, 'Max') ?? LONG_MAX,
    resetValue: Number(toLong(json.resetValue, 'Reset') ?? 0n),
    dropResets: bool(json.dropResets) ?? false,
  };
}
