/**
 * The CouchDB storage engine. Every daemon is stateless over the database: series,
 * names, points and annotations are documents; a daemon keeps only caches (series known
 * to exist, the last revision of the windows it wrote), each of which CouchDB's
 * revision check makes safe to be stale.
 *
 * A write resolves once `_bulk_docs` stored every window document it touched, so no
 * acknowledged point waits in a daemon's memory. Design and guarantees: docs/storage-couchdb.md.
 */
import type {
  Annotation,
  Codec,
  LastPoint,
  Logger,
  NameKind,
  PointBatch,
  Registry,
  SeriesData,
  SeriesInfo,
  SeriesPoints,
  SeriesSelector,
  StorageCapabilities,
  StorageEngine,
  StorageStats,
  TimeRange,
  WriteOptions,
  WriteResult,
} from '../../core';
import { slicePoints } from '../../core';
import { CodecSet, DEFAULT_CODECS, type CodecPreferences } from '../../lib/chunks';
import { CouchAnnotations } from './annotations';
import { encodeChunkDoc, withoutRange, type ChunkDoc } from './chunk-doc';
import { deleteLosers, windowPoints } from './conflicts';
import { Couch, isConflict, isUnavailable, unavailableError, type CouchSettings, type Row } from './couch';
import { DESIGN_DOC, DESIGN_VERSION } from './design';
import { chunkDocId, chunkRange, DESIGN_ID, HIGH, namePrefix, SETTINGS_ID } from './ids';
import { makeRetrying, type Retrying } from './retrying';
import { SeriesIndex } from './series-index';
import { WindowWriter } from './window-writer';
import { CouchMetaStore } from './meta-store';

export type CodecOptions = { [K in keyof CodecPreferences]: string | string[] };

export interface CouchEngineOptions extends CouchSettings {
  windowMs: number;
  retryTimeoutMs: number;
  seriesCacheSize: number;
  windowCacheSize: number;
  /** series whose chunks are read concurrently (one `_all_docs` range each) */
  readConcurrency: number;
  codecs?: Partial<CodecOptions>;
}

/** a read asks for the windows of several series by id when it spans at most this many windows */
const MAX_WINDOWS_BY_KEY = 48;
const KEYS_PER_REQUEST = 1000;

function preferences(options: Partial<CodecOptions> | undefined): CodecPreferences {
  const out = { ...DEFAULT_CODECS };
  for (const column of Object.keys(DEFAULT_CODECS) as (keyof CodecPreferences)[]) {
    const value = options?.[column];
    if (value !== undefined) out[column] = typeof value === 'string' ? [value] : value;
  }
  return out;
}

export class CouchEngine implements StorageEngine {
  /** UIDs, meta and trees (core MetaStore): one `k:` document per entry. */
  readonly meta: CouchMetaStore;
  readonly name = 'couchdb';
  readonly capabilities: StorageCapabilities = { sharedAcrossDaemons: true };
  private readonly couch: Couch;
  private readonly codecs: CodecSet;
  private readonly index: SeriesIndex;
  private readonly windows: WindowWriter;
  private readonly annotationDocs: CouchAnnotations;
  private readonly retrying: Retrying = makeRetrying(() => this.closing);
  private readonly inflight = new Set<Promise<unknown>>();
  private windowMs: number;
  private closing = false;

  /**
   * `codecs` is the kernel's codec registry (the factory context's): chunks are written
   * with the codec plugins. Throws, naming the plugins to load, when a column has none.
   */
  constructor(
    private readonly options: CouchEngineOptions,
    private readonly log: Logger,
    codecs: Registry<Codec>,
  ) {
    this.windowMs = options.windowMs;
    this.codecs = new CodecSet(codecs, preferences(options.codecs), 'storage-couchdb');
    this.couch = new Couch(options);
    this.index = new SeriesIndex(this.couch, options.seriesCacheSize);
    this.windows = new WindowWriter(this.couch, this.codecs, () => this.windowMs, options.windowCacheSize);
    this.annotationDocs = new CouchAnnotations(this.couch, this.retrying);
    this.meta = new CouchMetaStore(this.couch, this.retrying, () => this.options.retryTimeoutMs);
  }

  /** Creates the database, the design document and the settings when missing; adopts the stored window length. */
  async open(): Promise<void> {
    try {
      await this.retrying(() => this.prepare(), this.options.retryTimeoutMs, 'cannot open storage');
    } catch (err) {
      throw isUnavailable(err) ? unavailableError('cannot open storage', err) : err;
    }
  }

  private async prepare(): Promise<void> {
    try {
      await this.couch.request({ method: 'PUT', path: '' });
    } catch (err) {
      if ((err as { statusCode?: number }).statusCode !== 412) throw err; // 412: it exists
    }
    await this.ensureDesign();
    // Every daemon must cut windows the same way: the first one to open decides.
    try {
      await this.couch.request({ method: 'PUT', path: encodeURIComponent(SETTINGS_ID), body: { type: 'settings', windowMs: this.windowMs } });
    } catch (err) {
      if (!isConflict(err)) throw err;
    }
    const settings = await this.couch.request<{ windowMs: number }>({ path: encodeURIComponent(SETTINGS_ID) });
    if (settings.windowMs !== this.windowMs) this.log.warn({ configured: this.windowMs, stored: settings.windowMs }, 'windowMs differs from the database; using the stored one');
    this.windowMs = settings.windowMs;
  }

  private async ensureDesign(): Promise<void> {
    for (let round = 0; round < 5; round++) {
      const [row] = await this.couch.fetch<{ _rev: string; version?: number }>([DESIGN_ID]);
      if (row?.doc && row.doc.version !== undefined && row.doc.version >= DESIGN_VERSION) return;
      try {
        await this.couch.request({ method: 'PUT', path: DESIGN_ID, body: row?.doc ? { ...DESIGN_DOC, _rev: row.doc._rev } : DESIGN_DOC });
        return;
      } catch (err) {
        if (!isConflict(err)) throw err; // another daemon wrote it meanwhile: look again
      }
    }
  }

  async close(): Promise<void> {
    this.closing = true;
    await Promise.allSettled([...this.inflight]);
  }

  /** Writes are stored before they resolve: nothing is buffered to flush. */
  async flush(): Promise<void> {
    await Promise.allSettled([...this.inflight]);
  }

  private track<T>(promise: Promise<T>): Promise<T> {
    this.inflight.add(promise);
    const done = () => this.inflight.delete(promise);
    promise.then(done, done);
    return promise;
  }

  /**
   * `sync` writes fail at once while CouchDB is unreachable; others are retried for
   * `retryTimeoutMs`, then refused with DSDB_ERR_STORAGE_UNAVAILABLE. Neither resolves
   * before CouchDB stored every document of the batch.
   */
  write(batch: PointBatch, options?: WriteOptions): Promise<WriteResult> {
    if (batch.length === 0) return Promise.resolve({ written: 0 });
    if (this.closing) return Promise.reject(unavailableError('storage is closing; the points were not stored', new Error('closing')));
    const deadline = options?.sync ? 0 : this.options.retryTimeoutMs;
    // A failure may come after some documents were stored: "not acknowledged", and writing
    // the same points again is harmless (last write wins with the same values).
    return this.track(this.retrying(() => this.writeOnce(batch), deadline, `the ${batch.length} points were not acknowledged (not stored, or partly stored; writing them again is safe)`));
  }

  private async writeOnce(batch: PointBatch): Promise<WriteResult> {
    const sids: string[] = new Array(batch.series.length);
    await this.index.resolve(batch.seriesKeys, batch.series, sids);
    await this.windows.write(this.windows.group(batch, sids));
    return { written: batch.length };
  }

  private select(selector: Partial<SeriesSelector>): Promise<SeriesInfo[]> {
    return this.retrying(() => this.index.select(selector), 0, 'the series could not be read');
  }

  private windowOf(t: number): number {
    return Math.floor(t / this.windowMs) * this.windowMs;
  }

  /** The window documents of `group` between two window starts, per series in order. */
  private async chunkDocs(group: SeriesInfo[], first: number, last: number): Promise<ChunkDoc[][]> {
    const out: ChunkDoc[][] = group.map(() => []);
    const windows = Number.isFinite(first) && Number.isFinite(last) ? (last - first) / this.windowMs + 1 : Infinity;
    if (windows <= MAX_WINDOWS_BY_KEY) {
      // A short range: ask for every possible window of several series by id at once.
      const ids: string[] = [];
      const owner: number[] = [];
      for (let s = 0; s < group.length; s++) {
        for (let w = first; w <= last; w += this.windowMs) {
          ids.push(chunkDocId(group[s]!.id, w));
          owner.push(s);
        }
      }
      for (let from = 0; from < ids.length; from += KEYS_PER_REQUEST) {
        const rows = await this.retrying(() => this.couch.fetch<ChunkDoc>(ids.slice(from, from + KEYS_PER_REQUEST), true), 0, 'the points could not be read');
        rows.forEach((row, k) => row.doc && out[owner[from + k]!]!.push(row.doc));
      }
      return out;
    }
    // A long range: one id range scan per series, a few at a time.
    let next = 0;
    const worker = async () => {
      while (next < group.length) {
        const s = next++;
        const [start, end] = chunkRange(group[s]!.id, first, last);
        const rows = await this.retrying(() => this.couch.range<ChunkDoc>(start, end, { conflicts: true }), 0, 'the points could not be read');
        out[s] = rows.map((r) => r.doc!).filter(Boolean);
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.options.readConcurrency, group.length) }, worker));
    return out;
  }

  /** Decoded points of a series' window documents (sorted by window, so by time), clipped to [start, end]. */
  private async pointsOf(docs: ChunkDoc[], start: number, end: number): Promise<SeriesPoints> {
    const parts: SeriesPoints[] = [];
    for (const doc of docs) parts.push(await this.retrying(() => windowPoints(this.couch, this.codecs, doc), 0, 'the points could not be read'));
    let total = 0;
    for (const p of parts) total += p.length;
    const all = { length: total, timestamps: new Float64Array(total), kinds: new Uint8Array(total), floats: new Float64Array(total), ints: new BigInt64Array(total), texts: new Array<string | undefined>(total) };
    let n = 0;
    for (const p of parts) {
      all.timestamps.set(p.timestamps, n);
      all.kinds.set(p.kinds, n);
      all.floats.set(p.floats, n);
      all.ints.set(p.ints, n);
      for (let i = 0; i < p.length; i++) all.texts[n + i] = p.texts[i];
      n += p.length;
    }
    let from = 0;
    while (from < n && all.timestamps[from]! < start) from++;
    let to = n;
    while (to > from && all.timestamps[to - 1]! > end) to--;
    return from === 0 && to === n ? all : slicePoints(all, from, to);
  }

  async *read(selector: SeriesSelector, range: TimeRange): AsyncIterable<SeriesData> {
    const infos = await this.select(selector);
    const first = Number.isFinite(range.start) ? this.windowOf(range.start) : -Infinity;
    const last = Number.isFinite(range.end) ? this.windowOf(range.end) : Infinity;
    const perGroup = Math.max(1, Math.min(256, Number.isFinite(last - first) ? Math.floor(KEYS_PER_REQUEST / ((last - first) / this.windowMs + 1)) : 256));
    for (let g = 0; g < infos.length; g += perGroup) {
      const group = infos.slice(g, g + perGroup);
      const docs = await this.chunkDocs(group, first, last);
      for (let s = 0; s < group.length; s++) {
        const points = await this.pointsOf(docs[s]!, range.start, range.end);
        // The contract: a series with no point in the range is not returned.
        if (points.length > 0) yield { series: group[s]!, points };
      }
    }
  }

  async *last(selector: SeriesSelector, since = -Infinity): AsyncIterable<LastPoint> {
    const infos = await this.select(selector);
    const found: (LastPoint | undefined)[] = new Array(infos.length);
    let next = 0;
    const worker = async () => {
      while (next < infos.length) {
        const s = next++;
        const [start, end] = chunkRange(infos[s]!.id, -Infinity, Infinity);
        // The newest window document holds the last point: one descending row.
        const rows = await this.retrying(() => this.couch.range<ChunkDoc>(end, start, { descending: true, limit: 1, conflicts: true }), 0, 'the last points could not be read');
        const doc = rows[0]?.doc;
        if (!doc) continue;
        const p = await this.retrying(() => windowPoints(this.couch, this.codecs, doc), 0, 'the last points could not be read');
        const i = p.length - 1;
        if (i < 0 || p.timestamps[i]! < since) continue;
        found[s] = { series: infos[s]!, timestamp: p.timestamps[i]!, kind: p.kinds[i]! as LastPoint['kind'], float: p.floats[i]!, int: p.ints[i]!, text: p.texts[i] };
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.options.readConcurrency, infos.length) }, worker));
    for (const point of found) if (point) yield point;
  }

  async *lookup(selector: Partial<SeriesSelector>, limit = Infinity): AsyncIterable<SeriesInfo> {
    let n = 0;
    for (const info of await this.select(selector)) {
      if (n++ >= limit) return;
      yield info;
    }
  }

  async suggest(kind: NameKind, prefix: string, max: number): Promise<string[]> {
    if (max <= 0) return [];
    const p = namePrefix(kind);
    const rows = await this.retrying(() => this.couch.range<never>(p + prefix, p + prefix + HIGH, { limit: Math.floor(max), docs: false }), 0, 'suggest failed');
    return rows.map((r) => r.id!.slice(p.length)).sort();
  }

  /**
   * Rewrites the window documents of matching series that hold points in the range
   * without them (deleting a document left empty), each with its revision: a 409 means a
   * writer changed it meanwhile, and the window is read and cut again.
   */
  async deleteRange(selector: SeriesSelector, range: TimeRange): Promise<number> {
    const infos = await this.select(selector);
    const first = Number.isFinite(range.start) ? this.windowOf(range.start) : -Infinity;
    const last = Number.isFinite(range.end) ? this.windowOf(range.end) : Infinity;
    let removed = 0;
    for (const info of infos) {
      const [start, end] = chunkRange(info.id, first, last);
      removed += await this.retrying(
        async () => {
          let n = 0;
          let rows = await this.couch.range<ChunkDoc>(start, end, { conflicts: true });
          for (let round = 0; rows.length > 0; round++) {
            if (round >= 50) throw new Error(`storage-couchdb: window documents of series ${info.id} still conflicted after 50 rounds; the delete is incomplete`);
            const docs: object[] = [];
            const losers: { id: string; rev: string }[] = [];
            let cut = 0;
            for (const { doc } of rows) {
              if (!doc) continue;
              // a conflicted window: cut the merge of its branches, and drop the losing ones
              const points = await windowPoints(this.couch, this.codecs, doc);
              for (const rev of doc._conflicts ?? []) losers.push({ id: doc._id, rev });
              const kept = withoutRange(points, range.start, range.end);
              if (kept === points) continue;
              cut += points.length - kept.length;
              docs.push(kept.length > 0 ? encodeChunkDoc(this.codecs, doc._id, doc._rev, doc.s, doc.w, kept) : { _id: doc._id, _rev: doc._rev, _deleted: true });
            }
            if (docs.length === 0) break;
            const results = await this.couch.bulk(docs);
            const conflicted: string[] = [];
            for (const r of results) {
              this.windows.forget(r.id);
              if (r.error === 'conflict') conflicted.push(r.id);
              else if (!r.ok) throw new Error(`storage-couchdb: CouchDB refused window document ${r.id}: ${r.error} (${r.reason})`);
            }
            const conflictedIds = new Set(conflicted);
            await deleteLosers(this.couch, losers.filter((l) => !conflictedIds.has(l.id)));
            // Count only what was stored; conflicted documents are read and cut again.
            if (conflicted.length === 0) {
              n += cut;
              break;
            }
            n += cut - (await this.pointsIn(conflicted, rows, range));
            rows = await this.couch.fetch<ChunkDoc>(conflicted, true);
          }
          return n;
        },
        0,
        'the delete may be incomplete (run it again)',
      );
    }
    return removed;
  }

  /** Points in `range` that the documents `ids` held in `rows` (before a failed cut). */
  private async pointsIn(ids: string[], rows: Row<ChunkDoc>[], range: TimeRange): Promise<number> {
    const set = new Set(ids);
    let n = 0;
    for (const { doc } of rows) {
      if (!doc || !set.has(doc._id)) continue;
      const p = await windowPoints(this.couch, this.codecs, doc);
      for (let i = 0; i < p.length; i++) if (p.timestamps[i]! >= range.start && p.timestamps[i]! <= range.end) n++;
    }
    return n;
  }

  putAnnotation(annotation: Annotation): Promise<void> {
    return this.annotationDocs.put(annotation);
  }

  annotations(range: TimeRange, tsuids?: readonly string[] | 'global'): Promise<Annotation[]> {
    return this.annotationDocs.list(range, tsuids);
  }

  deleteAnnotation(annotation: Pick<Annotation, 'startTime' | 'tsuid'>): Promise<boolean> {
    return this.annotationDocs.delete(annotation);
  }

  /** Series and points from the counts view; bytes from the database's file size. */
  stats(): Promise<StorageStats> {
    return this.retrying(() => this.readStats(), 0, 'stats could not be read');
  }

  private async readStats(): Promise<StorageStats> {
    const res = await this.couch.request<{ rows: { key: string; value: { sum: number; count: number } }[] }>({ path: `${DESIGN_ID}/_view/counts`, qs: { group: true } });
    const byKey = new Map(res.rows.map((r) => [r.key, r.value]));
    const info = await this.couch.request<{ sizes?: { file?: number }; disk_size?: number; doc_count: number }>({ path: '' });
    return {
      series: byKey.get('series')?.count ?? 0,
      points: byKey.get('points')?.sum ?? 0,
      chunks: byKey.get('points')?.count ?? 0,
      documents: info.doc_count,
      bytesOnDisk: info.sizes?.file ?? info.disk_size ?? 0,
      windowConflicts: this.windows.conflicts,
    };
  }
}


