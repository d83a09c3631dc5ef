/**
 * `/api/query/exp` (POST): OpenTSDB 2.4's JSON expression query — metrics, filter sets,
 * JEXL expressions joined by tags, chosen outputs — answered as OpenTSDB 2.4.1's
 * QueryExecutor does (see ../exp/). docs/http-api.md describes the request and answer.
 */
import type { FastifyInstance } from 'fastify';
import { executeExp } from '../exp/exp-executor';
import { readExpQuery, validateExpQuery } from '../exp/exp-request';
import { parseJsonBody } from '../parse-json';
import { requestBudget, type QueryRouteOptions } from './query-route';
import { EXP_SCHEMA } from './schemas';

export function registerExpRoute(app: FastifyInstance, options: QueryRouteOptions): void {
  app.post('/api/query/exp', { config: { scope: 'read' }, schema: EXP_SCHEMA }, async (request, reply) => {
    const started = performance.now();
    try {
      const deps = options.deps();
      const now = Date.now();
      const query = readExpQuery(parseJsonBody(request.body));
      validateExpQuery(query, deps.aggregators, now);
      const json = await executeExp(query, deps, now, requestBudget(reply, deps.limits));
      options.stats.recordSuccess(performance.now() - started);
      reply.type('application/json; charset=UTF-8');
      return json;
    } catch (err) {
      options.stats.recordFailure(err);
      throw err;
    }
  });
}
