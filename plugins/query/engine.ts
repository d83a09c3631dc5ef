/**
 * Runs a parsed query against storage. Series stream from storage one at a time; each is
 * reduced at once (series-pipeline.ts: value selection → downsample → rate) so only its reduced form is
 * kept, then grouped by the values of the group-by tag keys and aggregated per group.
 * Limits (series, data points, buckets, time) are checked as the series arrive, and the
 * work yields to the event loop every time slice (per series, per block of buckets or of
 * aggregated timestamps), so a query that runs long never keeps other clients waiting;
 * its deadline is checked at every yield (lib/opentsdb QueryBudget).
 */
import { isInternalMetric, seriesKeyString, setTag, ValueKind, type DownsampledRead, type NameKind, type TimeSlice, type Aggregator, type Annotation, type Registry, type SeriesData, type SeriesInfo, type SeriesSelector, type StorageEngine, type TagPredicate } from '../../core';
import { ApiError, QueryBudget, type QueryLimits } from '../../lib/opentsdb';
import { knownTsuidOfSeries, nameExists, seriesOfTsuids, splitTsuid, tsuidOfSeries, uidServiceFor } from '../../lib/uid';
import type { QueryHooks } from '../../lib/query';
import { allocColumns, floatText, type DiscreteColumns, type NumericColumns } from './columns';
import { bucketing } from './buckets';
import { aggregateDiscreteGroup, aggregateGroup } from './group-aggregate';
import type { TagFilter } from './filters';
import type { DownsampleOverride, SeriesSource, SubQueryPlan, SubQueryView } from '../../lib/query';
import type { SubQuery, TsQuery } from './model';
import type { ResultSeries } from './serializer';
import { sortPaced } from './paced-sort';
import { pipelineFor, reduceBuckets, reduceSeries } from './series-pipeline';
import { pushdownFor } from './pushdown';
import { fuzzyRowFilter, rowKeyLiterals } from './row-key';
import { assertTsuidHex, assertTsuidShapes } from './tsuid-checks';
import { deleteAnnotationsOf } from './delete-annotations';
import { selectedNameOf } from './selected-tsuid';
import { timedReads, type QueryTrace, type SubQueryTrace } from './query-trace';

export type { QueryLimits };

export interface QueryEngineDeps {
  storage: StorageEngine;
  aggregators: Registry<Aggregator>;
  limits: QueryLimits;
  /** lib/query's `plan` hook: where a sub-query reads (rollups); absent = raw series only */
  plan?: (sub: SubQueryView) => Promise<SubQueryPlan | undefined>;
  /** the query plugin's hooks (lib/query): histogram sub-queries, per-series filtering */
  queryHooks?: QueryHooks;
}

interface Member {
  info: SeriesInfo;
  order: string;
  numeric?: NumericColumns;
  discrete?: DiscreteColumns;
}

interface Group {
  key: string;
  members: Member[];
  /** the TSUIDs (upper case) of series in the group with annotations but no points in the rows read (attachNotedSeries) */
  noted?: string[];
}

/**
 * OpenTSDB's order of series: by row key, i.e. by the (tag key, tag value) UID pairs in
 * tag-key order. DSDB has no UIDs and orders by name, which is the same order when the
 * names were assigned their UIDs in name order (see docs/opentsdb-compat.md). The order
 * matters to first, last and diff across series and to the order of the answer.
 */
export function rowKeyOrder(tags: Record<string, string>): string {
  let order = rowKeyOrders.get(tags);
  if (order === undefined) {
    order = Object.keys(tags)
      .sort()
      .map((k) => `${k}\u0000${tags[k]}`)
      .join('\u0000');
    rowKeyOrders.set(tags, order);
  }
  return order;
}

/** rowKeyOrder by tags object: engines hand out one tags object per series for its life, so a query need not rebuild it */
const rowKeyOrders = new WeakMap<Record<string, string>, string>();


/** OpenTSDB's NoSuchUniqueName, answered from the engine's names. */
export async function assertName(storage: StorageEngine, kind: 'metrics' | 'tagk' | 'tagv', name: string): Promise<void> {
  // DSDB's internal series (core/internal-series.ts) are no names a user can query
  if (!(kind === 'metrics' && isInternalMetric(name)) && (await nameExists(storage, kind, name))) return;
  const message = `No such name for '${kind}': '${name}'`;
  throw new ApiError(400, message, message);
}

/**
 * The series a sub-query selects, as OpenTSDB 2.4.1's TsdbQuery.findGroupBys and its scanner
 * decide (proven against the real server, test/oracle): every tag key that has a filter must
 * be present in the series (so not_literal_or leaves out series without the key); the
 * row-key values of each key come from row-key.ts; the filters whose values did not go into
 * the row key are checked one by one (all must match). With `explicitTags` the scan's fuzzy
 * filter drops more (row-key.ts `fuzzyRowFilter`, applied to the series read).
 */
export function selectorOf(sub: Pick<SubQuery, 'metric' | 'filters' | 'explicitTags'>): SeriesSelector {
  const explicitTagKeys = sub.explicitTags && sub.filters.length > 0 ? [...new Set(sub.filters.map((f) => f.tagk))] : undefined;
  const { rowKey, postScan } = rowKeyLiterals(sub.filters);
  const predicates: TagPredicate[] = [];
  for (const [key, set] of rowKey) {
    const post = [...postScan].filter((f) => f.tagk === key);
    predicates.push({
      key,
      ...(set ? { literals: [...set] } : {}),
      test: (v) => v !== undefined && (set === null || set.has(v)) && post.every((f) => f.test(v)),
    });
  }
  return { metric: sub.metric!, predicates, ...(explicitTagKeys ? { explicitTagKeys } : {}) };
}

/** OpenTSDB resolves the values of case-sensitive literal_or filters to UIDs first: an unknown one is a 400. */
async function assertLiterals(storage: StorageEngine, filters: readonly TagFilter[]): Promise<void> {
  for (const f of filters) {
    if (f.type !== 'literal_or') continue;
    for (const value of f.literals ?? []) {
      if (!(await nameExists(storage, 'tagv', value))) {
        const message = `No such name for 'tagv': '${value}'`;
        throw new ApiError(400, message, message);
      }
    }
  }
}

/** The TSUIDs of a group's series: OpenTSDB's form where their names have UIDs (lib/uid). */
/** The group's TSUIDs; yields to the event loop every time slice (100k series take ~150 ms). */
async function tsuidsOf(storage: StorageEngine, infos: readonly SeriesInfo[], slice: TimeSlice): Promise<string[]> {
  const out: string[] = [];
  for (let i = 0; i < infos.length; i++) {
    // from memory without a promise when it can be (every series after its first write)
    out.push(knownTsuidOfSeries(storage, infos[i]!) ?? (await tsuidOfSeries(storage, infos[i]!)));
    if ((i & 1023) === 1023 && slice.due()) await slice.pause();
  }
  return out;
}

function exactSelector(info: SeriesInfo): SeriesSelector {
  const predicates: TagPredicate[] = Object.entries(info.tags).map(([key, value]) => ({ key, literals: [value], test: (v) => v === value }));
  return { metric: info.metric, predicates, explicitTagKeys: Object.keys(info.tags) };
}

/**
 * The filters of a TSUID sub-query, as OpenTSDB 2.4.1 runs them: TsdbQuery.configureFromQuery
 * returns before findGroupBys for TSUIDs, so no filter groups and none goes into a row key;
 * each runs on the series' names after the scan (TagVFilter.match: a literal_or on a key
 * the series lacks fails, a not_literal_or passes), except a wildcard `*`, which never runs
 * after a scan (TagVWildcardFilter's post_scan is false). Undefined when nothing is left to run.
 */
export function tsuidFilterOf(filters: readonly TagFilter[]): ((tags: Readonly<Record<string, string>>) => boolean) | undefined {
  const run = filters.filter((f) => !isMatchAll(f));
  if (run.length === 0) return undefined;
  return (tags) => run.every((f) => f.test(tags[f.tagk]));
}

/** A wildcard (or iwildcard) filter of `*` alone: OpenTSDB's match-all, never run after a scan. */
function isMatchAll(f: TagFilter): boolean {
  return (f.type === 'wildcard' || f.type === 'iwildcard') && f.filter.trim() === '*';
}

/** The series of the sub-query's TSUIDs its filters keep (tsuidFilterOf). */
async function seriesOfTsuidSubQuery(sub: SubQuery, storage: StorageEngine, pause: () => Promise<void> | undefined): Promise<SeriesInfo[]> {
  // OpenTSDB TSUIDs (resolved through the engine's UIDs) and DSDB's own series ids
  const infos = await seriesOfTsuids(storage, sub.tsuids!, pause);
  const keep = tsuidFilterOf(sub.filters);
  return keep ? infos.filter((info) => keep(info.tags)) : infos;
}

async function* seriesOf(sub: SubQuery, storage: StorageEngine, range: { start: number; end: number }, budget: QueryBudget): AsyncIterable<SeriesData> {
  if (sub.metric) {
    yield* storage.read(selectorOf(sub), range);
    return;
  }
  const infos = await seriesOfTsuidSubQuery(sub, storage, () => (budget.due() ? budget.pause() : undefined));
  for (const info of infos) {
    for await (const data of storage.read(exactSelector(info), range)) if (data.series.id === info.id) yield data;
  }
}

/** What a sub-query's "scanner" read, for showSummary's `scannerId`: the engine, the source, the metric or TSUIDs, the range (epoch ms). */
function scannerId(engine: string, source: string, sub: SubQuery, scan: { start: number; end: number }): string {
  const what = sub.metric !== undefined ? `metric=${sub.metric}` : `tsuids=${(sub.tsuids ?? []).join(',')}`;
  return `${engine}.read(${what}, source=${source}, start=${scan.start}, end=${scan.end})`;
}

function numericToDiscrete(c: NumericColumns): DiscreteColumns {
  const texts: string[] = new Array(c.length);
  const kinds = new Uint8Array(c.length);
  for (let i = 0; i < c.length; i++) {
    const isInt = c.isInt[i] === 1;
    texts[i] = isInt ? c.ints[i]!.toString() : floatText(c.values[i]!);
    kinds[i] = isInt ? ValueKind.Int : ValueKind.Float;
  }
  return { length: c.length, timestamps: c.timestamps, texts, kinds };
}

/** The plain view of a sub-query the `plan` hook sees. */
function viewOf(sub: SubQuery, query: TsQuery): SubQueryView {
  const ds = sub.downsample;
  return {
    metric: sub.metric!,
    aggregator: sub.aggregator.name,
    ...(ds ? { downsample: { intervalMs: ds.intervalMs, aggregator: ds.aggregator.name, calendar: ds.calendar, all: ds.all } } : {}),
    rate: sub.rate,
    ...(sub.rollupUsage !== undefined ? { rollupUsage: sub.rollupUsage } : {}),
    filters: sub.filters.map((f) => ({ tagk: f.tagk, type: f.type, ...(f.literals ? { literals: f.literals } : {}) })),
    start: query.start,
    end: query.end,
  };
}

/** The sub-query with a source's downsampling in place of its own (OpenTSDB's rollup rewrites). */
function withDownsample(sub: SubQuery, o: DownsampleOverride | undefined, aggregators: Registry<Aggregator>): SubQuery {
  if (!o || !sub.downsample) return sub;
  const spec = { ...sub.downsample };
  if (o.intervalMs !== undefined && o.intervalMs !== spec.intervalMs) {
    spec.intervalMs = o.intervalMs;
    spec.count = o.intervalMs / 1000;
    spec.unit = 's';
  }
  if (o.aggregator !== undefined) {
    const aggregator = aggregators.get(o.aggregator);
    if (!aggregator) throw new ApiError(400, `No such downsampling function: ${o.aggregator}`);
    spec.aggregator = aggregator;
  }
  return { ...sub, downsample: spec };
}

/** Reads one source's series, each reduced at once, into groups; `seen`: whether any series had points (OpenTSDB's NO_RESULT). */
async function collectGroups(
  series: AsyncIterable<SeriesData | DownsampledRead>,
  sub: SubQuery,
  query: TsQuery,
  deps: QueryEngineDeps,
  budget: QueryBudget,
  scan: { start: number; end: number },
  scanned?: (tags: Readonly<Record<string, string>>) => boolean,
  spanEnd = Infinity,
  trace?: SubQueryTrace,
): Promise<{ groups: Map<string, Group>; seen: boolean; leftOut: SeriesInfo[] }> {
  const groupKeys = groupByKeys(sub);
  const pipeline = pipelineFor(sub, query, budget, deps.aggregators, scan);
  const groups = new Map<string, Group>();
  const leftOut: SeriesInfo[] = [];
  let seen = false;
  const seriesHook = deps.queryHooks?.series;
  const filterSeries = seriesHook && seriesHook.isUsed() ? (d: SeriesData) => seriesHook.call(d) : undefined;
  const started = trace ? performance.now() : 0;
  const storageBefore = trace ? trace.storageTime : 0;
  for await (const read of trace ? timedReads(series, trace) : series) {
    const buckets = read.points === undefined ? read.buckets : undefined;
    if (trace) {
      trace.rowsPreFilter++;
      trace.dpsPreFilter += buckets ? buckets.points : read.points!.length;
    }
    if (scanned && !scanned(read.series.tags)) continue; // a row OpenTSDB's scan never reads
    budget.addSeries(buckets ? buckets.points : read.points!.length);
    if (budget.due()) await budget.pause();
    const data = buckets || !filterSeries ? read : filterSeries(read as SeriesData);
    if (buckets ? buckets.points === 0 : data.points!.length === 0) continue; // no span without points (or an annotation: attachNotedSeries)
    seen = true;
    const tags = data.series.tags;
    if (groupKeys.some((k) => tags[k] === undefined)) continue;
    if (trace) {
      trace.rowsPostFilter++;
      trace.dpsPostFilter += buckets ? buckets.points : data.points!.length;
    }
    const order = rowKeyOrder(tags);
    const key = groupKeyOf(sub, groupKeys, data.series, order);
    let group = groups.get(key);
    if (!group) groups.set(key, (group = { key, members: [] }));
    // SpanGroup.add: the group exists, but a span whose first point lies past the scan's end
    // is left out of it (neither reduced nor counted: OpenTSDB never aggregates it)
    if (!buckets && data.points!.timestamps[0]! > spanEnd) {
      leftOut.push(data.series);
      continue;
    }
    const reduced = buckets ? reduceBuckets(buckets, sub, pipeline) : await reduceSeries(data as SeriesData, sub, pipeline);
    const numeric = reduced.discrete ? undefined : reduced.columns;
    const discrete = reduced.discrete ? reduced.columns : undefined;
    budget.addProduced(numeric ? numeric.length : discrete!.length);
    group.members.push({ info: data.series, order, numeric, discrete });
  }
  if (trace) {
    trace.successfulScan++;
    trace.saltScannerMergeTime += performance.now() - started - (trace.storageTime - storageBefore);
  }
  return { groups, seen, leftOut };
}

/** The tag keys a sub-query groups by, sorted. */
function groupByKeys(sub: SubQuery): string[] {
  // a TSUID sub-query never groups: its series make one group (tsuidFilterOf)
  if (!sub.metric) return [];
  return [...new Set(sub.filters.filter((f) => f.groupBy).map((f) => f.tagk))].sort();
}

/** The group a series joins: its own with `none` (one SpanGroup a span), else its values of the group-by keys. */
function groupKeyOf(sub: SubQuery, groupKeys: readonly string[], info: SeriesInfo, order: string): string {
  return sub.aggregator.passThrough ? `${order}\u0000\u0000${info.id}` : groupKeys.map((k) => info.tags[k]).join('\u0000');
}

/**
 * Series with annotations but no points in the rows read: OpenTSDB's scan finds their rows
 * all the same (an annotation is a cell of its hour's row), so each is a Span without
 * points (SaltScanner.mergeDataPoints). Its group is made from its tags like any other;
 * SpanGroup.add keeps its annotations up to `spanEnd` but not its tags, so a group of such
 * series alone answers `metric ""` with the annotations (Grafana's annotation panels read
 * them from there). Found from the annotations in the rows' range (one storage call; its
 * answer also serves attachAnnotations): those under an OpenTSDB TSUID of this metric
 * (its UID prefix: no other is resolved), named by the TSUID's UIDs, selected by the
 * sub-query and not read with points (`read`, members or left out). An annotation under
 * an engine id makes no group here. Done whether the answer shows annotations or not:
 * OpenTSDB's groups do not depend on `noAnnotations`.
 */
async function attachNotedSeries(
  storage: StorageEngine,
  sub: SubQuery,
  groups: Map<string, Group>,
  leftOut: readonly SeriesInfo[],
  scan: { start: number; end: number },
  scanned: ((tags: Readonly<Record<string, string>>) => boolean) | undefined,
  slice: TimeSlice,
): Promise<Annotation[]> {
  const notes = await storage.annotations(scan);
  const tsuids = new Set<string>();
  for (const a of notes) if (a.tsuid !== undefined) tsuids.add(a.tsuid.toUpperCase());
  if (tsuids.size === 0) return notes;
  const uids = uidServiceFor(storage);
  const metricUid = await uids.getId('metric', sub.metric!);
  if (metricUid === undefined) return notes;
  const candidates = [...tsuids].filter((t) => splitTsuid(t)?.metric === metricUid);
  if (candidates.length === 0) return notes;
  const read = new Set<string>();
  let n = 0;
  for (const group of groups.values()) {
    for (const m of group.members) {
      read.add(seriesKeyString(m.info.metric, m.info.tags));
      if ((++n & 1023) === 0 && slice.due()) await slice.pause();
    }
  }
  for (const info of leftOut) read.add(seriesKeyString(info.metric, info.tags));
  const selector = selectorOf(sub);
  const groupKeys = groupByKeys(sub);
  for (const tsuid of candidates) {
    if (slice.due()) await slice.pause();
    const name = await selectedNameOf(uids, metricUid, selector, tsuid);
    if (!name) continue;
    if ((scanned && !scanned(name.tags)) || groupKeys.some((k) => name.tags[k] === undefined)) continue;
    const seriesKey = seriesKeyString(name.metric, name.tags);
    if (read.has(seriesKey)) continue;
    read.add(seriesKey);
    const key = groupKeyOf(sub, groupKeys, { ...name, id: tsuid }, rowKeyOrder(name.tags));
    let group = groups.get(key);
    if (!group) groups.set(key, (group = { key, members: [] }));
    (group.noted ??= []).push(tsuid);
  }
  return notes;
}

const RAW: SeriesSource = { kind: 'raw' };

async function runSubQuery(original: SubQuery, query: TsQuery, deps: QueryEngineDeps, budget: QueryBudget, cut = true, trace?: SubQueryTrace): Promise<ResultSeries[]> {
  const scanStarted = trace ? performance.now() : 0;
  const clip = cut ? clipNumeric : (c: NumericColumns, _s: number, _e: number) => c;
  const clipDiscrete = cut ? clipDiscreteColumns : (c: DiscreteColumns, _s: number, _e: number) => c;
  const { storage } = deps;
  const plan = original.metric && deps.plan ? await deps.plan(viewOf(original, query)) : undefined;
  if (original.metric) {
    if (!plan?.metricKnown) await assertName(storage, 'metrics', original.metric);
    // as OpenTSDB resolves each filter: a literal_or's values, then its tag key
    for (const f of original.filters) {
      await assertLiterals(storage, [f]);
      await assertName(storage, 'tagk', f.tagk);
    }
  }
  if ((original.percentiles?.length ?? 0) > 0 || original.showHistogramBuckets) return runHistogramSubQuery(original, query, deps, budget, cut, trace);
  const range = { start: query.start, end: query.end };
  // OpenTSDB's rollup fallback: the next source only when this one found no series at all
  const sources = plan && plan.sources.length > 0 ? plan.sources : [RAW];
  let sub = original;
  let groups = new Map<string, Group>();
  let scanNotes: Annotation[] | undefined;
  let notedEnd = Infinity;
  let echo = original;
  for (const source of sources) {
    echo = source.kind === 'custom' && source.rollupTable ? { ...original, rollupTable: source.rollupTable } : original;
    sub = withDownsample(original, source.downsample, deps.aggregators);
    const scan = (source.kind === 'custom' ? source.scan : undefined) ?? scanRange(query, sub);
    // the downsampling done by the storage engine where it can (pushdown.ts)
    const pushdown = source.kind === 'custom' ? undefined : pushdownFor(sub, storage, scan, query, deps.queryHooks?.series.isUsed() ?? false);
    const series: AsyncIterable<SeriesData | DownsampledRead> =
      source.kind === 'custom' ? source.read(selectorOf(sub), scan) : pushdown ? storage.readDownsampled!(selectorOf(sub), pushdown.range, pushdown.request) : seriesOf(sub, storage, scan, budget);
    const scanned = sub.metric ? await fuzzyRowFilter(storage, sub.explicitTags && sub.filters.length > 0, rowKeyLiterals(sub.filters).rowKey) : undefined;
    // a source with a scan of its own (rollup rows) has its own end: the rule is left out there
    const spanEnd = source.kind === 'custom' && source.scan ? undefined : spanGroupEnd(query, sub);
    if (trace) trace.scannerId = scannerId(storage.name, source.kind === 'custom' ? source.rollupTable ?? 'custom' : pushdown ? 'downsampled' : 'raw', sub, scan);
    const found = await collectGroups(series, sub, query, deps, budget, scan, scanned, spanEnd, trace);
    groups = found.groups;
    // the annotations of the rows read: they also serve attachAnnotations (the answer's range lies within)
    scanNotes = sub.metric && source.kind !== 'custom' ? await attachNotedSeries(storage, sub, groups, found.leftOut, scan, scanned, budget) : undefined;
    notedEnd = spanEnd ?? Infinity;
    if (found.seen) break;
  }

  if (trace) {
    trace.queryScanTime += performance.now() - scanStarted;
    trace.grouped = sub.aggregator.name !== 'none';
  }
  const results: ResultSeries[] = [];
  const annotationKeys: Set<string>[] = [];
  const notedKeys: (readonly string[] | undefined)[] = [];
  let groupByStarted = trace ? performance.now() : 0;
  const keys = await sortPaced([...groups.keys()], compareText, budget);
  if (trace) trace.groupByTime += performance.now() - groupByStarted;
  for (const key of keys) {
    if (budget.due()) await budget.pause();
    const group = groups.get(key)!;
    if (group.members.length === 0) {
      const empty = emptySpanGroup(echo);
      if (trace) empty.figures = { uidToStringTime: 0, aggregationTime: 0, serializationTime: 0, emittedDPs: 0 };
      results.push(empty);
      // SpanGroup.getAnnotations: those of its series without points, if any
      if (!query.noAnnotations) {
        annotationKeys.push(new Set());
        notedKeys.push(group.noted);
      }
      continue;
    }
    if (trace) groupByStarted = performance.now();
    const members = await sortPaced(group.members, byRowKey, budget);
    if (trace) trace.groupByTime += performance.now() - groupByStarted;
    // one pass, looking at the budget every 4096 members (five maps and filters over 100k
    // members held the event loop ~25 ms in one piece)
    const infos: SeriesInfo[] = [];
    const numerics: NumericColumns[] = [];
    const discretes: DiscreteColumns[] = [];
    for (let i = 0; i < members.length; i++) {
      const m = members[i]!;
      infos.push(m.info);
      if (m.numeric) numerics.push(m.numeric);
      if (m.discrete) discretes.push(m.discrete);
      if ((i & 4095) === 4095 && budget.due()) await budget.pause();
    }
    const namesStarted = trace ? performance.now() : 0;
    const { tags, aggregateTags } = await computeTags(infos, budget);
    const result: ResultSeries = {
      metric: infos[0]!.metric,
      tags,
      aggregateTags,
      tsuids: await tsuidsOf(storage, infos, budget),
      query: echo,
      annotations: [],
      globalAnnotations: [],
    };
    const aggregationStarted = trace ? performance.now() : 0;
    if (discretes.length > 0) {
      const all = members.map((m) => m.discrete ?? numericToDiscrete(m.numeric!));
      result.discrete = clipDiscrete(aggregateDiscreteGroup(all, sub.aggregator), query.start, query.end);
    } else if (query.exact && sub.aggregator.passThrough && numerics.length === 1 && !sub.rate && !sub.downsample) {
      result.numeric = clip(numerics[0]!, query.start, query.end); // the series' own points, each of its stored kind
    } else {
      result.numeric = clip(await aggregateGroup(numerics, sub.aggregator, sub.rate, budget), query.start, query.end);
    }
    if (trace) result.figures = { uidToStringTime: aggregationStarted - namesStarted, aggregationTime: performance.now() - aggregationStarted, serializationTime: 0, emittedDPs: 0 };
    // annotations kept under either form of the series' TSUID
    if (!query.noAnnotations) {
      annotationKeys.push(await annotationKeysOf(result.tsuids, infos, budget));
      notedKeys.push(group.noted);
    }
    results.push(result);
  }
  if (!query.noAnnotations && results.length > 0) await attachAnnotations(storage, range, results, annotationKeys, budget, scanNotes && { notes: scanNotes, noted: notedKeys, notedEnd });
  return results;
}

/**
 * A group whose every series was left out (SpanGroup.add; see spanGroupEnd): OpenTSDB still
 * answers it, from a SpanGroup without spans — metric "", no tags, no points.
 */
function emptySpanGroup(echo: SubQuery): ResultSeries {
  return { metric: '', tags: {}, aggregateTags: [], tsuids: [], query: echo, annotations: [], globalAnnotations: [], numeric: allocColumns(0) };
}

/** A group's TSUIDs, then its engine ids, as one set; yields every time slice (a group may hold 100k series). */
async function annotationKeysOf(tsuids: readonly string[], infos: readonly SeriesInfo[], slice: TimeSlice): Promise<Set<string>> {
  const keys = new Set<string>();
  for (let i = 0; i < tsuids.length; i++) {
    keys.add(tsuids[i]!);
    if ((i & 4095) === 4095 && slice.due()) await slice.pause();
  }
  for (let i = 0; i < infos.length; i++) {
    keys.add(infos[i]!.id);
    if ((i & 4095) === 4095 && slice.due()) await slice.pause();
  }
  return keys;
}

/**
 * Each result's annotations (those of its series, by either form of their TSUIDs), from
 * one storage call for the whole sub-query; each keeps the storage's order (by start time).
 */
async function attachAnnotations(storage: StorageEngine, range: { start: number; end: number }, results: ResultSeries[], keys: Set<string>[], slice: TimeSlice, scan?: ScanNotes): Promise<void> {
  if (scan !== undefined) return attachScanNotes(range, results, keys, slice, scan);
  const all = new Set<string>();
  let n = 0;
  for (const set of keys) {
    for (const k of set) {
      all.add(k);
      if ((++n & 4095) === 0 && slice.due()) await slice.pause();
    }
  }
  const found = await storage.annotations(range, [...all]);
  if (found.length === 0) return;
  for (let i = 0; i < results.length; i++) results[i]!.annotations = found.filter((a) => a.tsuid !== undefined && keys[i]!.has(a.tsuid));
}

/** The annotations of the rows a sub-query read (attachNotedSeries), and per result the keys of its series without points. */
interface ScanNotes {
  notes: readonly Annotation[];
  noted: (readonly string[] | undefined)[];
  /** SpanGroup.add keeps a pointless span's annotations up to here (spanGroupEnd) */
  notedEnd: number;
}

/**
 * Each result's annotations from the rows' annotations, as OpenTSDB's SpanGroup holds them:
 * every annotation of a member's rows, and of a series without points those up to
 * `notedEnd`; the serializer shows the ones in the query's range, and `"annotations":[]`
 * when the group holds some but none there (HttpJsonSerializer writes any non-null list).
 * In the storage's order (by start time).
 */
async function attachScanNotes(range: { start: number; end: number }, results: ResultSeries[], keys: Set<string>[], slice: TimeSlice, scan: ScanNotes): Promise<void> {
  const { notes, noted, notedEnd } = scan;
  // by TSUID in upper case: OpenTSDB finds an annotation under any spelling of its TSUID's hex
  const byKey = new Map<string, number[]>();
  for (let i = 0; i < notes.length; i++) {
    const tsuid = notes[i]!.tsuid;
    if (tsuid === undefined) continue;
    const upper = tsuid.toUpperCase();
    let list = byKey.get(upper);
    if (!list) byKey.set(upper, (list = []));
    list.push(i);
  }
  if (byKey.size === 0) return;
  let n = 0;
  for (let r = 0; r < results.length; r++) {
    let held = false;
    const shown = new Set<number>();
    for (const k of keys[r]!) {
      if ((++n & 4095) === 0 && slice.due()) await slice.pause();
      const list = byKey.get(k.toUpperCase());
      if (list === undefined) continue;
      held = true;
      for (const i of list) if (notes[i]!.startTime >= range.start && notes[i]!.startTime <= range.end) shown.add(i);
    }
    for (const k of noted[r] ?? []) {
      for (const i of byKey.get(k.toUpperCase()) ?? []) {
        const t = notes[i]!.startTime;
        if (t > notedEnd) continue;
        held = true;
        if (t >= range.start && t <= range.end) shown.add(i);
      }
    }
    if (!held) continue;
    results[r]!.annotations = [...shown].sort((a, b) => a - b).map((i) => notes[i]!);
    results[r]!.annotationsAlways = true;
  }
}

/**
 * A histogram sub-query (percentiles, showHistogramBuckets: TsdbQuery.runHistogramAsync):
 * the series are selected, read and grouped here as for any sub-query; the histogram
 * plugin (the `histograms` hook) reduces each group to its percentile and bucket series.
 */
async function runHistogramSubQuery(sub: SubQuery, query: TsQuery, deps: QueryEngineDeps, budget: QueryBudget, cut: boolean, trace?: SubQueryTrace): Promise<ResultSeries[]> {
  const hook = deps.queryHooks?.histograms;
  if (!hook || !hook.isUsed()) throw new ApiError(400, 'Histogram queries need the histogram plugin', 'Load the "histogram" plugin with its codecs (docs/configuration.md)');
  const scan = scanRange(query, sub);
  const groupKeys = groupByKeys(sub);
  // as for any sub-query: the explicitTags scan's fuzzy row filter; which series are spans of
  // their group (HistogramSpanGroup.add: by their first histogram point) is the plugin's
  // to say, as only it tells histogram points from others (`spanEnd`, HistogramSeries.members)
  const scanned = sub.metric ? await fuzzyRowFilter(deps.storage, sub.explicitTags && sub.filters.length > 0, rowKeyLiterals(sub.filters).rowKey) : undefined;
  const groups = new Map<string, { data: SeriesData; order: string }[]>();
  const scanStarted = trace ? performance.now() : 0;
  if (trace) trace.scannerId = scannerId(deps.storage.name, 'histogram', sub, scan);
  const reads = seriesOf(sub, deps.storage, scan, budget);
  for await (const data of trace ? timedReads(reads, trace) : reads) {
    if (trace) {
      trace.rowsPreFilter++;
      trace.dpsPreFilter += data.points.length;
    }
    if (scanned && !scanned(data.series.tags)) continue;
    budget.addSeries(data.points.length);
    if (budget.due()) await budget.pause();
    if (data.points.length === 0) continue;
    const tags = data.series.tags;
    if (groupKeys.some((k) => tags[k] === undefined)) continue;
    if (trace) {
      trace.rowsPostFilter++;
      trace.dpsPostFilter += data.points.length;
    }
    const order = rowKeyOrder(tags);
    const key = groupKeyOf(sub, groupKeys, data.series, order);
    let members = groups.get(key);
    if (!members) groups.set(key, (members = []));
    members.push({ data, order });
  }
  const groupByStarted = trace ? performance.now() : 0;
  if (trace) {
    trace.successfulScan++;
    trace.queryScanTime += groupByStarted - scanStarted;
    trace.saltScannerMergeTime += groupByStarted - scanStarted - trace.storageTime;
  }
  const keys = await sortPaced([...groups.keys()], compareText, budget);
  const ordered = [];
  for (const key of keys) ordered.push((await sortPaced(groups.get(key)!, (a, b) => compareText(a.order, b.order), budget)).map((m) => m.data));
  const aggregationStarted = trace ? performance.now() : 0;
  if (trace) trace.groupByTime += aggregationStarted - groupByStarted;
  const ds = sub.downsample;
  const answer = await hook.promise({
    groups: ordered.map((members) => ({ members })),
    percentiles: sub.percentiles ?? [],
    showBuckets: sub.showHistogramBuckets ?? false,
    ...(ds ? { downsample: { all: ds.all, floor: ds.all ? (ts: number) => ts : bucketing(ds, query.timezone).floor } } : {}),
    start: query.start,
    end: query.end,
    spanEnd: spanGroupEnd(query, sub),
    slice: budget,
  });
  if (!answer) throw new ApiError(400, 'Histogram queries need the histogram plugin', 'Load the "histogram" plugin with its codecs (docs/configuration.md)');
  // the plugin reduces every group in one call: each output series shows that call's time
  const aggregationTime = trace ? performance.now() - aggregationStarted : 0;
  const results: ResultSeries[] = [];
  const range = { start: query.start, end: query.end };
  for (const s of answer) {
    if (budget.due()) await budget.pause();
    // the group's spans only: its series without histograms, or left out, lend it no tags
    const group = ordered[s.group]!;
    const infos = s.members ? s.members.map((i) => group[i]!.series) : group.map((d) => d.series);
    const namesStarted = trace ? performance.now() : 0;
    const { tags, aggregateTags } = await computeTags(infos, budget);
    const columns = allocColumns(s.timestamps.length);
    columns.length = s.timestamps.length;
    for (let i = 0; i < s.timestamps.length; i++) {
      columns.timestamps[i] = s.timestamps[i]!;
      columns.values[i] = s.values[i]!;
      if (s.integer) {
        columns.ints[i] = BigInt(Math.trunc(s.values[i]!));
        columns.isInt[i] = 1;
      }
    }
    budget.addProduced(columns.length);
    const result: ResultSeries = {
      metric: s.metric,
      tags,
      aggregateTags,
      tsuids: await tsuidsOf(deps.storage, infos, budget),
      query: sub,
      annotations: [],
      globalAnnotations: [],
      numeric: cut ? clipNumeric(columns, query.start, query.end) : columns,
    };
    if (trace) result.figures = { uidToStringTime: performance.now() - namesStarted, aggregationTime, serializationTime: 0, emittedDPs: 0 };
    // annotations kept under either form of the series' TSUID
    if (!query.noAnnotations) result.annotations = await deps.storage.annotations(range, [...new Set([...result.tsuids, ...infos.map((i) => i.id)])]);
    results.push(result);
  }
  return results;
}

const HOUR_S = 3600;

/**
 * The rows OpenTSDB reads for a query (TsdbQuery.getScanStartTimeSeconds and
 * getScanEndTimeSeconds): from the hour holding the start (first aligned down to the
 * downsample interval) to the hour after the end plus one second (after that second's next
 * interval when downsampling). Aggregation, interpolation, rates and downsampling all run over these
 * points; only the answer is cut to [start, end] (HttpJsonSerializer), so a point outside
 * the range still shapes the values inside it, as in OpenTSDB.
 *
 * With `explicitTags` and filters the scan also reads the row AT that end hour: OpenTSDB then
 * scans with a fuzzy row filter (QueryUtil.setDataTableScanFilter; useFuzzyFilter does not
 * turn it off, tsd.query.enable_fuzzy_filter is on by default) whose stop key is the end hour
 * followed by the query's tag keys with every value 0xFFFFFF — past the row of every series
 * it selects, so one more hour is read (an end-hour bucket's `last` can come from after it).
 */
export function scanRange(query: TsQuery, sub: SubQuery): { start: number; end: number } {
  const interval = sub.downsample && !sub.downsample.all ? sub.downsample.intervalMs : 0;
  let start = Math.floor(query.start / 1000);
  if (interval > 0) start -= Math.trunc(((1000 * start) % interval) / 1000);
  start = Math.max(0, start - (start % HOUR_S));
  // getScanEndTimeSeconds turns the end (ms) into seconds and then always adds one: its guard
  // `end - (end * 1000) < 1` is true for every positive end (so an end at hh:59:59 reads the
  // next hour's row too)
  let end = Math.floor(query.end / 1000) + 1;
  if (interval > 0) {
    end += Math.trunc((interval - ((1000 * end) % interval)) / 1000);
    const offset = end % HOUR_S;
    if (offset !== 0) end += HOUR_S - offset;
  } else {
    end += HOUR_S - (end % HOUR_S);
  }
  if (sub.explicitTags && sub.filters.length > 0) end += HOUR_S; // the fuzzy scan's stop key (above)
  return { start: start * 1000, end: end * 1000 - 1 };
}

/**
 * The end (ms) a SpanGroup is given (getScanEndTimeSeconds × 1000): SpanGroup.add leaves out a
 * span whose first point lies after it. Only the extra hour row an explicitTags scan reads
 * (scanRange) holds such points; its series still make their group, which is then answered
 * without them (emptySpanGroup when none is left).
 */
function spanGroupEnd(query: TsQuery, sub: SubQuery): number {
  const scan = scanRange(query, sub);
  return sub.explicitTags && sub.filters.length > 0 ? scan.end + 1 - HOUR_S * 1000 : scan.end + 1;
}

/** The index range [from, to) of sorted timestamps inside [start, end] (the serializer's cut). */
function cutBounds(timestamps: ArrayLike<number>, length: number, start: number, end: number): [number, number] {
  let from = 0;
  while (from < length && timestamps[from]! < start) from++;
  let to = length;
  while (to > from && timestamps[to - 1]! > end) to--;
  return [from, to];
}

/** Points of the answer inside [start, end]. */
function clipNumeric(c: NumericColumns, start: number, end: number): NumericColumns {
  const [from, to] = cutBounds(c.timestamps, c.length, start, end);
  if (from === 0 && to === c.length) return c;
  return {
    length: to - from,
    timestamps: c.timestamps.subarray(from, to),
    values: c.values.subarray(from, to),
    ints: c.ints.subarray(from, to),
    isInt: c.isInt.subarray(from, to),
  };
}

function clipDiscreteColumns(c: DiscreteColumns, start: number, end: number): DiscreteColumns {
  const [from, to] = cutBounds(c.timestamps, c.length, start, end);
  if (from === 0 && to === c.length) return c;
  return { length: to - from, timestamps: c.timestamps.subarray(from, to), texts: c.texts.slice(from, to), kinds: c.kinds.subarray(from, to) };
}

const compareText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
const byRowKey = (a: Member, b: Member): number => compareText(a.order, b.order);

/** SpanGroup.computeTags: pairs shared by every member are tags, keys that differ are aggregated. */
export async function computeTags(infos: readonly SeriesInfo[], slice: TimeSlice): Promise<{ tags: Record<string, string>; aggregateTags: string[] }> {
  const values = new Map<string, Set<string>>();
  for (let i = 0; i < infos.length; i++) {
    const info = infos[i]!;
    // every 256 series: 4096 series' tags overran a slice by ~100 ms on a slow machine
    if ((i & 255) === 255 && slice.due()) await slice.pause();
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
    if (set.size === 1) setTag(tags, k, [...set][0]!);
    else aggregateTags.push(k);
  }
  return { tags, aggregateTags };
}

/**
 * OpenTSDB checks every sub-query's TSUIDs' shape while it configures them all, then parses
 * their UIDs as each scan starts (tsuid-checks.ts): both before any answer. Name checks
 * (No such name) stay in runSubQuery, so a query mixing an unknown metric with a malformed
 * TSUID may name the other of the two errors than OpenTSDB does.
 */
function assertTsuids(query: TsQuery): void {
  assertTsuidShapes(query);
  assertTsuidHex(query);
}

/**
 * The sub-queries' results one list per sub-query, NOT cut to [start, end]: all the points
 * of the rows read, as OpenTSDB's expressions (/api/query/gexp, /api/query/exp) see them.
 */
export async function executeSubQueries(query: TsQuery, deps: QueryEngineDeps, budget = new QueryBudget(deps.limits), trace?: QueryTrace): Promise<ResultSeries[][]> {
  const results: ResultSeries[][] = [];
  assertTsuids(query);
  for (const sub of query.queries) results.push(await runSubQuery(sub, query, deps, budget, false, trace?.sub(sub.index)));
  return results;
}

/** Runs every sub-query within `budget` (by default a new one from deps.limits; a route passes its own, to cancel it and to serialize within it). */
export async function executeQuery(query: TsQuery, deps: QueryEngineDeps, budget = new QueryBudget(deps.limits), trace?: QueryTrace): Promise<ResultSeries[]> {
  const results: ResultSeries[] = [];
  assertTsuids(query);
  for (const sub of query.queries) results.push(...(await runSubQuery(sub, query, deps, budget, true, trace?.sub(sub.index))));
  // QueryRpc: global annotations only when annotations are wanted at all
  if (query.globalAnnotations && !query.noAnnotations) {
    const global: Annotation[] = await deps.storage.annotations({ start: query.start, end: query.end }, 'global');
    for (const r of results) r.globalAnnotations = global;
  }
  if (query.delete) {
    const range = { start: query.start, end: query.end };
    const pause = () => (budget.due() ? budget.pause() : undefined);
    for (const sub of query.queries) {
      // the series' annotations in the range go with their points (delete-annotations.ts)
      if (sub.metric) {
        const selector = selectorOf(sub);
        await deps.storage.deleteRange(selector, range);
        await deleteAnnotationsOf(deps.storage, range, { selector }, pause);
        continue;
      }
      // a tsuids sub-query deletes what it read too: each of its series, by its exact key
      const series = await seriesOfTsuidSubQuery(sub, deps.storage, pause);
      for (const info of series) await deps.storage.deleteRange(exactSelector(info), range);
      await deleteAnnotationsOf(deps.storage, range, { tsuids: sub.tsuids!, series }, pause);
    }
  }
  return results;
}
