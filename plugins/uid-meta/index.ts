/**
 * `uid-meta`: OpenTSDB's UIDs and meta data. Names get UIDs when they are first written
 * (and by /api/uid/assign), series a TSMeta; the /api/uid/* endpoints (assign, uidmeta,
 * tsmeta, rename) and /api/search/{tsmeta,tsmeta_summary,tsuids,uidmeta} read and change
 * them. Everything is kept in the storage engine's MetaStore through lib/uid, so every
 * backend has it and every daemon over a shared backend sees the same UIDs.
 */
import { definePlugin, Type, type StorageEngine } from '../../core';
import { getHttpHooks } from '../../lib/http';
import { ApiError } from '../../lib/opentsdb';
import { metaRecordsFor, uidServiceFor } from '../../lib/uid';
import { registerAssign } from './assign-route';
import { registerRename } from './rename-route';
import { registerSearch } from './search-routes';
import { SeriesTracker } from './series-tracker';
import { registerTsMeta } from './tsmeta-route';
import { registerUidMeta } from './uidmeta-route';

export default definePlugin({
  name: 'uid-meta',
  dependencies: ['http'],
  options: Type.Object(
    {
      /** assign UIDs and create a TSMeta for each series when first written (OpenTSDB's auto-create + realtime TSMeta) */
      trackSeries: Type.Boolean({ default: true }),
      /** series keys the write hook remembers as already tracked (per generation; two are kept) */
      seriesCacheSize: Type.Integer({ minimum: 1, default: 1_000_000 }),
    },
    { additionalProperties: false },
  ),
  register({ hooks, container, log }, options) {
    const storage = (): StorageEngine => {
      if (!container.hasRegistration('storage')) throw new ApiError(503, 'No storage engine is configured', 'Load a storage plugin and name it with "storage" in the config');
      return container.resolve('storage');
    };
    const records = () => metaRecordsFor(storage());
    const uids = () => uidServiceFor(storage());
    const tracker = new SeriesTracker(records, options.seriesCacheSize, (err, metric) => {
      log.warn({ metric, err: (err as Error)?.message ?? String(err) }, 'uid-meta: no UIDs for a new series (its points are written; its TSUID is the engine id)');
    });
    if (options.trackSeries) {
      // prepare, not beforeWrite: the tracker only reads the batch, so the writer need not
      // re-derive its series keys (engines then find each series by the parser's key string)
      hooks.write.prepare.tapPromise('uid-meta', (batch) => tracker.track(batch));
    }
    getHttpHooks(hooks).routes.tap('uid-meta', (app) => {
      registerAssign(app, uids);
      registerUidMeta(app, records);
      registerTsMeta(app, records);
      registerRename(
        app,
        () => {
          tracker.clear(); // a renamed name makes new series keys: check them again
          return uids();
        },
        storage,
      );
      registerSearch(app, records);
    });
  },
});
