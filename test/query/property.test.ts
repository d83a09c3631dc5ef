/**
 * Property test: on random series (random gaps and timestamps, integers and floats,
 * counters with resets), every aggregator × downsample × fill × rate combination answered
 * (fixed buckets, `0all`) by the real daemon over HTTP agrees with the slow, obviously-correct reference below,
 * written from opentsdb.md §4 without any code of the engine and corrected where the real
 * OpenTSDB 2.4.1 answered otherwise (test/oracle). Seeds are fixed, so a failure reproduces.
 */
import { expect } from 'chai';
import { float, int, startQueryDaemon, type QueryDaemon } from '../helpers/query';
import type { DataPoint } from '../../core';
import { mulberry32 } from '../../core/testing/random';

// ---------------------------------------------------------------- reference model
interface P {
  t: number;
  v: number;
  isInt: boolean;
  /** an interpolated integer member's value when the aggregation runs in doubles (not truncated) */
  d?: number;
}
interface RefSeries {
  id: number;
  tags: Record<string, string>;
  points: P[];
}

type Agg = { f: (xs: number[]) => number; i?: (xs: number[]) => number; interp: 'lerp' | 'zim' | 'max' | 'min' | 'prev'; none?: boolean };

const noNaN = (xs: number[]) => xs.filter((x) => !Number.isNaN(x));
const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);
/** commons-math Percentile: position from the estimator, then linear between neighbours. */
function percentile(xs: number[], p: number, method: 'legacy' | 'r3' | 'r7'): number {
  const s = sorted(xs);
  const n = s.length;
  if (n === 0) return NaN;
  if (n === 1) return s[0]!;
  let pos: number;
  if (method === 'legacy') pos = p === 1 ? n : p * (n + 1);
  else if (method === 'r7') pos = p === 1 ? n : 1 + (n - 1) * p;
  else {
    const x = n * p;
    const r = Math.floor(x) + (x - Math.floor(x) > 0.5 || (x - Math.floor(x) === 0.5 && Math.floor(x) % 2 === 1) ? 1 : 0);
    pos = p <= 0.5 / n ? 0 : r;
  }
  if (pos < 1) return s[0]!;
  if (pos >= n) return s[n - 1]!;
  const lo = s[Math.floor(pos) - 1]!;
  const hi = s[Math.floor(pos)]!;
  return lo + (pos - Math.floor(pos)) * (hi - lo);
}
function popStdDev(xs: number[]): number {
  if (xs.length === 0) return NaN;
  if (xs.length === 1) return 0;
  const mean = sum(xs) / xs.length;
  return Math.sqrt(sum(xs.map((x) => (x - mean) ** 2)) / xs.length);
}
/** Most frequent value; on a tie, the one seen first. */
function mode(xs: number[]): number {
  const firstSeen = [...new Set(xs)];
  const frequency = (x: number) => xs.filter((y) => Object.is(x, y) || x === y).length;
  let best = firstSeen[0]!;
  for (const x of firstSeen) if (frequency(x) > frequency(best)) best = x;
  return best;
}
const orNaN = (xs: number[], f: (ys: number[]) => number) => (xs.length === 0 ? NaN : f(xs));

const REF: Record<string, Agg> = {
  sum: { f: (xs) => orNaN(noNaN(xs), sum), i: sum, interp: 'lerp' },
  zimsum: { f: (xs) => orNaN(noNaN(xs), sum), i: sum, interp: 'zim' },
  pfsum: { f: (xs) => orNaN(noNaN(xs), sum), i: sum, interp: 'prev' },
  squareSum: { f: (xs) => orNaN(noNaN(xs), (ys) => sum(ys.map((y) => y * y))), i: (xs) => sum(xs.map((x) => x * x)), interp: 'zim' },
  min: { f: (xs) => orNaN(noNaN(xs), (ys) => Math.min(...ys)), i: (xs) => Math.min(...xs), interp: 'lerp' },
  max: { f: (xs) => orNaN(noNaN(xs), (ys) => Math.max(...ys)), i: (xs) => Math.max(...xs), interp: 'lerp' },
  mimmin: { f: (xs) => orNaN(noNaN(xs), (ys) => Math.min(...ys)), i: (xs) => Math.min(...xs), interp: 'max' },
  mimmax: { f: (xs) => orNaN(noNaN(xs), (ys) => Math.max(...ys)), i: (xs) => Math.max(...xs), interp: 'min' },
  avg: { f: (xs) => orNaN(noNaN(xs), (ys) => sum(ys) / ys.length), i: (xs) => Math.trunc(sum(xs) / xs.length), interp: 'lerp' },
  dev: { f: (xs) => popStdDev(noNaN(xs)), i: (xs) => Math.trunc(popStdDev(xs)), interp: 'lerp' },
  count: { f: (xs) => noNaN(xs).length, i: (xs) => xs.length, interp: 'zim' },
  first: { f: (xs) => xs[0]!, i: (xs) => xs[0]!, interp: 'zim' },
  last: { f: (xs) => xs[xs.length - 1]!, i: (xs) => xs[xs.length - 1]!, interp: 'zim' },
  diff: { f: (xs) => (noNaN(xs).length === 0 ? NaN : xs.findIndex((x) => !Number.isNaN(x)) === xs.length - 1 ? 0 : xs[xs.length - 1]! - xs.find((x) => !Number.isNaN(x))!), i: (xs) => (xs.length < 2 ? 0 : xs[xs.length - 1]! - xs[0]!), interp: 'lerp' },
  mult: { f: (xs) => xs.reduce((a, b) => a * b, 1), i: (xs) => xs.reduce((a, b) => a * b, 1), interp: 'lerp' },
  none: { f: (xs) => xs[0]!, i: (xs) => xs[0]!, interp: 'zim', none: true },
  median: { f: (xs) => orNaN(noNaN(xs), (ys) => sorted(ys)[ys.length >> 1]!), i: (xs) => sorted(xs)[xs.length >> 1]!, interp: 'lerp' },
  distinct: { f: (xs) => new Set(xs).size, i: (xs) => new Set(xs).size, interp: 'zim' },
  mode: { f: mode, i: mode, interp: 'zim' },
};
for (const [suffix, p] of [['999', 0.999], ['99', 0.99], ['95', 0.95], ['90', 0.9], ['75', 0.75], ['50', 0.5]] as const) {
  // double inputs use the default estimator even for ep*: OpenTSDB's behaviour (opentsdb.md §4.1)
  REF[`p${suffix}`] = { f: (xs) => percentile(noNaN(xs), p, 'legacy'), i: (xs) => Math.trunc(percentile(xs, p, 'legacy')), interp: 'lerp' };
  REF[`ep${suffix}r3`] = { f: (xs) => percentile(noNaN(xs), p, 'legacy'), i: (xs) => Math.trunc(percentile(xs, p, 'r3')), interp: 'lerp' };
  REF[`ep${suffix}r7`] = { f: (xs) => percentile(noNaN(xs), p, 'legacy'), i: (xs) => Math.trunc(percentile(xs, p, 'r7')), interp: 'lerp' };
}

function apply(agg: Agg, values: P[], allInt = values.every((p) => p.isInt)): P {
  return allInt ? { t: 0, v: agg.i!(values.map((p) => p.v)), isInt: true } : { t: 0, v: agg.f(values.map((p) => p.d ?? p.v)), isInt: false };
}

interface Downsample {
  /** 0 = `0all`: one bucket over the whole range, stamped with the start */
  interval: number;
  agg: string;
  fill: 'none' | 'nan' | 'null' | 'zero';
}
interface Rate {
  counter: boolean;
  counterMax: number;
  resetValue: number;
  dropResets: boolean;
}

/**
 * Downsampling runs in doubles (OpenTSDB's Downsampler calls runDouble), over every point
 * read; with a fill policy, every bucket from the one of the first row read to the one of
 * the end of the rows read (exclusive) — checked against OpenTSDB 2.4.1 (test/oracle).
 */
function refDownsample(points: P[], ds: Downsample, scanStart: number, scanEnd: number, start: number, end: number): P[] {
  if (ds.interval === 0) {
    const inRange = points.filter((p) => p.t >= start && p.t < end); // run_all: end exclusive
    return inRange.length === 0 ? [] : [{ ...apply(REF[ds.agg]!, inRange, false), t: start }];
  }
  const buckets = new Map<number, P[]>();
  // the iterator is sought to the first whole bucket at or after the first row read
  const seek = scanStart % ds.interval === 0 ? scanStart : scanStart - (scanStart % ds.interval) + ds.interval;
  for (const p of points) {
    if (p.t < seek) continue;
    const b = p.t - (p.t % ds.interval);
    if (!buckets.has(b)) buckets.set(b, []);
    buckets.get(b)!.push(p);
  }
  const out: P[] = [];
  if (ds.fill === 'none') {
    for (const [b, ps] of [...buckets].sort((x, y) => x[0] - y[0])) out.push({ ...apply(REF[ds.agg]!, ps, false), t: b });
    return out;
  }
  for (let b = scanStart - (scanStart % ds.interval); b < scanEnd - (scanEnd % ds.interval); b += ds.interval) {
    const ps = buckets.get(b);
    out.push(ps ? { ...apply(REF[ds.agg]!, ps, false), t: b } : { t: b, v: ds.fill === 'zero' ? 0 : NaN, isInt: false });
  }
  return out;
}

/**
 * The rows OpenTSDB reads: from the hour of the start (aligned down to the downsample
 * interval first) to the hour after the end plus one second (after that second's next interval
 * when downsampling).
 */
function scanRange(start: number, end: number, ds: Downsample | undefined): [number, number] {
  const interval = ds && ds.interval > 0 ? ds.interval : 0;
  let s = Math.floor(start / 1000);
  if (interval) s -= Math.trunc(((s * 1000) % interval) / 1000);
  s -= s % 3600;
  let e = Math.floor(end / 1000) + 1; // OpenTSDB always adds a second to the end (getScanEndTimeSeconds)
  if (interval) {
    e += Math.trunc((interval - ((e * 1000) % interval)) / 1000);
    if (e % 3600 !== 0) e += 3600 - (e % 3600);
  } else {
    e += 3600 - (e % 3600);
  }
  return [s * 1000, e * 1000];
}

interface RatedSeries {
  points: P[];
  /** OpenTSDB's rate against time zero, used before the first rate */
  seed?: number;
}

function ratePair(a: P, b: P, r: Rate): P | undefined {
  const seconds = (b.t - a.t) / 1000;
  let diff = b.v - a.v;
  if (r.counter && diff < 0) {
    if (r.dropResets) return undefined;
    diff = r.counterMax - a.v + b.v;
    const rate = diff / seconds;
    return { t: b.t, v: r.resetValue > 0 && rate > r.resetValue ? 0 : rate, isInt: false };
  }
  return { t: b.t, v: diff / seconds, isInt: false };
}

/** RateSpan's sequence starts from a virtual (0, 0); its first element is held as the seed, not emitted. */
function refRate(points: P[], r: Rate, from: number): RatedSeries {
  const withZero = [{ t: 0, v: 0, isInt: true }, ...points];
  const sequence: P[] = [];
  for (let i = 1; i < withZero.length; i++) {
    const p = ratePair(withZero[i - 1]!, withZero[i]!, r);
    // rates stamped before the first row read are skipped (AggregationIterator)
    if (p && p.t >= from) sequence.push(p);
  }
  if (sequence.length < 2) return { points: [] };
  return { points: sequence.slice(1), seed: sequence[0]!.v };
}

/** Value of a member at t, by the aggregator's interpolation; undefined outside its span. */
function memberAt(m: RatedSeries, t: number, interp: Agg['interp'], isRate: boolean): P | undefined {
  const ps = m.points;
  const exact = ps.find((p) => p.t === t);
  if (exact) return exact;
  // before its first rate, a rated member gives its rate against time zero
  if (isRate && ps.length > 0 && t < ps[0]!.t && m.seed !== undefined) return { t, v: m.seed, isInt: false };
  if (ps.length === 0 || t < ps[0]!.t || t > ps[ps.length - 1]!.t) return undefined;
  const next = ps.findIndex((p) => p.t > t);
  const a = ps[next - 1]!;
  const b = ps[next]!;
  if (isRate || interp === 'prev') return a;
  const isInt = a.isInt && b.isInt;
  switch (interp) {
    case 'lerp':
      return { t, v: isInt ? a.v + Math.trunc(((t - a.t) * (b.v - a.v)) / (b.t - a.t)) : NaN, d: a.v + ((t - a.t) * (b.v - a.v)) / (b.t - a.t), isInt };
    case 'zim':
      return { t, v: 0, isInt };
    case 'max':
      return { t, v: Number.MAX_SAFE_INTEGER * 4, d: Number.MAX_VALUE, isInt };
    default:
      return { t, v: -Number.MAX_SAFE_INTEGER * 4, d: -Number.MAX_VALUE, isInt };
  }
}

/**
 * OpenTSDB decides integer mode from every point its iterator holds at t: each member's
 * latest point at or before t (unless the member ended before t) and its next point.
 */
function heldPointsAreIntegers(members: RatedSeries[], t: number): boolean {
  return members.every(({ points }) => {
    const before = points.filter((p) => p.t <= t);
    const after = points.find((p) => p.t > t);
    const current = before[before.length - 1];
    const ended = after === undefined && current !== undefined && current.t < t;
    return (current === undefined || ended || current.isInt) && (after === undefined || after.isInt);
  });
}

function refGroup(members: RatedSeries[], agg: Agg, isRate: boolean): P[] {
  const times = [...new Set(members.flatMap((m) => m.points.map((p) => p.t)))].sort((a, b) => a - b);
  return times.map((t) => {
    const values = members.map((m) => memberAt(m, t, agg.interp, isRate)).filter((p): p is P => p !== undefined);
    const integer = !isRate && values.every((p) => p.isInt) && heldPointsAreIntegers(members, t);
    return { ...apply(agg, values, integer), t };
  });
}

interface RefResult {
  key: string;
  dps: P[];
}

function reference(series: RefSeries[], aggName: string, start: number, end: number, ds: Downsample | undefined, rate: Rate | undefined, groupBy: boolean): RefResult[] {
  const agg = REF[aggName]!;
  const [scanStart, scanEnd] = scanRange(start, end, ds);
  // members in OpenTSDB's row-key order (tag pairs by key, names standing for UIDs)
  const rowKey = (s: RefSeries) => `dc=${s.tags.dc} host=${s.tags.host}`;
  const groups = new Map<string, RatedSeries[]>();
  for (const s of [...series].sort((a, b) => (rowKey(a) < rowKey(b) ? -1 : 1))) {
    let ps = s.points.filter((p) => p.t >= scanStart && p.t < scanEnd);
    if (ps.length === 0) continue;
    if (ds) ps = refDownsample(ps, ds, scanStart, scanEnd, start, end);
    const rated: RatedSeries = rate ? refRate(ps, rate, scanStart) : { points: ps.filter((p) => p.t >= scanStart) };
    const key = agg.none ? rowKey(s) : groupBy ? s.tags.dc! : '';
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key)!.push(rated);
  }
  // aggregated over all the rows read; the answer is cut to [start, end]
  return [...groups.keys()].sort().map((key) => ({ key, dps: refGroup(groups.get(key)!, agg, rate !== undefined).filter((p) => p.t >= start && p.t <= end) }));
}

// ---------------------------------------------------------------- data
function randomSeries(rand: () => number, metric: string, base: number): { ref: RefSeries[]; points: DataPoint[] } {
  const ref: RefSeries[] = [];
  const points: DataPoint[] = [];
  const count = 2 + Math.floor(rand() * 4);
  for (let s = 0; s < count; s++) {
    const tags = { host: `h${s}`, dc: rand() < 0.5 ? 'east' : 'west' };
    const ps: P[] = [];
    let t = base + Math.floor(rand() * 20_000);
    const counter = rand() < 0.4;
    let value = Math.floor(rand() * 100);
    const n = 3 + Math.floor(rand() * 25);
    for (let i = 0; i < n; i++) {
      // random gaps: mostly short, sometimes long; some on whole seconds, some in ms
      t += rand() < 0.2 ? 30_000 + Math.floor(rand() * 60_000) : 1000 + (rand() < 0.5 ? 0 : Math.floor(rand() * 9000));
      let isInt = rand() < 0.6;
      if (counter) {
        value = rand() < 0.15 ? Math.floor(rand() * 10) : value + Math.floor(rand() * 50); // resets now and then
        isInt = true;
      } else {
        value = Math.floor(rand() * 200) - 50;
      }
      const v = isInt ? value : value + Math.round(rand() * 1000) / 1000 + 0.25;
      ps.push({ t, v, isInt });
      points.push({ metric, tags, timestamp: t, value: isInt ? int(v) : float(v) });
    }
    ref.push({ id: 0, tags, points: ps });
  }
  return { ref, points };
}

function close(actual: unknown, expected: P, where: string): void {
  if (Number.isNaN(expected.v)) {
    expect(actual === 'NaN' || actual === null, where).to.equal(true);
    return;
  }
  expect(typeof actual, where).to.equal('number');
  const a = actual as number;
  if (expected.isInt) expect(a, where).to.equal(expected.v);
  else expect(Math.abs(a - expected.v) <= 1e-9 * Math.max(1, Math.abs(expected.v)), `${where}: ${a} vs ${expected.v}`).to.equal(true);
}

describe('/api/query property test against a reference implementation', function () {
  this.timeout(60_000);
  let d: QueryDaemon;
  before(async () => {
    d = await startQueryDaemon();
  });
  after(() => d.stop());

  const SEEDS = [1, 2, 3, 4];
  const AGGS = Object.keys(REF);

  for (const seed of SEEDS) {
    it(`seed ${seed}: every aggregator × downsample × fill × rate agrees with the reference`, async () => {
      const rand = mulberry32(seed);
      const base = 1_600_000_000_000 + seed * 10_000_000;
      const metric = `prop.m${seed}`;
      const { ref, points } = randomSeries(rand, metric, base);
      await d.write(points);
      // ids follow creation order, which is the order of `ref`
      const ids: string[] = [];
      for await (const info of d.storage.lookup({ metric })) ids.push(info.id);
      ref.forEach((s, i) => (s.id = parseInt(ids[i]!, 16)));
      const allTimes = ref.flatMap((s) => s.points.map((p) => p.t));
      const lo = Math.min(...allTimes);
      const hi = Math.max(...allTimes);
      const start = lo + Math.floor(rand() * (hi - lo) * 0.3);
      const end = hi - Math.floor(rand() * (hi - lo) * 0.3);
      const interval = [1000, 5000, 7000, 60_000][Math.floor(rand() * 4)]!;
      const dsAggs = AGGS.filter((a) => a !== 'none');
      const dsAgg = dsAggs[Math.floor(rand() * dsAggs.length)]!;
      const groupBy = seed % 2 === 0;
      const downsamples: (Downsample | undefined)[] = [
        undefined,
        ...(['none', 'nan', 'null', 'zero'] as const).map((fill) => ({ interval, agg: dsAgg, fill })),
        { interval: 0, agg: dsAgg, fill: 'none' as const },
      ];
      const rates: (Rate | undefined)[] = [
        undefined,
        { counter: false, counterMax: 0, resetValue: 0, dropResets: false },
        { counter: true, counterMax: 1000 + Math.floor(rand() * 1000), resetValue: rand() < 0.5 ? 0 : 50, dropResets: false },
        { counter: true, counterMax: 0, resetValue: 0, dropResets: true },
      ];
      let compared = 0;
      for (const ds of downsamples) {
        for (const rate of rates) {
          const queries = AGGS.map((aggregator) => ({
            aggregator,
            metric,
            ...(ds ? { downsample: `${ds.interval === 0 ? '0all' : `${ds.interval / 1000}s`}-${ds.agg}${ds.fill === 'none' ? '' : `-${ds.fill}`}` } : {}),
            ...(rate ? { rate: true, rateOptions: rate.counter ? { counter: true, counterMax: rate.counterMax || undefined, resetValue: rate.resetValue, dropResets: rate.dropResets } : {} } : {}),
            ...(groupBy ? { filters: [{ type: 'wildcard', tagk: 'dc', filter: '*', groupBy: true }] } : {}),
          }));
          const reply = await d.post('/api/query', { start, end, msResolution: true, showQuery: true, noAnnotations: true, queries });
          expect(reply.status, reply.text).to.equal(200);
          for (const [index, aggName] of AGGS.entries()) {
            const got = (reply.json as any[]).filter((r) => r.query.index === index);
            const counterMax = rate?.counter && !rate.dropResets ? rate.counterMax : 9223372036854775807; // unset: Long.MAX_VALUE
            const expected = reference(ref, aggName, start, end, ds, rate ? { ...rate, counterMax } : undefined, groupBy);
            const where = `seed ${seed} agg ${aggName} ds ${JSON.stringify(ds)} rate ${JSON.stringify(rate)}`;
            expect(got.length, where).to.equal(expected.length);
            expected.forEach((group, g) => {
              const dps = got[g].dps as Record<string, unknown>;
              expect(Object.keys(dps).map(Number), `${where} group ${group.key} timestamps`).to.deep.equal(group.dps.map((p) => p.t));
              for (const p of group.dps) close(dps[String(p.t)], p, `${where} group ${group.key} t=${p.t}`);
              compared += group.dps.length;
            });
          }
        }
      }
      expect(compared).to.be.greaterThan(500);
    });
  }
});
