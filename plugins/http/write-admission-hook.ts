/**
 * Puts Admission in front of every write route (scope `write`, lib/auth's
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
 * sent (at most LINGER_MS, linger.ts), so the client reads the 503 instead of a connection reset.
 *
 * A connection's write requests are handled one after another, in the order they came:
 * a client may send its next request before the answer to the one before (HTTP/1.1
 * pipelining), Node hands both over at once, and bodies read on two parse workers finish
 * in any order, so the later write could land first and an older value win. OpenTSDB's
 * Netty pipeline handles a channel's requests one by one. A write waits, before it takes
 * its admission turn, until the write before it on its connection has closed its
 * response; a client that waits for each answer never waits here. Any other request (a
 * query) waits the same way for the writes before it on its connection, so that it reads
 * what they wrote.
 */
import type { FastifyBaseLogger, FastifyInstance, FastifyRequest } from 'fastify';
import { requiredScope } from '../../lib/auth';
import { errorBody } from './errors';
import { discardBody, LINGER_MS } from './linger';
import { onSocketClose } from './socket-close';
import type { Admission } from '../../lib/http';

/** A write request's place on its connection: `done` once its response or connection closed. */
interface WritePlace {
  done: boolean;
  closed: Promise<void>;
}

/** Ms a write's body may take before its rate is checked (Kestrel's grace period). */
const BODY_RATE_GRACE_MS = 5000;
/** Ms before the contended rate is checked: long enough for a body's first packets. */
const CONTENDED_GRACE_MS = 500;
/** How often a write's body rate is checked, in ms. */
const BODY_RATE_CHECK_MS = 250;

/** The body rates a write holding a turn must keep (bytes/s; 0: no check). */
export interface BodyRates {
  /** at all times, from BODY_RATE_GRACE_MS after it got its turn */
  min: number;
  /** while other writes wait for a turn, from CONTENDED_GRACE_MS after it got its turn */
  contended: number;
}

/**
 * Closes the connection of a write whose body, averaged since it got its turn, arrives
 * slower than `rates.min` bytes/s (from BODY_RATE_GRACE_MS on) or, while `contended()`
 * (other writes wait), slower than `rates.contended` (from CONTENDED_GRACE_MS on). Why the
 * second: four clients each sending a body a few hundred bytes a second, above the plain
 * minimum, held every turn until requestTimeoutMs (5 min) and every other HTTP write got
 * a 503; a turn goes to a body that arrives, as nginx and Kestrel drop slow bodies
 * (client_body_timeout, MinRequestBodyDataRate), but only when someone waits for it.
 * Stops once the body is in or the response closed; one timer a write, nothing per byte.
 */
function watchBodyRate(request: FastifyRequest, rates: BodyRates, contended: () => boolean, log: FastifyBaseLogger): () => void {
  const socket = request.raw.socket;
  const startBytes = socket.bytesRead;
  const started = performance.now();
  const timer = setInterval(() => {
    if (request.raw.complete || socket.destroyed) {
      clearInterval(timer);
      return;
    }
    const elapsedMs = performance.now() - started;
    if (elapsedMs < CONTENDED_GRACE_MS) return;
    const rate = ((socket.bytesRead - startBytes) * 1000) / elapsedMs;
    const waiting = rates.contended > 0 && contended();
    const tooSlow = (waiting && rate < rates.contended) || (rates.min > 0 && elapsedMs >= BODY_RATE_GRACE_MS && rate < rates.min);
    if (!tooSlow) return;
    clearInterval(timer);
    log.warn(
      { url: request.url, remote: socket.remoteAddress, bytesPerSecond: Math.round(rate), ...(waiting ? { minContendedWriteBodyBytesPerSecond: rates.contended } : { minWriteBodyBytesPerSecond: rates.min }) },
      waiting ? 'a write request body arrives too slowly while other writes wait: its connection is closed and its write turn freed' : 'a write request body arrives too slowly: its connection is closed and its write turn freed',
    );
    socket.destroy();
  }, BODY_RATE_CHECK_MS);
  timer.unref();
  return () => clearInterval(timer);
}

export function installWriteAdmission(app: FastifyInstance, admission: Admission, rates: BodyRates = { min: 0, contended: 0 }, log?: FastifyBaseLogger): void {
  /** each connection's latest write request */
  const lastWrite = new WeakMap<object, WritePlace>();
  app.addHook('onRequest', async (request, reply) => {
    const expectsContinue = String(request.headers.expect ?? '').toLowerCase() === '100-continue';
    if (request.is404 || requiredScope(request.routeOptions.config?.scope, request.method) !== 'write') {
      if (expectsContinue) reply.raw.writeContinue();
      // a read pipelined behind writes on its connection waits for them: it sees what they
      // wrote, as behind Netty's one-by-one pipeline (a query sent right after 20 puts
      // answered "No such name" while they were still queued)
      const earlier = request.is404 ? undefined : lastWrite.get(request.raw.socket);
      if (earlier && !earlier.done) await earlier.closed;
      return;
    }
    const socket = request.raw.socket;
    const response = reply.raw;
    let held = false;
    let closed = false;
    let cancel: (() => void) | undefined;
    // its place in the connection's order, taken now: hooks run in the order requests came
    const earlier = lastWrite.get(socket);
    let placeDone!: () => void;
    const place: WritePlace = { done: false, closed: new Promise<void>((resolve) => (placeDone = resolve)) };
    lastWrite.set(socket, place);
    let offSocket = (): void => undefined;
    let stopWatch = (): void => undefined;
    const onClose = (): void => {
      offSocket();
      stopWatch();
      response.removeListener('close', onClose);
      if (closed) return;
      closed = true;
      place.done = true;
      placeDone();
      if (held) admission.release();
      else cancel?.();
    };
    response.once('close', onClose);
    offSocket = onSocketClose(socket, onClose);
    if (socket.destroyed) onClose();
    if (earlier && !earlier.done && !closed) {
      await earlier.closed;
      if (closed) return reply.hijack();
    }
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
    if ((rates.min > 0 || rates.contended > 0) && log && !request.raw.complete) stopWatch = watchBodyRate(request, rates, () => admission.queued > 0, log);
    if (expectsContinue) response.writeContinue();
  });
}
