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
 * How long a query may still run after its client's FIN, in ms. The http plugin keeps
 * connections half-open so that a client that sends and then shuts down its side
 * (`nc -N`) still reads its answers; but a browser, Grafana cancelling a panel and
 * `curl -m` close with the same FIN, and their query would run to its end (up to
 * `timeoutMs`) for nobody. A FIN cannot tell the two apart (the peer's state is not
 * seen), so a query that has not answered within this grace is cancelled (499), as nginx
 * takes a client's EOF for an abort. Quick queries over `nc -N` are answered.
 */
export const HALF_CLOSED_QUERY_GRACE_MS = 1000;

/**
 * The budget of one request's query: its limits and time slice, cancelled when the
 * client closes the connection before the answer is sent, or HALF_CLOSED_QUERY_GRACE_MS
 * after its FIN (the work stops at its next yield and its memory is freed).
 */
export function requestBudget(reply: FastifyReply, limits: QueryLimits, graceMs = HALF_CLOSED_QUERY_GRACE_MS): QueryBudget {
  const budget = new QueryBudget(limits);
  const response = reply.raw;
  // an injected request (/q runs its queries in-process) has no socket of its own
  const socket = reply.request.raw.socket as (NodeJS.EventEmitter & { readableEnded?: boolean }) | null;
  let timer: NodeJS.Timeout | undefined;
  const onFin = (): void => {
    timer = setTimeout(() => {
      if (!response.writableFinished) budget.cancel(new ApiError(499, 'Client closed the request', `the client ended its side of the connection and the query ran on ${graceMs} ms after`));
    }, graceMs);
    timer.unref();
  };
  if (socket && typeof socket.once === 'function') {
    if (socket.readableEnded) onFin();
    else socket.once('end', onFin);
  }
  response.once('close', () => {
    socket?.removeListener?.('end', onFin);
    clearTimeout(timer);
    if (!response.writableFinished) budget.cancel();
  });
  return budget;
}

/** `?jsonp=fn` wraps the JSON in `fn(...)`. */
export function wrapJsonp(request: FastifyRequest, json: string): string {
  const fn = (request.query as Record<string, string | undefined>)?.jsonp;
  return fn && /^[A-Za-z_$][\w$.]*$/.test(fn) ? `${fn}(${json})` : json;
}
