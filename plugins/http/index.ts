/**
 * The HTTP plugin: detects HTTP on the shared port and hands those connections to a
 * fastify app that never listens itself. Serves `GET /api/version`, OpenTSDB's routing
 * rules (`/api/v1/x` = `/api/x`, `/api/v2+` → 501, unknown → 404 JSON, wrong method →
 * 405) and error JSON. Other plugins add routes on the `http.routes` hook.
 */
import http from 'node:http';
import zlib from 'node:zlib';
import fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { definePlugin, Type, type Duplex } from './deps';
import { detectHttp } from './detect';
import { errorBody, handleError } from './errors';
import { getHttpHooks } from '../../lib/http';

const ALLOWED_METHODS = new Set(['GET', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'HEAD']);
const ROUTE_METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'OPTIONS'] as const;

export default definePlugin({
  name: 'http',
  provides: ['hook:http.routes'],
  options: Type.Object(
    {
      /** largest request body accepted, in bytes (after decompression) */
      bodyLimit: Type.Integer({ minimum: 1024, default: 64 * 1024 * 1024 }),
      /** idle keep-alive connections are closed after this many ms */
      keepAliveTimeoutMs: Type.Integer({ minimum: 0, default: 60_000 }),
    },
    { additionalProperties: false },
  ),
  register({ hooks, container, log }, options) {
    let server: http.Server | undefined;
    let app: FastifyInstance | undefined;

    const match = {
      protocol: 'http',
      accept(socket: Duplex) {
        if (!server) return socket.destroy();
        server.emit('connection', socket);
        socket.resume();
      },
    };
    hooks.net.detectProtocol.tap('http', (head) => detectHttp(head, match));

    hooks.kernel.starting.tapPromise('http', async () => {
      app = fastify({
        loggerInstance: log as FastifyBaseLogger,
        // Per-request log lines would dominate the log of a busy ingest daemon.
        logController: new LogController({ disableRequestLogging: true }),
        bodyLimit: options.bodyLimit,
        keepAliveTimeout: options.keepAliveTimeoutMs,
        serverFactory: (handler) => {
          server = http.createServer(handler);
          return server;
        },
        // OpenTSDB routes `/api/v1/x` like `/api/x`.
        rewriteUrl: (req) => (req.url ?? '/').replace(/^\/api\/v1(?=\/|\?|$)/i, '/api'),
      });
      installOpenTsdbConventions(app);
      const buildInfo = container.resolve('buildInfo');
      app.route({
        method: ['GET', 'POST'],
        url: '/api/version',
        handler: async () => buildInfo,
      });
      await getHttpHooks(hooks).routes.promise(app);
      await app.ready();
    });

    hooks.kernel.stopping.tapPromise('http', async () => {
      if (!server || !app) return;
      // The server never listened, so fastify's close() alone would not end keep-alive
      // sockets: end idle ones now, the busy ones once their response is sent.
      server.closeIdleConnections();
      const closing = app.close().catch(() => undefined);
      const timer = setTimeout(() => server?.closeAllConnections(), 2000).unref();
      await closing;
      clearTimeout(timer);
      server.closeAllConnections();
    });
  },
});

/**
 * Pipes a compressed body through `inflater`. fastify compares Content-Length with the
 * stream's `receivedEncodedLength` when present (else with the inflated size, which
 * never matches), so count the compressed bytes as they arrive.
 */
function inflated(payload: NodeJS.ReadableStream, inflater: zlib.Gunzip | zlib.Inflate): NodeJS.ReadableStream {
  const counted = inflater as unknown as { receivedEncodedLength: number };
  counted.receivedEncodedLength = 0;
  payload.on('data', (chunk: Buffer) => {
    counted.receivedEncodedLength += chunk.length;
  });
  payload.on('error', (err: Error) => inflater.destroy(err));
  return payload.pipe(inflater);
}

function installOpenTsdbConventions(app: FastifyInstance): void {
  // Bodies arrive raw: each endpoint parses its own formats, so that it can answer bad
  // input with OpenTSDB's exact messages. gzip/deflate request bodies are inflated.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
  app.addHook('preParsing', async (request, _reply, payload) => {
    const encoding = String(request.headers['content-encoding'] ?? '').toLowerCase();
    if (encoding === 'gzip' || encoding === 'x-gzip') return inflated(payload, zlib.createGunzip());
    if (encoding === 'deflate') return inflated(payload, zlib.createInflate());
    return payload;
  });
  app.addHook('onRequest', async (request, reply) => {
    if (!ALLOWED_METHODS.has(request.method)) {
      // OpenTSDB answers a bare 405 and closes the connection.
      reply.code(405).header('connection', 'close').send();
      return reply;
    }
    const version = /^\/api\/v(\d+)(?:\/|\?|$)/i.exec(request.url);
    if (version && Number(version[1]) > 1) {
      reply.code(501).send(errorBody(501, 'Requested API version is greater than the max implemented'));
      return reply;
    }
  });
  app.setErrorHandler(handleError);
  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0]!;
    const other = ROUTE_METHODS.filter((method) => app.hasRoute({ url: path, method }));
    if (other.length > 0) {
      reply.code(405).header('allow', other.join(', '));
      reply.send(errorBody(405, 'Method not allowed', `The HTTP method [${request.method}] is not permitted for this endpoint`));
      return;
    }
    if (path.startsWith('/api/') || path === '/api') {
      reply.code(404).send(errorBody(404, 'Endpoint not found'));
      return;
    }
    if ('json' in (request.query as Record<string, unknown>)) {
      reply.code(404).send({ err: 'Page Not Found' });
      return;
    }
    reply.code(404).type('text/html; charset=UTF-8').send('<!DOCTYPE html><html><head><title>Page Not Found</title></head><body><h1>Page Not Found</h1></body></html>');
  });
  // JSON replies carry OpenTSDB's content type.
  app.addHook('onSend', async (_request, reply, payload) => {
    const type = reply.getHeader('content-type');
    if (typeof type === 'string' && type.startsWith('application/json')) reply.header('content-type', 'application/json; charset=UTF-8');
    return payload;
  });
}
