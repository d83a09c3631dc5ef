/**
 * The http plugin's extension point: its routes. A plugin adds routes with
 *
 *   getHttpHooks(hooks).routes.tap('my-plugin', (app) => { app.get('/api/hello', handler); });
 *
 * and declares `dependencies: ['http']`, so a config without the HTTP plugin stops at
 * start-up naming it instead of silently losing the routes. `app` is the fastify
 * instance of the shared port; throw an `ApiError` for OpenTSDB's error JSON.
 */
import type { FastifyInstance } from 'fastify';
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
export type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
export * from './schemas';
