/**
 * `/api/stats/query` (GET, POST): OpenTSDB 2.4.1's StatsRpc "query" endpoint — the running
 * queries and the last 256 completed ones (QueryStats.getRunningAndCompleteStats), each
 * entry with DSDB's own `id` besides OpenTSDB's fields.
 *
 * `DELETE /api/stats/query?id=N` (DSDB's own; OpenTSDB answers 405): cancels running query
 * N. Its client is answered at once with 400 "Query cancelled" (OpenTSDB's error JSON,
 * details naming who cancelled it); its work stops at its next check and what it built is
 * dropped. Answers 200 with the cancelled query's running entry, 400 for a missing or
 * malformed id, 404 when no query with that id is running. Needs the admin scope.
 */
import type { FastifyInstance, FastifySchema } from 'fastify';
import { ANYONE } from '../../../lib/auth';
import { ApiError } from '../../../lib/opentsdb';
import type { RunningQueries } from '../running-queries';
import { exactJson } from '../tsquery-echo';

const TAGS = ['stats'];

/** The route's OpenAPI description (summary and tags are @fastify/swagger's, not in FastifySchema's type). */
const describe = (schema: Record<string, unknown>): FastifySchema => schema as FastifySchema;

export function registerStatsQueryRoute(app: FastifyInstance, queries: RunningQueries): void {
  app.route({
    method: ['GET', 'POST'],
    url: '/api/stats/query',
    config: { scope: 'read' },
    schema: describe({
      summary: 'Running and recently completed queries, with their timings (OpenTSDB QueryStats)',
      tags: TAGS,
    }),
    handler: async (_request, reply) => {
      reply.type('application/json; charset=UTF-8');
      return exactJson(queries.toJson());
    },
  });
  app.route({
    method: 'DELETE',
    url: '/api/stats/query',
    config: { scope: 'admin' },
    schema: describe({
      summary: 'Cancel a running query by its id (DSDB)',
      tags: TAGS,
      querystring: { type: 'object', properties: { id: { type: 'string', description: 'the id /api/stats/query lists' } } },
    }),
    handler: async (request, reply) => {
      const raw = (request.query as Record<string, string | string[] | undefined>)?.id;
      const text = Array.isArray(raw) ? raw[0] : raw;
      if (text === undefined || text === '') throw new ApiError(400, 'Missing parameter <code>id</code>');
      if (!/^\d{1,15}$/.test(text)) throw new ApiError(400, `Invalid id: ${text}`, 'id is the integer /api/stats/query lists for a running query');
      const principal = request.principal;
      const by = principal && principal !== ANYONE ? principal.name : 'an administrator';
      const run = queries.cancel(Number(text), by);
      if (!run) throw new ApiError(404, `No running query with id ${text}`, 'It has finished, was cancelled, or never ran; /api/stats/query lists the running ones');
      reply.type('application/json; charset=UTF-8');
      return exactJson(run.toJson());
    },
  });
}
