/** `/api/query`: GET (m=/tsuid=), POST (JSON) and DELETE (only with allowDelete). */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { allows } from '../../../lib/auth';
import { ApiError, QueryBudget, type QueryLimits } from '../../../lib/opentsdb';
import { routeWithBody } from '../../../lib/http';
import { executeQuery, type QueryEngineDeps } from '../engine';
import type { TsQuery } from '../model';
import { parseJsonBody, parseQueryBody } from '../parse-json';
import { parseQueryString, type QueryString } from '../parse-uri';
import { serializeResults } from '../serializer';
import { QueryTrace } from '../query-trace';
import type { RunningQueries } from '../running-queries';
import type { QueryStats } from '../stats';
import { QUERY_SCHEMA } from './schemas';
import { sourceFromBody, sourceFromQueryString } from '../tsquery-echo';
import { trackQuery } from './track-query';

export interface QueryRouteOptions {
  allowDelete: boolean;
  /** honour `?jsonp=fn` */
  jsonp: boolean;
  deps: () => QueryEngineDeps;
  stats: QueryStats;
  /** running and completed queries, for /api/stats/query */
  queries: RunningQueries;
}

const DELETE_DISABLED = 'Deleting data is not enabled (tsd.http.query.allow_delete=false)';

export function registerQueryRoute(app: FastifyInstance, options: QueryRouteOptions): void {
  routeWithBody(app, {
    method: ['GET', 'POST', 'DELETE'],
    url: '/api/query',
    // a POST whose body asks to delete needs admin too: checked once the body is read
    config: { scope: { GET: 'read', POST: 'read', DELETE: 'admin' }, multiValueParams: ['m', 'tsuid'] },
    schema: QUERY_SCHEMA,
    handler: async (request, reply) => {
      const started = performance.now();
      try {
        const deps = options.deps();
        const qs = (request.query ?? {}) as QueryString;
        if (request.method === 'DELETE' && !options.allowDelete) throw new ApiError(400, 'Bad request', DELETE_DISABLED);
        const query: TsQuery = request.method === 'POST' ? parseQueryBody(request.body, deps.aggregators, { arrays: qs.arrays !== undefined, exact: qs.exact !== undefined }) : parseQueryString(qs, deps.aggregators);
        if (request.method === 'DELETE') query.delete = true;
        if (query.delete && !allows(request.principal, 'admin')) throw new ApiError(403, 'Forbidden', 'deleting data needs the admin scope');
        if (query.delete && !options.allowDelete) throw new ApiError(400, 'Bad request', DELETE_DISABLED);
        const budget = requestBudget(reply, deps.limits);
        const source = request.method === 'POST' ? sourceFromBody(parseJsonBody(request.body)) : sourceFromQueryString(qs);
        const trace = query.showStats || query.showSummary ? new QueryTrace() : undefined;
        const json = await trackQuery(request, reply, options.queries, query, source, budget, async () => serializeResults(await executeQuery(query, deps, budget, trace), query, budget, trace));
        options.stats.recordSuccess(performance.now() - started);
        reply.type('application/json; charset=UTF-8');
        return options.jsonp ? wrapJsonp(request, json) : json;
      } catch (err) {
        options.stats.recordFailure(err);
        throw err;
      }
    },
  });
}

/**
 * The budget of one request's query: its limits and time slice, cancelled when the
 * client closes the connection before the answer is sent (the work stops at its next
 * yield and its memory is freed).
 */
export function requestBudget(reply: FastifyReply, limits: QueryLimits): QueryBudget {
  const budget = new QueryBudget(limits);
  reply.raw.once('close', () => {
    if (!reply.raw.writableFinished) budget.cancel();
  });
  return budget;
}

/** `?jsonp=fn` wraps the JSON in `fn(...)`. */
export function wrapJsonp(request: FastifyRequest, json: string): string {
  const fn = (request.query as Record<string, string | undefined>)?.jsonp;
  return fn && /^[A-Za-z_$][\w$.]*$/.test(fn) ? `${fn}(${json})` : json;
}
