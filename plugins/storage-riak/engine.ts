/**
 * The Riak KV storage engine. Every daemon is stateless over Riak: series, names, chunks
 * and annotations live in five buckets (`<prefix>series`, `names`, `chunks`,
 * `annotations`, `meta`), the MetaStore in a sixth (`metastore`, meta-store.ts); a
 * daemon keeps only caches (series key → id, id → series, the chunks it wrote last with
 * their vclocks), which it can lose at any time.
 *
 * A write resolves once Riak acknowledged every chunk it touched (w / dw quorums of the
 * options): no acknowledged point waits in the daemon's memory. Schema and trade-offs:
 * docs/storage-riak.md.
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
import { CodecSet, DEFAULT_CODECS, type CodecPreferences } from '../../lib/chunks';
import { RiakAnnotations } from './annotations';
import { ChunkStore } from './chunk-store';
import { fragmentsOf } from './fragments';
import { RiakHttp } from './http';
import { NAME_PREFIX } from './keys';
import { concatPoints, withinRange, withoutRange } from './merge';
import { makeRetrying, unavailableError, type Retrying } from './retrying';
import { RiakSeriesIndex } from './series-index';
import { RiakMetaStore } from './meta-store';

export interface RiakEngineOptions {
  /** node base URLs, used round-robin */
  url: string | string[];
  bucketPrefix: string;
  /** replicas per object; unset: the cluster's default (3) */
  nVal?: number;
  r: string;
  w: string;
  dw: string;
  windowMs: number;
  retryTimeoutMs: number;
  requestTimeoutMs: number;
  concurrency: number;
  chunkCacheSize: number;
  seriesCacheSize: number;
  codecs?: Partial<{ [K in keyof CodecPreferences]: string | string[] }>;
}

/** series read ahead of the one being yielded */
const READ_AHEAD = 8;
const MIN_TIME = -9e15;
const MAX_TIME = 9e15;

export class RiakEngine implements StorageEngine {
  /** UIDs, meta and trees (core MetaStore): the `<prefix>metastore` bucket. */
  readonly meta: RiakMetaStore;
  readonly name = 'riak';
  readonly capabilities: StorageCapabilities = { sharedAcrossDaemons: true };
  private readonly http: RiakHttp;
  private readonly codecs: CodecSet;
  private readonly buckets: { series: string; names: string; chunks: string; annotations: string; meta: string; metastore: string };
  private readonly index: RiakSeriesIndex;
  private readonly chunks: ChunkStore;
  private readonly annotationStore: RiakAnnotations;
  private windowMs: number;
  private closing = false;
  private readonly inflight = new Set<Promise<unknown>>();
  private readonly retrying: Retrying = makeRetrying(() => this.closing);

  /** `codecs` is the kernel's codec registry: chunks are written with the codec plugins. */
  constructor(
    private readonly options: RiakEngineOptions,
    private readonly log: Logger,
    codecs: Registry<Codec>,
  ) {
    const urls = (Array.isArray(options.url) ? options.url : [options.url]).map((u) => u.replace(/\/+$/, ''));
    this.http = new RiakHttp(urls, { r: options.r, w: options.w, dw: options.dw }, options.requestTimeoutMs, options.concurrency);
    const prefs = { ...DEFAULT_CODECS };
    for (const column of Object.keys(DEFAULT_CODECS) as (keyof CodecPreferences)[]) {
      const value = options.codecs?.[column];
      if (value !== undefined) prefs[column] = typeof value === 'string' ? [value] : value;
    }
    this.codecs = new CodecSet(codecs, prefs, 'storage-riak');
    const p = options.bucketPrefix;
    this.buckets = { series: `${p}series`, names: `${p}names`, chunks: `${p}chunks`, annotations: `${p}annotations`, meta: `${p}meta`, metastore: `${p}metastore` };
    this.windowMs = options.windowMs;
    this.index = new RiakSeriesIndex(this.http, this.buckets.series, this.buckets.names, options.seriesCacheSize);
    this.chunks = new ChunkStore(this.http, this.buckets.chunks, this.codecs, options.chunkCacheSize);
    this.annotationStore = new RiakAnnotations(this.http, this.buckets.annotations, this.retrying);
    this.meta = new RiakMetaStore(this.http, this.buckets.metastore, this.retrying, () => this.options.retryTimeoutMs);
  }

  /**
   * Checks Riak answers, sets the buckets' properties, and adopts the stored window length;
   * a node still starting (or restarting) is retried for `retryTimeoutMs`.
   */
  async open(): Promise<void> {
    await this.retrying(() => this.openOnce(), this.options.retryTimeoutMs, 'cannot open storage');
  }

  private async openOnce(): Promise<void> {
    await this.http.ping();
    const nVal = this.options.nVal !== undefined ? { n_val: this.options.nVal } : {};
    // Chunks take concurrent writes from several daemons: keep siblings, merge them (chunk-store.ts).
    await this.http.setBucketProps(this.buckets.chunks, { ...nVal, allow_mult: true, last_write_wins: false, dvv_enabled: true });
    // Series, names and meta never change once written; annotations replace each other.
    for (const b of [this.buckets.series, this.buckets.names, this.buckets.annotations, this.buckets.meta]) await this.http.setBucketProps(b, { ...nVal, allow_mult: false, last_write_wins: true });
    // The MetaStore keeps siblings, which every reader resolves the same way (meta-store.ts).
    await this.http.setBucketProps(this.buckets.metastore, RiakMetaStore.bucketProps(this.options.nVal));
    // Every daemon must cut windows the same way: the first one to open decides.
    const stored = await this.http.fetch(this.buckets.meta, 'window_ms');
    let windowMs = stored ? Number(stored.siblings[0]!.value.toString('utf8')) : NaN;
    if (!stored) {
      await this.http.store(this.buckets.meta, 'window_ms', String(this.windowMs), { contentType: 'text/plain' });
      const again = await this.http.fetch(this.buckets.meta, 'window_ms');
      windowMs = Number(again?.siblings[0]?.value.toString('utf8') ?? this.windowMs);
    }
    if (windowMs !== this.windowMs) this.log.warn({ configured: this.windowMs, stored: windowMs }, 'windowMs differs from the one stored in Riak; using the stored one');
    this.windowMs = windowMs;
  }

  async close(): Promise<void> {
    this.closing = true;
    await Promise.allSettled([...this.inflight]);
  }

  /** Writes resolve once Riak stored them: nothing is buffered to flush. */
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
   * `sync` writes fail at once while Riak is unreachable; others are retried for
   * `retryTimeoutMs`, then refused. Neither resolves before Riak stored every chunk.
   */
  write(batch: PointBatch, options?: WriteOptions): Promise<WriteResult> {
    if (batch.length === 0) return Promise.resolve({ written: 0 });
    if (this.closing) return Promise.reject(unavailableError('storage is closing; the points were not stored', new Error('closing')));
    const deadline = options?.sync ? 0 : this.options.retryTimeoutMs;
    // Some chunks may have been stored before the failure: writing the batch again merges the same points.
    return this.track(this.retrying(() => this.writeOnce(batch), deadline, `the ${batch.length} points were not acknowledged (some may be stored; writing them again is safe)`));
  }

  private async writeOnce(batch: PointBatch): Promise<WriteResult> {
    const ids: string[] = new Array(batch.series.length);
    await this.index.resolve(batch.seriesKeys, batch.series, ids);
    await Promise.all(fragmentsOf(batch, this.windowMs).map((f) => this.chunks.append(ids[f.series]!, f.window, f.points)));
    return { written: batch.length };
  }

  private windowOf(t: number): number {
    return Math.floor(t / this.windowMs) * this.windowMs;
  }

  private select(selector: Partial<SeriesSelector>): Promise<SeriesInfo[]> {
    return this.retrying(() => this.index.select(selector), 0, 'the series could not be read');
  }

  /** Points of series `id` in [start, end], its windows fetched in parallel. */
  private async seriesPoints(id: string, start: number, end: number) {
    return this.retrying(
      async () => {
        const keys = await this.chunks.keys(id, this.windowOf(Math.max(MIN_TIME, start)), Math.min(MAX_TIME, end));
        const chunks = await Promise.all(keys.map((k) => this.chunks.read(k)));
        return concatPoints(chunks.filter((c) => c !== undefined && c.length > 0).map((c) => withinRange(c!, start, end)));
      },
      0,
      'the points could not be read',
    );
  }

  async *read(selector: SeriesSelector, range: TimeRange): AsyncIterable<SeriesData> {
    const infos = await this.select(selector);
    // A few series are fetched ahead, so that Riak's latency overlaps; one is yielded at a time.
    const pending: Promise<SeriesData['points']>[] = [];
    for (let i = 0; i < infos.length; i++) {
      while (pending.length < READ_AHEAD && i + pending.length < infos.length) {
        const ahead = this.seriesPoints(infos[i + pending.length]!.id, range.start, range.end);
        // a reader that stops early leaves these unawaited: their failure must not go unhandled
        ahead.catch(() => undefined);
        pending.push(ahead);
      }
      const points = await pending.shift()!;
      // The contract: a series with no point in the range is not returned.
      if (points.length > 0) yield { series: infos[i]!, points };
    }
  }

  async *last(selector: SeriesSelector, since = -Infinity): AsyncIterable<LastPoint> {
    for (const info of await this.select(selector)) {
      const point = await this.retrying(
        async () => {
          const keys = await this.chunks.keys(info.id, this.windowOf(Math.max(MIN_TIME, since)), MAX_TIME);
          // The newest non-empty window holds the last point (a delete may have emptied later ones).
          for (let k = keys.length - 1; k >= 0; k--) {
            const p = await this.chunks.read(keys[k]!);
            if (p && p.length > 0) return { p, i: p.length - 1 };
          }
          return undefined;
        },
        0,
        'the last points could not be read',
      );
      if (!point || point.p.timestamps[point.i]! < since) continue;
      const { p, i } = point;
      yield { series: info, timestamp: p.timestamps[i]!, kind: p.kinds[i]! as LastPoint['kind'], float: p.floats[i]!, int: p.ints[i]!, text: p.texts[i] };
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
    const p = NAME_PREFIX[kind];
    const names = await this.retrying(() => this.index.suggest(p + prefix, Math.floor(max)), 0, 'suggest failed');
    return names.map((k) => k.slice(p.length));
  }

  /**
   * Rewrites each window of the matching series that holds points in the range, without
   * them (an emptied window keeps an empty chunk). A daemon that wrote to such a window
   * concurrently, from a vclock older than the delete, leaves a sibling that still holds
   * its own points: they merge back in (see docs/storage-riak.md).
   */
  async deleteRange(selector: SeriesSelector, range: TimeRange): Promise<number> {
    let removed = 0;
    for (const info of await this.select(selector)) {
      const keys = await this.retrying(() => this.chunks.keys(info.id, this.windowOf(Math.max(MIN_TIME, range.start)), Math.min(MAX_TIME, range.end)), 0, 'nothing was deleted');
      for (const key of keys) {
        const n = await this.retrying(
          () =>
            this.chunks.rewrite(key, (points) => {
              const { kept, removed: r } = withoutRange(points, range.start, range.end);
              return r > 0 ? { points: kept, result: r } : undefined;
            }),
          0,
          'the delete stopped part way (the points already removed stay removed)',
        );
        removed += n ?? 0;
      }
    }
    return removed;
  }

  putAnnotation(annotation: Annotation): Promise<void> {
    return this.annotationStore.put(annotation);
  }

  annotations(range: TimeRange, tsuids?: readonly string[] | 'global'): Promise<Annotation[]> {
    return this.annotationStore.list(range, tsuids);
  }

  deleteAnnotation(annotation: Pick<Annotation, 'startTime' | 'tsuid'>): Promise<boolean> {
    return this.annotationStore.delete(annotation);
  }

  /** The series count (the series bucket's `$bucket` index); Riak reports no size per bucket. */
  stats(): Promise<StorageStats> {
    return this.retrying(async () => ({ series: await this.index.count() }), 0, 'stats could not be read');
  }
}
