/**
 * The MySQL/MariaDB storage engine. Every daemon is stateless over the database: series
 * ids, names and points live in SQL; a daemon keeps only caches (series key → id) and
 * the list of windows it wrote fragments to, which compaction uses and can lose.
 *
 * A write encodes, per series and time window, its points into one compressed fragment
 * and inserts all fragments of the batch in one transaction of multi-row prepared
 * INSERTs; it resolves only after COMMIT, so no acknowledged point waits in memory.
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
import { CodecSet } from '../../lib/chunks';
import { codecPreferences, MysqlChunks, type CodecOptions } from './chunk';
import { createPool, isUnavailable, unavailableError, type Pool, type PoolConnection, type PoolSettings } from './db';
import { MysqlAnnotations } from './annotations';
import { FragmentEncoder } from './fragment-encoder';
import { makeRetrying, type Retrying } from './retrying';
import { mergeRows, type ChunkRow } from './merge';
import { NAME_KIND, schemaStatements, TABLES } from './schema';
import { parseSeriesId, SeriesIndex } from './series-index';
import { MysqlMetaStore } from './meta-store';
import { DsdbError } from '../../core';

export interface MysqlEngineOptions extends PoolSettings {
  tablePrefix: string;
  windowMs: number;
  compactIntervalMs: number;
  compactFragments: number;
  retryTimeoutMs: number;
  seriesCacheSize: number;
  /** codec names per column, by preference, from the codec plugins (lib/chunks DEFAULT_CODECS when absent) */
  codecs?: Partial<CodecOptions>;
}

const MAX_ROWS_PER_INSERT = 256;
const SERIES_PER_QUERY = 256;

export class MysqlEngine implements StorageEngine {
  /** UIDs, meta and trees (core MetaStore): the meta_kv table. */
  readonly meta: MysqlMetaStore;
  readonly name = 'mysql';
  readonly capabilities: StorageCapabilities = { sharedAcrossDaemons: true };
  private pool!: Pool;
  private index!: SeriesIndex;
  private readonly codec: MysqlChunks;
  private readonly p: string;
  private windowMs: number;
  /** windows this daemon added fragments to: "id:window" → fragments added */
  private readonly dirty = new Map<string, number>();
  private compactTimer?: NodeJS.Timeout;
  private compacting?: Promise<number>;
  private readonly inflight = new Set<Promise<unknown>>();
  private closing = false;
  private readonly encoder: FragmentEncoder;
  private readonly retrying: Retrying = makeRetrying(() => this.closing);
  private readonly annotationRows: MysqlAnnotations;

  /**
   * `codecs` is the kernel's codec registry (the factory context's): chunks are written
   * with the codec plugins. Throws, naming the plugins to load, when a column has none.
   */
  constructor(
    private readonly options: MysqlEngineOptions,
    private readonly log: Logger,
    codecs: Registry<Codec>,
  ) {
    this.p = options.tablePrefix;
    this.windowMs = options.windowMs;
    this.codec = new MysqlChunks(new CodecSet(codecs, codecPreferences(options.codecs, log), 'storage-mysql'));
    this.encoder = new FragmentEncoder(this.codec, () => this.windowMs);
    this.annotationRows = new MysqlAnnotations(() => this.pool, this.p, this.retrying);
    this.meta = new MysqlMetaStore(
      () => {
        if (!this.pool) throw new DsdbError('DSDB_ERR_STORAGE_CLOSED', 'storage-mysql is not open: its meta store cannot be used');
        return this.pool;
      },
      `${this.p}meta_kv`,
      this.retrying,
      () => this.options.retryTimeoutMs,
    );
  }

  async open(): Promise<void> {
    const admin = createPool({ ...this.options, connectionLimit: 1 }, undefined);
    try {
      await admin.query(`CREATE DATABASE IF NOT EXISTS \`${this.options.database.replace(/`/g, '``')}\` CHARACTER SET utf8mb4`);
    } catch (err) {
      throw isUnavailable(err) ? unavailableError('cannot open storage', err) : err;
    } finally {
      await admin.end().catch(() => undefined);
    }
    this.pool = createPool(this.options, this.options.database);
    // An idle pooled connection dropped by the server must not become an uncaught error.
    this.pool.on('connection', (conn) => (conn as unknown as { on(e: string, f: (err: Error) => void): void }).on('error', (err) => this.log.warn({ err }, 'MariaDB connection lost')));
    for (const sql of schemaStatements(this.p)) await this.pool.query(sql);
    // Every daemon must cut windows the same way: the first one to open decides.
    await this.pool.query(`INSERT IGNORE INTO ${this.p}meta (name, value) VALUES ('window_ms', ?)`, [String(this.windowMs)]);
    const [rows] = (await this.pool.query(`SELECT value FROM ${this.p}meta WHERE name = 'window_ms'`)) as unknown as [{ value: string }[]];
    const stored = Number(rows[0]!.value);
    if (stored !== this.windowMs) this.log.warn({ configured: this.windowMs, stored }, 'windowMs differs from the database; using the stored one');
    this.windowMs = stored;
    this.index = new SeriesIndex(this.pool, this.p, this.options.seriesCacheSize);
    await this.findFragmentedWindows();
    if (this.options.compactIntervalMs > 0) {
      this.compactTimer = setInterval(() => void this.compact().catch((err) => this.log.warn({ err }, 'compaction failed; will retry')), this.options.compactIntervalMs);
      this.compactTimer.unref();
    }
  }

  async close(): Promise<void> {
    this.closing = true;
    clearInterval(this.compactTimer);
    await Promise.allSettled([...this.inflight]);
    await this.compacting?.catch(() => undefined);
    await this.pool?.end().catch(() => undefined);
  }

  /** Writes are committed before they resolve: nothing is buffered to flush. */
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
   * `sync` writes fail at once while MariaDB is down; others are retried for
   * `retryTimeoutMs`, then refused with an error. Neither resolves before COMMIT.
   */
  write(batch: PointBatch, options?: WriteOptions): Promise<WriteResult> {
    if (batch.length === 0) return Promise.resolve({ written: 0 });
    if (this.closing) return Promise.reject(unavailableError('storage is closing; the points were not stored', new Error('closing')));
    const deadline = options?.sync ? 0 : this.options.retryTimeoutMs;
    // A failure may come after COMMIT reached the server: "not acknowledged", and writing
    // the same points again is harmless (last write wins with the same values).
    return this.track(this.retrying(() => this.writeOnce(batch), deadline, `the ${batch.length} points were not acknowledged (not stored, or stored just before the connection broke; writing them again is safe)`));
  }

  private async writeOnce(batch: PointBatch): Promise<WriteResult> {
    const ids: number[] = new Array(batch.series.length);
    await this.index.resolve(batch.seriesKeys, batch.series, ids);
    const rows = this.encoder.encode(batch, ids);
    await this.insertChunks(rows);
    for (let r = 0; r < rows.length; r += 4) {
      const key = `${rows[r]}:${rows[r + 1]}`;
      this.dirty.set(key, (this.dirty.get(key) ?? 0) + 1);
    }
    return { written: batch.length };
  }

  /**
   * Inserts fragments (4 params each) in one transaction, as prepared multi-row INSERTs
   * of 256, 128, …, 1 rows: a handful of distinct statements for the server to cache.
   */
  private async insertChunks(params: unknown[]): Promise<void> {
    const rows = params.length / 4;
    // One statement is atomic by itself; several share a transaction.
    const several = rows > MAX_ROWS_PER_INSERT || (rows & (rows - 1)) !== 0;
    await this.withConnection(several, async (conn) => {
      let done = 0;
      while (done < rows) {
        let size = MAX_ROWS_PER_INSERT;
        while (size > rows - done) size >>= 1;
        await conn.execute(this.insertSql(size), params.slice(done * 4, (done + size) * 4) as (number | Buffer)[]);
        done += size;
      }
    });
  }

  /**
   * Runs `fn` on a pooled connection, in a transaction when asked. A connection that
   * failed because the server went away is destroyed, never handed back to the pool.
   */
  private async withConnection<T>(transaction: boolean, fn: (conn: PoolConnection) => Promise<T>): Promise<T> {
    const conn = await this.pool.getConnection();
    try {
      if (transaction) await conn.query('START TRANSACTION');
      const result = await fn(conn);
      if (transaction) await conn.query('COMMIT');
      conn.release();
      return result;
    } catch (err) {
      if (isUnavailable(err)) conn.destroy();
      else {
        if (transaction) await conn.query('ROLLBACK').catch(() => undefined);
        conn.release();
      }
      throw err;
    }
  }

  private readonly insertSqls = new Map<number, string>();
  private insertSql(rows: number): string {
    let sql = this.insertSqls.get(rows);
    if (!sql) {
      sql = `INSERT INTO ${this.p}chunks (series_id, window_start, npoints, data) VALUES ${new Array(rows).fill('(?,?,?,?)').join(',')}`;
      this.insertSqls.set(rows, sql);
    }
    return sql;
  }

  private select(selector: Partial<SeriesSelector>): Promise<SeriesInfo[]> {
    return this.retrying(() => this.index.select(selector), 0, 'the series could not be read');
  }

  /** Chunk rows of some series, in (series, window, seq) order. */
  private async chunkRows(ids: number[], firstWindow: number, lastWindow: number): Promise<ChunkRow[]> {
    const sql = `SELECT series_id, window_start, seq, npoints, data FROM ${this.p}chunks WHERE series_id IN (${ids.map(() => '?').join(',')}) AND window_start BETWEEN ? AND ? ORDER BY series_id, window_start, seq`;
    const [rows] = (await this.retrying(() => this.pool.query(sql, [...ids, firstWindow, lastWindow]), 0, 'the points could not be read')) as unknown as [ChunkRow[]];
    return rows;
  }

  private windowOf(t: number): number {
    return Math.floor(t / this.windowMs) * this.windowMs;
  }

  async *read(selector: SeriesSelector, range: TimeRange): AsyncIterable<SeriesData> {
    const infos = await this.select(selector);
    const first = Number.isFinite(range.start) ? this.windowOf(range.start) : -Number.MAX_SAFE_INTEGER;
    const last = Number.isFinite(range.end) ? range.end : Number.MAX_SAFE_INTEGER;
    for (let g = 0; g < infos.length; g += SERIES_PER_QUERY) {
      const group = infos.slice(g, g + SERIES_PER_QUERY);
      const rows = await this.chunkRows(group.map((s) => parseSeriesId(s.id)), first, last);
      let r = 0;
      for (const info of group) {
        const id = parseSeriesId(info.id);
        const from = r;
        while (r < rows.length && rows[r]!.series_id === id) r++;
        const points = mergeRows(this.codec, rows, from, r, range.start, range.end);
        // The contract: a series with no point in the range is not returned.
        if (points.length > 0) yield { series: info, points };
      }
    }
  }

  async *last(selector: SeriesSelector, since = -Infinity): AsyncIterable<LastPoint> {
    const infos = await this.select(selector);
    for (let g = 0; g < infos.length; g += SERIES_PER_QUERY) {
      const group = infos.slice(g, g + SERIES_PER_QUERY);
      const ids = group.map((s) => parseSeriesId(s.id));
      // The newest window of each series holds its last point (loose index scan for MAX).
      const sql = `SELECT c.series_id, c.window_start, c.seq, c.npoints, c.data FROM ${this.p}chunks c JOIN (SELECT series_id, MAX(window_start) w FROM ${this.p}chunks WHERE series_id IN (${ids.map(() => '?').join(',')}) GROUP BY series_id) m ON c.series_id = m.series_id AND c.window_start = m.w ORDER BY c.series_id, c.seq`;
      const [rows] = (await this.retrying(() => this.pool.query(sql, ids), 0, 'the last points could not be read')) as unknown as [ChunkRow[]];
      let r = 0;
      for (const info of group) {
        const id = parseSeriesId(info.id);
        const from = r;
        while (r < rows.length && rows[r]!.series_id === id) r++;
        if (from === r) continue;
        const points = mergeRows(this.codec, rows, from, r, -Infinity, Infinity);
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
    const like = prefix.replace(/[\\%_]/g, (c) => '\\' + c) + '%';
    const sql = `SELECT name FROM ${this.p}names WHERE kind = ? AND name LIKE ? ORDER BY name LIMIT ?`;
    const [rows] = (await this.retrying(() => this.pool.query(sql, [NAME_KIND[kind], like, Math.floor(max)]), 0, 'suggest failed')) as unknown as [{ name: string }[]];
    return rows.map((r) => r.name);
  }

  /**
   * Rewrites the fragments of one window of one series as a single chunk, dropping the
   * points in `remove`. Runs in a transaction that locks the window's rows (and the gap
   * after them) so that concurrent writers and compactors in other daemons wait; the
   * merged chunk keeps the newest seq merged, so a later write still wins over it.
   * Returns the number of points removed.
   */
  private async rewriteWindow(conn: PoolConnection, id: number, window: number, remove?: TimeRange): Promise<number> {
    const [rows] = (await conn.query(`SELECT series_id, window_start, seq, npoints, data FROM ${this.p}chunks WHERE series_id = ? AND window_start = ? ORDER BY seq FOR UPDATE`, [id, window])) as unknown as [ChunkRow[]];
    if (rows.length === 0 || (rows.length === 1 && !remove)) return 0;
    const all = mergeRows(this.codec, rows, 0, rows.length, -Infinity, Infinity);
    let keep = 0;
    const kept = this.encoder.scratchFor(all.length);
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
    const maxSeq = rows[rows.length - 1]!.seq;
    const data = keep > 0 ? this.encoder.chunkBuffer(kept, keep) : undefined;
    await conn.query(`DELETE FROM ${this.p}chunks WHERE series_id = ? AND window_start = ? AND seq <= ?`, [id, window, maxSeq]);
    if (data) await conn.execute(`INSERT INTO ${this.p}chunks (series_id, window_start, seq, npoints, data) VALUES (?,?,?,?,?)`, [id, window, maxSeq, keep, data]);
    return removed;
  }

  private inTransaction<T>(fn: (conn: PoolConnection) => Promise<T>): Promise<T> {
    return this.withConnection(true, fn);
  }

  async deleteRange(selector: SeriesSelector, range: TimeRange): Promise<number> {
    const infos = await this.select(selector);
    let removed = 0;
    const first = Number.isFinite(range.start) ? this.windowOf(range.start) : -Number.MAX_SAFE_INTEGER;
    const last = Number.isFinite(range.end) ? range.end : Number.MAX_SAFE_INTEGER;
    for (const info of infos) {
      const id = parseSeriesId(info.id);
      removed += await this.retrying(
        () =>
          this.inTransaction(async (conn) => {
            const [windows] = (await conn.query(`SELECT DISTINCT window_start FROM ${this.p}chunks WHERE series_id = ? AND window_start BETWEEN ? AND ? ORDER BY window_start`, [id, first, last])) as unknown as [{ window_start: number }[]];
            let n = 0;
            for (const { window_start } of windows) n += await this.rewriteWindow(conn, id, window_start, range);
            return n;
          }),
        0,
        'nothing was deleted',
      );
    }
    return removed;
  }

  /**
   * Queues for compaction the windows left in several fragments by a daemon that stopped
   * before compacting them (a restart, a crash, or another daemon's exit): which windows
   * still need work lives in the database, not in any daemon's memory. One scan of the
   * chunks table's primary key at open.
   */
  private async findFragmentedWindows(): Promise<void> {
    const [rows] = (await this.pool!.query(
      `SELECT series_id, window_start, COUNT(*) AS n FROM ${this.p}chunks GROUP BY series_id, window_start HAVING n > 1`,
    )) as unknown as [{ series_id: number | string; window_start: number | string; n: number | string }[]];
    for (const row of rows) this.dirty.set(`${row.series_id}:${row.window_start}`, Number(row.n));
    if (rows.length > 0) this.log.info({ windows: rows.length }, 'found windows left in fragments; they will be compacted');
  }

  /**
   * Merges the fragments of windows this daemon wrote to: those closed for a whole
   * window, those with `compactFragments` fragments or more, or all with `force`.
   * Returns the number of windows rewritten. Runs one at a time per daemon; between
   * daemons, row locks keep it safe.
   */
  compact(force = false): Promise<number> {
    if (this.compacting) return this.compacting;
    const run = async () => {
      const closedBefore = Date.now() - 2 * this.windowMs;
      let rewritten = 0;
      for (const [key, fragments] of [...this.dirty]) {
        const colon = key.indexOf(':');
        const id = Number(key.slice(0, colon));
        const window = Number(key.slice(colon + 1));
        if (!force && fragments < this.options.compactFragments && window >= closedBefore) continue;
        if (this.closing) break;
        await this.retrying(() => this.inTransaction((conn) => this.rewriteWindow(conn, id, window)), 0, 'compaction stopped');
        // Fragments written while we compacted stay counted.
        const now = this.dirty.get(key) ?? 0;
        if (now <= fragments) this.dirty.delete(key);
        else this.dirty.set(key, now - fragments);
        rewritten++;
      }
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

  /** Counts, and InnoDB bytes (data + index) of the tables; `points` counts fragments' points before compaction. */
  stats(): Promise<StorageStats> {
    return this.retrying(() => this.readStats(), 0, 'stats could not be read');
  }

  private async readStats(): Promise<StorageStats> {
    const [[series]] = (await this.pool.query(`SELECT COUNT(*) AS n FROM ${this.p}series`)) as unknown as [[{ n: number }]];
    const [[chunks]] = (await this.pool.query(`SELECT COUNT(*) AS n, COALESCE(SUM(npoints), 0) AS points FROM ${this.p}chunks`)) as unknown as [[{ n: number; points: string | number }]];
    const [[size]] = (await this.pool.query(
      `SELECT COALESCE(SUM(data_length + index_length), 0) AS bytes FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name IN (${TABLES.map(() => '?').join(',')})`,
      TABLES.map((t) => this.p + t),
    )) as unknown as [[{ bytes: string | number }]];
    return { series: Number(series.n), points: Number(chunks.points), chunks: Number(chunks.n), bytesOnDisk: Number(size.bytes), pendingCompactions: this.dirty.size };
  }
}
