/**
 * The MySQL engine's MetaStore: one row per entry in `<prefix>kv` (schema.ts), keyed by
 * (space, meta_key) as VARBINARY, so that keys compare byte by byte (UTF-8 byte order, no
 * collation, no trailing-space padding) and a scan is a range of the primary key.
 * `putIfAbsent` is one INSERT that the primary key lets through once: the server decides
 * which daemon wins, and `affectedRows` says whether this call did. Every statement is
 * retried through lib/storage's loop while MariaDB is unreachable (docs/storage-mysql.md).
 */
import type { MetaEntry, MetaStore } from '../../core';
import { checkMetaEntry, checkMetaScan, prefixEndBytes } from '../../lib/storage';
import type { Pool } from './db';
import type { Retrying } from './retrying';

/** rows fetched per statement of a scan */
const SCAN_PAGE = 500;

type Row = { meta_key: Buffer; value: string };

export class MysqlMetaStore implements MetaStore {
  constructor(
    private readonly pool: () => Pool,
    private readonly table: string,
    private readonly retrying: Retrying,
    private readonly deadlineMs: () => number,
  ) {}

  async get(space: string, key: string): Promise<string | undefined> {
    checkMetaEntry(space, key);
    const [rows] = (await this.retrying(
      () => this.pool().query(`SELECT value FROM ${this.table} WHERE space = ? AND meta_key = ?`, [Buffer.from(space), Buffer.from(key)]),
      this.deadlineMs(),
      `meta ${space}/${key} could not be read`,
    )) as unknown as [{ value: string }[]];
    return rows[0]?.value;
  }

  async put(space: string, key: string, value: string): Promise<void> {
    checkMetaEntry(space, key, value);
    await this.retrying(
      () => this.pool().query(`INSERT INTO ${this.table} (space, meta_key, value) VALUES (?,?,?) ON DUPLICATE KEY UPDATE value = VALUES(value)`, [Buffer.from(space), Buffer.from(key), value]),
      this.deadlineMs(),
      `meta ${space}/${key} was not stored`,
    );
  }

  /**
   * INSERT IGNORE: affectedRows is 1 for the one statement that inserted the row, 0 for
   * every other (a duplicate primary key). checkMetaEntry has refused what could be
   * truncated, the other error IGNORE would turn into a warning. An answer lost after the
   * server inserted is retried and then reports false for this call's own row: the stored
   * value, which get() returns, stays the authority (docs/storage-mysql.md).
   */
  async putIfAbsent(space: string, key: string, value: string): Promise<boolean> {
    checkMetaEntry(space, key, value);
    const [result] = (await this.retrying(
      () => this.pool().query(`INSERT IGNORE INTO ${this.table} (space, meta_key, value) VALUES (?,?,?)`, [Buffer.from(space), Buffer.from(key), value]),
      this.deadlineMs(),
      `meta ${space}/${key} was not stored`,
    )) as unknown as [{ affectedRows: number }];
    return result.affectedRows === 1;
  }

  async delete(space: string, key: string): Promise<boolean> {
    checkMetaEntry(space, key);
    const [result] = (await this.retrying(
      () => this.pool().query(`DELETE FROM ${this.table} WHERE space = ? AND meta_key = ?`, [Buffer.from(space), Buffer.from(key)]),
      this.deadlineMs(),
      `meta ${space}/${key} was not deleted`,
    )) as unknown as [{ affectedRows: number }];
    return result.affectedRows > 0;
  }

  /** Pages of SCAN_PAGE rows along the primary key, each page starting after the last key of the one before. */
  async *scan(space: string, prefix: string, limit = Infinity): AsyncIterable<MetaEntry> {
    checkMetaScan(space, prefix, limit);
    const s = Buffer.from(space);
    const end = prefixEndBytes(Buffer.from(prefix));
    let after: Buffer | undefined;
    let left = limit;
    while (left > 0) {
      const n = Math.min(SCAN_PAGE, left);
      const params: unknown[] = [s, after ?? Buffer.from(prefix)];
      let sql = `SELECT meta_key, value FROM ${this.table} WHERE space = ? AND meta_key ${after ? '>' : '>='} ?`;
      if (end) {
        sql += ' AND meta_key < ?';
        params.push(end);
      }
      sql += ` ORDER BY meta_key LIMIT ${n}`;
      const [rows] = (await this.retrying(() => this.pool().query(sql, params), this.deadlineMs(), `meta space ${space} could not be scanned`)) as unknown as [Row[]];
      for (const row of rows) yield { key: row.meta_key.toString('utf8'), value: row.value };
      left -= rows.length;
      if (rows.length < n) return;
      after = rows[rows.length - 1]!.meta_key;
    }
  }
}
