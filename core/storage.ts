/**
 * The storage contract: what every storage engine plugin (embedded, memory, MySQL,
 * CouchDB, HBase, a third party's) implements. Engines are registered by name on the
 * `storage.engines` hook; the kernel opens the configured one and puts it in the
 * container as `storage`. docs/storage.md explains each method.
 */
import type { SeriesRef, SeriesSlots } from './series-ref';
import type { SeriesKey, Tags, ValueKind } from './types';

/**
 * A batch of points in columns: ingest paths fill typed arrays instead of allocating an
 * object per point. Point `i` belongs to `series[seriesIndex[i]]`; its value is read
 * from the column its `kinds[i]` names.
 */
export interface PointBatch {
  length: number;
  /** the distinct series of the batch */
  series: SeriesKey[];
  /** `seriesKeyString()` of each entry of `series`: engines map it to a series id */
  seriesKeys: string[];
  /**
   * Optional, by series as `series`: the transport's SeriesRef of each (undefined where it
   * has none), so that consumers can skip the lookup by key (core/series-ref.ts). The
   * writer drops them when a `beforeWrite` tap may have changed the series.
   */
  seriesRefs?: (SeriesRef | undefined)[];
  /**
   * Optional: the batch's series as slots of the transport's SeriesSpace
   * (core/series-ref.ts), one per entry of `series`, so that consumers keep per-series
   * findings in arrays indexed by slot. A batch with slots may build `series`,
   * `seriesKeys` and `seriesRefs` only when they are first read (accessors): count its
   * series with seriesCountOf, and copy a batch by naming its fields, not by spreading it.
   * The writer drops the slots when a `beforeWrite` tap may have changed the series.
   */
  seriesSlots?: SeriesSlots;
  seriesIndex: Uint32Array;
  /** milliseconds since the epoch */
  timestamps: Float64Array;
  kinds: Uint8Array;
  floats: Float64Array;
  ints: BigInt64Array;
  /** strings, and JSON objects as canonical JSON text */
  texts: (string | undefined)[];
}

export interface WriteOptions {
  /** Resolve only once the points are durable (survive a crash of the process). */
  sync?: boolean;
}

export interface WriteResult {
  /** Points the engine accepted. */
  written: number;
}

/** A tag condition the query engine hands to storage. */
export interface TagPredicate {
  key: string;
  /** When set, only these exact values can match, so an index can answer by postings. */
  literals?: readonly string[];
  /** Whether a tag value passes; `undefined` means the series lacks the key. */
  test(value: string | undefined): boolean;
}

export interface SeriesSelector {
  metric: string;
  predicates?: readonly TagPredicate[];
  /** When set, the series must have exactly these tag keys (OpenTSDB's explicitTags). */
  explicitTagKeys?: readonly string[];
}

export interface TimeRange {
  /** inclusive, milliseconds */
  start: number;
  /** inclusive, milliseconds */
  end: number;
}

export interface SeriesInfo extends SeriesKey {
  /** The engine's id for the series, stable for its life (OpenTSDB's TSUID role). */
  id: string;
}

/** Points of one series in columns, sorted by timestamp, one value per timestamp. */
export interface SeriesPoints {
  length: number;
  timestamps: Float64Array;
  kinds: Uint8Array;
  floats: Float64Array;
  ints: BigInt64Array;
  texts: (string | undefined)[];
}

export interface SeriesData {
  series: SeriesInfo;
  points: SeriesPoints;
}

/**
 * What `readDownsampled` asks of an engine: OpenTSDB's Downsampler with a fixed interval
 * and fill policy `none` (Downsampler.java, without FillingDownsampler) — the points of each
 * bucket `[b, b + intervalMs)`, `b` a multiple of `intervalMs` since the epoch, reduced
 * in time order as doubles (an integer as `Number(int)`) by `reduce`. Buckets without
 * points are left out.
 */
export interface DownsampleRequest {
  /** bucket width, milliseconds (> 0); ignored with `all` */
  intervalMs: number;
  /**
   * OpenTSDB's `0all`: one bucket holding every point of the `values` range, stamped with
   * its start (Downsampler's run_all), instead of fixed intervals.
   */
  all?: boolean;
  /**
   * The points bucketed, inclusive ms (default: the whole read range). A series with
   * points in the read range but none here still yields, with no buckets and its points
   * counted: OpenTSDB reads it (its group and tags include it) but its downsampler skips
   * them (seekInterval, run_all's end).
   */
  values?: TimeRange;
  /** the downsampling aggregator's name; with `intervalMs`, the key of any result an engine keeps */
  aggregator: string;
  /** Optional: the rate of the buckets, which the engine may apply (then `SeriesBuckets.rated`) or leave to the caller. */
  rate?: RateRequest;
  /**
   * The aggregator's function over one bucket's values, in time order: `values[0..count)`
   * (a scratch array it may reorder). Called once per bucket, never per point.
   */
  reduce(values: Float64Array, count: number): number;
  /**
   * Optional, for decomposable aggregators (count, min, max): joins the `reduce` results of
   * consecutive parts of one bucket's values, given in time order, into exactly what
   * `reduce` gives over all of them (count: their sum; min and max: themselves). With it
   * an engine keeps one partial value per edge bucket of a run instead of its raw values.
   * Never set for an order- or rounding-sensitive aggregator (sum, avg, percentiles).
   */
  merge?(partials: Float64Array, count: number): number;
  /**
   * Optional, with `merge`: `reduce` of `count` finite values when it depends only on their
   * number (count: `count`; core Aggregator.ofFinite). An engine may then summarise a run
   * it knows holds `count` finite numbers in one bucket without decoding them.
   */
  ofFinite?(count: number): number;
}

/**
 * The per-series half of OpenTSDB's rate over downsampled values (RateSpan; the query's
 * `rate` with its rateOptions), for an engine to apply after downsampling: see lib/chunks
 * `rateOfDoubles`, which engines use to compute it.
 */
export interface RateRequest {
  counter: boolean;
  /** Long.MAX_VALUE by default, as a double */
  counterMax: number;
  resetValue: number;
  dropResets: boolean;
  /** rates stamped before this (ms) are skipped: the first row read */
  from: number;
}

/** One series downsampled by the engine: a value per bucket with points, oldest first. */
export interface SeriesBuckets {
  series: SeriesInfo;
  /** the raw points the buckets hold (what a read would have returned), for query limits */
  points: number;
  length: number;
  /** bucket starts, milliseconds, ascending */
  timestamps: Float64Array;
  /** the reduced value of each bucket (a double, as OpenTSDB's downsamplers yield); with `rated`, the rates */
  values: Float64Array;
  /** the request's rate was applied: timestamps and values are the rates' */
  rated?: boolean;
  /** with `rated`: the held first rate (RateSpan's rate against time zero), undefined when there is no rate */
  rateSeed?: number;
}

/** A series' buckets without its SeriesInfo: what engines compute before they yield it. */
export type BucketColumns = Omit<SeriesBuckets, 'series'>;

/** What `readDownsampled` yields per series: buckets, or the raw points where the engine cannot downsample them (strings, JSON). */
export type DownsampledRead = { series: SeriesInfo; buckets: SeriesBuckets; points?: undefined } | SeriesData;

export interface LastPoint {
  series: SeriesInfo;
  timestamp: number;
  kind: ValueKind;
  float: number;
  int: bigint;
  text?: string;
}

export type NameKind = 'metrics' | 'tagk' | 'tagv';

export interface Annotation {
  startTime: number;
  endTime?: number;
  /** the series it belongs to; absent for a global annotation */
  tsuid?: string;
  description?: string;
  notes?: string;
  /** OpenTSDB's custom map: text values, null where the client sent null */
  custom?: Record<string, string | null>;
}

/**
 * A small durable key-value store beside the series data, for what is not points:
 * OpenTSDB's UID table (tsdb-uid), UID and TS meta (tsdb-meta), trees (tsdb-tree), rollup
 * and histogram settings. Keys live in a `space` (a namespace such as `uid`, `tsmeta`,
 * `tree`); values are text (JSON by convention). `putIfAbsent` is the one atomic primitive,
 * and an engine with `sharedAcrossDaemons` makes it atomic across daemons: it is what UID
 * assignment needs (OpenTSDB uses HBase's atomic increment and checkAndPut for the same).
 * Writes are durable when their promise resolves.
 */
export interface MetaStore {
  /** The value stored under the key, or undefined. */
  get(space: string, key: string): Promise<string | undefined>;
  /** Stores the value, replacing any earlier one. */
  put(space: string, key: string, value: string): Promise<void>;
  /** Stores the value only if the key is absent; true when this call stored it. */
  putIfAbsent(space: string, key: string, value: string): Promise<boolean>;
  /**
   * putIfAbsent for many entries of one space, in order: one result an entry, true when this
   * call stored it. Optional, for a backend that can make them all durable at once (the
   * embedded engine: one group commit for a write batch's new series' TSMetas, not one
   * each); callers without it call putIfAbsent for each. Rejects when the write fails.
   */
  putAllIfAbsent?(space: string, entries: readonly MetaEntry[]): Promise<boolean[]>;
  /** Removes the key; true when it existed. */
  delete(space: string, key: string): Promise<boolean>;
  /**
   * Entries of the space whose key starts with `prefix` (`''`: all), in ascending key order
   * (JavaScript string order; DSDB's own keys are ASCII, where it equals byte order), at
   * most `limit` of them (default: all).
   */
  scan(space: string, prefix: string, limit?: number): AsyncIterable<MetaEntry>;
}

export interface MetaEntry {
  key: string;
  value: string;
}

export interface StorageStats {
  series: number;
  points?: number;
  bytesOnDisk?: number;
  [name: string]: number | undefined;
}

/** Work a backend can do itself, which the query engine may push down to it. */
export interface StorageCapabilities {
  /**
   * Several daemons may use the same backend at once (MySQL, HBase…). Such an engine must
   * resolve series race-free: insert-if-absent under a unique key on the canonical series
   * key, then read the id back, so two daemons creating one series get one id. An engine
   * without it (embedded, memory) keeps its index in one process and locks its data.
   */
  sharedAcrossDaemons?: boolean;
}

export interface StorageEngine {
  readonly name: string;
  readonly capabilities: StorageCapabilities;
  open(): Promise<void>;
  /** Flush what is buffered and release files and connections. */
  close(): Promise<void>;
  /**
   * Writes a batch; last write wins for a duplicate (series, timestamp), whatever the
   * kinds of the two values (a later string replaces an earlier number). Series are
   * created on first write. With `sync` it resolves only once the points survive a crash;
   * without, they are durable within the engine's flush interval. The `writer` checks
   * every batch (`assertValidBatch`, `DSDB_ERR_BAD_WRITE`) before it reaches an engine,
   * so engines may trust kinds, timestamps and series indexes.
   */
  write(batch: PointBatch, options?: WriteOptions): Promise<WriteResult>;
  /** Makes every accepted write durable. */
  flush(): Promise<void>;
  /**
   * Series matching the selector that have at least one point in the range, with those
   * points, one series at a time (never one giant array).
   */
  read(selector: SeriesSelector, range: TimeRange): AsyncIterable<SeriesData>;
  /**
   * Optional: `read` with the downsampling done in the engine (see DownsampleRequest), so
   * that points need not travel to the query engine one by one and an engine may keep
   * per-chunk results. Yields, per matching series with points in the range, either
   * `{ series, buckets }` or — for a series it cannot reduce (any string or JSON value in
   * the range) — the same `SeriesData` `read` would yield. The result must equal
   * downsampling what `read(selector, range)` returns, bit for bit.
   */
  readDownsampled?(selector: SeriesSelector, range: TimeRange, request: DownsampleRequest): AsyncIterable<DownsampledRead>;
  /** The last point of each matching series (optionally no older than `since`). */
  last(selector: SeriesSelector, since?: number): AsyncIterable<LastPoint>;
  /** Series matching the selector, without points. */
  lookup(selector: Partial<SeriesSelector>, limit?: number): AsyncIterable<SeriesInfo>;
  /** Optional: whether the name exists, by exact lookup (else the query engine asks `suggest` with it as prefix). */
  hasName?(kind: NameKind, name: string): Promise<boolean>;
  /** Names by prefix, sorted, at most `max`. */
  suggest(kind: NameKind, prefix: string, max: number): Promise<string[]>;
  /** Removes the points of matching series in the range; returns points removed. */
  deleteRange(selector: SeriesSelector, range: TimeRange): Promise<number>;
  putAnnotation(annotation: Annotation): Promise<void>;
  annotations(range: TimeRange, tsuids?: readonly string[] | 'global'): Promise<Annotation[]>;
  deleteAnnotation(annotation: Pick<Annotation, 'startTime' | 'tsuid'>): Promise<boolean>;
  stats(): Promise<StorageStats>;
  /** The engine's metadata store (UIDs, meta, trees): see MetaStore. */
  readonly meta: MetaStore;
}

/** What a storage plugin registers: builds an engine from the kernel's services. */
export interface StorageEngineFactory {
  create(context: StorageFactoryContext): StorageEngine | Promise<StorageEngine>;
}

export interface StorageFactoryContext {
  /** the directory for relative data paths (the config file's folder) */
  baseDir: string;
  logger: import('./logger').Logger;
  /** the chunk codecs the codec plugins registered (hooks.codec.codecs), by name */
  codecs: import('./registry').Registry<import('./extension-points').Codec>;
}

export type { Tags };
