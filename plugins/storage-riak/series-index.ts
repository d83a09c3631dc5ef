/**
 * Series in Riak: one object per series in the series bucket, keyed by its id (keys.ts:
 * a hash of the canonical series key, so every daemon derives the same id without a
 * round trip to agree on it), holding the canonical key, metric and tags, with 2i terms
 * `series_bin` (metric and tags: the metric index, covering) and `tag_bin` (`k=v`, one
 * per tag). Series objects never change once written, so the bucket is last-write-wins
 * without siblings: two daemons creating one series write the same value.
 * Metric and tag names go to the names bucket first (suggest), then the series object:
 * a series that exists has its names.
 */
import { tagsPassSelector } from '../../core';
import type { SeriesInfo, SeriesKey, SeriesSelector } from '../../core';
import type { RiakHttp } from './http';
import { NAME_PREFIX, seriesIdOf, seriesOfTerm, seriesTerm, seriesTermRange, tagTerm } from './keys';

interface SeriesValue {
  key: string;
  metric: string;
  tags: Record<string, string>;
}

/** A literal lookup on `tag_bin` is used while a predicate lists at most this many values; beyond, the metric's series are scanned. */
const MAX_LITERAL_QUERIES = 32;

export class RiakSeriesIndex {
  /** canonical series key → id, for series known to be stored */
  private readonly stored = new Map<string, string>();
  /** id → series, for any series seen (series never change) */
  private readonly infos = new Map<string, SeriesInfo>();
  /** names-bucket keys stored or being stored (one PUT per name per daemon) */
  private readonly names = new Map<string, Promise<void>>();

  constructor(
    private readonly http: RiakHttp,
    private readonly seriesBucket: string,
    private readonly namesBucket: string,
    private readonly cacheLimit: number,
  ) {}

  /**
   * Ids of a batch's series (`out[i]` for `keys[i]`), storing the series not yet in Riak.
   * Throws when two series keys hash to one id (never silently merges them).
   */
  async resolve(keys: readonly string[], series: readonly SeriesKey[], out: string[]): Promise<void> {
    const missing: number[] = [];
    for (let i = 0; i < keys.length; i++) {
      const id = this.stored.get(keys[i]!);
      if (id !== undefined) out[i] = id;
      else missing.push(i);
    }
    if (missing.length === 0) return;
    if (this.stored.size + missing.length > this.cacheLimit) this.stored.clear();
    await Promise.all(missing.map((i) => this.ensure(keys[i]!, series[i]!).then((id) => (out[i] = id))));
  }

  private async ensure(key: string, series: SeriesKey): Promise<string> {
    const id = seriesIdOf(key);
    const existing = await this.http.fetch(this.seriesBucket, id);
    if (existing && existing.siblings.some((s) => !s.deleted)) {
      const value = JSON.parse(existing.siblings.find((s) => !s.deleted)!.value.toString('utf8')) as SeriesValue;
      if (value.key !== key) throw new Error(`storage-riak: series ${key} and ${value.key} share the id ${id} (a sha1 prefix collision); the points were not stored`);
    } else {
      await this.storeNames(series);
      const tags = Object.keys(series.tags).map((k) => tagTerm(k, series.tags[k]!));
      const value: SeriesValue = { key, metric: series.metric, tags: series.tags };
      await this.http.store(this.seriesBucket, id, JSON.stringify(value), { contentType: 'application/json', indexes: { series_bin: [seriesTerm(series)], tag_bin: tags } });
    }
    this.stored.set(key, id);
    this.infos.set(id, { id, metric: series.metric, tags: series.tags });
    return id;
  }

  private async storeNames(series: SeriesKey): Promise<void> {
    const keys = [NAME_PREFIX.metrics + series.metric];
    for (const [k, v] of Object.entries(series.tags)) keys.push(NAME_PREFIX.tagk + k, NAME_PREFIX.tagv + v);
    await Promise.all(
      keys.map((k) => {
        let stored = this.names.get(k);
        if (!stored) {
          stored = this.http.store(this.namesBucket, k, '', { contentType: 'text/plain' }).then(() => undefined);
          // a failed PUT is tried again by the next series that needs the name
          stored.catch(() => this.names.delete(k));
          this.names.set(k, stored);
        }
        return stored;
      }),
    );
  }

  /** The series of an id (cached; series are immutable), or undefined when unknown. */
  async info(id: string): Promise<SeriesInfo | undefined> {
    const cached = this.infos.get(id);
    if (cached) return cached;
    const object = await this.http.fetch(this.seriesBucket, id);
    const live = object?.siblings.find((s) => !s.deleted);
    if (!live) return undefined;
    const value = JSON.parse(live.value.toString('utf8')) as SeriesValue;
    const info = { id, metric: value.metric, tags: value.tags };
    this.infos.set(id, info);
    return info;
  }

  /**
   * Series matching a selector, sorted by metric and tags. A predicate with few literal
   * values is answered by `tag_bin` (one exact query per value); otherwise the metric's
   * `series_bin` range returns its series with their tags. The predicates' own tests then
   * decide, and explicit tag keys need exactly those keys.
   */
  async select(selector: Partial<SeriesSelector>): Promise<SeriesInfo[]> {
    let candidates: SeriesInfo[];
    const literal = (selector.predicates ?? [])
      .filter((p) => p.literals !== undefined)
      .sort((a, b) => a.literals!.length - b.literals!.length)[0];
    if (literal && literal.literals!.length === 0) return [];
    if (literal && literal.literals!.length <= MAX_LITERAL_QUERIES) {
      const ids = new Set<string>();
      for (const value of literal.literals!) {
        for (const e of await this.http.index(this.seriesBucket, 'tag_bin', { start: tagTerm(literal.key, value) })) ids.add(e.key);
      }
      const infos = await Promise.all([...ids].map((id) => this.info(id)));
      candidates = infos.filter((s): s is SeriesInfo => s !== undefined && (selector.metric === undefined || s.metric === selector.metric));
    } else {
      const range = seriesTermRange(selector.metric);
      const entries = await this.http.index(this.seriesBucket, 'series_bin', { ...range, returnTerms: true });
      candidates = entries.map((e) => {
        const info = seriesOfTerm(e.key, e.term!);
        if (!this.infos.has(info.id)) this.infos.set(info.id, info);
        return info;
      });
    }
    const out = candidates.filter((s) => tagsPassSelector(s.tags, selector.predicates, selector.explicitTagKeys));
    const order = new Map(out.map((s) => [s.id, seriesTerm(s)]));
    return out.sort((a, b) => (order.get(a.id)! < order.get(b.id)! ? -1 : order.get(a.id)! > order.get(b.id)! ? 1 : 0));
  }

  /** Names of a kind starting with `prefix`, sorted (bytewise, as Riak sorts keys), at most `max`. */
  async suggest(prefix: string, max: number): Promise<string[]> {
    const entries = await this.http.index(this.namesBucket, '$key', { start: prefix, end: prefix + '\u{10FFFF}', maxResults: max }, max);
    return entries.map((e) => e.key);
  }

  /** Number of series, from the series bucket's `$bucket` index. */
  async count(): Promise<number> {
    return (await this.http.index(this.seriesBucket, '$bucket', { start: this.seriesBucket, maxResults: 10000 })).length;
  }
}
