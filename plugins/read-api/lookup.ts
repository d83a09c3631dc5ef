/**
 * `/api/search/lookup` (OpenTSDB 2.4.1's SearchRpc LOOKUP and TimeSeriesLookup): series by
 * metric and tag pairs, where a pair's key or value may be a wildcard (`*`, or left out):
 * `k=*` or `k=` means "has tag k", `*=v` or `=v` "some tag has value v". Grafana uses it
 * for tag templating (`m=metric{host=*,dc=lga}`, `limit`).
 *
 * As the real server answers (measured, test/query/lookup.test.ts):
 * - GET `m` is read by Tags.parseWithMetric; its errors are 400 `Unable to parse query`
 *   with the parser's words as details. DSDB also reads a pair without `=` (`{dc}`, which
 *   Grafana sends for `tag_values(m, host, dc)`) as `dc=`, where OpenTSDB refuses it.
 * - A metric, tag key or tag value no series has is a 404 `Unable to resolve one or more
 *   UIDs` naming it (NoSuchUniqueName), checked in the order given.
 * - Series come in TSUID order, and `limit` (default 25) keeps the first that many: the
 *   series OpenTSDB's scan of its table (row-key order) finds before it stops.
 *   `totalResults` is how many are answered (so never more than `limit`); 0 or less is no
 *   limit. `startIndex` is echoed, not applied.
 * - A POST without `metric` looks in every metric (`"metric":"*"`); the echo leaves out
 *   what the request left out (`tags` of a POST, `metric` of a GET `m={…}`).
 *
 * The scan visits series in slices: it yields to the event loop every time slice and
 * stops with a 413 after `timeoutMs` (0: never), or when the client has gone.
 */
import type { FastifyInstance } from 'fastify';
import { isInternalMetric, type SeriesInfo, type StorageEngine, type TagPredicate } from '../../core';
import { ApiError, jsonText, parseJavaInt, QueryBudget } from '../../lib/opentsdb';
import { knownTsuidOfSeries, nameExists, tsuidOfSeries } from '../../lib/uid';
import { routeWithBody } from '../../lib/http';
import { jsonBody } from './json-body';
import { LOOKUP_OTHER_METHODS_SCHEMA, LOOKUP_SCHEMA } from './schemas';

/** A tag pair of the query; null (or `*`) is a wildcard, as in OpenTSDB's Pair<String, String>. */
interface Pair {
  key: string | null;
  value: string | null;
}

const DEFAULT_LIMIT = 25;

/** Tags.parseWithMetric(String, List<Pair>) of OpenTSDB 2.4.1; null metric for `{…}` alone. */
export function parseLookupM(m: string): { metric: string | null; tags: Pair[] } {
  const curly = m.indexOf('{');
  if (curly < 0) return { metric: m, tags: [] };
  const fail = (details: string): never => {
    throw new ApiError(400, 'Unable to parse query', details);
  };
  if (!m.endsWith('}')) fail(`Missing '}' at the end of: ${m}`);
  if (curly === m.length - 2) {
    if (m.startsWith('{')) fail(`Missing metric and tags: ${m}`);
    return { metric: m.slice(0, -2), tags: [] };
  }
  const tags: Pair[] = [];
  for (const tag of m.slice(curly + 1, -1).split(',')) {
    if (tag.length < 2) fail(`When parsing tag '${tag}': Missing tag pair`);
    if (tag.startsWith('=')) tags.push({ key: null, value: tag.slice(1) });
    else if (tag.endsWith('=')) tags.push({ key: tag.slice(0, -1), value: null });
    else if (!tag.includes('=')) tags.push({ key: tag, value: null }); // DSDB: `{dc}` is `{dc=}`
    else {
      const kv = tag.split('=');
      if (kv.length !== 2 || kv[0] === '' || kv[1] === '') fail(`When parsing tag '${tag}': invalid tag: ${tag}`);
      tags.push({ key: kv[0]!, value: kv[1]! });
    }
  }
  return { metric: m.startsWith('{') ? null : m.slice(0, curly), tags };
}

const isWild = (name: string | null): boolean => name === null || name === '*';

/** The query from a POST body, as Jackson binds OpenTSDB's SearchQuery (a wrong type: 400, where OpenTSDB answers 500). */
function fromBody(raw: unknown): { metric: string | null; tags: Pair[] | null; limit: number; startIndex: number } {
  const body = jsonBody(raw);
  const bad = (field: string, what: string): never => {
    throw new ApiError(400, 'Unable to parse the given JSON', `"${field}" must be ${what}`);
  };
  const metric = body.metric === undefined ? '*' : body.metric === null ? null : jsonText(body.metric, 'metric');
  let tags: Pair[] | null = null;
  if (body.tags !== undefined && body.tags !== null) {
    if (!Array.isArray(body.tags)) bad('tags', 'an array of {"key":…,"value":…} pairs');
    tags = (body.tags as unknown[]).map((t, i) => {
      if (t !== null && (typeof t !== 'object' || Array.isArray(t))) bad(`tags[${i}]`, 'a {"key":…,"value":…} pair');
      const pair = (t ?? {}) as { key?: unknown; value?: unknown };
      const text = (v: unknown, f: string) => (v === undefined || v === null ? null : jsonText(v, f));
      return { key: text(pair.key, 'tags.key'), value: text(pair.value, 'tags.value') };
    });
  }
  const int = (v: unknown, field: string, fallback: number): number => {
    if (v === undefined || v === null) return fallback;
    // Jackson takes an integer, a fraction (truncated) or a string holding an integer
    const n = typeof v === 'number' ? Math.trunc(v) : typeof v === 'string' ? parseJavaInt(v.trim()) : undefined;
    return n === undefined || !Number.isFinite(n) ? bad(field, 'an integer') : n;
  };
  return { metric, tags, limit: int(body.limit, 'limit', DEFAULT_LIMIT), startIndex: int(body.startIndex, 'startIndex', 0) };
}

/** TimeSeriesLookup.resolveUIDs: every name that is not a wildcard must exist, in the order given. */
async function assertNames(engine: StorageEngine, metric: string | null, tags: readonly Pair[]): Promise<void> {
  const missing = (kind: string, name: string): never => {
    throw new ApiError(404, 'Unable to resolve one or more UIDs', `No such name for '${kind}': '${name}'`);
  };
  if (metric !== null && metric !== '' && metric !== '*' && (isInternalMetric(metric) || !(await nameExists(engine, 'metrics', metric)))) missing('metrics', metric);
  for (const { key, value } of tags) {
    if (!isWild(key) && !(await nameExists(engine, 'tagk', key!))) missing('tagk', key!);
    if (!isWild(value) && !(await nameExists(engine, 'tagv', value!))) missing('tagv', value!);
  }
}

/** Registers the route. */
export function registerLookup(app: FastifyInstance, storage: () => StorageEngine, timeoutMs: number): void {
  // SearchRpc answers any method but GET and POST itself, before anything else: a 400
  app.route({
    method: ['PUT', 'DELETE', 'PATCH'],
    url: '/api/search/lookup',
    config: { scope: 'read' },
    schema: LOOKUP_OTHER_METHODS_SCHEMA,
    handler: async (request) => {
      throw new ApiError(400, `Unsupported method: ${request.method}`);
    },
  });
  routeWithBody(app, {
    method: ['GET', 'POST'],
    url: '/api/search/lookup',
    config: { scope: 'read' },
    schema: LOOKUP_SCHEMA,
    handler: async (request, reply) => {
      const started = Date.now();
      let metric: string | null;
      let tags: Pair[] | null;
      let limit = DEFAULT_LIMIT;
      let startIndex = 0;
      if (request.method === 'POST') {
        ({ metric, tags, limit, startIndex } = fromBody(request.body));
      } else {
        const qs = request.query as Record<string, string | undefined>;
        if (!qs.m) throw new ApiError(400, 'Missing parameter <code>m</code>');
        ({ metric, tags } = parseLookupM(qs.m));
        if (qs.limit !== undefined) {
          const n = parseJavaInt(qs.limit);
          if (n === undefined) throw new ApiError(400, "Unable to convert 'limit' to a valid number");
          limit = n;
        }
      }
      if (metric === null && (tags === null || tags.length === 0)) throw new ApiError(400, 'Missing metric and tags. Please supply at least one value.');
      const engine = storage();
      const pairs = tags ?? [];
      await assertNames(engine, metric, pairs);
      const predicates: TagPredicate[] = pairs
        .filter((t) => !isWild(t.key))
        .map((t) => (isWild(t.value) ? { key: t.key!, test: (v) => v !== undefined } : { key: t.key!, literals: [t.value!], test: (v) => v === t.value }));
      const anyKeyValues = pairs.filter((t) => isWild(t.key) && !isWild(t.value)).map((t) => t.value!);
      const found: { tsuid: string; info: SeriesInfo }[] = [];
      const selector = { ...(metric !== null && metric !== '' && metric !== '*' ? { metric } : {}), predicates };
      const budget = new QueryBudget({ maxSeries: 0, maxDataPoints: 0, timeoutMs });
      reply.raw.once('close', () => {
        if (!reply.raw.writableFinished) budget.cancel();
      });
      for await (const info of engine.lookup(selector) as AsyncIterable<SeriesInfo>) {
        if (budget.due()) await budget.pause();
        if (isInternalMetric(info.metric)) continue; // DSDB's own series (rollups), never listed
        if (anyKeyValues.length > 0) {
          const values = Object.values(info.tags);
          if (!anyKeyValues.every((v) => values.includes(v))) continue;
        }
        // OpenTSDB's TSUID where the series' names have UIDs (lib/uid), else DSDB's series id
        const tsuid = knownTsuidOfSeries(engine, info) ?? (await tsuidOfSeries(engine, info));
        // TimeSeriesLookup scans its table in row-key (TSUID) order and stops at the limit;
        // the engine's order is its own, so the scan goes on and keeps the `limit` first
        // TSUIDs (upper-case hex: string order is byte order)
        found.push({ tsuid, info });
        // what is held stays under twice the limit (plus KEPT_SLACK): sorted and cut back
        if (limit > 0 && found.length >= 2 * limit + KEPT_SLACK) keepFirst(found, limit);
      }
      keepFirst(found, limit);
      const results = found.map(({ tsuid, info }) => ({ tsuid, metric: info.metric, tags: { ...info.tags } }));
      return {
        type: 'LOOKUP',
        ...(metric !== null ? { metric } : {}),
        ...(tags !== null ? { tags } : {}),
        limit,
        time: Date.now() - started,
        results,
        startIndex,
        totalResults: results.length,
      };
    },
  });
}

/** Matches held beyond twice the limit before they are cut back (a small limit would sort often). */
const KEPT_SLACK = 1024;

/** Sorts `results` by TSUID and keeps the first `limit` (all of them for a limit of 0 or less). */
function keepFirst(results: { tsuid: string }[], limit: number): void {
  results.sort((a, b) => (a.tsuid < b.tsuid ? -1 : a.tsuid > b.tsuid ? 1 : 0));
  if (limit > 0 && results.length > limit) results.length = limit;
}
