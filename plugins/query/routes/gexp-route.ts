/**
 * `/api/query/gexp` (GET): Graphite-style expressions over `m=`-like metric queries, e.g.
 * `exp=scale(sum:sys.cpu{host=*},2)`, as OpenTSDB 2.4.1's QueryRpc answers them: the
 * sub-queries run as /api/query's, the answer holds the expressions' series only.
 */
import type { FastifyInstance } from 'fastify';
import { ApiError } from '../../../lib/opentsdb';
import { executeSubQueries } from '../engine';
import { evaluateGexp } from '../expressions/evaluate';
import { parseGexp } from '../expressions/gexp-parser';
import { fromResult, toResult, type ExpSeries } from '../expressions/series';
import { parseQueryBody } from '../parse-json';
import { parseQueryString, type QueryString } from '../parse-uri';
import { serializeResults } from '../serializer';
import { QueryTrace } from '../query-trace';
import type { QueryRouteOptions } from './query-route';
import { requestBudget, wrapJsonp } from './query-route';
import { GEXP_GET_SCHEMA, GEXP_POST_SCHEMA } from './schemas';
import { sourceFromQueryString } from '../tsquery-echo';
import { trackQuery } from './track-query';

const list = (v: string | string[] | undefined): string[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

export function registerGexpRoute(app: FastifyInstance, options: QueryRouteOptions): void {
  // OpenTSDB 2.4.1 reads a POST body as /api/query's, runs it, then fails on its missing expression list
  app.post('/api/query/gexp', { config: { scope: 'read' }, schema: GEXP_POST_SCHEMA }, async (request, reply) => {
    const deps = options.deps();
    const qs = (request.query ?? {}) as QueryString;
    const query = parseQueryBody(request.body, deps.aggregators, { arrays: qs.arrays !== undefined, exact: false });
    await executeSubQueries(query, deps, requestBudget(reply, deps.limits));
    const message = 'Cannot invoke "java.util.List.size()" because "this.val$expressions" is null';
    throw new ApiError(400, message, message);
  });
  app.get('/api/query/gexp', { config: { scope: 'read', multiValueParams: ['m', 'tsuid', 'exp'] }, schema: GEXP_GET_SCHEMA }, async (request, reply) => {
    const started = performance.now();
    try {
      const deps = options.deps();
      const qs = (request.query ?? {}) as QueryString;
      if (qs.start === undefined) throw new ApiError(400, 'Missing parameter <code>start</code>');
      const metricQueries: string[] = [];
      const trees = parseGexp(list(qs.exp), metricQueries);
      // QueryRpc.parseQuery: the m= sub-queries, then the expressions' metric queries
      const query = parseQueryString({ ...qs, m: [...list(qs.m), ...metricQueries] }, deps.aggregators);
      const budget = requestBudget(reply, deps.limits);
      // show_stats and show_summary as on /api/query (OpenTSDB's gexp answers them too)
      const trace = query.showStats || query.showSummary ? new QueryTrace() : undefined;
      const json = await trackQuery(request, reply, options.queries, query, sourceFromQueryString(qs), budget, async () => {
        const subResults = await executeSubQueries(query, deps, budget, trace);
        const inputs: ExpSeries[][] = subResults.map((rs) => rs.flatMap((r) => fromResult(r) ?? []));
        const series: ExpSeries[] = [];
        for (const t of trees) series.push(...(await evaluateGexp(t, inputs, query, budget)));
        return serializeResults(
          series.map((s) => toResult(s, query)),
          query,
          budget,
          trace,
        );
      });
      options.stats.recordSuccess(performance.now() - started);
      reply.type('application/json; charset=UTF-8');
      return options.jsonp ? wrapJsonp(request, json) : json;
    } catch (err) {
      options.stats.recordFailure(err);
      throw err;
    }
  });
}
