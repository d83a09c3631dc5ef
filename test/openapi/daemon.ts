/**
 * A daemon with every default plugin (embedded storage in a scratch folder), the example
 * plugins that add routes or GUI panels, and a recorder of the routes fastify registers
 * (its onRoute hook, installed before any other plugin's routes tap runs).
 */
import fs from 'node:fs';
import path from 'node:path';
import { DEFAULT_PLUGINS, definePlugin } from '../../core';
import { getHttpHooks } from '../../lib/http';
import { scratchDir, startDaemon, type RunningDaemon } from '../helpers/daemon';

export interface RecordedRoute {
  url: string;
  method: string;
}

export interface OpenApiDaemon extends RunningDaemon {
  base: string;
  /** every route fastify registered after the http plugin's own (onRoute), HEAD included */
  routes: RecordedRoute[];
}

/** Routes: every method and URL fastify's onRoute reports, from the first `routes` tap on. */
function routeRecorder(routes: RecordedRoute[]) {
  return definePlugin({
    name: 'route-recorder',
    dependencies: ['http'],
    register({ hooks }) {
      getHttpHooks(hooks).routes.tap({ name: 'route-recorder', stage: -1000 }, (app) => {
        app.addHook('onRoute', (route) => {
          for (const method of ([] as string[]).concat(route.method)) routes.push({ url: route.url, method });
        });
        // a third-party route with no schema at all: it must still be described
        app.get('/api/test/bare', { config: { scope: 'read' } }, async () => ({ ok: true }));
      });
    },
  });
}

export async function startOpenApiDaemon(): Promise<OpenApiDaemon> {
  const dir = scratchDir('openapi');
  const routes: RecordedRoute[] = [];
  const plugins = DEFAULT_PLUGINS.map((p) => (p === 'storage-embedded' ? ['storage-embedded', { dataDir: path.join(dir, 'data') }] : p));
  const started = await startDaemon({
    plugins: [
      routeRecorder(routes),
      ...plugins,
      ['./examples/hello-plugin', { greeting: 'Hello' }],
      './examples/gui-panel-plugin',
      './examples/aggregator-plugin',
    ] as never,
  });
  return {
    ...started,
    base: `http://127.0.0.1:${started.port}`,
    routes,
    stop: async () => {
      await started.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** fastify's URL (`/gui/*`, `/x/:id`) as the description's path template. */
export function openApiPath(url: string): string {
  return url.replace(/:(\w+)/g, '{$1}').replace(/\*$/, '{path}');
}
