/**
 * The in-memory storage engine: the whole contract, nothing persisted. Used by tests
 * and by daemons that want a scratch store. Index: metric → series, and a postings map
 * `tagk=tagv` → series ids, so tag filters with literals don't scan every series.
 */
import { tagsPassSelector } from '../../core';
import type {
  Annotation,
  DownsampledRead,
  DownsampleRequest,
  LastPoint,
  NameKind,
  PointBatch,
  SeriesData,
  SeriesInfo,
  SeriesSelector,
  StorageEngine,
  StorageStats,
  TimeRange,
  WriteResult,
} from '../../core';
import { MemorySeries } from './series-store';
import { downsamplePoints } from '../../lib/chunks';
import { MemoryMetaStore } from '../../lib/storage/memory-meta-store';
import type { MetaStore } from '../../core/storage';

export class MemoryEngine implements StorageEngine {
  /** UIDs, meta and trees (core MetaStore). */
  readonly meta: MetaStore = new MemoryMetaStore();
  readonly name = 'memory';
  readonly capabilities = { sharedAcrossDaemons: false };
  private readonly byKey = new Map<string, MemorySeries>();
  private readonly byId = new Map<string, MemorySeries>();
  private readonly byMetric = new Map<string, Set<MemorySeries>>();
  private readonly postings = new Map<string, Set<MemorySeries>>();
  private readonly tagKeys = new Set<string>();
  private readonly tagValues = new Set<string>();
  private annotationList: Annotation[] = [];
  private nextId = 1;
  private points = 0;

  async open(): Promise<void> {}
  async close(): Promise<void> {}
  async flush(): Promise<void> {}

  async write(batch: PointBatch): Promise<WriteResult> {
    // Resolve each distinct series of the batch once, then append points column-wise.
    const resolved: MemorySeries[] = new Array(batch.series.length);
    for (let s = 0; s < batch.series.length; s++) resolved[s] = this.resolve(batch.seriesKeys[s]!, batch.series[s]!);
    for (let i = 0; i < batch.length; i++) {
      const series = resolved[batch.seriesIndex[i]!]!;
      const before = series.length;
      series.append(batch.timestamps[i]!, batch.kinds[i]!, batch.floats[i]!, batch.ints[i]!, batch.texts[i]);
      this.points += series.length - before;
    }
    return { written: batch.length };
  }

  private resolve(key: string, seriesKey: PointBatch['series'][number]): MemorySeries {
    let series = this.byKey.get(key);
    if (series) return series;
    const info: SeriesInfo = { id: (this.nextId++).toString(16).toUpperCase().padStart(6, '0'), metric: seriesKey.metric, tags: { ...seriesKey.tags } };
    series = new MemorySeries(info);
    this.byKey.set(key, series);
    this.byId.set(info.id, series);
    let metricSet = this.byMetric.get(info.metric);
    if (!metricSet) this.byMetric.set(info.metric, (metricSet = new Set()));
    metricSet.add(series);
    for (const [k, v] of Object.entries(info.tags)) {
      this.tagKeys.add(k);
      this.tagValues.add(v);
      const posting = `${k}=${v}`;
      let set = this.postings.get(posting);
      if (!set) this.postings.set(posting, (set = new Set()));
      set.add(series);
    }
    return series;
  }

  /** Series of the metric that pass every predicate; literals narrow through postings first. */
  private select(selector: Partial<SeriesSelector>): MemorySeries[] {
    let candidates: Iterable<MemorySeries> = selector.metric !== undefined ? (this.byMetric.get(selector.metric) ?? []) : this.byKey.values();
    for (const predicate of selector.predicates ?? []) {
      if (!predicate.literals) continue;
      const union = new Set<MemorySeries>();
      for (const literal of predicate.literals) for (const s of this.postings.get(`${predicate.key}=${literal}`) ?? []) union.add(s);
      candidates = [...candidates].filter((s) => union.has(s));
    }
    const out: MemorySeries[] = [];
    for (const series of candidates) {
      const tags = series.info.tags;
      if (!tagsPassSelector(tags, selector.predicates, selector.explicitTagKeys)) continue;
      out.push(series);
    }
    return out.sort((a, b) => (a.info.id < b.info.id ? -1 : 1));
  }

  async *read(selector: SeriesSelector, range: TimeRange): AsyncIterable<SeriesData> {
    for (const series of this.select(selector)) {
      const points = series.slice(range.start, range.end);
      // as the contract says: only series with a point in the range
      if (points.length > 0) yield { series: series.info, points };
    }
  }

  /** `read` with the downsampling (and rate) done here, over each series' points in one run (lib/chunks downsamplePoints). */
  async *readDownsampled(selector: SeriesSelector, range: TimeRange, request: DownsampleRequest): AsyncIterable<DownsampledRead> {
    for (const series of this.select(selector)) {
      const points = series.slice(range.start, range.end);
      if (points.length === 0) continue;
      const buckets = downsamplePoints(points, request);
      yield buckets ? { series: series.info, buckets: { series: series.info, ...buckets } } : { series: series.info, points };
    }
  }

  async *last(selector: SeriesSelector, since = -Infinity): AsyncIterable<LastPoint> {
    for (const series of this.select(selector)) {
      const i = series.length - 1;
      if (i < 0 || series.timestamps[i]! < since) continue;
      yield {
        series: series.info,
        timestamp: series.timestamps[i]!,
        kind: series.kinds[i]! as LastPoint['kind'],
        float: series.floats[i]!,
        int: series.ints[i]!,
        text: series.texts[i],
      };
    }
  }

  async *lookup(selector: Partial<SeriesSelector>, limit = Infinity): AsyncIterable<SeriesInfo> {
    let n = 0;
    for (const series of this.select(selector)) {
      if (n++ >= limit) return;
      yield series.info;
    }
  }

  async suggest(kind: NameKind, prefix: string, max: number): Promise<string[]> {
    const names = kind === 'metrics' ? this.byMetric.keys() : kind === 'tagk' ? this.tagKeys.values() : this.tagValues.values();
    const out: string[] = [];
    for (const name of names) if (name.startsWith(prefix)) out.push(name);
    return out.sort().slice(0, max);
  }

  async deleteRange(selector: SeriesSelector, range: TimeRange): Promise<number> {
    let removed = 0;
    for (const series of this.select(selector)) removed += series.deleteRange(range.start, range.end);
    this.points -= removed;
    return removed;
  }

  async putAnnotation(annotation: Annotation): Promise<void> {
    await this.deleteAnnotation(annotation);
    this.annotationList.push({ ...annotation });
  }

  async annotations(range: TimeRange, tsuids?: readonly string[] | 'global'): Promise<Annotation[]> {
    return this.annotationList
      .filter((a) => a.startTime >= range.start && a.startTime <= range.end)
      .filter((a) => (tsuids === 'global' ? !a.tsuid : tsuids ? a.tsuid !== undefined && tsuids.includes(a.tsuid) : true))
      .sort((a, b) => a.startTime - b.startTime);
  }

  async deleteAnnotation(annotation: Pick<Annotation, 'startTime' | 'tsuid'>): Promise<boolean> {
    const before = this.annotationList.length;
    this.annotationList = this.annotationList.filter((a) => !(a.startTime === annotation.startTime && a.tsuid === annotation.tsuid));
    return this.annotationList.length !== before;
  }

  async stats(): Promise<StorageStats> {
    return { series: this.byKey.size, points: this.points };
  }
}
