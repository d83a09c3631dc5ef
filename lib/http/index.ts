/**
 * The http plugin's extension point: its routes. A plugin adds routes with
 *
 *   getHttpHooks(hooks).routes.tap('my-plugin', (app) => { app.get('/api/hello', handler); });
 *
 * and declares `dependencies: ['http']`, so a config without the HTTP plugin stops at
 * start-up naming it instead of silently losing the routes. `app` is the fastify
 * instance of the shared port; throw an `ApiError` for OpenTSDB's error JSON.
 */
import type { FastifyInstance, RouteOptions } from 'fastify';
import { AsyncSeriesHook } from 'tapable';
import { defineFeatureHooks } from '../../core/feature-hooks';

export const getHttpHooks = defineFeatureHooks('http', () => ({
  /**
   * Lets plugins add HTTP routes, once when the HTTP plugin builds its server. Taps run
   * in series and may be async (fastify's `register`). Called by the HTTP plugin.
   */
  routes: new AsyncSeriesHook<[FastifyInstance]>(['app']),
}));

export type HttpHooks = ReturnType<typeof getHttpHooks>;

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * The route's body arrives in shared memory (a Buffer over a SharedArrayBuffer), lent
     * for the request's life: it reaches a worker thread without a copy (lib/opentsdb's
     * PutParsePool). The handler must keep no view of it past its answer: the memory
     * carries another request's body once the response is sent. Default: an ordinary Buffer.
     */
    sharedBody?: boolean;
    /**
     * Query-string parameters the route reads as lists (OpenTSDB's
     * HttpQuery.getQueryStringParams: `m`, `tsuid`, `exp`, …): each keeps every value, in
     * order. Every other parameter given more than once has its LAST value, as
     * getQueryStringParam answers in OpenTSDB (lastQueryValues; the http plugin applies it
     * before validation). Default: none.
     */
    multiValueParams?: readonly string[];
    /**
     * Content-Encoding values (lower case) the route decodes itself: a body in one of them
     * reaches it as sent (remote_write's `snappy`, which its reader decompresses). Any other
     * encoding the http plugin decodes (gzip, deflate, br) or refuses with 415. Default: none.
     */
    ownContentEncodings?: readonly string[];
  }
}
export type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
export * from './schemas';
export * from './query-values';
export * from './body-text';
export * from './admission';


/**
 * `app.route(options)` for a route whose methods include GET (or HEAD) and whose schema
 * describes a request `body`: fastify refuses a body schema on a bodyless method, so the
 * GET/HEAD part is added with the schema minus `body` and the other methods with all of
 * it. One handler, one config; the description shows the body where it belongs.
 */
export function routeWithBody(app: FastifyInstance, options: RouteOptions): void {
  const methods = ([] as string[]).concat(options.method);
  const bodyless = methods.filter((m) => m === 'GET' || m === 'HEAD');
  const others = methods.filter((m) => m !== 'GET' && m !== 'HEAD');
  if (!options.schema?.body || bodyless.length === 0 || others.length === 0) {
    app.route(options);
    return;
  }
  const { body: _body, ...withoutBody } = options.schema;
  app.route({ ...options, method: bodyless, schema: withoutBody });
  app.route({ ...options, method: others });
}
