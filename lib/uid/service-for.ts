/**
 * One UID service per storage engine, shared by every plugin of a daemon (the uid-meta
 * plugin's write hook and endpoints, the query plugin's TSUID resolution, trees…), so they
 * share one cache and one per-kind assignment queue. Memoized on the engine object.
 */
import type { StorageEngine } from '../../core';
import { MetaUidService } from './meta-uid-service';
import { MetaRecords } from './meta-records';

const services = new WeakMap<StorageEngine, MetaUidService>();
const records = new WeakMap<StorageEngine, MetaRecords>();

/** The engine's UID service (created on first use, over `engine.meta`). */
export function uidServiceFor(engine: StorageEngine): MetaUidService {
  let service = services.get(engine);
  if (!service) services.set(engine, (service = new MetaUidService(engine.meta)));
  return service;
}

/** The engine's UID meta and TS meta records (OpenTSDB's tsdb-meta), over the same UID service. */
export function metaRecordsFor(engine: StorageEngine): MetaRecords {
  let r = records.get(engine);
  if (!r) records.set(engine, (r = new MetaRecords(engine.meta, uidServiceFor(engine))));
  return r;
}
