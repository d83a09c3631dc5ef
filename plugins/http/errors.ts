import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';

/** OpenTSDB's error body: `{"error":{"code","message","details"}}` (HttpSerializer.formatErrorV1). */
export interface OpenTsdbErrorBody {
  error: { code: number; message: string; details?: string };
}

export function errorBody(code: number, message: string, details?: string): OpenTsdbErrorBody {
  return { error: details ? { code, message, details } : { code, message } };
}

/** Maps any error a route throws (ApiError, fastify's own, a bug) to OpenTSDB's form. */
export function handleError(error: FastifyError & { details?: string }, request: FastifyRequest, reply: FastifyReply): void {
  let status = typeof error.statusCode === 'number' && error.statusCode >= 400 ? error.statusCode : 500;
  let message = error.message || 'An unknown exception occurred';
  if (error.code === 'FST_ERR_CTP_EMPTY_JSON_BODY') message = 'Missing request content';
  if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
    status = 413;
    // the rest of a body dropped for LINGER_MS and still coming: the connection cannot carry another request
    if (!request.raw.complete) reply.header('connection', 'close');
  }
  const code = (error as { code?: unknown }).code;
  if (code === 'DSDB_ERR_STORAGE_UNAVAILABLE' || code === 'DSDB_ERR_STORAGE_CLOSED') {
    // The backend is out (MariaDB down, shutting down): retryable, not a bug.
    status = 503;
    reply.header('retry-after', '5');
    request.log.warn({ err: error }, 'storage unavailable');
    reply.code(status).type('application/json; charset=UTF-8').send(errorBody(status, 'Storage is unavailable', message));
    return;
  }
  if (status >= 500) request.log.error({ err: error }, 'request failed');
  reply.code(status).type('application/json; charset=UTF-8').send(errorBody(status, message, error.details));
}
