/**
 * The write path: a batch becomes, per series and time window, the points to add to
 * that window's chunk document. Each document is read (or taken from this daemon's
 * cache of the revisions it wrote last), merged with the new points (the new ones win
 * on a shared timestamp) and written back with its revision, all documents of the batch
 * in one `_bulk_docs`. CouchDB answers 409 for a document another writer changed since
 * our revision: only those are read again, merged again and written again, so a point
 * is never lost to a concurrent writer in this daemon or another one.
 */
import { allocPoints, type PointBatch, type SeriesPoints } from '../../core';
import type { CodecSet } from '../../lib/chunks';
import { encodeChunkDoc, mergePoints, type ChunkDoc } from './chunk-doc';
import { deleteLosers, windowPoints } from './conflicts';
import type { BulkResult, Couch } from './couch';
import { chunkDocId } from './ids';

/** A window document as this daemon last wrote or read it. */
export interface CachedWindow {
  rev: string;
  points: SeriesPoints;
  /** conflicting revisions merged into `points`, deleted once the merge is stored */
  losers?: string[];
}

interface Pending {
  id: string;
  sid: string;
  window: number;
  add: SeriesPoints;
}

/** rounds of "409 → read again → merge → write" before giving up (each round only the conflicted ones) */
const MAX_ROUNDS = 200;
/** ids per `_all_docs` POST */
const KEYS_PER_REQUEST = 1000;

export class WindowWriter {
  /** doc id → last known revision and points; insertion order = age (oldest evicted first) */
  private readonly cache = new Map<string, CachedWindow>();
  /** documents a write of this daemon is writing now → the end of its turn */
  private readonly busy = new Map<string, Promise<void>>();
  /** statistics: documents re-read after a 409 */
  conflicts = 0;

  constructor(
    private readonly couch: Couch,
    private readonly codecs: CodecSet,
    private readonly windowMs: () => number,
    private readonly cacheLimit: number,
  ) {}

  forget(id?: string): void {
    if (id === undefined) this.cache.clear();
    else this.cache.delete(id);
  }

  /**
   * Groups the batch by series (a counting sort, stable in batch order), sorts a
   * series by time only when its points arrive out of order, keeps the last of equal
   * timestamps, and cuts it by window: one entry per (series, window).
   */
  group(batch: PointBatch, sids: readonly string[]): Pending[] {
    const nSeries = batch.series.length;
    const starts = new Uint32Array(nSeries + 1);
    for (let i = 0; i < batch.length; i++) starts[batch.seriesIndex[i]! + 1]!++;
    for (let s = 0; s < nSeries; s++) starts[s + 1]! += starts[s]!;
    const fill = starts.slice(0, nSeries);
    const order = new Uint32Array(batch.length);
    for (let i = 0; i < batch.length; i++) order[fill[batch.seriesIndex[i]!]!++] = i;
    const ts = batch.timestamps;
    const byTime = (a: number, b: number) => ts[a]! - ts[b]! || a - b;
    const windowMs = this.windowMs();
    const out: Pending[] = [];
    for (let s = 0; s < nSeries; s++) {
      const from = starts[s]!;
      const to = starts[s + 1]!;
      for (let k = from + 1; k < to; k++) {
        if (ts[order[k]!]! <= ts[order[k - 1]!]!) {
          order.subarray(from, to).sort(byTime);
          break;
        }
      }
      let k = from;
      while (k < to) {
        const window = Math.floor(ts[order[k]!]! / windowMs) * windowMs;
        let end = k;
        while (end < to && Math.floor(ts[order[end]!]! / windowMs) * windowMs === window) end++;
        let unique = 0;
        for (let m = k; m < end; m++) if (m + 1 >= end || ts[order[m + 1]!] !== ts[order[m]!]) unique++;
        const add = allocPoints(unique);
        let n = 0;
        for (let m = k; m < end; m++) {
          const i = order[m]!;
          if (m + 1 < end && ts[order[m + 1]!] === ts[i]) continue; // a later write of the same timestamp wins
          add.timestamps[n] = ts[i]!;
          add.kinds[n] = batch.kinds[i]!;
          add.floats[n] = batch.floats[i]!;
          add.ints[n] = batch.ints[i]!;
          add.texts[n++] = batch.texts[i];
        }
        out.push({ id: chunkDocId(sids[s]!, window), sid: sids[s]!, window, add });
        k = end;
      }
    }
    return out;
  }

  /**
   * Writes the points of `pending` into their window documents; resolves once CouchDB
   * stored every one. Writes of this daemon that share a document take turns (so only
   * other daemons cause 409s); 409s are retried after a short random pause.
   */
  async write(pending: Pending[]): Promise<void> {
    const ids = pending.map((p) => p.id);
    for (;;) {
      const busy = ids.map((id) => this.busy.get(id)).filter((b): b is Promise<void> => b !== undefined);
      if (busy.length === 0) break;
      await Promise.all(busy);
    }
    let release!: () => void;
    const turn = new Promise<void>((resolve) => (release = resolve));
    for (const id of ids) this.busy.set(id, turn);
    try {
      await this.writeRounds(pending);
    } finally {
      for (const id of ids) if (this.busy.get(id) === turn) this.busy.delete(id);
      release();
    }
  }

  private async writeRounds(pending: Pending[]): Promise<void> {
    let todo = pending;
    for (let round = 1; todo.length > 0; round++) {
      if (round > 1) await new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(round, 20) * 5));
      if (round > MAX_ROUNDS) throw new Error(`storage-couchdb: ${todo.length} window documents still conflicted after ${MAX_ROUNDS} rounds of re-reading (${todo[0]!.id}, …)`);
      const bases = await this.bases(todo);
      const docs: ChunkDoc[] = [];
      const merged: SeriesPoints[] = [];
      for (const p of todo) {
        const base = bases.get(p.id);
        const points = mergePoints(base?.points, p.add);
        merged.push(points);
        docs.push(encodeChunkDoc(this.codecs, p.id, base?.rev, p.sid, p.window, points));
      }
      const results: BulkResult[] = await this.couch.bulk(docs);
      // CouchDB answers in request order; pouchdb-server does not always: match by id.
      const byId = new Map(results.map((r) => [r.id, r]));
      const again: Pending[] = [];
      const losers: { id: string; rev: string }[] = [];
      for (let k = 0; k < todo.length; k++) {
        const p = todo[k]!;
        const r = byId.get(p.id);
        if (!r) throw new Error(`storage-couchdb: _bulk_docs gave no answer for ${p.id}`);
        if (r.ok && r.rev) {
          this.remember(p.id, { rev: r.rev, points: merged[k]! });
          for (const rev of bases.get(p.id)?.losers ?? []) losers.push({ id: p.id, rev });
        } else if (r.error === 'conflict') {
          this.cache.delete(p.id);
          again.push(p);
        } else throw new Error(`storage-couchdb: CouchDB refused window document ${p.id}: ${r.error} (${r.reason})`);
      }
      await deleteLosers(this.couch, losers);
      this.conflicts += again.length;
      todo = again;
    }
  }

  /**
   * The current revision and points of each document of `todo`: from the cache, else
   * read (absent and deleted documents have none: they are written without a revision).
   */
  private async bases(todo: Pending[]): Promise<Map<string, CachedWindow>> {
    const bases = new Map<string, CachedWindow>();
    const ids: string[] = [];
    for (const p of todo) {
      const cached = this.cache.get(p.id);
      if (cached) bases.set(p.id, cached);
      else ids.push(p.id);
    }
    for (let from = 0; from < ids.length; from += KEYS_PER_REQUEST) {
      for (const row of await this.couch.fetch<ChunkDoc>(ids.slice(from, from + KEYS_PER_REQUEST), true)) {
        const doc = row.doc;
        if (doc) bases.set(doc._id, { rev: doc._rev!, points: await windowPoints(this.couch, this.codecs, doc), losers: doc._conflicts });
      }
    }
    return bases;
  }

  remember(id: string, entry: CachedWindow): void {
    this.cache.delete(id);
    this.cache.set(id, entry);
    if (this.cache.size > this.cacheLimit) {
      // evict the oldest eighth at once, so eviction is rare
      let drop = Math.max(1, this.cacheLimit >> 3);
      for (const key of this.cache.keys()) {
        this.cache.delete(key);
        if (--drop === 0) break;
      }
    }
  }
}
