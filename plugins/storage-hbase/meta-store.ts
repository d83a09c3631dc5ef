/**
 * The HBase engine's MetaStore, in its own table `<prefix>meta` (family `m`, one version),
 * as OpenTSDB keeps its UIDs and meta beside the data (tsdb-uid, tsdb-meta): one row per
 * entry, row key `<space>` 0x1F `<key>` (UTF-8; 0x1F cannot occur in a space, lib/storage
 * checkMetaEntry), so a space, and a key prefix in it, is a row-key range. The value is
 * the cell `m:v`, stored as `=` + value: never empty, because the gateway's check-and-put
 * takes an empty expected value to mean "absent or empty" and would overwrite an empty one.
 *
 * `putIfAbsent` is the REST gateway's check-and-put on that cell (expected: absent), the
 * same atomic primitive the engine's series-id claims use: the region server decides.
 * `delete` is check-and-delete against the value it read, so two daemons deleting one
 * entry see one true. Every request is retried through lib/storage's loop while HBase is
 * unreachable (docs/storage-hbase.md).
 */
import type { MetaEntry, MetaStore } from '../../core';
import { checkMetaEntry, checkMetaScan, prefixEndBytes } from '../../lib/storage';
import { RestError, type HBaseRest } from './rest';
import type { Retrying } from './retrying';

export const META_FAMILY = 'm';
const COLUMN = `${META_FAMILY}:v`;
const COLUMN_BYTES = Buffer.from(COLUMN);
const SEPARATOR = '\u001f';
/** rows per scanner page */
const SCAN_PAGE = 500;
/** rounds of read → check-and-delete while other daemons keep changing the entry */
const CONFLICT_ROUNDS = 50;
/**
 * Meta requests in flight at once per engine, as the series index bounds its claims: the
 * gateway runs a thread (and its buffers) per request, and hundreds at once exhaust a
 * small gateway's heap (OutOfMemoryError with the test gateway's 192 MiB).
 */
const CONCURRENCY = 16;

const rowOf = (space: string, key: string) => `${space}${SEPARATOR}${key}`;
const stored = (value: string) => Buffer.from('=' + value);

export class HBaseMetaStore implements MetaStore {
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(
    private readonly rest: HBaseRest,
    private readonly table: string,
    private readonly retrying: Retrying,
    private readonly deadlineMs: () => number,
  ) {}

  /** Runs one request once fewer than CONCURRENCY are in flight. */
  private async limited<T>(op: () => Promise<T>): Promise<T> {
    if (this.active >= CONCURRENCY) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.active++;
    try {
      return await op();
    } finally {
      this.active--;
      this.waiting.shift()?.();
    }
  }

  /** The stored cell's bytes (with its `=`), or undefined. */
  private async cell(row: string): Promise<Buffer | undefined> {
    const found = await this.limited(() => this.rest.get(this.table, Buffer.from(row)));
    return found?.cells.find((c) => c.column.equals(COLUMN_BYTES))?.value;
  }

  async get(space: string, key: string): Promise<string | undefined> {
    checkMetaEntry(space, key);
    const cell = await this.retrying(() => this.cell(rowOf(space, key)), this.deadlineMs(), `meta ${space}/${key} could not be read`);
    return cell?.subarray(1).toString('utf8');
  }

  async put(space: string, key: string, value: string): Promise<void> {
    checkMetaEntry(space, key, value);
    const row = Buffer.from(rowOf(space, key));
    await this.retrying(() => this.limited(() => this.rest.put(this.table, [{ row, column: COLUMN_BYTES, value: stored(value) }])), this.deadlineMs(), `meta ${space}/${key} was not stored`);
  }

  /**
   * Check-and-put with an absent expected cell. After a lost answer the retry reports
   * false for this call's own cell: the stored value, which get() returns, stays the authority.
   */
  async putIfAbsent(space: string, key: string, value: string): Promise<boolean> {
    checkMetaEntry(space, key, value);
    return this.retrying(() => this.limited(() => this.rest.checkAndPut(this.table, rowOf(space, key), COLUMN, stored(value))), this.deadlineMs(), `meta ${space}/${key} was not stored`);
  }

  async delete(space: string, key: string): Promise<boolean> {
    checkMetaEntry(space, key);
    const row = rowOf(space, key);
    return this.retrying(
      async () => {
        for (let round = 0; ; round++) {
          const current = await this.cell(row);
          if (current === undefined) return false;
          if (await this.checkAndDelete(row, current)) return true;
          if (round >= CONFLICT_ROUNDS) throw new RestError(409, `meta ${space}/${key} kept changing while it was deleted`);
        }
      },
      this.deadlineMs(),
      `meta ${space}/${key} was not deleted`,
    );
  }

  /**
   * The gateway's check-and-delete (a PUT with `?check=delete`, the cell to compare in the
   * body): deletes `m:v` (the row's only cell) only if it still holds `expected`; false
   * (304) when another writer changed or deleted it first.
   */
  private async checkAndDelete(row: string, expected: Buffer): Promise<boolean> {
    const key = Buffer.from(row);
    const body = { Row: [{ key: key.toString('base64'), Cell: [{ column: COLUMN_BYTES.toString('base64'), $: expected.toString('base64') }] }] };
    try {
      await this.limited(() => this.rest.request('PUT', `/${encodeURIComponent(this.table)}/${key.toString('base64url')}?check=delete&e=b64url`, body));
      return true;
    } catch (err) {
      if (err instanceof RestError && err.status === 304) return false;
      throw err;
    }
  }

  /** A scanner over the prefix's row range, `SCAN_PAGE` rows a page, closed when the caller stops. */
  async *scan(space: string, prefix: string, limit = Infinity): AsyncIterable<MetaEntry> {
    checkMetaScan(space, prefix, limit);
    if (limit <= 0) return;
    const start = Buffer.from(rowOf(space, prefix));
    const end = prefixEndBytes(start)!; // never undefined: the separator byte is below 0xFF
    const skip = Buffer.byteLength(space) + 1;
    let left = limit;
    let after: Buffer | undefined;
    // A scanner dropped by a gateway restart is opened again after the last row yielded.
    for (;;) {
      const want = Math.min(SCAN_PAGE, left);
      const rows = await this.retrying(
        async () => {
          const startRow = after ? Buffer.concat([after, Buffer.from([0])]) : start;
          const out = [];
          for await (const page of this.rest.scan(this.table, { startRow, endRow: end, batch: want })) {
            out.push(...page);
            if (out.length >= want) break;
          }
          return out.slice(0, want);
        },
        this.deadlineMs(),
        `meta space ${space} could not be scanned`,
      );
      for (const row of rows) {
        const cell = row.cells.find((c) => c.column.equals(COLUMN_BYTES));
        if (!cell) continue;
        yield { key: row.key.subarray(skip).toString('utf8'), value: cell.value.subarray(1).toString('utf8') };
        if (--left <= 0) return;
      }
      if (rows.length < want) return;
      // the next page starts just after the last row of this one (key + 0x00)
      after = rows[rows.length - 1]!.key;
    }
  }
}
