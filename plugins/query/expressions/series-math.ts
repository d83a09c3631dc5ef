/**
 * sumSeries/sum, diffSeries/difference, multiplySeries/multiply, divideSeries/divide, as
 * OpenTSDB 2.4.1 computes them (an ExpressionIterator over a UnionIterator, read through
 * EDPtoDPS):
 * - the inputs' series are joined by their whole tag set (one output series per set, in
 *   row-key order of the tags — by UID: an alias joins by its input's tags though it
 *   writes none); an input without a series of that set counts as 0;
 * - each output series walks its members' points in lock step, the i-th point of each
 *   together (not by timestamp!), stamped with the smallest of their timestamps; members
 *   with different numbers of points fail the request with `No more elements`;
 * - values are doubles, NaN counts as 0, `x / 0` is 0 (JEXL's lenient arithmetic);
 * - an input series without points (a rate of one point, say) fails the request at once;
 * - the output's metric is the first of its members' metrics (UID order; names here), its
 *   tags those of the first input's member (none when that input has no such series), its
 *   aggregateTags the union of the members'.
 */
import { allocColumns, pushPoint, type NumericColumns } from '../columns';
import { expError } from './errors';
import type { ExpSeries } from './series';

export type SeriesOp = '+' | '-' | '*' | '/';

function tagKey(tags: Record<string, string>): [string, string][] {
  return Object.keys(tags)
    .sort()
    .map((k) => [k, tags[k]!]);
}

/** ByteMap order of the flattened (tagk UID, tagv UID) pairs; a prefix sorts first. */
function compareKeys(a: [string, string][], b: [string, string][]): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const [ak, av] = a[i]!;
    const [bk, bv] = b[i]!;
    if (ak !== bk) return ak < bk ? -1 : 1;
    if (av !== bv) return av < bv ? -1 : 1;
  }
  return a.length - b.length;
}

function apply(op: SeriesOp, a: number, b: number): number {
  switch (op) {
    case '+':
      return a + b;
    case '-':
      return a - b;
    case '*':
      return a * b;
    case '/':
      return b === 0 ? 0 : a / b; // JEXL (lenient) answers 0.0 to a division by zero
  }
}

export function combineSeries(op: SeriesOp, inputs: readonly ExpSeries[][]): ExpSeries[] {
  if (inputs.length === 0) return [];
  if (inputs.length < 2 || inputs.length > 26) throw expError(`Must have 2 to 26 series, got ${inputs.length} instead`);
  // an input series without points has no emitter: OpenTSDB's union fails on it at once
  if (inputs.some((list) => list.some((s) => !s.lazy && s.points.length === 0))) {
    throw expError('Cannot invoke "net.opentsdb.query.expression.ExpressionDataPoint.tags()" because "dp" is null');
  }
  const entries = new Map<string, { key: [string, string][]; members: (ExpSeries | undefined)[] }>();
  inputs.forEach((list, v) => {
    for (const s of list) {
      const key = tagKey(s.tagUids ?? s.tags);
      const id = JSON.stringify(key);
      let entry = entries.get(id);
      if (!entry) entries.set(id, (entry = { key, members: new Array<ExpSeries | undefined>(inputs.length).fill(undefined) }));
      entry.members[v] = s;
    }
  });
  const ordered = [...entries.values()].sort((a, b) => compareKeys(a.key, b.key));
  return ordered.map(({ members }) => combineEntry(op, members));
}

function combineEntry(op: SeriesOp, members: (ExpSeries | undefined)[]): ExpSeries {
  const present = members.filter((m): m is ExpSeries => m !== undefined);
  const metrics = present.map((m) => m.metric).sort();
  const aggregateTags = [...new Set(present.flatMap((m) => m.aggregateTags))].sort();
  const meta = { metric: metrics[0]!, tags: members[0] ? { ...(members[0].tagUids ?? members[0].tags) } : {}, aggregateTags, tsuids: [], queryIndex: 0, annotations: [], annotationsAlways: true, lazy: true };
  if (present.some((m) => m.emptyMetricUid)) Object.assign(meta, { emptyMetricUid: true, metricFails: true });
  // OpenTSDB computes the points as they are read (EDPtoDPS): a failure comes when something reads them
  let cached: NumericColumns | undefined;
  return {
    ...meta,
    get points(): NumericColumns {
      return (cached ??= lockStep(op, members, present));
    },
  };
}

function lockStep(op: SeriesOp, members: (ExpSeries | undefined)[], present: ExpSeries[]): NumericColumns {
  const n = present[0]!.points.length;
  if (present.some((m) => m.points.length !== n)) throw expError('No more elements');
  let out: NumericColumns = allocColumns(Math.max(1, n));
  for (let i = 0; i < n; i++) {
    let ts = Infinity;
    for (const m of present) if (m.points.timestamps[i]! < ts) ts = m.points.timestamps[i]!;
    let acc = 0;
    members.forEach((m, v) => {
      let x = 0;
      if (m) {
        x = m.points.values[i]!;
        if (x !== x) x = 0; // the input's fill policy (zero) stands in for NaN
      }
      acc = v === 0 ? x : apply(op, acc, x);
    });
    out = pushPoint(out, ts, acc, 0n, 0);
  }
  return out;
}
