/**
 * Puts WriteAdmission in front of every write route (scope `write`, lib/auth's
 * requiredScope): the turn is taken in `onRequest`, before fastify reads the body, and
 * given back when the response closes (sent, or the connection dropped).
 */
import type { FastifyInstance } from 'fastify';
import { requiredScope } from '../../lib/auth';
import { errorBody } from './errors';
import type { WriteAdmission } from './write-admission';

export function installWriteAdmission(app: FastifyInstance, admission: WriteAdmission): void {
  app.addHook('onRequest', async (request, reply) => {
    if (request.is404 || requiredScope(request.routeOptions.config?.scope, request.method) !== 'write') return;
    let held = false;
    let closed = false;
    // 'close' comes once the response is sent or the client has gone, whichever is first
    reply.raw.once('close', () => {
      closed = true;
      if (held) admission.release();
    });
    // while it waits nothing reads the body: Node's HTTP server stops reading the socket
    // once the request's buffer is full (16 KiB), and the rest stays with the client
    const turn = admission.acquire();
    const admitted = turn === true || (await turn);
    if (!admitted) {
      // the body was never read: closing is cheaper than reading it to keep the connection
      reply
        .code(503)
        .header('retry-after', String(Math.max(1, Math.ceil(admission.queueTimeoutMs / 1000))))
        .header('connection', 'close')
        .send(errorBody(503, 'Too many write requests in progress', `waited ${admission.queueTimeoutMs} ms behind ${admission.maxConcurrent} write requests (http maxConcurrentWrites)`));
      return reply;
    }
    if (closed) {
      // the client left while it waited: the turn goes to the next one
      admission.release();
      return;
    }
    held = true;
  });
}
