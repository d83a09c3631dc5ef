/**
 * The HBase storage engine, through HBase's REST gateway. Every daemon is stateless over
 * HBase: series ids, the series index and points live in two tables (keys.ts), the
 * MetaStore in a third (meta-store.ts); a daemon keeps only caches (series key → id)
 * and the rows it wrote fragments to, which compaction uses and can lose.
 *
 * A write encodes, per series and window, its points into one chunk cell and puts all
 * cells of the batch in one multi-row request; it resolves only once the gateway
 * answered (HBase has the cells in its WAL), so no acknowledged point waits in memory.
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
  SeriesSelector,
  StorageCapabilities,
  StorageEngine,
  StorageStats,
  TimeRange,
  WriteOptions,
  WriteResult,
} from '../../core';
import { CodecSet, DEFAULT_CODECS, storedChunkPointCount, type CodecPreferences } from '../../lib/chunks';
import { HBaseAnnotations } from './annotations';
import { FragmentCodec, Sequencer } from './fragments';
import { DATA_FAMILY, dataRowKey, parseSeriesId, rowSeriesId, saltOf, UID_FAMILY } from './keys';
import { HBaseRest, isUnavailable, unavailableError, type Cell, type Row } from './rest';
import { makeRetrying, type Retrying } from './retrying';
import { SeriesIndex } from './series-index';
import { HBaseMetaStore, META_FAMILY } from './meta-store';

export interface HBaseEngineOptions {
  host: string;
  port: number;
  requestTimeoutMs: number;
  tablePrefix: string;
  windowMs: number;
  saltBuckets: number;
  compactIntervalMs: number;
  compactFragments: number;
  retryTimeoutMs: number;
  seriesCacheSize: number;
  codecs?: Partial<{ [K in keyof CodecPreferences]: string | string[] }>;
}

/** series per read group: their rows are fetched together, then yielded one by one */
const SERIES_PER_SCAN = 256;
/** cells per put request: bounds the JSON body the gateway parses */
const CELLS_PER_PUT = 4000;
const META_ROW = 'meta';
/** rows rewritten at once by compaction */
const COMPACT_CONCURRENCY = 4;

export class HBaseEngine implements StorageEngine {
  /** UIDs, meta and trees (core MetaStore): the `<prefix>meta` table. */
  readonly meta: HBaseMetaStore;
  readonly name = 'hbase';
  readonly capabilities: StorageCapabilities = { sharedAcrossDaemons: true };
  private readonly rest: HBaseRest;
  private readonly dataTable: string;
  private readonly uidTable: string;
  private readonly metaTable: string;
  private windowMs: number;
  private saltBuckets: number;
  private index!: SeriesIndex;
  private readonly fragments: FragmentCodec;
  private readonly sequencer = new Sequencer();
  /** rows this daemon added fragments to: "id:window" → fragments added */
  private readonly dirty = new Map<string, number>();
  private compactTimer?: NodeJS.Timeout;
  private compacting?: Promise<number>;
  private readonly inflight = new Set<Promise<unknown>>();
  private closing = false;
  private readonly retrying: Retrying = makeRetrying(() => this.closing);
  private readonly annotationRows: HBaseAnnotations;

  /** `codecs` is the kernel's codec registry: chunks are written with the codec plugins. */
  constructor(
    private readonly options: HBaseEngineOptions,
    private readonly log: Logger,
    codecs: Registry<Codec>,
  ) {
    this.rest = new HBaseRest({ host: options.host, port: options.port, timeoutMs: options.requestTimeoutMs });
    this.dataTable = options.tablePrefix + 'data';
    this.uidTable = options.tablePrefix + 'uid';
    this.metaTable = options.tablePrefix + 'meta';
    this.windowMs = options.windowMs;
    this.saltBuckets = options.saltBuckets;
    const prefs = { ...DEFAULT_CODECS };
    for (const column of Object.keys(DEFAULT_CODECS) as (keyof CodecPreferences)[]) {
      const value = options.codecs?.[column];
      if (value !== undefined) prefs[column] = typeof value === 'string' ? [value] : value;
    }
    this.fragments = new FragmentCodec(new CodecSet(codecs, prefs, 'storage-hbase'), this.sequencer);
    this.annotationRows = new HBaseAnnotations(this.rest, this.uidTable, this.retrying);
    this.meta = new HBaseMetaStore(this.rest, this.metaTable, this.retrying, () => this.options.retryTimeoutMs);
  }

  async open(): Promise<void> {
    try {
      await this.rest.ensureTable(this.dataTable, [{ name: DATA_FAMILY, versions: 1 }]);
      await this.rest.ensureTable(this.uidTable, [{ name: UID_FAMILY, versions: 1 }]);
      await this.rest.ensureTable(this.metaTable, [{ name: META_FAMILY, versions: 1 }]);
      // Every daemon must cut windows and salt keys the same way: the first one to open decides.
      this.windowMs = await this.adopt('window_ms', this.windowMs);
      this.saltBuckets = await this.adopt('salt_buckets', this.saltBuckets);
    } catch (err) {
      throw isUnavailable(err) ? unavailableError('cannot open storage', err) : err;
    }
    this.index = new SeriesIndex(this.rest, this.uidTable, this.options.seriesCacheSize);
    if (this.options.compactIntervalMs > 0) {
      this.compactTimer = setInterval(() => void this.compact().catch((err) => this.log.warn({ err }, 'compaction failed; will retry')), this.options.compactIntervalMs);
      this.compactTimer.unref();
    }
  }

  /** Stores `value` under meta `name` unless a daemon did first; returns the stored value. */
  private async adopt(name: string, value: number): Promise<number> {
    const column = `${UID_FAMILY}:${name}`;
    await this.rest.checkAndPut(this.uidTable, META_ROW, column, String(value));
    const row = await this.rest.get(this.uidTable, Buffer.from(META_ROW));
    const stored = Number(row?.cells.find((c) => c.column.toString() === column)?.value.toString());
    if (!Number.isFinite(stored) || stored <= 0) throw new Error(`storage-hbase: meta ${name} in ${this.uidTable} is unreadable`);
    if (stored !== value) this.log.warn({ option: name, configured: value, stored }, 'storage-hbase: differs from the table; using the stored one');
    return stored;
  }

  async close(): Promise<void> {
    this.closing = true;
    clearInterval(this.compactTimer);
    await Promise.allSettled([...this.inflight]);
    await this.compacting?.catch(() => undefined);
  }

  /** Writes are in HBase before they resolve: nothing is buffered to flush. */
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
   * `sync` writes fail at once while HBase is unreachable; others are retried for
   * `retryTimeoutMs`, then refused with DSDB_ERR_STORAGE_UNAVAILABLE. Neither resolves
   * before HBase took every cell.
   */
  write(batch: PointBatch, options?: WriteOptions): Promise<WriteResult> {
    if (batch.length === 0) return Promise.resolve({ written: 0 });
    if (this.closing) return Promise.reject(unavailableError('storage is closing; the points were not stored', new Error('closing')));
    const deadline = options?.sync ? 0 : this.options.retryTimeoutMs;
    // A failure may come after HBase applied the cells (a timeout): "not acknowledged",
    // and writing the same points again is harmless (last write wins with the same values).
    return this.track(this.retrying(() => this.writeOnce(batch), deadline, `the ${batch.length} points were not acknowledged (not stored, or stored just before the connection broke; writing them again is safe)`));
  }

  private async writeOnce(batch: PointBatch): Promise<WriteResult> {
    const ids: number[] = new Array(batch.series.length);
    await this.index.resolve(batch.seriesKeys, batch.series, ids);
    const touched: string[] = [];
    const cells = this.fragments.cells(batch, ids, this.windowMs, this.saltBuckets, touched);
    for (let from = 0; from < cells.length; from += CELLS_PER_PUT) await this.rest.put(this.dataTable, cells.slice(from, from + CELLS_PER_PUT));
    for (const key of touched) this.dirty.set(key, (this.dirty.get(key) ?? 0) + 1);
    return { written: batch.length };
  }

  private select(selector: Partial<SeriesSelector>): Promise<SeriesInfo[]> {
    return this.retrying(() => this.index.select(selector), 0, 'the series could not be read');
  }

  private windowOf(t: number): number {
    return Math.floor(t / this.windowMs) * this.windowMs;
  }

  /** The window range of a time range, clamped to what a key can hold. */
  private windows(range: TimeRange): [number, number] {
    const lo = -(2 ** 62);
    const hi = 2 ** 62;
    return [Math.max(lo, this.windowOf(Math.max(lo, range.start))), Math.min(hi, this.windowOf(Math.min(hi, range.end)))];
  }

  /**
   * The rows of some series in a window range: per salt bucket, one scan from the first
   * series' first row to the last series' last row, with a MultiRowRangeFilter so the
   * region servers skip between the series' ranges. Rows come back per series by window.
   */
  private async seriesRows(ids: readonly number[], first: number, last: number): Promise<Map<number, Row[]>> {
    const bySalt = new Map<number, number[]>();
    for (const id of ids) {
      const salt = saltOf(id, this.saltBuckets);
      let list = bySalt.get(salt);
      if (!list) bySalt.set(salt, (list = []));
      list.push(id);
    }
    const out = new Map<number, Row[]>();
    for (const list of bySalt.values()) {
      list.sort((a, b) => a - b);
      const ranges = list.map((id) => ({ startRow: dataRowKey(id, first, this.saltBuckets).toString('base64'), startRowInclusive: true, stopRow: dataRowKey(id, last, this.saltBuckets).toString('base64'), stopRowInclusive: true }));
      const end = dataRowKey(list[list.length - 1]!, last, this.saltBuckets);
      const rows = await this.rest.scanAll(this.dataTable, {
        startRow: dataRowKey(list[0]!, first, this.saltBuckets),
        endRow: Buffer.concat([end, Buffer.from([0])]),
        filter: list.length > 1 ? { type: 'MultiRowRangeFilter', ranges } : undefined,
      });
      for (const row of rows) {
        const id = rowSeriesId(row.key);
        let mine = out.get(id);
        if (!mine) out.set(id, (mine = []));
        mine.push(row);
      }
    }
    return out;
  }

  private readRows(ids: readonly number[], first: number, last: number): Promise<Map<number, Row[]>> {
    return this.retrying(() => this.seriesRows(ids, first, last), 0, 'the points could not be read');
  }

  private static values(rows: readonly Row[]): Buffer[] {
    const out: Buffer[] = [];
    for (const row of rows) for (const cell of row.cells) out.push(cell.value);
    return out;
  }

  async *read(selector: SeriesSelector, range: TimeRange): AsyncIterable<SeriesData> {
    const infos = await this.select(selector);
    const [first, last] = this.windows(range);
    if (first > last) return;
    for (let g = 0; g < infos.length; g += SERIES_PER_SCAN) {
      const group = infos.slice(g, g + SERIES_PER_SCAN);
      const rows = await this.readRows(group.map((s) => parseSeriesId(s.id)), first, last);
      for (const info of group) {
        const mine = rows.get(parseSeriesId(info.id));
        if (!mine) continue;
        const points = this.fragments.merge(HBaseEngine.values(mine), range.start, range.end);
        // The contract: a series with no point in the range is not returned.
        if (points.length > 0) yield { series: info, points };
      }
    }
  }

  /**
   * The newest point of each series. The key has no reverse order to scan by (the
   * gateway has no reversed scans), so the newest window is found by scanning back in
   * growing steps from now (a day, then ×16) until a window with points turns up.
   */
  async *last(selector: SeriesSelector, since = -Infinity): AsyncIterable<LastPoint> {
    const infos = await this.select(selector);
    for (let g = 0; g < infos.length; g += SERIES_PER_SCAN) {
      const group = infos.slice(g, g + SERIES_PER_SCAN);
      const newest = new Map<number, Row[]>();
      // points in the future first (clock skew, test data), then back from now
      let pending = group.map((s) => parseSeriesId(s.id));
      const now = this.windowOf(Date.now());
      const floor = Number.isFinite(since) ? this.windowOf(Math.max(since, -(2 ** 62))) : -(2 ** 62);
      const steps: [number, number][] = [[now, 2 ** 62]];
      let span = 86_400_000;
      let hi = now - this.windowMs;
      while (hi >= floor) {
        const lo = Math.max(floor, this.windowOf(hi - span));
        steps.push([lo, hi]);
        if (lo === floor) break;
        hi = lo - this.windowMs;
        span *= 16;
      }
      for (const [lo, hi2] of steps) {
        if (pending.length === 0) break;
        if (lo > hi2) continue;
        const rows = await this.readRows(pending, lo, hi2);
        for (const [id, list] of rows) {
          // the newest window with a point: rows are by window, so from the end
          // (one row per window: the key is series + window)
          for (let r = list.length - 1; r >= 0; r--) {
            if (this.fragments.merge(HBaseEngine.values([list[r]!]), -Infinity, Infinity).length > 0) {
              newest.set(id, [list[r]!]);
              break;
            }
          }
        }
        pending = pending.filter((id) => !newest.has(id));
      }
      for (const info of group) {
        const rows = newest.get(parseSeriesId(info.id));
        if (!rows) continue;
        const points = this.fragments.merge(HBaseEngine.values(rows), -Infinity, Infinity);
        const i = points.length - 1;
        if (i < 0 || points.timestamps[i]! < since) continue;
        yield { series: info, timestamp: points.timestamps[i]!, kind: points.kinds[i]! as LastPoint['kind'], float: points.floats[i]!, int: points.ints[i]!, text: points.texts[i] };
      }
    }
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
    return this.retrying(() => this.index.suggest(kind, prefix, Math.floor(max)), 0, 'suggest failed');
  }

  /**
   * Rewrites one row's fragments as a single cell, dropping the points in `remove`. The
   * merged cell takes the newest qualifier merged, so a fragment written meanwhile (a
   * newer qualifier) still wins over it; then the older qualifiers are deleted. A crash
   * in between leaves the old fragments under the merged cell: reads give the same
   * points (or, for a delete, may show the removed points again; never lose others).
   * Returns the number of points removed.
   */
  private async rewriteRow(key: Buffer, remove?: TimeRange): Promise<number> {
    const row = await this.rest.get(this.dataTable, key);
    if (!row || row.cells.length === 0 || (row.cells.length === 1 && !remove)) return 0;
    const all = this.fragments.merge(HBaseEngine.values([row]), -Infinity, Infinity);
    let keep = 0;
    const kept = this.fragments.scratchFor(all.length);
    for (let i = 0; i < all.length; i++) {
      const t = all.timestamps[i]!;
      if (remove && t >= remove.start && t <= remove.end) continue;
      kept.timestamps[keep] = t;
      kept.kinds[keep] = all.kinds[i]!;
      kept.floats[keep] = all.floats[i]!;
      kept.ints[keep] = all.ints[i]!;
      kept.texts[keep++] = all.texts[i];
    }
    const removed = all.length - keep;
    if (remove && removed === 0) return 0;
    const newest = row.cells[row.cells.length - 1]!.column;
    if (keep > 0) {
      const cell: Cell = { row: key, column: newest, value: this.fragments.encode(kept, keep) };
      await this.rest.put(this.dataTable, [cell]);
    }
    const older = row.cells.map((c) => c.column).filter((c) => keep === 0 || !c.equals(newest));
    await this.rest.deleteColumns(this.dataTable, key, older);
    return removed;
  }

  async deleteRange(selector: SeriesSelector, range: TimeRange): Promise<number> {
    const infos = await this.select(selector);
    const [first, last] = this.windows(range);
    if (first > last) return 0;
    let removed = 0;
    for (let g = 0; g < infos.length; g += SERIES_PER_SCAN) {
      const ids = infos.slice(g, g + SERIES_PER_SCAN).map((s) => parseSeriesId(s.id));
      const rows = await this.readRows(ids, first, last);
      for (const list of rows.values()) {
        for (const row of list) removed += await this.retrying(() => this.rewriteRow(row.key, range), 0, 'the delete stopped part way (the points removed so far stay removed)');
      }
    }
    return removed;
  }

  /**
   * Merges the fragments of rows this daemon wrote to: those with `compactFragments`
   * fragments or more, those of windows closed for a whole window, or all with `force`.
   * Returns the number of rows rewritten. One run at a time per daemon.
   */
  compact(force = false): Promise<number> {
    if (this.compacting) return this.compacting;
    const run = async () => {
      const closedBefore = Date.now() - 2 * this.windowMs;
      const due = [...this.dirty].filter(([key, fragments]) => force || fragments >= this.options.compactFragments || Number(key.slice(key.indexOf(':') + 1)) < closedBefore);
      let next = 0;
      let rewritten = 0;
      // a few rows at once: each costs a get, a put and a delete through the gateway
      const worker = async () => {
        while (next < due.length && !this.closing) {
          const [key, fragments] = due[next++]!;
          const colon = key.indexOf(':');
          const id = Number(key.slice(0, colon));
          const window = Number(key.slice(colon + 1));
          await this.retrying(() => this.rewriteRow(dataRowKey(id, window, this.saltBuckets)), 0, 'compaction stopped');
          // fragments written while we compacted stay counted
          const now = this.dirty.get(key) ?? 0;
          if (now <= fragments) this.dirty.delete(key);
          else this.dirty.set(key, now - fragments);
          rewritten++;
        }
      };
      await Promise.all(Array.from({ length: COMPACT_CONCURRENCY }, worker));
      return rewritten;
    };
    this.compacting = run().finally(() => (this.compacting = undefined));
    return this.compacting;
  }

  putAnnotation(annotation: Annotation): Promise<void> {
    return this.annotationRows.put(annotation);
  }

  annotations(range: TimeRange, tsuids?: readonly string[] | 'global'): Promise<Annotation[]> {
    return this.annotationRows.list(range, tsuids);
  }

  deleteAnnotation(annotation: Pick<Annotation, 'startTime' | 'tsuid'>): Promise<boolean> {
    return this.annotationRows.delete(annotation);
  }

  /** Series (one key-only scan of the index) and this daemon's pending compactions. */
  async stats(): Promise<StorageStats> {
    const series = await this.retrying(() => this.index.count(), 0, 'stats could not be read');
    return { series, pendingCompactions: this.dirty.size };
  }

  /**
   * Cells, points and value bytes of the data table, by a full scan through the
   * gateway (for the bench and tests: it reads everything).
   */
  async scanTotals(): Promise<{ rows: number; cells: number; points: number; valueBytes: number; keyBytes: number }> {
    const totals = { rows: 0, cells: 0, points: 0, valueBytes: 0, keyBytes: 0 };
    for await (const page of this.rest.scan(this.dataTable, {})) {
      for (const row of page) {
        totals.rows++;
        for (const c of row.cells) {
          totals.cells++;
          totals.points += storedChunkPointCount(c.value);
          totals.valueBytes += c.value.length;
          totals.keyBytes += row.key.length + c.column.length;
        }
      }
    }
    return totals;
  }

  /** Drops both tables (tests and benches clean up with it). */
  async dropTables(): Promise<void> {
    await this.rest.dropTable(this.dataTable);
    await this.rest.dropTable(this.uidTable);
    await this.rest.dropTable(this.metaTable);
  }
}
