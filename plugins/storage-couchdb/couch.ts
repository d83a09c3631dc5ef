/**
 * The HTTP client: nano's `relax` (one request, JSON in and out) with a per-request
 * timeout, and what counts as "CouchDB is unreachable" (worth retrying: no connection, a
 * timeout, 502/503/504) versus a real error answered by the server (never retried).
 */
import Nano from 'nano';
import { DsdbError } from '../../core';

export interface CouchSettings {
  /** server URL, e.g. http://127.0.0.1:5984 (credentials may be in it) */
  url: string;
  user?: string;
  password?: string;
  database: string;
  requestTimeoutMs: number;
}

export interface CouchRequest {
  method?: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** path below the database, e.g. `_all_docs`; '' for the database itself */
  path: string;
  /** query string; startkey/endkey/key/keys are JSON-encoded by nano */
  qs?: Record<string, unknown>;
  body?: unknown;
}

/** A row of `_all_docs` or a view. */
export interface Row<D> {
  id?: string;
  key: unknown;
  value?: { rev: string; deleted?: boolean } | unknown;
  doc?: D | null;
  error?: string;
}

/** A per-document answer of `_bulk_docs`. */
export interface BulkResult {
  id: string;
  ok?: boolean;
  rev?: string;
  error?: string;
  reason?: string;
}

export class Couch {
  private readonly server: Nano.ServerScope;

  constructor(private readonly settings: CouchSettings) {
    const url = new URL(settings.url);
    if (settings.user !== undefined) {
      url.username = encodeURIComponent(settings.user);
      url.password = encodeURIComponent(settings.password ?? '');
    }
    this.server = Nano({ url: url.toString().replace(/\/$/, '') });
  }

  get database(): string {
    return this.settings.database;
  }

  /** One request on the database (`db: false`: on the server). Rejects with nano's error (statusCode, error, reason). */
  request<T>(req: CouchRequest, db = true): Promise<T> {
    return this.server.relax({
      method: req.method ?? 'GET',
      db: db ? this.settings.database : undefined,
      path: req.path,
      qs: req.qs,
      body: req.body,
      signal: AbortSignal.timeout(this.settings.requestTimeoutMs),
    } as Nano.RequestOptions) as Promise<T>;
  }

  /** `_bulk_docs`: one answer per document, in order (409s are answers, not errors). */
  bulk(docs: object[]): Promise<BulkResult[]> {
    return this.request<BulkResult[]>({ method: 'POST', path: '_bulk_docs', body: { docs } });
  }

  /** `_all_docs` for these ids, with their documents (missing and deleted ones have none). */
  async fetch<D>(ids: readonly string[], conflicts = false): Promise<Row<D>[]> {
    if (ids.length === 0) return [];
    const res = await this.request<{ rows: Row<D>[] }>({ method: 'POST', path: '_all_docs', qs: { include_docs: true, ...(conflicts ? { conflicts: true } : {}) }, body: { keys: ids } });
    return res.rows;
  }

  /** `_all_docs` over an id range (inclusive), with documents. */
  async range<D>(startkey: string, endkey: string, options: { limit?: number; descending?: boolean; conflicts?: boolean; docs?: boolean } = {}): Promise<Row<D>[]> {
    const qs: Record<string, unknown> = { startkey, endkey, include_docs: options.docs !== false };
    if (options.limit !== undefined) qs.limit = options.limit;
    if (options.descending) qs.descending = true;
    if (options.conflicts) qs.conflicts = true;
    const res = await this.request<{ rows: Row<D>[] }>({ path: '_all_docs', qs });
    return res.rows;
  }
}

/** HTTP statuses that mean the server (or a proxy before it) cannot answer now. */
const UNAVAILABLE_STATUS = new Set([502, 503, 504]);

/** True when the request never got an answer from CouchDB, or the answer says "try later". */
export function isUnavailable(err: unknown): boolean {
  const e = err as { statusCode?: number; message?: string; name?: string };
  if (e?.statusCode !== undefined) return UNAVAILABLE_STATUS.has(e.statusCode);
  // nano rejects a failed fetch (refused, reset, timed out) with this message and no status
  return /error happened in your connection|fetch failed|aborted|timeout/i.test(e?.message ?? '') || e?.name === 'TimeoutError' || e?.name === 'AbortError';
}

export function isConflict(err: unknown): boolean {
  return (err as { statusCode?: number })?.statusCode === 409;
}

export function unavailableError(what: string, cause: unknown): DsdbError {
  const reason = (cause as Error)?.message?.replace(/^error happened in your connection\. Reason: /, '') ?? String(cause);
  return new DsdbError('DSDB_ERR_STORAGE_UNAVAILABLE', `storage-couchdb: CouchDB is unreachable (${reason}); ${what}`, { cause });
}

/** A server answer that is not a success, as a DsdbError naming the request's purpose. */
export function couchError(what: string, cause: unknown): Error {
  if (isUnavailable(cause)) return unavailableError(what, cause);
  const e = cause as { statusCode?: number; error?: string; reason?: string; message?: string };
  return new Error(`storage-couchdb: CouchDB answered ${e?.statusCode ?? '?'} ${e?.error ?? ''} (${e?.reason ?? e?.message ?? cause}); ${what}`, { cause });
}
