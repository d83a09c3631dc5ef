/**
 * Writes /api/query results as OpenTSDB's JSON (HttpJsonSerializer.formatQueryAsyncV1),
 * by hand so that 64-bit integers stay exact: integers as JSON integers, doubles as Java
 * prints them (`10.0`), NaN as `"NaN"` (or `null` with the `null` fill policy), `dps` keyed
 * by epoch seconds (milliseconds with msResolution), or `[[ts, v], …]` with `?arrays`.
 */
import { setTag, ValueKind, type Annotation, type TimeSlice } from '../../core';
import { annotationJson, javaDoubleJson } from '../../lib/opentsdb';
import type { DiscreteColumns, NumericColumns } from './columns';
import type { SubQuery, TsQuery } from './model';
import { statsJson, type QueryTrace, type ResultFigures } from './query-trace';

const JSON_KIND: number = ValueKind.Json;
const STRING: number = ValueKind.String;
const FLOAT: number = ValueKind.Float;

export interface ResultSeries {
  metric: string;
  tags: Record<string, string>;
  aggregateTags: string[];
  tsuids: string[];
  query: SubQuery;
  numeric?: NumericColumns;
  discrete?: DiscreteColumns;
  annotations: Annotation[];
  /** written even when empty (an expression's own series, as OpenTSDB's EDPtoDPS) */
  annotationsAlways?: boolean;
  globalAnnotations: Annotation[];
  /** with a QueryTrace (showStats, showSummary): the series' own figures; the serializer sets its two */
  figures?: ResultFigures;
}

/** The figures of a series the engine did not make (a gexp expression's): the serializer sets its two. */
const NO_FIGURES: ResultFigures = { uidToStringTime: 0, aggregationTime: 0, serializationTime: 0, emittedDPs: 0 };

/** Java's Double.toString as JSON (lib/opentsdb javaDoubleJson). */
export const formatDouble = javaDoubleJson;

/** TSSubQuery as OpenTSDB 2.4 echoes it with showQuery (its rollup fields at their defaults). */
export function queryEcho(q: SubQuery): Record<string, unknown> {
  // TSSubQuery.getTags(): derived from the group-by filters (the last one per key)
  const tags: Record<string, string> = {};
  for (const f of q.filters) if (f.groupBy) setTag(tags, f.tagk, `${f.type}(${f.filter})`);
  return {
    aggregator: q.aggregator.name,
    metric: (q.given ? q.given.metric : q.metric) ?? null,
    tsuids: (q.given ? q.given.tsuids : q.tsuids) ?? null,
    downsample: q.downsample?.text ?? null,
    rate: q.rate,
    filters: q.filters.map((f) => ({ tagk: f.tagk, filter: f.filter, group_by: f.groupBy, type: f.type })),
    percentiles: q.percentiles ?? null,
    index: q.index,
    rateOptions: q.rateOptionsGiven
      ? { counter: q.rateOptions.counter, counterMax: q.rateOptions.counterMax, resetValue: q.rateOptions.resetValue, dropResets: q.rateOptions.dropResets }
      : null,
    // OpenTSDB lists the filters' tag keys as base64 UIDs; DSDB has no UIDs
    filterTagKs: [],
    explicitTags: q.explicitTags,
    useFuzzyFilter: true,
    preAggregate: false,
    rollupUsage: q.rollupUsage ?? null,
    rollupTable: q.rollupTable ?? 'raw',
    showHistogramBuckets: q.showHistogramBuckets ?? false,
    useMultiGets: true,
    tags,
    histogramQuery: (q.percentiles?.length ?? 0) > 0 || (q.showHistogramBuckets ?? false),
    ...(q.jsonPath ? { jsonPath: q.jsonPath } : {}),
  };
}

/** The echo as JSON, counterMax (a 64-bit integer) exact. */
function echoJson(q: SubQuery): string {
  return JSON.stringify(queryEcho(q), (_k, v: unknown) => (typeof v === 'bigint' ? `\u0000big:${v}` : v)).replace(/"\\u0000big:(-?\d+)"/g, '$1');
}

/** Points written between two looks at the time slice; each block is joined into one string then. */
const BLOCK = 4096;

/**
 * The answer's text in blocks: pieces are gathered per block of points and joined into one
 * string per block, so no array ever holds a piece per point of a 5-million-point answer.
 */
class TextBlocks {
  readonly blocks: string[] = [];
  pieces: string[] = [];
  push(piece: string): void {
    this.pieces.push(piece);
  }
  /** Ends a block: when the slice is used up, yields to the event loop (and a QueryBudget checks its deadline). */
  async endBlock(slice: TimeSlice | undefined): Promise<void> {
    this.blocks.push(this.pieces.join(''));
    this.pieces = [];
    if (slice?.due()) await slice.pause();
  }
  text(): string {
    this.blocks.push(this.pieces.join(''));
    this.pieces = [];
    return this.blocks.join('');
  }
}

/** Writes the series' `dps`; returns the points written (OpenTSDB's emittedDPs). */
async function writeDps(out: TextBlocks, s: ResultSeries, query: TsQuery, slice: TimeSlice | undefined): Promise<number> {
  const ms = query.msResolution;
  const arrays = query.arrays;
  const nanAsNull = s.query.downsample?.fill === 'null';
  out.push(arrays ? '"dps":[' : '"dps":{');
  const key = (t: number) => (ms ? String(t) : String(Math.floor(t / 1000)));
  if (s.numeric) {
    const c = s.numeric;
    for (let i = 0; i < c.length; i++) {
      const v = c.isInt[i] === 1 ? c.ints[i]!.toString() : nanAsNull && c.values[i] !== c.values[i] ? 'null' : formatDouble(c.values[i]!);
      const sep = i > 0 ? ',' : '';
      out.push(arrays ? `${sep}[${key(c.timestamps[i]!)},${v}]` : `${sep}"${key(c.timestamps[i]!)}":${v}`);
      if ((i & (BLOCK - 1)) === BLOCK - 1) await out.endBlock(slice);
    }
  } else if (s.discrete) {
    const c = s.discrete;
    for (let i = 0; i < c.length; i++) {
      const kind = c.kinds[i]!;
      const text = c.texts[i]!;
      const v = kind === JSON_KIND ? text : kind === STRING ? JSON.stringify(text) : kind === FLOAT ? formatDouble(Number(text)) : text;
      const sep = i > 0 ? ',' : '';
      out.push(arrays ? `${sep}[${key(c.timestamps[i]!)},${v}]` : `${sep}"${key(c.timestamps[i]!)}":${v}`);
      if ((i & (BLOCK - 1)) === BLOCK - 1) await out.endBlock(slice);
    }
  }
  out.push(arrays ? ']' : '}');
  return s.numeric ? s.numeric.length : s.discrete ? s.discrete.length : 0;
}

/**
 * The results as OpenTSDB's JSON text. Asynchronous: with `slice` (the query's budget) it
 * yields to the event loop every block of points when the slice is used up, and a
 * QueryBudget stops it past the query's deadline.
 */
export async function serializeResults(results: readonly ResultSeries[], query: TsQuery, slice?: TimeSlice, trace?: QueryTrace): Promise<string> {
  const out = new TextBlocks();
  out.push('[');
  for (let index = 0; index < results.length; index++) {
    const s = results[index]!;
    if (index > 0) out.push(',');
    const serializationStarted = trace ? performance.now() : 0;
    out.push(`{"metric":${JSON.stringify(s.metric)},"tags":${JSON.stringify(s.tags)},"aggregateTags":${JSON.stringify(s.aggregateTags)},`);
    if (query.showQuery) out.push(`"query":${echoJson(s.query)},`);
    if (query.showTSUIDs) out.push(`"tsuids":${JSON.stringify([...s.tsuids].sort())},`);
    if (s.annotations.length > 0 || s.annotationsAlways) out.push(`"annotations":${JSON.stringify(s.annotations.map(annotationJson))},`);
    if (s.globalAnnotations.length > 0) out.push(`"globalAnnotations":${JSON.stringify(s.globalAnnotations.map(annotationJson))},`);
    const emitted = await writeDps(out, s, query, slice);
    if (trace) {
      // QueryStats.addStat: the sub-query's figures become this series' (the summary keeps the last);
      // an expression's series (gexp) has no group of its own: its names and aggregation are 0
      const sub = trace.sub(s.query.index);
      const figures = s.figures ?? NO_FIGURES;
      sub.last = { ...figures, emittedDPs: emitted, serializationTime: performance.now() - serializationStarted };
      if (query.showStats) out.push(`,"stats":${statsJson(sub.seriesStats())}`);
    }
    out.push('}');
    if (slice?.due()) await out.endBlock(slice);
  }
  if (trace && query.showSummary) out.push(`${results.length > 0 ? ',' : ''}{"statsSummary":${statsJson(trace.summary())}}`);
  out.push(']');
  return out.text();
}
