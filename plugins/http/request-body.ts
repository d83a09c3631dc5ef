/**
 * Reads every request body into one Buffer (fastify's `parseAs: 'buffer'`, which this
 * replaces: the same limits and errors), and for a route whose config asks for
 * `sharedBody` (lib/http) straight into shared memory lent from a pool and taken back when
 * the response is sent. Bodies over MAX_SHARED_BYTES (4 MiB) stay ordinary buffers (see
 * lib/opentsdb/shared-bytes.ts why), so a Content-Length reserves at most that much before
 * the bytes arrive. A body over the route's `bodyLimit` is read to its end and dropped
 * (at most LINGER_MS, linger.ts) before the 413 is sent, so the client reads the 413
 * rather than a connection reset.
 *
 * Why: an `/api/put` body is read on a parse worker. Gathered as chunks and joined, then
 * copied into shared memory for the worker, each body was allocated and copied twice on
 * the storage thread (~1 GiB each in a 10M-point load), and V8 answers that much fresh
 * external memory with a young collection every ~100 ms. Written into a lent buffer as it
 * arrives, it is copied once, into memory a steady stream of bodies reuses.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fastify from 'fastify';
import { copyIntoShared, MAX_SHARED_BYTES, SharedBufferPool } from '../../lib/opentsdb';
import { discardBody, LINGER_MS } from './linger';

const { FST_ERR_CTP_BODY_TOO_LARGE, FST_ERR_CTP_INVALID_CONTENT_LENGTH } = fastify.errorCodes;

/** First size of a shared body whose length the request does not say (chunked, compressed). */
const UNKNOWN_LENGTH_BYTES = 64 * 1024;

type Done = (err: Error | null, body?: Buffer) => void;

/**
 * A media type fastify accepts (`type/subtype`, optional parameters); fastify answers any
 * other Content-Type with 415 before a body reader runs. OpenTSDB reads every body whatever
 * its Content-Type says, so such a header is dropped and the body read as one without it.
 */
const MEDIA_TYPE = /^\s*[\w!#$%&'*+.^`|~-]+\/[\w!#$%&'*+.^`|~-]+\s*(;|$)/;

/**
 * Installs the body reader on `app` for every content type.
 * @param maxLent shared buffers kept between requests (about the write routes' concurrency)
 */
export function installRequestBody(app: FastifyInstance, maxLent: number): void {
  const pool = new SharedBufferPool(maxLent);
  const lent = new WeakMap<FastifyRequest, Buffer>();
  app.removeAllContentTypeParsers();
  app.addHook('onRequest', (request, _reply, done) => {
    const type = request.raw.headers['content-type'];
    if (type !== undefined && !MEDIA_TYPE.test(type)) delete request.raw.headers['content-type'];
    done();
  });
  app.addContentTypeParser('*', (request, payload, done) => readBody(request, payload, done as Done, request.routeOptions.config?.sharedBody === true ? pool : undefined, lent));
  app.addHook('onResponse', async (request) => {
    const buffer = lent.get(request);
    if (buffer === undefined) return;
    lent.delete(request);
    pool.release(buffer);
  });
}

function readBody(request: FastifyRequest, payload: NodeJS.ReadableStream, done: Done, pool: SharedBufferPool | undefined, lent: WeakMap<FastifyRequest, Buffer>): void {
  const limit = request.routeOptions.bodyLimit ?? Infinity;
  const header = request.headers['content-length'];
  const contentLength = header === undefined ? NaN : Number(header);
  // refused unread: the body is dropped first (a lingering close), so the client reads the 413
  const refuseTooLarge = (): void => void discardBody(request.raw, LINGER_MS).then(() => done(new FST_ERR_CTP_BODY_TOO_LARGE()));
  if (contentLength > limit) return refuseTooLarge();
  const encoded = request.headers['content-encoding'] !== undefined;
  const stream = payload as NodeJS.ReadableStream & { receivedEncodedLength?: number };
  let received = 0;
  const chunks: Buffer[] = [];
  // a shared body (up to MAX_SHARED_BYTES; a larger one is gathered as chunks): the lent buffer, filled to `received`
  let sharing = pool !== undefined && !(!encoded && contentLength > MAX_SHARED_BYTES);
  let shared: Buffer | undefined;

  const onData = (data: Buffer | string): void => {
    // a preParsing stream may emit strings
    const chunk = typeof data === 'string' ? Buffer.from(data) : data;
    received += chunk.length;
    // the body after inflating must stay within the limit too (a "zip bomb")
    if (received > limit || (stream.receivedEncodedLength ?? 0) > limit) {
      stop();
      refuseTooLarge();
      return;
    }
    const at = received - chunk.length;
    if (sharing && received > MAX_SHARED_BYTES) {
      // too large for shared memory (shared-bytes.ts): gathered as chunks from here on
      sharing = false;
      if (shared !== undefined) {
        chunks.push(Buffer.from(shared.subarray(0, at)));
        lent.delete(request);
        pool!.release(shared);
        shared = undefined;
      }
    }
    if (!sharing) return void chunks.push(chunk);
    if (shared === undefined || received > shared.length) {
      // sized by Content-Length when the bytes are the body's as sent; grown by doubling otherwise
      const first = !encoded && contentLength >= received ? contentLength : UNKNOWN_LENGTH_BYTES;
      const wanted = Math.max(received, shared ? shared.length * 2 : first);
      const grown = pool!.take(Math.max(received, Math.min(wanted, MAX_SHARED_BYTES, limit)));
      if (shared !== undefined) {
        copyIntoShared(grown, 0, shared, 0, at);
        pool!.release(shared);
      }
      shared = grown;
      lent.set(request, grown);
    }
    copyIntoShared(shared, at, chunk, 0, chunk.length);
  };

  const onEnd = (err?: Error & { statusCode?: number }): void => {
    stop();
    if (err != null) {
      if (!(typeof err.statusCode === 'number' && err.statusCode >= 400)) err.statusCode = 400;
      return done(err);
    }
    if (!Number.isNaN(contentLength) && (stream.receivedEncodedLength || received) !== contentLength) return done(new FST_ERR_CTP_INVALID_CONTENT_LENGTH());
    done(null, sharing ? (shared ?? Buffer.alloc(0)).subarray(0, received) : Buffer.concat(chunks, received));
  };

  const stop = (): void => {
    payload.removeListener('data', onData);
    payload.removeListener('end', onEnd);
    payload.removeListener('error', onEnd);
  };

  payload.on('data', onData);
  payload.on('end', onEnd);
  payload.on('error', onEnd);
  payload.resume();
}
