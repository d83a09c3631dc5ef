/**
 * `read-api`: OpenTSDB's small read endpoints — /api/suggest, /api/search/lookup,
 * /api/aggregators, /api/config, /api/stats (+ Prometheus /metrics), /api/annotation(s),
 * /api/dropcaches, /api/serializers — and the telnet `stats` and `dropcaches` commands.
 */
import { definePlugin, Type, type StorageEngine } from '../../core';
import { getHttpHooks } from '../../lib/http';
import { ApiError } from '../../lib/opentsdb';
import { registerAnnotations } from './annotations';
import { registerAnnotationBulkDelete } from './annotation-bulk-delete';
import { registerConfig } from './config-route';
import { registerLookup } from './lookup';
import { registerStats, statsCommand } from './stats';
import { registerSuggest } from './suggest';
import { AGGREGATORS_SCHEMA, DROPCACHES_SCHEMA, SERIALIZERS_SCHEMA } from './schemas';
import { getTelnetHooks } from '../../lib/telnet';

const DROPPED = { message: 'Caches dropped', status: '200' };

const SERIALIZERS = [
  {
    serializer: 'json',
    formatters: ['formatSuggestV1', 'formatSerializersV1', 'formatAggregatorsV1', 'formatVersionV1', 'formatDropCachesV1', 'formatQueryV1', 'formatLastPointQueryV1', 'formatConfigV1', 'formatFilterConfigV1', 'formatStatsV1', 'formatAnnotationV1', 'formatSearchResultsV1', 'formatErrorV1', 'formatNotFoundV1'],
    parsers: ['parsePutV1', 'parseSuggestV1', 'parseQueryV1', 'parseLastPointQueryV1', 'parseSearchQueryV1', 'parseAnnotationV1', 'parseAnnotationsV1'],
    class: 'net.opentsdb.tsd.HttpJsonSerializer',
    response_content_type: 'application/json; charset=UTF-8',
    request_content_type: 'application/json',
  },
];

export default definePlugin({
  name: 'read-api',
  dependencies: ['http'],
  enhances: ['telnet'],
  options: Type.Object(
    {
      /**
       * stop a /api/search/lookup still scanning after this many ms: 413 "Sorry, your query
       * timed out. …" (as the query plugin's timeoutMs); 0 = never. The scan yields to the
       * event loop every 5 ms either way.
       */
      timeoutMs: Type.Integer({ minimum: 0, default: 60_000 }),
    },
    { additionalProperties: false },
  ),
  register({ hooks, container, config }, options) {
    const storage = (): StorageEngine => {
      if (!container.hasRegistration('storage')) throw new ApiError(503, 'No storage engine is configured', 'Load a storage plugin and name it with "storage" in the config');
      return container.resolve('storage');
    };
    const maybeStorage = () => (container.hasRegistration('storage') ? storage() : undefined);
    getHttpHooks(hooks).routes.tap('read-api', (app) => {
      registerSuggest(app, storage);
      registerLookup(app, storage, options.timeoutMs);
      registerConfig(app, config, () => maybeStorage()?.name);
      registerStats(app, hooks, maybeStorage);
      registerAnnotations(app, storage);
      registerAnnotationBulkDelete(app, storage);
      app.route({
        method: ['GET', 'POST'],
        url: '/api/aggregators',
        config: { scope: 'read' },
        schema: AGGREGATORS_SCHEMA,
        handler: async () => container.resolve('aggregators').names(),
      });
      app.route({ method: ['GET', 'DELETE'], url: '/api/dropcaches', config: { scope: 'admin' }, schema: DROPCACHES_SCHEMA, handler: async () => DROPPED });
      app.route({ method: ['GET', 'POST'], url: '/api/serializers', config: { scope: 'read' }, schema: SERIALIZERS_SCHEMA, handler: async () => SERIALIZERS });
    });
    getTelnetHooks(hooks).commands.tap('read-api', (commands) => {
      commands.add('stats', statsCommand(hooks, maybeStorage), 'read-api');
      commands.add('dropcaches', { description: 'drop the caches', scope: 'admin', execute: (_words, connection) => connection.writeLine('Caches dropped.') }, 'read-api');
    });
  },
});
