/**
 * `/api/search/lookup` (SearchRpc LOOKUP): series by metric and tag pairs, where `k=*`
 * means "has tag k" and `*=v` "some tag has value v". Grafana uses it for tag templating.
 */
import type { FastifyInstance } from 'fastify';
import { isInternalMetric, type SeriesInfo, type StorageEngine, type TagPredicate } from '../../core';
import { ApiError, jsonText, QueryBudget } from '../../lib/opentsdb';
import { tsuidOfSeries } from '../../lib/uid';
import { routeWithBody } from '../../lib/http';
import { jsonBody } from './json-body';
import { LOOKUP_SCHEMA } from './schemas';

interface Pair {
  key: string;
  value: string;
}

function parseM(m: string): { metric: string; tags: Pair[] } {
  const open = m.indexOf('{');
  if (open < 0) return { metric: m, tags: [] };
  if (!m.endsWith('}')) throw new ApiError(400, `Missing '}' at the end of: ${m}`);
  const tags = m
    .slice(open + 1, -1)
    .split(',')
    .filter(Boolean)
    .map((pair) => {
      const eq = pair.indexOf('=');
      if (eq < 0) return { key: pair, value: '*' }; // Grafana sends `m{host=*,dc}`
      return { key: pair.slice(0, eq), value: pair.slice(eq + 1) };
    });
  return { metric: m.slice(0, open), tags };
}

/**
 * Registers the route. The scan counts every matching series (totalResults), so it visits
 * all of them: it yields to the event loop every time slice and stops with a 413 after
 * `timeoutMs` (0: never), or when the client has gone.
 */
export function registerLookup(app: FastifyInstance, storage: () => StorageEngine, timeoutMs: number): void {
  routeWithBody(app, {
    method: ['GET', 'POST'],
    url: '/api/search/lookup',
    config: { scope: 'read' },
    schema: LOOKUP_SCHEMA,
    handler: async (request, reply) => {
      const started = Date.now();
      let metric: string;
      let tags: Pair[];
      let limit = 25;
      if (request.method === 'POST') {
        const body = jsonBody(request.body);
        metric = body.metric === undefined ? '' : jsonText(body.metric, 'metric');
        tags = Array.isArray(body.tags) ? (body.tags as (Partial<Pair> | null)[]).map((t) => ({ key: jsonText(t?.key ?? '*', 'tags.key'), value: jsonText(t?.value ?? '*', 'tags.value') })) : [];
        if (body.limit !== undefined) limit = Number(jsonText(body.limit, 'limit'));
      } else {
        const qs = request.query as Record<string, string | undefined>;
        if (!qs.m) throw new ApiError(400, 'Missing metric and tags. Please supply at least one value.');
        ({ metric, tags } = parseM(qs.m));
        if (qs.limit !== undefined) limit = Number(qs.limit);
      }
      if (!Number.isFinite(limit) || limit < 0) throw new ApiError(400, 'Unable to parse limit as a number');
      if ((!metric || metric === '*') && tags.length === 0) throw new ApiError(400, 'Missing metric and tags. Please supply at least one value.');
      const predicates: TagPredicate[] = tags
        .filter((t) => t.key !== '*')
        .map((t) => (t.value === '*' ? { key: t.key, test: (v) => v !== undefined } : { key: t.key, literals: [t.value], test: (v) => v === t.value }));
      const anyKeyValues = tags.filter((t) => t.key === '*' && t.value !== '*').map((t) => t.value);
      const results: { tsuid: string; metric: string; tags: Record<string, string> }[] = [];
      let total = 0;
      const selector = { ...(metric && metric !== '*' ? { metric } : {}), predicates };
      const budget = new QueryBudget({ maxSeries: 0, maxDataPoints: 0, timeoutMs });
      reply.raw.once('close', () => {
        if (!reply.raw.writableFinished) budget.cancel();
      });
      const engine = storage();
      for await (const info of engine.lookup(selector) as AsyncIterable<SeriesInfo>) {
        if (budget.due()) await budget.pause();
        if (isInternalMetric(info.metric)) continue; // DSDB's own series (rollups), never listed
        const values = Object.values(info.tags);
        if (!anyKeyValues.every((v) => values.includes(v))) continue;
        total++;
        // OpenTSDB's TSUID where the series' names have UIDs (lib/uid), else DSDB's series id
        if (results.length < limit) results.push({ tsuid: await tsuidOfSeries(engine, info), metric: info.metric, tags: { ...info.tags } });
      }
      return { type: 'LOOKUP', metric: metric || '*', tags, limit, time: Date.now() - started, results, startIndex: 0, totalResults: total };
    },
  });
}
