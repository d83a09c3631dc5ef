/**
 * Puts WriteAdmission in front of every write route (scope `write`, lib/auth's
 * requiredScope): the turn is taken in `onRequest`, before fastify reads the body, and
 * given back when the response closes or the connection does, whichever comes first.
 * Both, because a pipelined request's response gets no socket until the responses
 * before it are sent: when the client goes first, that response never emits 'close'.
 *
 * `Expect: 100-continue` is answered here too (the server passes such requests on without
 * answering them, see index.ts): at once for other routes, and for a write only once it
 * has its turn, so that a client waiting for the go-ahead sends no body that would lie
 * unread in the queue.
 *
 * A write refused with 503 after its wait has its body read and dropped before the 503 is
 * sent (at most LINGER_MS), so the client reads the 503 instead of a connection reset.
 */
import type { IncomingMessage } from 'node:http';
import type { FastifyInstance } from 'fastify';
import { requiredScope } from '../../lib/auth';
import { errorBody } from './errors';
import type { WriteAdmission } from './write-admission';

/** How long (ms) a refused write's body is read and dropped before its 503 is sent regardless (nginx's lingering_time default). */
export const LINGER_MS = 30_000;

/** Reads `request`'s body to its end and drops it; true when it ended within `limitMs`, false on timeout or when the client left. */
function discardBody(request: IncomingMessage, limitMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const finish = (ended: boolean): void => {
      clearTimeout(timer);
      request.removeListener('end', onEnd);
      request.removeListener('close', onClose);
      resolve(ended);
    };
    const onEnd = (): void => finish(true);
    const onClose = (): void => finish(request.complete);
    const timer = setTimeout(() => finish(false), limitMs);
    request.once('end', onEnd);
    request.once('close', onClose);
    request.resume();
  });
}

export function installWriteAdmission(app: FastifyInstance, admission: WriteAdmission): void {
  app.addHook('onRequest', async (request, reply) => {
    const expectsContinue = String(request.headers.expect ?? '').toLowerCase() === '100-continue';
    if (request.is404 || requiredScope(request.routeOptions.config?.scope, request.method) !== 'write') {
      if (expectsContinue) reply.raw.writeContinue();
      return;
    }
    const socket = request.raw.socket;
    const response = reply.raw;
    let held = false;
    let closed = false;
    let cancel: (() => void) | undefined;
    const onClose = (): void => {
      socket.removeListener('close', onClose);
      response.removeListener('close', onClose);
      if (closed) return;
      closed = true;
      if (held) admission.release();
      else cancel?.();
    };
    response.once('close', onClose);
    socket.once('close', onClose);
    if (socket.destroyed) onClose();
    // while it waits nothing reads the body: Node's HTTP server stops reading the socket
    // once the request's buffer is full (16 KiB), and the rest stays with the client
    const taken = closed ? false : admission.acquire();
    let admitted = taken === true;
    if (taken !== true && taken !== false) {
      cancel = taken.cancel;
      admitted = await taken.turn;
    }
    if (closed) {
      // the client left while it waited: a turn handed over meanwhile goes to the next one
      if (admitted) admission.release();
      return reply.hijack();
    }
    if (!admitted) {
      // Closing a socket with unread bytes in it makes the kernel send RST: a client that
      // writes its whole body before it reads (Python's urllib) would get a broken pipe, not
      // the 503. So the body is read and dropped first (a lingering close, as nginx's
      // lingering_time), for at most LINGER_MS. A client that sent `Expect: 100-continue`
      // has sent no body unless it tired of waiting for the go-ahead (curl and Go send it
      // after 1 s): with none arrived it is answered at once and closed.
      const bodyComing = !expectsContinue || request.raw.readableLength > 0;
      const drained = request.raw.complete || (bodyComing && (await discardBody(request.raw, LINGER_MS)));
      if (closed) return reply.hijack();
      reply
        .code(503)
        .header('retry-after', String(Math.max(1, Math.ceil(admission.queueTimeoutMs / 1000))));
      if (!drained) reply.header('connection', 'close');
      reply.send(errorBody(503, 'Too many write requests in progress', `waited ${admission.queueTimeoutMs} ms behind ${admission.maxConcurrent} write requests (http maxConcurrentWrites)`));
      return reply;
    }
    held = true;
    if (expectsContinue) response.writeContinue();
  });
}
