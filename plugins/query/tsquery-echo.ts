/**
 * A query as OpenTSDB 2.4.1's TSQuery serializes (Jackson, after validateAndSetQuery), as
 * /api/stats/query shows it: `start` and `end` as the request gave them (a number in a
 * POST body becomes its string; a missing end is null), the sub-queries as showQuery
 * echoes them (serializer.ts queryEcho) except `filterTagKs`: null without filters,
 * otherwise an empty list (OpenTSDB lists the tag keys' UIDs in base64; DSDB has none).
 */
import type { TsQuery } from './model';
import type { QueryString } from './parse-uri';
import { queryEcho } from './serializer';

/** The request's own words for the fields the parsed TsQuery keeps only in parsed form. */
export interface QuerySource {
  start: string | null;
  end: string | null;
  timezone: string | null;
  padding: boolean;
  showStats: boolean;
  showSummary: boolean;
}

const first = (v: string | string[] | undefined): string | undefined => (Array.isArray(v) ? v[0] : v);

/** QueryRpc.parseQuery's reading of the GET form (no `tz`; DSDB's own `timezone=`). */
export function sourceFromQueryString(qs: QueryString): QuerySource {
  return {
    start: first(qs.start) ?? null,
    end: first(qs.end) ?? null,
    timezone: first(qs.timezone) ?? null,
    padding: qs.padding !== undefined,
    showStats: qs.show_stats !== undefined,
    showSummary: qs.show_summary !== undefined,
  };
}

/** Jackson's reading of a POSTed TSQuery (the body already parsed and checked). */
export function sourceFromBody(json: Record<string, unknown>): QuerySource {
  const text = (v: unknown): string | null => (v === undefined || v === null ? null : String(v));
  const bool = (v: unknown): boolean => v === true || v === 'true';
  return { start: text(json.start), end: text(json.end), timezone: text(json.timezone), padding: bool(json.padding), showStats: bool(json.showStats), showSummary: bool(json.showSummary) };
}

export function tsQueryEcho(query: TsQuery, source: QuerySource): Record<string, unknown> {
  return {
    start: source.start,
    end: source.end,
    timezone: source.timezone,
    options: null,
    padding: source.padding,
    queries: query.queries.map((q) => ({ ...queryEcho(q), filterTagKs: q.filters.length === 0 ? null : [] })),
    delete: query.delete,
    noAnnotations: query.noAnnotations,
    globalAnnotations: query.globalAnnotations,
    showTSUIDs: query.showTSUIDs,
    msResolution: query.msResolution,
    showQuery: query.showQuery,
    showStats: source.showStats,
    showSummary: source.showSummary,
    useCalendar: query.useCalendar,
  };
}

/** JSON text with 64-bit integers (bigint: a rate's counterMax) written exactly. */
export function exactJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? `\u0000big:${v}` : v)).replace(/"\\u0000big:(-?\d+)"/g, '$1');
}
