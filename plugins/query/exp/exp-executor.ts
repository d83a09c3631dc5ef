/**
 * OpenTSDB 2.4.1's QueryExecutor for /api/query/exp: one /api/query sub-query per metric
 * (the timespan's aggregator unless the metric names one, its downsampler as
 * `interval-aggregator`, its rate, the metric's filter set), an ExpressionIterator per
 * expression over the metrics and (copies of) the expressions it names, then each output
 * written as rows `[ts, v1, v2, …]` with `dpsMeta` and a `meta` entry per column.
 *
 * Errors: before the sub-queries run (validation, an unknown filter) a 500 with the
 * message; once they run (an unknown name, a failed join, an exception while writing) a 400
 * with message and details, as QueryExecutor's ErrorCB answers.
 */
import type { StorageEngine } from '../../../core';
import { ApiError, QueryBudget } from '../../../lib/opentsdb';
import { uidServiceFor } from '../../../lib/uid';
import { executeSubQueries, type QueryEngineDeps } from '../engine';
import { validateQuery, type RawSubQuery } from '../parse-common';
import type { ResultSeries } from '../serializer';
import { formatDouble } from '../serializer';
import { ExpDataPoint, JavaNpe } from './data-point';
import { early, expQueryEcho, type ExpQuery } from './exp-request';
import { javaHashOrder } from './java-hash-order';
import { subQueriesEqual, subQueryEqualityKey } from './sub-query-equals';
import { ExpressionIterator, ExpRuntimeError, TimeSyncedIterator, type ExpInputSeries } from './iterators';

/** A failure once the queries run: OpenTSDB's ErrorCB answers 400 with message and details. */
const late = (message: string): ApiError => new ApiError(400, message, message);

interface MetricSub {
  id: string;
  tagKs: Set<string> | null;
  fill: number;
  series: ExpInputSeries[];
  /** the sub-query as TSSubQuery.equals compares it */
  raw: RawSubQuery;
  /**
   * The series QueryExecutor ends up holding for this id: those of the last sub-query, in run
   * order, that equals this one (set by `distributeResults`).
   */
  received?: ExpInputSeries[];
}

function inputSeries(r: ResultSeries): ExpInputSeries {
  const c = r.numeric;
  const n = c?.length ?? 0;
  const values = new Float64Array(n);
  for (let i = 0; i < n; i++) values[i] = c!.isInt[i] ? Number(c!.ints[i]) : c!.values[i]!;
  return { metric: r.metric, tags: r.tags, aggregateTags: r.aggregateTags, timestamps: c?.timestamps ?? new Float64Array(0), values };
}

/**
 * The UIDs of every tag key, tag value and aggregated tag key of the results (`k\0name`,
 * `v\0name` → hex), for OpenTSDB's join order; undefined when one has none (series written
 * without the uid-meta plugin): the join then orders by name. Per name, cached lookups.
 */
async function tagNameUids(storage: StorageEngine, results: readonly ResultSeries[]): Promise<ReadonlyMap<string, string> | undefined> {
  const service = uidServiceFor(storage);
  const out = new Map<string, string>();
  const need = async (kind: 'tagk' | 'tagv', name: string): Promise<boolean> => {
    const key = `${kind === 'tagk' ? 'k' : 'v'}\u0000${name}`;
    if (out.has(key)) return true;
    const uid = await service.getId(kind, name);
    if (uid === undefined) return false;
    out.set(key, uid);
    return true;
  };
  for (const r of results) {
    for (const [k, v] of Object.entries(r.tags)) if (!(await need('tagk', k)) || !(await need('tagv', v))) return undefined;
    for (const k of r.aggregateTags) if (!(await need('tagk', k))) return undefined;
  }
  return out;
}

/** Runs the request (validated) and returns the answer's JSON text. */
/**
 * Runs an exp query. Its sub-queries run within `budget` (paced and time-bounded like
 * /api/query's); the expression iterators and the serializer then run in one piece,
 * bounded by the data point limit the sub-queries kept to.
 */
export async function executeExp(q: ExpQuery, deps: QueryEngineDeps, now = Date.now(), budget = new QueryBudget(deps.limits)): Promise<string> {
  const time = q.time!;
  const metrics = q.metrics!;
  // sub_queries is a HashMap(metrics.size()): TSQuery runs (and validates) them in its order
  // the constructor: each metric's filter set (in list order), each expression's variables
  for (const m of metrics) if (m.filter && (!q.filters || q.filters.length === 0)) throw early(`No filter defined: ${m.filter}`);
  for (const e of q.expressions ?? []) if (e.variables!.length < 1) throw early("The expression didn't appear to have any variables");
  const order = javaHashOrder(
    metrics.map((m) => m.id!),
    metrics.length,
  ).map((id) => metrics.find((m) => m.id === id)!);
  const raws: RawSubQuery[] = order.map((m) => {
    let filters: RawSubQuery['filters'];
    let explicitTags = false;
    if (m.filter) {
      const set = q.filters!.find((f) => f.id === m.filter);
      if (set) {
        filters = set.tags ?? [];
        explicitTags = set.explicitTags;
      }
    }
    return {
      metric: m.metric,
      aggregator: m.aggregator ?? time.aggregator,
      downsample: time.downsampler ? `${time.downsampler.interval}-${time.downsampler.aggregator}` : undefined,
      rate: time.rate,
      filters,
      explicitTags,
    };
  });
  const expressions = q.expressions ?? [];
  let query;
  try {
    query = validateQuery({ start: time.start, end: time.end || undefined, timezone: time.timezone, queries: raws }, deps.aggregators, now);
  } catch (err) {
    throw early((err as Error).message);
  }
  const results = await executeSubQueries(query, deps, budget);
  const uids = await tagNameUids(deps.storage, results.flat());
  const subs = new Map<string, MetricSub>();
  order.forEach((m, i) => {
    const filters = raws[i]!.filters;
    subs.set(m.id!, {
      id: m.id!,
      tagKs: filters && filters.length > 0 ? new Set(filters.map((f) => f.tagk)) : null,
      fill: m.fillPolicy ? m.fillPolicy.value : 0,
      series: results[i]!.filter((r) => r.numeric || !r.discrete).map((r) => ({ ...inputSeries(r), uids })),
      raw: raws[i]!,
    });
  });
  try {
    const iterators = compileExpressions(q, subs);
    return serialize(q, subs, iterators, query.start, query.end);
  } catch (err) {
    if (err instanceof ExpRuntimeError || err instanceof JavaNpe) throw late(err.message);
    throw err;
  }
}

/**
 * QueriesCB's first loop: for each sub-query in run order, every metric id whose sub-query
 * EQUALS it (TSSubQuery.equals, which ignores `groupBy`) gets its results, for serializing
 * and as an input of each expression that names the id (with the id's own fill policy). So
 * ids whose sub-queries differ only in groupBy all hold the last one's series, and an input
 * can enter an expression's results before an earlier id does.
 */
function distributeResults(subs: Map<string, MetricSub>, iterators: Map<string, ExpressionIterator>): void {
  const ordered = [...subs.values()];
  // the entries that may equal each sub-query (subQueryEqualityKey), in run order: a pass
  // over every entry for each would be quadratic in the metrics
  const sameKey = new Map<string, MetricSub[]>();
  for (const entry of ordered) {
    const key = subQueryEqualityKey(entry.raw);
    const group = sameKey.get(key);
    if (group) group.push(entry);
    else sameKey.set(key, [entry]);
  }
  for (const ran of ordered) {
    for (const entry of sameKey.get(subQueryEqualityKey(ran.raw))!) {
      if (!subQueriesEqual(entry.raw, ran.raw)) continue;
      entry.received = ran.series;
      for (const it of iterators.values()) {
        if (it.spec.variables.includes(entry.id)) it.addResults(entry.id, new TimeSyncedIterator(entry.id, ran.tagKs, ran.series, entry.fill));
      }
    }
  }
}

/** QueriesCB: the metric inputs, the nested-expression graph, then compilation in dependency order. */
function compileExpressions(q: ExpQuery, subs: Map<string, MetricSub>): Map<string, ExpressionIterator> {
  const list = q.expressions ?? [];
  const iterators = new Map<string, ExpressionIterator>();
  for (const e of list) {
    const it = new ExpressionIterator(
      {
        id: e.id!,
        expr: e.expr!,
        tree: e.parsed!,
        variables: e.variables!,
        operator: e.join?.operator ?? 'union',
        useQueryTags: e.join?.useQueryTags ?? false,
        includeAggTags: e.join?.includeAggTags ?? true,
      },
      e.fillPolicy ? e.fillPolicy.value : NaN,
    );
    iterators.set(e.id!, it);
  }
  distributeResults(subs, iterators);
  // the graph of nested expressions, built in the HashMap orders QueryExecutor walks: jgrapht
  // 0.9.1's DirectedAcyclicGraph keeps vertices and each vertex's edges in insertion order
  const exprOrder = javaHashOrder(
    list.map((e) => e.id!),
    list.length,
  );
  const vertices: string[] = [];
  const edges = new Map<string, string[]>();
  const addVertex = (id: string) => {
    if (edges.has(id)) return;
    edges.set(id, []);
    vertices.push(id);
  };
  const reaches = (from: string, to: string, seen = new Set<string>()): boolean => {
    if (from === to) return true;
    if (seen.has(from)) return false;
    seen.add(from);
    return (edges.get(from) ?? []).some((n) => reaches(n, to, seen));
  };
  for (const id of exprOrder) {
    addVertex(id);
    for (const v of javaHashOrder(iterators.get(id)!.spec.variables)) {
      if (!iterators.has(v)) continue;
      if (v === id) throw new ExpRuntimeError(`Self referencing expression found: ${id}`);
      addVertex(v);
      if (reaches(v, id)) throw new ExpRuntimeError(`Circular reference found: ${id}`);
      if (!edges.get(id)!.includes(v)) edges.get(id)!.push(v);
    }
  }
  // compile_stack: TopologicalOrderIterator's order (Kahn's, FIFO: the roots in vertex order,
  // then each vertex as its last dependant leaves), compiled from the end, so an expression
  // compiles after those it uses and, among independent ones, in that order reversed
  for (const id of topologicalOrder(vertices, edges).reverse()) {
    const it = iterators.get(id)!;
    for (const v of javaHashOrder(it.spec.variables)) {
      const source = iterators.get(v);
      if (source) it.addResults(v, source.copy());
    }
    it.compile();
  }
  return iterators;
}

/**
 * jgrapht 0.9.1's TopologicalOrderIterator over a graph whose edges point from an expression to
 * the expressions it uses: the vertices without incoming edges in vertex order, then, FIFO,
 * each vertex whose in-degree its predecessors' outgoing edges (in edge order) bring to zero.
 */
function topologicalOrder(vertices: readonly string[], edges: ReadonlyMap<string, readonly string[]>): string[] {
  const inDegree = new Map<string, number>(vertices.map((v) => [v, 0]));
  for (const targets of edges.values()) for (const t of targets) inDegree.set(t, inDegree.get(t)! + 1);
  const queue = vertices.filter((v) => inDegree.get(v) === 0);
  const order: string[] = [];
  for (let i = 0; i < queue.length; i++) {
    const v = queue[i]!;
    order.push(v);
    for (const t of edges.get(v)!) {
      const d = inDegree.get(t)! - 1;
      inDegree.set(t, d);
      if (d === 0) queue.push(t);
    }
  }
  return order;
}

const LONG_MAX_TEXT = '9223372036854775807';
const ts = (t: number): string => (t >= Number.MAX_SAFE_INTEGER ? LONG_MAX_TEXT : String(t));

function metaJson(dps: readonly ExpDataPoint[]): string {
  const metrics = JSON.stringify([...(dps[0]?.metrics ?? [])].sort());
  const parts = ['{"index":0,"metrics":["timestamp"]}'];
  dps.forEach((dp, i) => {
    // Tags.getTagsAsync gives a HashMap: its order
    const tags = javaHashOrder([...dp.tags.keys()])
      .map((k) => `${JSON.stringify(k)}:${JSON.stringify(dp.tags.get(k))}`)
      .join(',');
    parts.push(`{"index":${i + 1},"metrics":${metrics},"commonTags":{${tags}},"aggregatedTags":${JSON.stringify([...dp.aggTags].sort())}}`);
  });
  return `[${parts.join(',')}]`;
}

function serialize(q: ExpQuery, subs: Map<string, MetricSub>, iterators: Map<string, ExpressionIterator>, start: number, end: number): string {
  const outputs =
    q.outputs && q.outputs.length > 0
      ? q.outputs
      : q.expressions && q.expressions.length > 0
        ? q.expressions.map((e) => ({ id: e.id, alias: undefined }))
        : q.metrics!.map((m) => ({ id: m.id, alias: undefined }));
  const written: string[] = [];
  for (const output of outputs) {
    const head = `{"id":${JSON.stringify(output.id ?? null)}${output.alias !== undefined ? `,"alias":${JSON.stringify(output.alias)}` : ''},"dps":`;
    const it = iterators.get(output.id!);
    if (it) {
      written.push(head + expressionRows(it, start, end));
      continue;
    }
    const sub = subs.get(output.id!);
    // SerializeSubIterator: the id's own filter tag keys over the results it was handed
    if (sub) written.push(head + metricRows(new TimeSyncedIterator(sub.id, sub.tagKs, sub.received ?? sub.series, 0)));
  }
  return `{"outputs":[${written.join(',')}],"query":${expQueryEcho(q)}}`;
}

/** SerializeExpressionIterator: rows in [start, end] only; dpsMeta counts them. */
function expressionRows(it: ExpressionIterator, start: number, end: number): string {
  const dps = it.values();
  const rows: string[] = [];
  let first = -1;
  let last = 0;
  let t = it.nextTimestamp();
  while (it.hasNext()) {
    it.next(t);
    if (dps.length === 0) throw new ExpRuntimeError('Index 0 out of bounds for length 0');
    const timestamp = dps[0]!.timestamp;
    if (timestamp >= start && timestamp <= end) {
      if (first < 0) first = timestamp;
      else last = timestamp;
      rows.push(`[${timestamp},${dps.map((d) => formatDouble(d.value)).join(',')}]`);
    }
    t = it.nextTimestamp();
  }
  const meta = `{"firstTimestamp":${first < 0 ? 0 : first},"lastTimestamp":${last},"setCount":${rows.length},"series":${dps.length}}`;
  return `[${rows.join(',')}],"dpsMeta":${meta}${dps.length > 0 ? `,"meta":${metaJson(dps)}` : ''}}`;
}

/** SerializeSubIterator: a metric's own series, every row (not cut to the range), gaps as 0. */
function metricRows(it: TimeSyncedIterator): string {
  const first = it.nextTimestamp();
  const dps = it.values();
  const rows: string[] = [];
  let last = 0;
  let t = first;
  while (it.hasNext()) {
    it.next(t);
    const cells: string[] = [];
    if (dps.length > 0) {
      if (!dps[0]) throw new JavaNpe('Cannot invoke "net.opentsdb.core.DataPoint.timestamp()" because "dps[0]" is null');
      cells.push(String(dps[0].timestamp));
      last = dps[0].timestamp;
    }
    for (const d of dps) {
      if (!d) throw new JavaNpe('Cannot invoke "net.opentsdb.core.DataPoint.toDouble()" because "dps[i]" is null');
      cells.push(formatDouble(d.value));
    }
    rows.push(`[${cells.join(',')}]`);
    t = it.nextTimestamp();
  }
  const meta = `{"firstTimestamp":${ts(first)},"lastTimestamp":${last},"setCount":${rows.length},"series":${dps.length}}`;
  // a series from a group without spans (engine.ts emptySpanGroup) has no metric UID:
  // MetaSerializer resolves the first series' (dps[0].metricUIDs()), UniqueId.getNameAsync
  // refuses the empty id, and the answer is that 400
  if (it.series.length > 0 && it.series[0]!.metric === '') throw late("Wrong id.length = 0 which is != 3 required for 'metrics'");
  const edps = it.series.map((s) => new ExpDataPoint({ metrics: [s.metric], tags: Object.entries(s.tags), aggTags: s.aggregateTags }));
  return `[${rows.join(',')}],"dpsMeta":${meta}${dps.length > 0 ? `,"meta":${metaJson(edps)}` : ''}}`;
}
