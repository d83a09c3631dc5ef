/**
 * Puts one /api/query (or /api/query/gexp) request in the running-queries registry for
 * its lifetime: started once its parameters are read and checked (as OpenTSDB's QueryRpc
 * creates its QueryStats), finished with the status of its answer, marked sent when the
 * answer has left. The work runs under `budget.race`, so a cancel answers the client at once.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ANYONE } from '../../../lib/auth';
import type { QueryBudget } from '../../../lib/opentsdb';
import type { TsQuery } from '../model';
import { printableHeaders, type RunningQueries } from '../running-queries';
import { tsQueryEcho, type QuerySource } from '../tsquery-echo';

/** The status an error is answered with (the http plugin's handleError: storage outages are 503). */
function statusOf(err: unknown): number {
  const code = (err as { code?: unknown }).code;
  if (code === 'DSDB_ERR_STORAGE_UNAVAILABLE' || code === 'DSDB_ERR_STORAGE_CLOSED') return 503;
  const status = (err as { statusCode?: unknown }).statusCode;
  return typeof status === 'number' && status >= 400 ? status : 500;
}

/** Runs `work` as a tracked query; its result or error passes through. */
export async function trackQuery<T>(
  request: FastifyRequest,
  reply: FastifyReply,
  queries: RunningQueries,
  query: TsQuery,
  source: QuerySource,
  budget: QueryBudget,
  work: () => Promise<T>,
): Promise<T> {
  const socket = request.raw.socket;
  const principal = request.principal;
  const run = queries.start(
    {
      query: tsQueryEcho(query, source),
      remote: `/${socket?.remoteAddress ?? 'unknown'}:${socket?.remotePort ?? 0}`,
      user: principal && principal !== ANYONE ? principal.name : null,
      headers: printableHeaders(request.raw.rawHeaders),
    },
    budget,
  );
  let status = 200;
  let error: unknown;
  try {
    return await budget.race(work());
  } catch (err) {
    status = statusOf(err);
    error = err;
    throw err;
  } finally {
    const entry = queries.finish(run, status, error);
    if (entry) {
      reply.raw.once('finish', () => queries.sent(entry, true));
      reply.raw.once('close', () => {
        if (!reply.raw.writableFinished) queries.sent(entry, false);
      });
    }
  }
}
