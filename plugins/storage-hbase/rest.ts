/**
 * The HBase REST gateway ("Stargate") through the npm `hbase` client: its connection
 * sends JSON with the gateway's base64 cells; this file adds what the engine needs on
 * top — binary row keys (base64 in bodies, `?e=b64url` in paths), multi-row puts,
 * check-and-put, multi-gets, scanners with server-side filters — and sorts failures into
 * "HBase or its gateway is unreachable" (worth retrying, DSDB_ERR_STORAGE_UNAVAILABLE)
 * and real errors (never retried).
 */
import hbase from 'hbase';
import { DsdbError } from '../../core';

/** One cell as the engine sees it: binary row key, column "family:qualifier" bytes, value bytes. */
export interface Cell {
  row: Buffer;
  column: Buffer;
  value: Buffer;
}

/** One row of a scan or get: its key and its cells in column order. */
export interface Row {
  key: Buffer;
  cells: { column: Buffer; value: Buffer }[];
}

/** A filter in the gateway's JSON filter language (ScannerModel.FilterModel). */
export type Filter = Record<string, unknown>;

export interface ScanSpec {
  startRow?: Buffer;
  /** exclusive */
  endRow?: Buffer;
  filter?: Filter;
  /** cells per page fetched from the gateway */
  batch?: number;
}

interface RawCell {
  column: string;
  $?: string;
}
interface RawRow {
  key: string;
  Cell?: RawCell[];
}
interface CellSet {
  Row?: RawRow[];
}

/** Network failures: the gateway is down, restarting, or the request timed out. */
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ENOTFOUND', 'EHOSTUNREACH', 'ECONNABORTED', 'UND_ERR_SOCKET']);
/** What the gateway answers (HTTP 500) when HBase itself is down or moving regions. */
const HBASE_DOWN = /RetriesExhausted|ConnectException|NotServingRegion|ServerNotRunning|MasterNotRunning|PleaseHold|RegionOffline|NoServerForRegion|CallQueueTooBig|RegionTooBusy|TimeoutIOException|SocketTimeout|CallTimeout|Connection refused|closed|Unavailable/i;

export class RestError extends Error {
  constructor(
    readonly status: number | string,
    message: string,
  ) {
    super(message);
  }
}

export function isUnavailable(err: unknown): boolean {
  if (err instanceof RestError) return err.status === 502 || err.status === 503 || err.status === 504 || (err.status === 500 && HBASE_DOWN.test(err.message));
  const code = (err as { code?: unknown })?.code;
  return typeof code === 'string' && NETWORK_CODES.has(code);
}

export function unavailableError(what: string, cause: unknown): DsdbError {
  const reason = (cause as { code?: unknown })?.code ?? (cause as Error)?.message ?? String(cause);
  const detail = cause instanceof RestError ? `${cause.status} ${cause.message}` : String(reason);
  return new DsdbError('DSDB_ERR_STORAGE_UNAVAILABLE', `storage-hbase: HBase is unreachable (${detail.slice(0, 200)}); ${what}`, { cause });
}

/** columns named in one DELETE path */
const COLUMNS_PER_DELETE = 100;

const b64 = (b: Buffer | string) => (typeof b === 'string' ? Buffer.from(b) : b).toString('base64');
const b64url = (b: Buffer | string) => (typeof b === 'string' ? Buffer.from(b) : b).toString('base64url');

/** The first line of a gateway error body (the rest is a Java stack trace). */
function firstLine(body: unknown): string {
  const text = typeof body === 'string' ? body : '';
  const lines = text.split('\n').map((l) => l.trim()).filter((l) => l.length > 0);
  // "Bad request" / "Not found" come first, then the exception line
  return lines.slice(0, 2).join(': ').slice(0, 300);
}

export interface RestSettings {
  host: string;
  port: number;
  /** a request not answered in this time is abandoned (and counts as unreachable) */
  timeoutMs: number;
}

interface Connection {
  makeRequest(method: string, path: string, data: unknown, cb: (err: (Error & { code?: unknown; body?: unknown }) | null, body: unknown, res?: { statusCode: number; headers: Record<string, string | undefined> }) => void): void;
}

export class HBaseRest {
  private readonly client: { connection: Connection };
  /** schema changes (create, disable + drop) take seconds: their own, longer timeout */
  private readonly ddl: { connection: Connection };

  constructor(settings: RestSettings) {
    this.client = hbase({ host: settings.host, port: settings.port, timeout: settings.timeoutMs }) as never;
    this.ddl = hbase({ host: settings.host, port: settings.port, timeout: Math.max(120_000, settings.timeoutMs) }) as never;
  }

  /** One request; resolves with the parsed JSON body (null when empty) and the status. */
  request(method: string, path: string, data?: unknown, schema = false): Promise<{ body: unknown; status: number; location?: string }> {
    return new Promise((resolve, reject) => {
      (schema ? this.ddl : this.client).connection.makeRequest(method, path, data ?? '', (err, body, res) => {
        if (!err) return resolve({ body, status: res?.statusCode ?? 200, location: res?.headers?.location });
        if (typeof err.code === 'number') return reject(new RestError(err.code, firstLine(err.body) || err.message));
        reject(err);
      });
    });
  }

  /** Creates the table with its column families when missing (PUT /t/schema is idempotent). */
  async ensureTable(table: string, families: { name: string; versions: number; bloom?: string }[]): Promise<void> {
    const schema = { name: table, ColumnSchema: families.map((f) => ({ name: f.name, VERSIONS: String(f.versions), BLOOMFILTER: f.bloom ?? 'ROW', COMPRESSION: 'NONE' })) };
    const exists = await this.request('GET', `/${encodeURIComponent(table)}/schema`).then(
      () => true,
      (err) => {
        if (err instanceof RestError && err.status === 404) return false;
        throw err;
      },
    );
    if (!exists) await this.request('PUT', `/${encodeURIComponent(table)}/schema`, schema, true);
  }

  async dropTable(table: string): Promise<void> {
    await this.request('DELETE', `/${encodeURIComponent(table)}/schema`, undefined, true).catch((err) => {
      if (!(err instanceof RestError && err.status === 404)) throw err;
    });
  }

  /** Puts cells of any number of rows in one request (one RPC batch on the server). */
  async put(table: string, cells: readonly Cell[]): Promise<void> {
    if (cells.length === 0) return;
    const rows: RawRow[] = [];
    let last: RawRow | undefined;
    let lastKey: Buffer | undefined;
    for (const c of cells) {
      if (!lastKey || !lastKey.equals(c.row)) {
        last = { key: b64(c.row), Cell: [] };
        rows.push(last);
        lastKey = c.row;
      }
      last!.Cell!.push({ column: b64(c.column), $: b64(c.value) });
    }
    // The row in the path is a placeholder: the gateway takes each row's key from the body.
    await this.request('PUT', `/${encodeURIComponent(table)}/batch`, { Row: rows });
  }

  /**
   * Atomic check-and-put on one row (ASCII key): stores `value` in `column` only if
   * `column` holds `expected` (undefined: absent). Returns whether it stored.
   */
  async checkAndPut(table: string, row: string, column: string, value: Buffer | string, expected?: Buffer | string): Promise<boolean> {
    const body = { Row: [{ key: b64(row), Cell: [{ column: b64(column), $: b64(value) }, { column: b64(column), $: expected === undefined ? '' : b64(expected) }] }] };
    try {
      await this.request('PUT', `/${encodeURIComponent(table)}/${b64url(row)}?check=put&e=b64url`, body);
      return true;
    } catch (err) {
      if (err instanceof RestError && err.status === 304) return false;
      throw err;
    }
  }

  /** Rows by key (any bytes); missing rows are left out. */
  async multiGet(table: string, keys: readonly Buffer[]): Promise<Row[]> {
    if (keys.length === 0) return [];
    const qs = keys.map((k) => 'row=' + b64url(k)).join('&');
    try {
      const { body } = await this.request('GET', `/${encodeURIComponent(table)}/multiget?e=b64url&${qs}`);
      return parseRows(body as CellSet);
    } catch (err) {
      if (err instanceof RestError && err.status === 404) return [];
      throw err;
    }
  }

  async get(table: string, key: Buffer): Promise<Row | undefined> {
    return (await this.multiGet(table, [key]))[0];
  }

  /** Deletes some columns of a row (the whole row when `columns` is empty). */
  async deleteColumns(table: string, key: Buffer, columns: readonly Buffer[]): Promise<void> {
    const path = `/${encodeURIComponent(table)}/${b64url(key)}`;
    const run = (p: string) =>
      this.request('DELETE', p).catch((err) => {
        if (!(err instanceof RestError && err.status === 404)) throw err;
      });
    if (columns.length === 0) await run(`${path}?e=b64url`);
    // the path lists columns separated by commas: 100 per request keep the URL short
    for (let from = 0; from < columns.length; from += COLUMNS_PER_DELETE) {
      await run(`${path}/${columns.slice(from, from + COLUMNS_PER_DELETE).map(b64url).join(',')}?e=b64url`);
    }
  }

  /**
   * A scanner over [startRow, endRow) with a server-side filter; yields pages of rows in
   * key order. A wide row may arrive split over two pages: callers merge equal keys.
   * The scanner is always deleted at the end, also when the caller stops early.
   */
  async *scan(table: string, spec: ScanSpec): AsyncIterable<Row[]> {
    const model: Record<string, unknown> = { batch: spec.batch ?? 5000, cacheBlocks: true };
    if (spec.startRow) model.startRow = b64(spec.startRow);
    if (spec.endRow) model.endRow = b64(spec.endRow);
    if (spec.filter) model.filter = JSON.stringify(spec.filter);
    const { location } = await this.request('PUT', `/${encodeURIComponent(table)}/scanner`, model);
    if (!location) throw new RestError(500, 'the gateway created a scanner without a Location');
    const path = new URL(location).pathname;
    try {
      for (;;) {
        let body: unknown;
        try {
          body = (await this.request('GET', path)).body;
        } catch (err) {
          if (err instanceof RestError && err.status === 204) return; // exhausted
          throw err;
        }
        const rows = parseRows(body as CellSet);
        if (rows.length === 0) return;
        yield rows;
      }
    } finally {
      await this.request('DELETE', path).catch(() => undefined);
    }
  }

  /** Every row of a scan, equal keys (split wide rows) merged. */
  async scanAll(table: string, spec: ScanSpec): Promise<Row[]> {
    const out: Row[] = [];
    for await (const page of this.scan(table, spec)) {
      for (const row of page) {
        const prev = out[out.length - 1];
        if (prev && prev.key.equals(row.key)) prev.cells.push(...row.cells);
        else out.push(row);
      }
    }
    return out;
  }
}

function parseRows(set: CellSet | null): Row[] {
  const out: Row[] = [];
  for (const r of set?.Row ?? []) {
    out.push({ key: Buffer.from(r.key, 'base64'), cells: (r.Cell ?? []).map((c) => ({ column: Buffer.from(c.column, 'base64'), value: Buffer.from(c.$ ?? '', 'base64') })) });
  }
  return out;
}
