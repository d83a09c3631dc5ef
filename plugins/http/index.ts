/**
 * The HTTP plugin: detects HTTP on the shared port and hands those connections to a
 * fastify app that never listens itself. Serves `GET /api/version`, OpenTSDB's routing
 * rules (`/api/v1/x` = `/api/x`, `/api/v2+` → 501, unknown → 404 JSON, wrong method →
 * 405) and error JSON. Other plugins add routes on the `http.routes` hook.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import http from 'node:http';
import os from 'node:os';
import fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { ConfigError, definePlugin, Type, type Duplex } from './deps';
import { bodyDecoder } from './content-encoding';
import { detectHttp } from './detect';
import { answerTlsWithoutTls } from './tls-without-tls';
import { errorBody, handleError } from './errors';
import { ANYONE, effectiveMethod, getAuthenticator, requiredScope } from '../../lib/auth';
import { Admission, getHttpHooks, lastQueryValues, withErrors, type RawQueryString } from '../../lib/http';
import { installAuthentication } from './authentication';
import { installOpenApi } from './openapi';
import { installRequestBody } from './request-body';
import { installWriteAdmission } from './write-admission-hook';
import { InFlightResponses } from './in-flight';

/** How long a stop waits for the answers of requests being handled before it closes their connections. */
const SEND_IN_FLIGHT_MS = 2000;
const ROUTE_METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'OPTIONS'] as const;
const versionAnswer = {
  type: 'object',
  required: ['version'],
  properties: Object.fromEntries(['version', 'short_revision', 'full_revision', 'timestamp', 'repo_status', 'user', 'host', 'repo', 'branch'].map((k) => [k, { type: 'string' }])),
};

/** The body a route with scope `none` reads at most, encoded and decoded (onRoute below). */
export const UNAUTHENTICATED_BODY_LIMIT = 64 * 1024;

export default definePlugin({
  name: 'http',
  provides: ['hook:http.routes'],
  options: Type.Object(
    {
      /** largest request body accepted, in bytes (after decompression) */
      bodyLimit: Type.Integer({ minimum: 1024, default: 64 * 1024 * 1024 }),
      /** idle keep-alive connections are closed after this many ms (OpenTSDB and docs/http-api.md: 60 s) */
      keepAliveTimeoutMs: Type.Integer({ minimum: 0, default: 60_000 }),
      /** a request whose headers are not complete this many ms after its first byte is answered 408 and closed */
      headersTimeoutMs: Type.Integer({ minimum: 1000, default: 30_000 }),
      /** a request (headers and body) not received in full this many ms after it started is answered 408 and closed */
      requestTimeoutMs: Type.Integer({ minimum: 1000, default: 300_000 }),
      /** a connection with no bytes in either direction for this many ms is closed (0: never) */
      socketIdleTimeoutMs: Type.Integer({ minimum: 0, default: 120_000 }),
      /**
       * `Host` names (without port) the daemon answers; empty: any. Set it when the port is
       * reachable from browsers, against DNS rebinding. Others are answered 421.
       */
      allowedHosts: Type.Array(Type.String(), { default: [] }),
      /**
       * Origins (`https://grafana.example.com`, or `*`) allowed to call the API from a
       * browser (CORS headers, preflight). Empty (the default): no CORS at all.
       */
      corsOrigins: Type.Array(Type.String(), { default: [] }),
      /**
       * Refuse (403) a POST/PUT/DELETE a browser sends from another origin not in
       * `corsOrigins`: a page elsewhere cannot write or delete through a simple form or
       * `text/plain` fetch. Clients that are not browsers send no `Origin` and are not affected.
       */
      refuseCrossOriginWrites: Type.Boolean({ default: true }),
      /**
       * write requests (`/api/put`, `/api/write`, …) read and processed at once; the others
       * wait, unread, for a turn (Admission). 0 (the default): two per CPU core, at least 4
       */
      maxConcurrentWrites: Type.Integer({ minimum: 0, default: 0 }),
      /** a write request that waited this many ms for its turn is answered 503 */
      writeQueueTimeoutMs: Type.Integer({ minimum: 1, default: 60_000 }),
      /**
       * A write request holding a turn whose body arrives slower than this (bytes/s,
       * averaged from 5 s after it got its turn) has its connection closed, freeing the
       * turn: a few clients trickling bodies a byte a second held every turn for
       * requestTimeoutMs (5 min). ASP.NET Kestrel's MinRequestBodyDataRate, the same default. 0: off.
       */
      minWriteBodyBytesPerSecond: Type.Integer({ minimum: 0, default: 240 }),
      /**
       * While other write requests wait for a turn, one holding a turn whose body arrives
       * slower than this (bytes/s, averaged from 0.5 s after it got its turn) has its
       * connection closed: four bodies trickling a few hundred bytes a second (above
       * minWriteBodyBytesPerSecond) held every turn for 5 minutes. 0: off.
       */
      minContendedWriteBodyBytesPerSecond: Type.Integer({ minimum: 0, default: 65_536 }),
    },
    { additionalProperties: false },
  ),
  register({ hooks, container, log, configFile, configKey }, options) {
    // Node's server ignores a request timeout shorter than the headers timeout (it checks
    // this only when the timeouts are given to its constructor, not set later, as here)
    if (options.requestTimeoutMs < options.headersTimeoutMs) {
      throw new ConfigError(configFile, `${configKey}.requestTimeoutMs`, `must be at least headersTimeoutMs (${options.headersTimeoutMs}): a shorter one would never fire`);
    }
    const admission = new Admission(options.maxConcurrentWrites || Math.max(4, 2 * os.availableParallelism()), options.writeQueueTimeoutMs);
    let server: http.Server | undefined;
    const inFlight = new InFlightResponses();
    let app: FastifyInstance | undefined;
    // Every request runs in this context, so an error no handler caught (a stream's
    // 'error' event nobody listens to, a throw in a callback) is tied to its request.
    const requests = new AsyncLocalStorage<RequestContext>();
    const onUncaught = (err: Error) => {
      const context = requests.getStore();
      if (!context) {
        // Not a request's: the default behaviour when nobody else handles it.
        if (process.listenerCount('uncaughtException') === 1) {
          log.fatal({ err }, 'uncaught exception');
          process.stderr.write(`${err?.stack ?? err}\n`);
          process.exit(1);
        }
        return;
      }
      failRequest(context, err, log);
    };

    const match = {
      protocol: 'http',
      accept(socket: Duplex) {
        if (!server) return socket.destroy();
        // A client that sends its request and half-closes (`nc -N`, `curl` over a script's
        // socket.end()) still reads the answer, as from OpenTSDB: Node's server otherwise
        // aborts every request not yet answered at the FIN (a POST whose handler awaits its
        // write got nothing). With both set, Node ends our side after the last answer.
        (socket as { allowHalfOpen?: boolean }).allowHalfOpen = true;
        server.emit('connection', socket);
        // On the next tick, not now: resumed in the same tick as the server took the socket,
        // Node's HTTP server never pauses it again, and reads every request body whole into
        // memory whether or not anything reads it (no TCP backpressure; a 48 MiB body a
        // handler had not started reading was all buffered). Resumed later, it pauses the
        // socket once a request's buffer is full, as a server that listens itself does.
        process.nextTick(() => socket.resume());
      },
    };
    hooks.net.detectProtocol.tap('http', (head) => detectHttp(head, match));
    answerTlsWithoutTls(hooks, log);

    hooks.kernel.starting.tapPromise('http', async () => {
      app = fastify({
        loggerInstance: log as FastifyBaseLogger,
        // Per-request log lines would dominate the log of a busy ingest daemon.
        logController: new LogController({ disableRequestLogging: true }),
        bodyLimit: options.bodyLimit,
        keepAliveTimeout: options.keepAliveTimeoutMs,
        serverFactory: (handler) => {
          const serve = (req: http.IncomingMessage, res: http.ServerResponse) => {
            inFlight.track(res);
            requests.run({ req, res }, () => handler(req, res));
          };
          // requireHostHeader off: OpenTSDB (Netty) serves an HTTP/1.1 request without Host
          // (one typed into nc); Node would answer it a bare 400 with an empty body
          server = http.createServer({ connectionsCheckingInterval: Math.min(1000, options.headersTimeoutMs), requireHostHeader: false }, serve);
          // `Expect: 100-continue` is answered by the app (write-admission-hook.ts), not by
          // Node before the request is seen: a queued write must not get the go-ahead
          server.on('checkContinue', serve);
          // fastify applies its timeouts only to a server it creates; this one never
          // listens either, so start node's header/request timeout checks ourselves.
          // answers to requests received before a client's FIN are still sent (see accept)
          (server as { httpAllowHalfOpen?: boolean }).httpAllowHalfOpen = true;
          server.keepAliveTimeout = options.keepAliveTimeoutMs;
          server.headersTimeout = options.headersTimeoutMs;
          server.requestTimeout = options.requestTimeoutMs;
          server.setTimeout(options.socketIdleTimeoutMs);
          server.emit('listening');
          // CONNECT is no route's: answered as any method an endpoint does not take (Node
          // would close the socket without a word)
          server.on('connect', (_req: http.IncomingMessage, socket: Duplex) => endWithError(socket, 405, 'Method not allowed', methodDetails('CONNECT')));
          return server;
        },
        // Errors fastify raises before routing (a bad URL, …) get OpenTSDB's form too.
        frameworkErrors: (error, request, reply) => handleError(error, request, reply),
        // malformed requests (Node's parser): fastify's own answer would be its 400 JSON, and
        // it would cut off a request before the bad bytes that is still being answered
        clientErrorHandler: (err: NodeJS.ErrnoException, socket: Duplex) => clientError(err, socket),
        // OpenTSDB's routes under /api as it reads them (openTsdbApiPath)
        rewriteUrl: (req) => openTsdbApiPath(req.url ?? '/'),
      });
      installOpenTsdbConventions(app, admission.maxConcurrent);
      installOriginChecks(app, options);
      // Every request is authenticated when the auth plugin registered an authenticator.
      const authenticator = getAuthenticator(container);
      if (authenticator) installAuthentication(app, authenticator);
      else app.decorateRequest('principal', { getter: () => ANYONE });
      // A route anyone may call (scope `none`: /api/version) reads at most a small body:
      // before it, nobody has authenticated, and a 61 KB gzip body inflated to 60 MiB on
      // every such connection (the body is read whole before the handler, used or not).
      app.addHook('onRoute', (route) => {
        if (route.config?.scope === 'none') route.bodyLimit = Math.min(route.bodyLimit ?? Infinity, UNAUTHENTICATED_BODY_LIMIT);
      });
      // after authentication: a request refused there takes no turn
      installWriteAdmission(app, admission, { min: options.minWriteBodyBytesPerSecond, contended: options.minContendedWriteBodyBytesPerSecond }, log);
      const buildInfo = container.resolve('buildInfo');
      const routesHook = getHttpHooks(hooks).routes;
      // before any route: the description sees every one (GET /api/openapi.json)
      await installOpenApi(app, routesHook, buildInfo);
      app.route({
        method: ['GET', 'POST'],
        url: '/api/version',
        // the version only, like telnet `version`: health checks need no credentials
        config: { scope: 'none' },
        schema: { summary: "The daemon's version (OpenTSDB's shape: every field a string)", tags: ['meta'], response: withErrors({ 200: versionAnswer }) },
        handler: async () => buildInfo,
      });
      await routesHook.promise(app);
      await app.ready();
      process.on('uncaughtException', onUncaught);
    });

    hooks.kernel.collectStats.tap('http', (collector) => {
      collector.record('http.writes.in_flight', admission.inFlight);
      collector.record('http.writes.queued', admission.queued);
      collector.record('http.writes.rejected', admission.rejected);
    });

    hooks.kernel.closed.tap('http', () => {
      process.removeListener('uncaughtException', onUncaught);
    });

    hooks.kernel.stopping.tapPromise('http', async () => {
      if (!server || !app) return;
      // The server never listened, so fastify's close() alone would neither wait for the
      // requests being handled nor end keep-alive sockets: end idle ones now, send the
      // answers in flight (at most SEND_IN_FLIGHT_MS; requests arriving meanwhile get
      // fastify's 503), then end the rest.
      server.closeIdleConnections();
      await app.close().catch(() => undefined);
      const sent = await inFlight.drained(SEND_IN_FLIGHT_MS);
      if (!sent) log.warn({ responses: inFlight.size }, 'HTTP answers still in flight at shutdown: their connections are closed');
      server.closeAllConnections();
    });
  },
});

/**
 * Pipes a compressed body through `inflater`. fastify compares Content-Length with the
 * stream's `receivedEncodedLength` when present (else with the inflated size, which
 * never matches), so count the compressed bytes as they arrive.
 */
function inflated(payload: NodeJS.ReadableStream, inflater: NonNullable<ReturnType<typeof bodyDecoder>>): NodeJS.ReadableStream {
  const counted = inflater as unknown as { receivedEncodedLength: number };
  counted.receivedEncodedLength = 0;
  payload.on('data', (chunk: Buffer) => {
    counted.receivedEncodedLength += chunk.length;
  });
  payload.on('error', (err: Error) => inflater.destroy(err));
  // fastify listens for errors only when it reads the body, which it does not for every
  // request (e.g. a GET without a content type): a corrupt body must not go unheard.
  inflater.on('error', () => undefined);
  return payload.pipe(inflater);
}

interface RequestContext {
  req: http.IncomingMessage;
  res: http.ServerResponse;
}

/** An error that escaped every handler during a request: that request fails, not the daemon. */
function failRequest({ req, res }: RequestContext, err: Error, log: { error(obj: object, msg: string): void }): void {
  log.error({ err, method: req.method, url: req.url }, 'unhandled error in a request; answering 500');
  if (res.headersSent || res.writableEnded) {
    res.destroy();
    return;
  }
  try {
    const body = JSON.stringify(errorBody(500, err?.message || 'An unknown exception occurred'));
    res.writeHead(500, { 'content-type': 'application/json; charset=UTF-8', 'content-length': Buffer.byteLength(body), connection: 'close' });
    res.end(body);
  } catch {
    res.destroy();
  }
}

/** Sockets that close once the request they carry is answered (clientError after a complete request). */
const closingAfterAnswer = new WeakSet<Duplex>();

/** A malformed or timed-out request before any route: answered in OpenTSDB's error form. */
function clientError(err: NodeJS.ErrnoException, socket: Duplex): void {
  const inFlight = (socket as { _httpMessage?: http.ServerResponse })._httpMessage;
  if (socket.writable && inFlight && !inFlight.writableFinished && inFlight.req?.complete) {
    // bad bytes after a request received whole (pipelined in one packet, `…}xyz`): it is
    // answered, then the connection closed without a word about the rest, as OpenTSDB's
    // Netty answers what it decoded; answering the bytes here would cut that request off
    if (!closingAfterAnswer.has(socket)) {
      closingAfterAnswer.add(socket);
      inFlight.once('close', () => socket.destroy());
    }
    return;
  }
  if (!socket.writable || inFlight?.headersSent) {
    socket.destroy();
    return;
  }
  if (err.code === 'HPE_INVALID_METHOD') {
    // a method Node's parser does not know (`FOO`): OpenTSDB's 405, as for any method an
    // endpoint does not take (the method read back from the request's first bytes)
    const raw = (err as { rawPacket?: Buffer }).rawPacket;
    const method = raw ? /^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,32}/.exec(raw.subarray(0, 40).toString('latin1'))?.[0] : undefined;
    if (method) return endWithError(socket, 405, 'Method not allowed', methodDetails(method));
  }
  const timeout = err.code === 'ERR_HTTP_REQUEST_TIMEOUT';
  const status = timeout ? 408 : err.code === 'HPE_HEADER_OVERFLOW' ? 431 : 400;
  const message = timeout ? 'Request timed out' : status === 431 ? 'Request header fields too large' : 'Bad request';
  endWithError(socket, status, message);
}

/** OpenTSDB's details of a 405. */
function methodDetails(method: string): string {
  return `The HTTP method [${method}] is not permitted for this endpoint`;
}

/** Writes an error answer in OpenTSDB's form on a socket no request owns, and closes it. */
function endWithError(socket: Duplex, status: number, message: string, details?: string): void {
  const body = JSON.stringify(errorBody(status, message, details));
  socket.end(
    `HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\ncontent-type: application/json; charset=UTF-8\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
  );
}

function installOpenTsdbConventions(app: FastifyInstance, maxLentBodies: number): void {
  // Bodies arrive raw: each endpoint parses its own formats, so that it can answer bad
  // input with OpenTSDB's exact messages. gzip, deflate and br request bodies are decoded
  // (content-encoding.ts).
  installRequestBody(app, maxLentBodies);
  app.addHook('preParsing', async (request, reply, payload) => {
    // no body, nothing to decode (a GET carrying the header)
    if (request.headers['transfer-encoding'] === undefined && !(Number(request.headers['content-length']) > 0)) return payload;
    const own = request.routeOptions.config?.ownContentEncodings;
    if (own && own.includes(String(request.headers['content-encoding']).trim().toLowerCase())) return payload;
    let decoder: ReturnType<typeof bodyDecoder>;
    try {
      decoder = bodyDecoder(request.headers['content-encoding']);
    } catch (err) {
      // the body is left unread: the connection cannot carry another request
      reply.header('connection', 'close');
      throw err;
    }
    return decoder ? inflated(payload, decoder) : payload;
  });
  // A repeated query-string parameter is its last value unless the route reads it as a
  // list (config.multiValueParams), as OpenTSDB's getQueryStringParam(s) answer: before
  // validation, so that the schema sees what the handler will.
  app.addHook('preValidation', async (request) => {
    if (request.query && typeof request.query === 'object') {
      request.query = lastQueryValues(request.query as RawQueryString, request.routeOptions.config?.multiValueParams);
    }
  });
  app.addHook('onRequest', async (request, reply) => {
    const version = /^\/api\/v(\d+)(?:\/|\?|$)/i.exec(request.url);
    if (version && Number(version[1]) > 1) {
      reply.code(501).send(errorBody(501, 'Requested API version is greater than the max implemented'));
      return reply;
    }
  });
  app.setErrorHandler(handleError);
  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0]!;
    // hasRoute reads its url as a route pattern: a path with `:`, `*` or `(` would throw.
    const other = /[:*()]/.test(path) ? [] : ROUTE_METHODS.filter((method) => app.hasRoute({ url: path, method }));
    if (other.length > 0) {
      reply.code(405).header('allow', other.join(', '));
      reply.send(errorBody(405, 'Method not allowed', methodDetails(request.method)));
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

interface OriginOptions {
  allowedHosts: string[];
  corsOrigins: string[];
  refuseCrossOriginWrites: boolean;
}

/** The host name of a `Host` header, without port (IPv6 literals keep their brackets). */
function hostName(host: string): string {
  const trimmed = host.trim().toLowerCase();
  if (trimmed.startsWith('[')) return trimmed.slice(0, trimmed.indexOf(']') + 1);
  const colon = trimmed.lastIndexOf(':');
  return colon >= 0 ? trimmed.slice(0, colon) : trimmed;
}

/** Host allow-list, CORS (off unless origins are configured) and cross-origin write refusal. */
function installOriginChecks(app: FastifyInstance, options: OriginOptions): void {
  const hosts = new Set(options.allowedHosts.map((h) => h.toLowerCase()));
  const anyOrigin = options.corsOrigins.includes('*');
  const origins = new Set(options.corsOrigins.map((o) => o.toLowerCase().replace(/\/+$/, '')));
  const corsAllowed = (origin: string) => anyOrigin || origins.has(origin.toLowerCase());

  app.addHook('onRequest', async (request, reply) => {
    if (hosts.size > 0 && !hosts.has(hostName(String(request.headers.host ?? '')))) {
      reply.code(421).send(errorBody(421, 'Misdirected request', `Host ${JSON.stringify(String(request.headers.host ?? ''))} is not served here (http allowedHosts)`));
      return reply;
    }
    const origin = typeof request.headers.origin === 'string' ? request.headers.origin : undefined;
    if (origin === undefined) return;
    // Browsers say so themselves (Sec-Fetch-Site), which holds behind a proxy that rewrites Host.
    let sameOrigin = request.headers['sec-fetch-site'] === 'same-origin';
    if (!sameOrigin) try {
      sameOrigin = new URL(origin).host.toLowerCase() === String(request.headers.host ?? '').toLowerCase();
    } catch {
      sameOrigin = false; // `Origin: null` (sandboxed pages, file:) is never ours
    }
    const allowed = !sameOrigin && corsAllowed(origin);
    if (allowed) {
      reply.header('access-control-allow-origin', anyOrigin ? '*' : origin);
      if (!anyOrigin) reply.header('vary', 'Origin');
      if (request.method === 'OPTIONS' && request.headers['access-control-request-method']) {
        reply
          .code(204)
          .header('access-control-allow-methods', 'GET, POST, PUT, DELETE')
          .header('access-control-allow-headers', String(request.headers['access-control-request-headers'] ?? 'content-type'))
          .header('access-control-max-age', '600')
          .send();
        return reply;
      }
    }
    if (sameOrigin || allowed || !options.refuseCrossOriginWrites) return;
    // What changes data: a method other than GET/HEAD/OPTIONS, also when a GET names it
    // (`?method_override=delete`), and a route whose scope for it is write or admin even on
    // a GET (`/api/uid/assign`, `/api/dropcaches`): an <img src> on any page could send those.
    const method = effectiveMethod(request.method, request.query);
    const declared = request.is404 ? undefined : request.routeOptions.config?.scope;
    const scope = declared === undefined ? 'read' : requiredScope(declared, method);
    if ((method !== 'GET' && method !== 'HEAD' && method !== 'OPTIONS') || scope === 'write' || scope === 'admin') {
      reply.code(403).send(errorBody(403, 'Cross-origin request refused', `Origin ${origin} may not change data here (http corsOrigins, refuseCrossOriginWrites)`));
      return reply;
    }
  });
}

/**
 * A request URL as OpenTSDB 2.4.1 routes it under `/api` (HttpQuery.getQueryBaseRoute and
 * explodeAPIPath): the path in lower case (`/API/PUT`, `/api/Version`), without trailing
 * slashes (`/api/put/`: explodePath drops empty segments), and `/api/v1/x` as `/api/x`.
 * The query string and every path outside `/api` (the GUI's) are left as they are.
 */
export function openTsdbApiPath(url: string): string {
  if (url.length < 4 || (url.charCodeAt(1) | 0x20) !== 0x61) return url; // not "/a…": the common case, no work
  const q = url.indexOf('?');
  const path = q < 0 ? url : url.slice(0, q);
  if (!/^\/api(?:\/|$)/i.test(path)) return url;
  const routed = path.toLowerCase().replace(/\/+$/, '').replace(/^\/api\/v1(?=\/|$)/, '/api');
  return (routed === '' ? '/' : routed) + (q < 0 ? '' : url.slice(q));
}
