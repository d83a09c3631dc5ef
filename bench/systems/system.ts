/** What the comparison needs from each system under test. */
import type { DatasetOptions } from '../lib/dataset';
import type { LongSeriesOptions } from '../lib/long-series';
import type { CheckedQuery } from '../lib/query-checks';

/**
 * The timed queries: `raw-series`, `sum-1m-avg`, `rate-by-dc` over the main dataset's
 * range; `day-0all-sum` (the sum of every `cpu.user` value over the dataset's day) and
 * `long-1h-avg` (hourly means of the long series over its whole range), whose answers are
 * also checked (bench/lib/query-checks.ts).
 */
export type QueryName = 'raw-series' | 'sum-1m-avg' | 'rate-by-dc' | CheckedQuery;

/** Both data sets of a run: the main dataset and the long series of `long-1h-avg`. */
export interface BenchData {
  main: DatasetOptions;
  long: LongSeriesOptions;
}

export interface SystemUnderTest {
  readonly name: string;
  /** a slow system loads the dataset once (telnet ×1) to keep the run short */
  readonly firstModeOnly?: boolean;
  /** the server process' id while it runs, for sampling its memory (bench/memory.bench.ts) */
  readonly pid?: number;
  /** starts a fresh instance with an empty data dir */
  start(): Promise<void>;
  stop(): Promise<void>;
  /** port for telnet `put` lines */
  readonly telnetPort: number;
  /** URL accepting OpenTSDB `/api/put` JSON */
  readonly putUrl: string;
  /** URL accepting Prometheus remote_write, when the system takes it */
  readonly remoteWriteUrl?: string;
  /** URL accepting DSDB's protobuf `/api/put` (dsdb.proto), when the system takes it */
  readonly protobufUrl?: string;
  /**
   * points of `dataset` a query can see now (for "ingest until queryable"); `storedBefore`:
   * points of other windows the system already holds (an untimed warm-up load), for a
   * system that checks a stored-points counter before it queries
   */
  countPoints(dataset: DatasetOptions, storedBefore?: number): Promise<number>;
  /** points of the long series a query can see now */
  countLongPoints(long: LongSeriesOptions): Promise<number>;
  /** makes written data durable/compacted before disk is measured */
  flush(): Promise<void>;
  diskBytes(): number;
  /** the peak RSS (VmHWM) of the server process since the last start(), in bytes */
  peakRssBytes(): number;
  /** seconds of CPU the server process has used since the last start(), all its threads (NaN when unknown) */
  cpuSeconds(): number;
  /** runs one of the standard queries in the system's native language; resolves to its parsed answer */
  query(name: QueryName, data: BenchData): Promise<unknown>;
  /** the numbers of a checked query's answer (from `query()`), in time order */
  values(name: CheckedQuery, answer: unknown): number[];
}
