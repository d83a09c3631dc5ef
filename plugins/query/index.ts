/**
 * `query`: the read side of OpenTSDB's HTTP API — `/api/query` (GET, POST, DELETE),
 * `/api/query/last`, `/api/config/filters`, `/api/stats/query` (running and completed
 * queries; DELETE cancels one) (the legacy `/q` is the graph-image plugin's). Aggregators come from the container's
 * `aggregators` registry (filled by aggregator plugins on `query.aggregators`).
 */
import { definePlugin, Type, type StorageEngine } from '../../core';
import { getHttpHooks } from '../../lib/http';
import { getQueryHooks, type SubQueryView } from '../../lib/query';
import { ApiError } from '../../lib/opentsdb';
import { queryCommand } from './cli-command';
import type { QueryEngineDeps } from './engine';
import { FILTER_TYPES } from './filters';
import { registerExpRoute } from './routes/exp-route';
import { registerGexpRoute } from './routes/gexp-route';
import { registerLastRoute } from './routes/last-route';
import { registerQueryRoute } from './routes/query-route';
import { FILTERS_SCHEMA } from './routes/schemas';
import { registerStatsQueryRoute } from './routes/stats-query-route';
import { RunningQueries } from './running-queries';
import { QueryStats } from './stats';

export default definePlugin({
  name: 'query',
  dependencies: ['http'],
  provides: ['hook:query.plan', 'hook:query.histograms', 'hook:query.series'],
  options: Type.Object(
    {
      /** most series one query may read; 0 = unlimited */
      maxSeries: Type.Integer({ minimum: 0, default: 100_000 }),
      /** most data points one query may read (and buckets it may produce); 0 = unlimited */
      maxDataPoints: Type.Integer({ minimum: 0, default: 5_000_000 }),
      /**
       * stop a query still running after this many ms: 413 "Sorry, your query timed out. …"
       * (OpenTSDB's tsd.query.timeout answer); 0 = never. Checked while the query runs, at
       * every yield to the event loop (every 5 ms of work).
       */
      timeoutMs: Type.Integer({ minimum: 0, default: 60_000 }),
      /** OpenTSDB's tsd.http.query.allow_delete */
      allowDelete: Type.Boolean({ default: false }),
      /**
       * `?jsonp=fn` wraps /api/query and /api/query/last replies in `fn(...)`. Off by
       * default: JSONP lets a page on any origin read query results (OpenTSDB has it on).
       */
      jsonp: Type.Boolean({ default: false }),
    },
    { additionalProperties: false },
  ),
  register({ hooks, container }, options) {
    const stats = new QueryStats();
    // where each sub-query reads: raw series, or what a `plan` tap (rollups) answers
    const plan = (sub: SubQueryView) => getQueryHooks(hooks).plan.promise(sub);
    const queries = new RunningQueries();
    const storage = (): StorageEngine => {
      // A daemon may run without storage (protocol plugins only): answer, don't crash.
      if (!container.hasRegistration('storage')) throw new ApiError(503, 'No storage engine is configured', 'Load a storage plugin and name it with "storage" in the config');
      return container.resolve('storage');
    };
    const deps = (): QueryEngineDeps => ({
      storage: storage(),
      aggregators: container.resolve('aggregators'),
      limits: { maxSeries: options.maxSeries, maxDataPoints: options.maxDataPoints, timeoutMs: options.timeoutMs },
      plan,
      queryHooks: getQueryHooks(hooks),
    });
    getHttpHooks(hooks).routes.tap('query', (app) => {
      const routeOptions = { allowDelete: options.allowDelete, jsonp: options.jsonp, deps, stats, queries };
      registerQueryRoute(app, routeOptions);
      registerGexpRoute(app, routeOptions);
      registerExpRoute(app, routeOptions);
      registerStatsQueryRoute(app, queries);
      registerLastRoute(app, storage, { maxSeries: options.maxSeries, maxDataPoints: options.maxDataPoints, timeoutMs: options.timeoutMs }, options.jsonp);
      // GET or POST, as OpenTSDB's ShowConfig answers either
      app.route({ method: ['GET', 'POST'], url: '/api/config/filters', config: { scope: 'read' }, schema: FILTERS_SCHEMA, handler: async () =>
        Object.fromEntries(Object.entries(FILTER_TYPES).map(([name, f]) => [name, { examples: f.examples, description: f.description }])),
      });
    });
    hooks.kernel.collectStats.tap('query', (collector) => {
      stats.report(collector);
      queries.report(collector);
    });
    // `dsdb query`: the same parser and engine, on the configured storage (docs/cli.md)
    hooks.cli.commands.tap('query', (commands) => {
      commands.add(
        'query',
        queryCommand((storage) => ({
          storage,
          aggregators: container.resolve('aggregators'),
          limits: { maxSeries: options.maxSeries, maxDataPoints: options.maxDataPoints, timeoutMs: options.timeoutMs },
          queryHooks: getQueryHooks(hooks),
        })),
        'query',
      );
    });
  },
});
