/**
 * Series ids and the tag index. Ids are assigned by the database (an upsert on the
 * unique hash of the canonical key), so any number of daemons agree on one id per
 * series; each daemon only caches key → id, and a cache miss asks the database.
 */
import { tagsPassSelector } from '../../core';
import { createHash } from 'node:crypto';
import type { SeriesInfo, SeriesKey, SeriesSelector } from '../../core';
import { isUnavailable, type Pool, type PoolConnection } from './db';
import { NAME_KIND } from './schema';

/** new series per INSERT: a statement stays well below max_allowed_packet */
const SERIES_PER_STATEMENT = 1000;

export interface SeriesRow {
  id: number;
  metric: string;
  tags: string;
}

export function seriesIdString(id: number): string {
  return id.toString(16).toUpperCase().padStart(8, '0');
}

export function parseSeriesId(id: string): number {
  return /^[0-9A-Fa-f]{1,13}$/.test(id) ? parseInt(id, 16) : -1;
}

export function toInfo(row: SeriesRow): SeriesInfo {
  return { id: seriesIdString(row.id), metric: row.metric, tags: JSON.parse(row.tags) };
}

function placeholders(n: number, group: string): string {
  return new Array(n).fill(group).join(',');
}

export class SeriesIndex {
  private readonly ids = new Map<string, number>();

  constructor(
    private readonly pool: Pool,
    private readonly p: string,
    private readonly cacheLimit: number,
  ) {}

  cached(key: string): number | undefined {
    return this.ids.get(key);
  }

  forget(): void {
    this.ids.clear();
  }

  /**
   * Ids for the series of a batch; `out[i]` gets the id of `keys[i]`. New series are
   * created with their tag postings and names in one transaction, in batch order (ids
   * follow first appearance, as in the memory engine). Daemons creating the same series
   * in another order may deadlock: InnoDB then rolls one back and the caller retries.
   */
  async resolve(keys: readonly string[], series: readonly SeriesKey[], out: number[]): Promise<void> {
    let missing: number[] | undefined;
    for (let i = 0; i < keys.length; i++) {
      const id = this.ids.get(keys[i]!);
      if (id !== undefined) out[i] = id;
      else (missing ??= []).push(i);
    }
    if (!missing) return;
    const conn = await this.pool.getConnection();
    try {
      await conn.query('START TRANSACTION');
      const created = new Map<number, number>();
      // Slices keep each statement well below max_allowed_packet.
      for (let from = 0; from < missing.length; from += SERIES_PER_STATEMENT) {
        await this.create(conn, keys, series, missing.slice(from, from + SERIES_PER_STATEMENT), created);
      }
      await conn.query('COMMIT');
      conn.release();
      if (this.ids.size + missing.length > this.cacheLimit) this.ids.clear();
      for (const i of missing) {
        const id = created.get(i)!;
        this.ids.set(keys[i]!, id);
        out[i] = id;
      }
    } catch (err) {
      // A connection the server dropped is destroyed, never handed back to the pool.
      if (isUnavailable(err)) conn.destroy();
      else {
        await conn.query('ROLLBACK').catch(() => undefined);
        conn.release();
      }
      throw err;
    }
  }

  /** Inside the caller's transaction: upserts the series `which`, records their ids in `created`. */
  private async create(conn: PoolConnection, keys: readonly string[], series: readonly SeriesKey[], which: number[], created: Map<number, number>): Promise<void> {
    const hashes = which.map((i) => createHash('sha1').update(keys[i]!).digest());
    const rows: unknown[] = [];
    for (let j = 0; j < which.length; j++) {
      const s = series[which[j]!]!;
      const sortedTags = Object.fromEntries(Object.keys(s.tags).sort().map((k) => [k, s.tags[k]!]));
      rows.push(hashes[j], s.metric, Object.keys(s.tags).length, JSON.stringify(sortedTags));
    }
    await conn.query(`INSERT INTO ${this.p}series (key_hash, metric, tag_count, tags) VALUES ${placeholders(which.length, '(?,?,?,?)')} ON DUPLICATE KEY UPDATE id = id`, rows);
    // A locking read sees rows other daemons committed while we waited on their locks.
    const [found] = (await conn.query(`SELECT id, key_hash FROM ${this.p}series WHERE key_hash IN (${placeholders(which.length, '?')}) LOCK IN SHARE MODE`, hashes)) as unknown as [{ id: number; key_hash: Buffer }[]];
    const byHash = new Map(found.map((r) => [r.key_hash.toString('hex'), r.id]));
    const tagRows: unknown[] = [];
    const nameRows: unknown[] = [];
    for (let j = 0; j < which.length; j++) {
      const id = byHash.get(hashes[j]!.toString('hex'));
      if (id === undefined) throw new Error(`storage-mysql: series ${keys[which[j]!]} was not created`);
      created.set(which[j]!, id);
      const s = series[which[j]!]!;
      nameRows.push(NAME_KIND.metrics, s.metric);
      for (const k of Object.keys(s.tags)) {
        tagRows.push(k, s.tags[k], id);
        nameRows.push(NAME_KIND.tagk, k, NAME_KIND.tagv, s.tags[k]);
      }
    }
    if (tagRows.length > 0) await conn.query(`INSERT INTO ${this.p}series_tags (tagk, tagv, series_id) VALUES ${placeholders(tagRows.length / 3, '(?,?,?)')} ON DUPLICATE KEY UPDATE series_id = series_id`, tagRows);
    await conn.query(`INSERT INTO ${this.p}names (kind, name) VALUES ${placeholders(nameRows.length / 2, '(?,?)')} ON DUPLICATE KEY UPDATE kind = kind`, nameRows);
  }

  /**
   * Series matching a selector. SQL narrows by metric, by the tag index for predicates
   * with literals (or that require the key), and by tag count for explicit tags; the
   * predicates' own tests then decide.
   */
  async select(selector: Partial<SeriesSelector>, conn?: PoolConnection): Promise<SeriesInfo[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (selector.metric !== undefined) {
      where.push('metric = ?');
      params.push(selector.metric);
    }
    for (const predicate of selector.predicates ?? []) {
      if (predicate.literals) {
        if (predicate.literals.length === 0) return [];
        where.push(`id IN (SELECT series_id FROM ${this.p}series_tags WHERE tagk = ? AND tagv IN (${placeholders(predicate.literals.length, '?')}))`);
        params.push(predicate.key, ...predicate.literals);
      } else if (!predicate.test(undefined)) {
        where.push(`id IN (SELECT series_id FROM ${this.p}series_tags WHERE tagk = ?)`);
        params.push(predicate.key);
      }
    }
    if (selector.explicitTagKeys) {
      where.push('tag_count = ?');
      params.push(selector.explicitTagKeys.length);
    }
    const sql = `SELECT id, metric, tags FROM ${this.p}series${where.length ? ' WHERE ' + where.join(' AND ') : ''} ORDER BY id`;
    const [rows] = (await (conn ?? this.pool).query(sql, params)) as unknown as [SeriesRow[]];
    const out: SeriesInfo[] = [];
    for (const row of rows) {
      const info = toInfo(row);
      const tags = info.tags;
      // (tag_count in the SQL already; the test is the one every engine applies)
      if (!tagsPassSelector(tags, selector.predicates, selector.explicitTagKeys)) continue;
      out.push(info);
    }
    return out;
  }
}
