/**
 * The queries this daemon runs and has run, for `/api/stats/query` — OpenTSDB 2.4.1's
 * QueryStats: a map of running queries and a cache of the last 256 completed ones, keyed
 * by remote address + query + HTTP status (a repeat only counts up `executed`). Times are
 * measured with performance.now() and shown as floating milliseconds, as OpenTSDB does.
 *
 * DSDB's own: every query has an `id` (shown in both lists), and a running query can be
 * cancelled by it (`cancel`, behind `DELETE /api/stats/query?id=`): its budget throws
 * queryCancelled() at its next check and its client is answered at once.
 *
 * One entry per request, never per series or point: `start` at the request, `finish` at
 * its answer, `sent` when the answer left.
 */
import { STATUS_CODES } from 'node:http';
import type { StatsCollector } from '../../core';
import { queryCancelled, type QueryBudget } from '../../lib/opentsdb';
import { javaHashOrder } from './exp/java-hash-order';
import { exactJson } from './tsquery-echo';

/** OpenTSDB's COMPLETED_QUERY_CACHE_SIZE. */
export const COMPLETED_QUERIES_KEPT = 256;

/** Who asked and what: the fields OpenTSDB records when a query starts. */
export interface QueryOrigin {
  /** the TSQuery echo (tsQueryEcho) */
  query: Record<string, unknown>;
  /** `/<ip>:<port>`, as Java prints the channel's remote address */
  remote: string;
  /** the authenticated principal's name; null when auth is off */
  user: string | null;
  /** request headers, credentials masked (printableHeaders) */
  headers: Record<string, string>;
}

/** Per-query figures: OpenTSDB's processingPreWriteTime/totalTime and DSDB's own counters. */
export type QueryFigures = Record<string, number>;

/** ms since `started` (a performance.now()), to the nanosecond: OpenTSDB's DateTime.msFromNano. */
function msSince(started: number): number {
  return Math.round((performance.now() - started) * 1e6) / 1e6;
}

export class RunningQuery {
  /** epoch ms */
  readonly queryStart = Date.now();
  /** performance.now() at the start */
  readonly started = performance.now();
  /** the JSON of the query, without the volatile fields: part of the completed-cache key */
  readonly key: string;

  constructor(
    readonly id: number,
    readonly origin: QueryOrigin,
    readonly budget: QueryBudget,
  ) {
    this.key = `${origin.remote}\u0000${exactJson(origin.query)}`;
  }

  /** ms since the query started, to the nanosecond (OpenTSDB's DateTime.msFromNano) */
  elapsed(): number {
    return msSince(this.started);
  }

  /** StatsRpc's running entry (Java HashMap order), plus DSDB's `id` first. */
  toJson(): Record<string, unknown> {
    const fields: Record<string, unknown> = {
      elapsed: this.elapsed(),
      headers: this.origin.headers,
      query: this.origin.query,
      queryStart: this.queryStart,
      remote: this.origin.remote,
      user: this.origin.user,
    };
    return { id: this.id, ...fields };
  }
}

/**
 * A completed query as the cache keeps it: who asked, what, and its figures, and nothing
 * of its run (the budget, the answer), so that 256 of them hold no query's memory.
 */
export class CompletedQuery {
  executed = 1;
  sentToClient = false;
  readonly queryCompletedTimestamp = Date.now();
  readonly run: { readonly id: number; readonly origin: QueryOrigin; readonly queryStart: number; readonly started: number };

  constructor(
    run: RunningQuery,
    readonly status: number,
    /** OpenTSDB's `exception`: "null" on success, else the error's message */
    readonly exception: string,
    readonly stats: QueryFigures,
  ) {
    this.run = { id: run.id, origin: run.origin, queryStart: run.queryStart, started: run.started };
  }

  /** ms since the query started, to the nanosecond (as RunningQuery.elapsed) */
  elapsed(): number {
    return msSince(this.run.started);
  }

  /** QueryStats as Jackson writes it (getter order), plus DSDB's `id` first. */
  toJson(numRunningQueries: number): Record<string, unknown> {
    return {
      id: this.run.id,
      query: this.run.origin.query,
      exception: this.exception,
      executed: this.executed,
      user: this.run.origin.user,
      requestHeaders: this.run.origin.headers,
      numRunningQueries,
      httpResponse: { code: this.status, reasonPhrase: STATUS_CODES[this.status] ?? 'Unknown' },
      queryStartTimestamp: this.run.queryStart,
      queryCompletedTimestamp: this.queryCompletedTimestamp,
      sentToClient: this.sentToClient,
      // Jackson writes QueryStats.getStats()'s TreeMap: keys in order
      stats: Object.fromEntries(Object.entries(this.stats).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))),
    };
  }
}

export class RunningQueries {
  private nextId = 1;
  private readonly running = new Map<number, RunningQuery>();
  /** insertion order = order of first completion; the oldest goes first past COMPLETED_QUERIES_KEPT */
  private readonly completed = new Map<string, CompletedQuery>();

  /** A query starts (after its parameters were read and checked, as OpenTSDB's QueryRpc). */
  start(origin: QueryOrigin, budget: QueryBudget): RunningQuery {
    const run = new RunningQuery(this.nextId++, origin, budget);
    this.running.set(run.id, run);
    return run;
  }

  /**
   * Its answer is ready (markSerialized): it leaves the running list for the completed
   * cache, or counts up `executed` of the same query from the same remote with the same
   * status. Returns the entry that now stands for it (for `sent`).
   */
  finish(run: RunningQuery, status: number, error: unknown): CompletedQuery | undefined {
    if (!this.running.delete(run.id)) return undefined;
    const figures: QueryFigures = {
      processingPreWriteTime: run.elapsed(),
      seriesRead: run.budget.series,
      dpsRead: run.budget.points,
    };
    const key = `${run.key}\u0000${status}`;
    const existing = this.completed.get(key);
    if (existing) {
      existing.executed++;
      return undefined;
    }
    const entry = new CompletedQuery(run, status, error === undefined ? 'null' : (error as Error).message ?? String(error), figures);
    this.completed.set(key, entry);
    if (this.completed.size > COMPLETED_QUERIES_KEPT) this.completed.delete(this.completed.keys().next().value!);
    return entry;
  }

  /** The answer left (markSent) or could not be sent (markSendFailed): totalTime either way. */
  sent(entry: CompletedQuery | undefined, ok: boolean): void {
    if (!entry) return;
    entry.stats.totalTime = entry.elapsed();
    entry.sentToClient = ok;
  }

  /**
   * Cancels running query `id` (DSDB's own): its client gets queryCancelled(); the work
   * stops at its next check. Returns the running entry, or undefined when no query with
   * that id is running.
   */
  cancel(id: number, by: string): RunningQuery | undefined {
    const run = this.running.get(id);
    if (!run) return undefined;
    run.budget.cancel(queryCancelled(id, by));
    return run;
  }

  get runningCount(): number {
    return this.running.size;
  }

  /** QueryStats.getRunningAndCompleteStats: `{completed, running}` (TreeMap: keys in order). */
  toJson(): { completed: Record<string, unknown>[]; running: Record<string, unknown>[] } {
    const n = this.running.size;
    return {
      completed: [...this.completed.values()].map((c) => c.toJson(n)),
      running: [...this.running.values()].map((r) => r.toJson()),
    };
  }

  /**
   * The running queries as `tsd.query.running` (OpenTSDB: `tsd.query.count type=running`;
   * renamed because Prometheus reserves the `_count` suffix for histograms and summaries).
   */
  report(collector: StatsCollector): void {
    collector.record('query.running', this.running.size);
  }
}

/** Headers whose values are credentials: never shown (OpenTSDB masks only Cookie). */
const MASKED = new Set(['cookie', 'authorization', 'proxy-authorization']);

/**
 * AbstractHttpQuery.getPrintableHeaders: the request's headers in their sent case,
 * repeated ones joined with `,`, in Java HashMap order; Cookie (and, DSDB's own,
 * Authorization and Proxy-Authorization) shown as `*******`.
 */
export function printableHeaders(rawHeaders: readonly string[]): Record<string, string> {
  const map = new Map<string, string>();
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]!;
    const value = MASKED.has(name.toLowerCase()) ? '*******' : rawHeaders[i + 1]!;
    const previous = map.get(name);
    map.set(name, previous === undefined || MASKED.has(name.toLowerCase()) ? value : `${previous},${value}`);
  }
  const out: Record<string, string> = {};
  for (const name of javaHashOrder([...map.keys()], rawHeaders.length / 2)) out[name] = map.get(name)!;
  return out;
}
