/**
 * What `showStats` and `showSummary` answer: OpenTSDB 2.4.1's QueryStats, in the shape its
 * HttpJsonSerializer.formatQueryAsyncV1 writes — with `showStats` a `stats` object after each
 * output series' `dps`, with `showSummary` a last array element `{"statsSummary": {…}}`.
 *
 * The key names and their nesting are OpenTSDB's (a client reading them finds every key it
 * knows); the figures are DSDB's own, measured with performance.now() and shown as OpenTSDB
 * shows them (floating milliseconds to the nanosecond, keys sorted as its TreeMaps are):
 *  - a sub-query reads through one "scanner" (`scannerIdx_00`): its storage engine's read;
 *    `hbaseTime` and `scannerTime` are the time spent waiting on that read, `scannerId`
 *    says what was read;
 *  - a "row" is a series (OpenTSDB: a series' hour): `rowsPreFilter`/`dpsPreFilter` count
 *    the series and points storage returned, `rowsPostFilter`/`dpsPostFilter` those left
 *    after the row-key filter and the group-by keys; `uidPairsResolved` is 0 (OpenTSDB
 *    turns each scanned series' tag UIDs into names to run a post-scan filter; DSDB's
 *    series index holds the names);
 *  - `queryScanTime` is the sub-query's read (names checked, series read, downsampled and
 *    grouped), `saltScannerMergeTime` the part of it not waiting on storage, `groupByTime`
 *    the ordering of the groups and their members;
 *  - per output series: `uidToStringTime` (its tags and TSUIDs), `aggregationTime` (its
 *    group's aggregation), `serializationTime` (its JSON) and `emittedDPs` (its points).
 * As in OpenTSDB, a sub-query's per-series figures in the summary are those of its last
 * output series (QueryStats.addStat replaces them series by series), the overall
 * `emittedDPs` is their sum, and a sub-query that answered no series has none of them.
 * Where OpenTSDB pairs an average with the wrong maximum (its AGG_MAP: `maxHBaseTime` is
 * the largest scanner time, there is no `avgUidToStringTime`), the key set is its, the
 * values are what their names say.
 *
 * One trace per request, with a clock read per series read and per output series: none
 * per point, and none at all without showStats or showSummary.
 */
import { javaDoubleJson } from '../../lib/opentsdb';

/** OpenTSDB's DateTime.msFromNano: milliseconds with nanosecond digits. */
function ms(duration: number): number {
  return Math.round(duration * 1e6) / 1e6;
}

/** An output series' own figures (set by the engine; the serializer adds its two). */
export interface ResultFigures {
  uidToStringTime: number;
  aggregationTime: number;
  serializationTime: number;
  emittedDPs: number;
}

/** One sub-query's figures (QueryStats' query_stats and scanner_stats for its index). */
export class SubQueryTrace {
  scannerId = '';
  /** waiting on storage's read, ms */
  storageTime = 0;
  /** the whole read of the sub-query, ms */
  queryScanTime = 0;
  /** collectGroups' own time, ms (the read less storageTime) */
  saltScannerMergeTime = 0;
  groupByTime = 0;
  /** false for the `none` aggregator, which OpenTSDB never groups (no `groupByTime` then) */
  grouped = true;
  rowsPreFilter = 0;
  dpsPreFilter = 0;
  rowsPostFilter = 0;
  dpsPostFilter = 0;
  successfulScan = 0;
  /** the last output series' figures */
  last: ResultFigures | undefined = undefined;

  constructor(readonly index: number) {}

  /** getQueryStats(index, false) while series are written: what `showStats` shows after a series. */
  seriesStats(): Record<string, number> {
    const out: Record<string, number> = {
      queryIndex: this.index,
      queryScanTime: ms(this.queryScanTime),
      saltScannerMergeTime: ms(this.saltScannerMergeTime),
    };
    if (this.grouped) out.groupByTime = ms(this.groupByTime);
    if (this.last) {
      out.aggregationTime = ms(this.last.aggregationTime);
      out.emittedDPs = this.last.emittedDPs;
      out.serializationTime = ms(this.last.serializationTime);
      out.uidToStringTime = ms(this.last.uidToStringTime);
    }
    return out;
  }

  /** getQueryStats(index, true) after aggQueryStats: the summary's `queryIdx_NN`. */
  summaryStats(): Record<string, unknown> {
    const storage = ms(this.storageTime);
    const scanner = {
      compactionTime: 0,
      dpsPostFilter: this.dpsPostFilter,
      dpsPreFilter: this.dpsPreFilter,
      hbaseTime: storage,
      rowsPostFilter: this.rowsPostFilter,
      rowsPreFilter: this.rowsPreFilter,
      scannerId: this.scannerId,
      scannerTime: storage,
      scannerUidToStringTime: 0,
      successfulScan: this.successfulScan,
      uidPairsResolved: 0,
    };
    return {
      ...this.seriesStats(),
      avgHBaseTime: storage,
      avgScannerTime: storage,
      avgScannerUidToStringTime: 0,
      dpsPostFilter: this.dpsPostFilter,
      dpsPreFilter: this.dpsPreFilter,
      maxHBaseTime: storage,
      maxScannerUidToStringTime: 0,
      rowsPostFilter: this.rowsPostFilter,
      rowsPreFilter: this.rowsPreFilter,
      scannerStats: { scannerIdx_00: scanner },
      successfulScan: this.successfulScan,
      uidPairsResolved: 0,
    };
  }
}

/** A request's trace: its sub-queries' figures and its start. */
export class QueryTrace {
  private readonly started = performance.now();
  private readonly subs = new Map<number, SubQueryTrace>();

  /** The figures of sub-query `index` (made at its first use). */
  sub(index: number): SubQueryTrace {
    let sub = this.subs.get(index);
    if (!sub) this.subs.set(index, (sub = new SubQueryTrace(index)));
    return sub;
  }

  /** The `statsSummary` object, at the end of serialization (markSerializationSuccessful, then aggQueryStats). */
  summary(): Record<string, unknown> {
    const out: Record<string, unknown> = { processingPreWriteTime: ms(performance.now() - this.started) };
    const subs = [...this.subs.values()].sort((a, b) => a.index - b.index);
    const n = subs.length;
    if (n === 0) return out;
    const sum = (f: (s: SubQueryTrace) => number) => subs.reduce((total, s) => total + f(s), 0);
    const max = (f: (s: SubQueryTrace) => number) => subs.reduce((m, s) => Math.max(m, f(s)), 0);
    const storage = (s: SubQueryTrace) => s.storageTime;
    Object.assign(out, {
      avgHBaseTime: ms(sum(storage) / n),
      avgQueryScanTime: ms(sum((s) => s.queryScanTime) / n),
      avgScannerTime: ms(sum(storage) / n),
      avgScannerUidToStringTime: 0,
      dpsPostFilter: sum((s) => s.dpsPostFilter),
      dpsPreFilter: sum((s) => s.dpsPreFilter),
      maxHBaseTime: ms(max(storage)),
      maxQueryScanTime: ms(max((s) => s.queryScanTime)),
      maxScannerUidToStringTime: 0,
      rowsPostFilter: sum((s) => s.rowsPostFilter),
      rowsPreFilter: sum((s) => s.rowsPreFilter),
      successfulScan: sum((s) => s.successfulScan),
      uidPairsResolved: 0,
    });
    const written = subs.filter((s) => s.last !== undefined);
    if (written.length > 0) {
      const sumLast = (f: (r: ResultFigures) => number) => written.reduce((total, s) => total + f(s.last!), 0);
      const maxLast = (f: (r: ResultFigures) => number) => written.reduce((m, s) => Math.max(m, f(s.last!)), 0);
      Object.assign(out, {
        avgAggregationTime: ms(sumLast((r) => r.aggregationTime) / written.length),
        avgSerializationTime: ms(sumLast((r) => r.serializationTime) / written.length),
        emittedDPs: sumLast((r) => r.emittedDPs),
        maxAggregationTime: ms(maxLast((r) => r.aggregationTime)),
        maxSerializationTime: ms(maxLast((r) => r.serializationTime)),
        maxUidToStringTime: ms(maxLast((r) => r.uidToStringTime)),
      });
    }
    for (const s of subs) out[`queryIdx_${String(s.index).padStart(2, '0')}`] = s.summaryStats();
    return out;
  }
}

/**
 * A stats map as Jackson writes OpenTSDB's TreeMaps: keys sorted, times (keys ending in
 * `Time`) as Java doubles (`0.0`), counts as integers, nested maps likewise.
 */
export function statsJson(map: Readonly<Record<string, unknown>>): string {
  const keys = Object.keys(map).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const parts: string[] = [];
  for (const key of keys) {
    const value = map[key];
    let text: string;
    if (typeof value === 'string') text = JSON.stringify(value);
    else if (typeof value === 'number') text = key.endsWith('Time') ? javaDoubleJson(value) : String(value);
    else if (value === null || value === undefined) text = 'null';
    else text = statsJson(value as Record<string, unknown>);
    parts.push(`${JSON.stringify(key)}:${text}`);
  }
  return `{${parts.join(',')}}`;
}

/**
 * The storage read, timed: each step's wait on `reads` is added to `trace.storageTime`
 * (a clock read per series, not per point).
 */
export async function* timedReads<T>(reads: AsyncIterable<T>, trace: SubQueryTrace): AsyncIterable<T> {
  const it = reads[Symbol.asyncIterator]();
  let done = false;
  try {
    for (;;) {
      const t = performance.now();
      const step = await it.next();
      trace.storageTime += performance.now() - t;
      if (step.done) {
        done = true;
        return;
      }
      yield step.value;
    }
  } finally {
    if (!done) await it.return?.();
  }
}
