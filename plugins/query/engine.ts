/**
 * Runs a parsed query against storage. Series stream from storage one at a time; each is
 * reduced at once (series-pipeline.ts: value selection → downsample → rate) so only its reduced form is
 * kept, then grouped by the values of the group-by tag keys and aggregated per group.
 * Limits (series, data points, time) are checked as the series arrive.
 */
import { ValueKind, type Aggregator, type Annotation, type Registry, type SeriesData, type SeriesInfo, type SeriesSelector, type StorageEngine, type TagPredicate } from '../../core';
import { ApiError } from '../../lib/opentsdb';
import type { DiscreteColumns, NumericColumns } from './columns';
import { aggregateDiscreteGroup, aggregateGroup } from './group-aggregate';
import type { SubQuery, TsQuery } from './model';
import type { ResultSeries } from './serializer';
import { pipelineFor, reduceSeries } from './series-pipeline';

export interface QueryLimits {
  /** most series one query may read (all sub-queries together); 0 = no limit */
  maxSeries: number;
  /** most data points one query may read or produce; 0 = no limit */
  maxDataPoints: number;
  /** a query running longer is abandoned with 408; 0 = no limit */
  timeoutMs: number;
}

export interface QueryEngineDeps {
  storage: StorageEngine;
  aggregators: Registry<Aggregator>;
  limits: QueryLimits;
}

interface Group {
  key: string;
  infos: SeriesInfo[];
  numeric: NumericColumns[];
  discrete: DiscreteColumns[];
}

class Budget {
  series = 0;
  points = 0;
  produced = 0;
  private readonly deadline: number;
  constructor(private readonly limits: QueryLimits) {
    this.deadline = limits.timeoutMs > 0 ? Date.now() + limits.timeoutMs : Infinity;
  }
  check(): void {
    if (Date.now() > this.deadline) throw new ApiError(408, 'Query timeout exceeded', `The query ran longer than ${this.limits.timeoutMs} ms`);
  }
  addSeries(points: number): void {
    this.series++;
    this.points += points;
    if (this.limits.maxSeries > 0 && this.series > this.limits.maxSeries) {
      throw new ApiError(413, `Sorry, you have attempted to fetch more than our limit of ${this.limits.maxSeries} time series. Please try filtering using more tags or decrease your time range.`);
    }
    if (this.limits.maxDataPoints > 0 && this.points > this.limits.maxDataPoints) {
      throw new ApiError(413, `Sorry, you have attempted to fetch more than our maximum amount of ${this.limits.maxDataPoints} data points. Please try filtering using more tags or decrease your time range.`);
    }
    this.check();
  }
  /** Points a series produced (downsampling with a fill policy can make more than it read). */
  addProduced(points: number): void {
    this.produced += points;
    if (this.limits.maxDataPoints > 0 && this.produced > this.limits.maxDataPoints) {
      throw new ApiError(413, `Sorry, you have attempted to fetch more than our maximum amount of ${this.limits.maxDataPoints} data points. Please try filtering using more tags or decrease your time range.`);
    }
  }
  get maxBuckets(): number {
    return this.limits.maxDataPoints > 0 ? this.limits.maxDataPoints : Number.MAX_SAFE_INTEGER;
  }
}

/** OpenTSDB's NoSuchUniqueName, answered from storage's sorted suggest. */
async function assertName(storage: StorageEngine, kind: 'metrics' | 'tagk', name: string): Promise<void> {
  const [first] = await storage.suggest(kind, name, 1);
  if (first !== name) {
    const message = `No such name for '${kind}': '${name}'`;
    throw new ApiError(400, message, message);
  }
}

export function selectorOf(sub: SubQuery): SeriesSelector {
  const explicitTagKeys = sub.explicitTags ? [...new Set(sub.filters.map((f) => f.tagk))] : undefined;
  return { metric: sub.metric!, predicates: sub.filters, ...(explicitTagKeys ? { explicitTagKeys } : {}) };
}

function exactSelector(info: SeriesInfo): SeriesSelector {
  const predicates: TagPredicate[] = Object.entries(info.tags).map(([key, value]) => ({ key, literals: [value], test: (v) => v === value }));
  return { metric: info.metric, predicates, explicitTagKeys: Object.keys(info.tags) };
}

async function* seriesOf(sub: SubQuery, storage: StorageEngine, range: { start: number; end: number }): AsyncIterable<SeriesData> {
  if (sub.metric) {
    yield* storage.read(selectorOf(sub), range);
    return;
  }
  const wanted = new Set(sub.tsuids!.map((t) => t.toUpperCase()));
  const infos: SeriesInfo[] = [];
  for await (const info of storage.lookup({})) if (wanted.has(info.id.toUpperCase())) infos.push(info);
  for (const info of infos) {
    for await (const data of storage.read(exactSelector(info), range)) if (data.series.id === info.id) yield data;
  }
}

function numericToDiscrete(c: NumericColumns): DiscreteColumns {
  const texts: string[] = new Array(c.length);
  const kinds = new Uint8Array(c.length);
  for (let i = 0; i < c.length; i++) {
    const isInt = c.isInt[i] === 1;
    texts[i] = isInt ? c.ints[i]!.toString() : String(c.values[i]!);
    kinds[i] = isInt ? ValueKind.Int : ValueKind.Float;
  }
  return { length: c.length, timestamps: c.timestamps, texts, kinds };
}

async function runSubQuery(sub: SubQuery, query: TsQuery, deps: QueryEngineDeps, budget: Budget): Promise<ResultSeries[]> {
  const { storage, aggregators } = deps;
  if (sub.metric) {
    await assertName(storage, 'metrics', sub.metric);
    for (const tagk of new Set(sub.filters.map((f) => f.tagk))) await assertName(storage, 'tagk', tagk);
  }
  const range = { start: query.start, end: query.end };
  const groupKeys = [...new Set(sub.filters.filter((f) => f.groupBy).map((f) => f.tagk))].sort();
  const pipeline = pipelineFor(sub, query, budget.maxBuckets, aggregators);
  const groups = new Map<string, Group>();

  for await (const data of seriesOf(sub, storage, range)) {
    budget.addSeries(data.points.length);
    if (data.points.length === 0) continue; // OpenTSDB has no span for a series without points in range
    const tags = data.series.tags;
    if (groupKeys.some((k) => tags[k] === undefined)) continue;
    const reduced = reduceSeries(data, sub, pipeline);
    const numeric = reduced.discrete ? undefined : reduced.columns;
    const discrete = reduced.discrete ? reduced.columns : undefined;
    budget.addProduced(numeric ? numeric.length : discrete!.length);
    const key = sub.aggregator.passThrough ? data.series.id : groupKeys.map((k) => tags[k]).join('\u0000');
    let group = groups.get(key);
    if (!group) groups.set(key, (group = { key, infos: [], numeric: [], discrete: [] }));
    group.infos.push(data.series);
    if (numeric) group.numeric.push(numeric);
    else group.discrete.push(discrete!);
  }

  const results: ResultSeries[] = [];
  const keys = [...groups.keys()].sort();
  for (const key of keys) {
    budget.check();
    const group = groups.get(key)!;
    const { tags, aggregateTags } = computeTags(group.infos);
    const result: ResultSeries = {
      metric: group.infos[0]!.metric,
      tags,
      aggregateTags,
      tsuids: group.infos.map((i) => i.id),
      query: sub,
      annotations: [],
      globalAnnotations: [],
    };
    if (group.discrete.length > 0) {
      const members = [...group.discrete, ...group.numeric.map(numericToDiscrete)];
      result.discrete = aggregateDiscreteGroup(members, sub.aggregator);
    } else if (query.exact && sub.aggregator.passThrough && group.numeric.length === 1 && !sub.rate && !sub.downsample) {
      result.numeric = group.numeric[0]; // the series' own points, each of its stored kind
    } else {
      result.numeric = aggregateGroup(group.numeric, sub.aggregator, sub.rate);
    }
    if (!query.noAnnotations) result.annotations = await storage.annotations(range, result.tsuids);
    results.push(result);
  }
  return results;
}

/** SpanGroup.computeTags: pairs shared by every member are tags, keys that differ are aggregated. */
export function computeTags(infos: readonly SeriesInfo[]): { tags: Record<string, string>; aggregateTags: string[] } {
  const values = new Map<string, Set<string>>();
  for (const info of infos) {
    for (const [k, v] of Object.entries(info.tags)) {
      let set = values.get(k);
      if (!set) values.set(k, (set = new Set()));
      set.add(v);
    }
  }
  const tags: Record<string, string> = {};
  const aggregateTags: string[] = [];
  for (const k of [...values.keys()].sort()) {
    const set = values.get(k)!;
    if (set.size === 1) tags[k] = [...set][0]!;
    else aggregateTags.push(k);
  }
  return { tags, aggregateTags };
}

export async function executeQuery(query: TsQuery, deps: QueryEngineDeps): Promise<ResultSeries[]> {
  const budget = new Budget(deps.limits);
  const results: ResultSeries[] = [];
  for (const sub of query.queries) results.push(...(await runSubQuery(sub, query, deps, budget)));
  if (query.globalAnnotations) {
    const global: Annotation[] = await deps.storage.annotations({ start: query.start, end: query.end }, 'global');
    for (const r of results) r.globalAnnotations = global;
  }
  if (query.delete) {
    for (const sub of query.queries) if (sub.metric) await deps.storage.deleteRange(selectorOf(sub), { start: query.start, end: query.end });
  }
  return results;
}
