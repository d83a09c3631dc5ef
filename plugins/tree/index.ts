/**
 * `tree`: OpenTSDB 2.4's trees — /api/tree, /api/tree/{rule,rules,branch,test,collisions,notmatched}
 * — and tree building: with `enableProcessing` (OpenTSDB's `tsd.core.tree.enable_processing`)
 * every series whose TSMeta is created runs through the enabled trees; `dsdb treesync`
 * (OpenTSDB's `tsdb uid treesync`) runs the existing ones. Trees live in the storage
 * engine's MetaStore (plugins/tree/store.ts); names and UID meta come from lib/uid.
 */
import { definePlugin, Type, type StorageEngine } from '../../core';
import { getHttpHooks } from '../../lib/http';
import { ApiError } from '../../lib/opentsdb';
import { metaRecordsFor } from '../../lib/uid';
import { lookupSeries, type MetaRecordsView } from './series-meta';
import { processAllTrees } from './processor';
import { registerTreeRoutes } from './routes';
import { TreeStore } from './store';
import { treesyncCommand } from './treesync-command';

export default definePlugin({
  name: 'tree',
  dependencies: ['http'],
  options: Type.Object(
    {
      /**
       * run each new series (its TSMeta just created) through every enabled tree, storing
       * branches and leaves — OpenTSDB's `tsd.core.tree.enable_processing` (off by default)
       */
      enableProcessing: Type.Boolean({ default: false }),
    },
    { additionalProperties: false },
  ),
  register({ hooks, container, log }, options) {
    const storage = (): StorageEngine => {
      if (!container.hasRegistration('storage')) throw new ApiError(503, 'No storage engine is configured', 'Load a storage plugin and name it with "storage" in the config');
      return container.resolve('storage');
    };
    const stores = new WeakMap<StorageEngine, TreeStore>();
    const store = (): TreeStore => {
      const engine = storage();
      let s = stores.get(engine);
      if (!s) stores.set(engine, (s = new TreeStore(() => engine.meta)));
      return s;
    };
    const records = (): MetaRecordsView => metaRecordsFor(storage());

    if (options.enableProcessing) {
      hooks.kernel.starting.tapPromise('tree', async () => {
        const engine = storage();
        // per new series (never per point): its TSMeta was just created
        metaRecordsFor(engine).onTsMetaCreated(async (tsuid) => {
          try {
            const trees = await store().enabledTrees();
            if (trees.length === 0) return;
            const found = await lookupSeries(records(), tsuid);
            if (found.kind === 'found') await processAllTrees(store(), found.view, trees);
          } catch (err) {
            log.warn({ err, tsuid }, 'tree processing failed');
          }
        });
      });
    }

    getHttpHooks(hooks).routes.tap('tree', (app) => registerTreeRoutes(app, { store, records }));
    hooks.cli.commands.tap('tree', (commands) => commands.add('treesync', treesyncCommand, 'tree'));
  },
});
