/**
 * highestCurrent(series, n) and highestMax(series, n), as OpenTSDB 2.4.1 picks them: the
 * series are run through one lerp aggregation over [start, end] (AggregationIterator) and an
 * aggregator that keeps, at each timestamp, the values it is given — in the order given,
 * i.e. only of the series present there, padded with zeros, not by series. highestCurrent
 * keeps those of the last timestamp, highestMax the running maximum per position (integer
 * and double timestamps apart, then the larger of the two). The series are sorted by that
 * number, largest first (stable), and the first n returned whole.
 */
import type { Aggregator, TimeSlice } from '../../../core';
import type { NumericColumns } from '../columns';
import { aggregateGroup } from '../group-aggregate';
import type { TsQuery } from '../model';
import { expError } from './errors';
import type { ExpSeries } from './series';

interface Call {
  longs?: bigint[];
  doubles?: number[];
}

function fromStart(c: NumericColumns, start: number): NumericColumns {
  let from = 0;
  while (from < c.length && c.timestamps[from]! < start) from++;
  if (from === 0) return c;
  return { length: c.length - from, timestamps: c.timestamps.subarray(from), values: c.values.subarray(from), ints: c.ints.subarray(from), isInt: c.isInt.subarray(from) };
}

const DOUBLE_MIN_VALUE = 5e-324;
const LONG_MIN = -9223372036854775808n;

/** Java's Double.compare, descending. */
function compareDesc(a: number, b: number): number {
  const key = (x: number) => (x !== x ? Infinity : x);
  const ka = key(a);
  const kb = key(b);
  if (a !== a && b !== b) return 0;
  if (a !== a) return -1;
  if (b !== b) return 1;
  if (ka !== kb) return ka > kb ? -1 : 1;
  const negA = Object.is(a, -0);
  const negB = Object.is(b, -0);
  return negA === negB ? 0 : negA ? 1 : -1;
}

export async function highest(mode: 'current' | 'max', inputs: readonly ExpSeries[][], params: readonly string[], query: TsQuery, slice: TimeSlice): Promise<ExpSeries[]> {
  if (inputs.length === 0) return [];
  if (params.length === 0) throw expError('Need aggregation window for moving average');
  const param = params[0]!;
  if (param.length === 0) throw expError('Missing top n value (number of series to return)');
  if (!/^[0-9]+$/.test(param)) throw expError(`Unparseable top n value: ${param}`);
  const topn = Number(param);
  if (topn > 2147483647) throw expError('Invalid parameter, must be an integer');
  if (topn < 1) throw expError(`Top n value must be greater than zero: ${topn}`);
  let series = inputs.flat();
  if (mode === 'current') series = series.filter((s) => s.points.length > 0);
  const n = series.length;
  const calls: Call[] = [];
  const capture: Aggregator = {
    name: mode === 'current' ? 'maxLatest' : 'maxCache',
    interpolation: 'lerp',
    aggregate(values, count) {
      calls.push({ doubles: Array.from(values.subarray(0, count)) });
      return 0;
    },
    aggregateIntegers(values, count) {
      calls.push({ longs: Array.from(values.subarray(0, count)) });
      return 0n;
    },
  };
  const out = await aggregateGroup(
    series.map((s) => fromStart(s.points, query.start)),
    capture,
    false,
    slice,
  );
  const maxLongs: bigint[] = new Array<bigint>(n).fill(LONG_MIN);
  const maxDoubles: number[] = new Array<number>(n).fill(DOUBLE_MIN_VALUE);
  let hasLongs = false;
  let hasDoubles = false;
  for (let i = 0; i < out.length; i++) {
    if (out.timestamps[i]! > query.end) break;
    const call = calls[i]!;
    if (call.longs) {
      hasLongs = true;
      for (let p = 0; p < n; p++) {
        const v = call.longs[p] ?? 0n;
        maxLongs[p] = mode === 'current' ? v : v > maxLongs[p]! ? v : maxLongs[p]!;
      }
    } else {
      hasDoubles = true;
      for (let p = 0; p < n; p++) {
        const v = call.doubles![p] ?? 0;
        // Java's Math.max: NaN wins
        maxDoubles[p] = mode === 'current' ? v : v !== v || maxDoubles[p]! !== maxDoubles[p]! ? NaN : Math.max(v, maxDoubles[p]!);
      }
    }
  }
  // no timestamp in range: OpenTSDB sorts (or, for one series, reads) an array of nulls
  if (n > 1 && !hasLongs && !hasDoubles) throw expError('Cannot invoke "java.lang.Comparable.compareTo(Object)" because "a[runHi]" is null');
  if (n === 1 && !hasLongs && !hasDoubles) throw expError('Cannot read field "pos" because "max_by_ts[i]" is null');
  const entries = series.map((_, p) => {
    const l = Number(maxLongs[p]!);
    const d = maxDoubles[p]!;
    const val = hasLongs && hasDoubles ? (l !== l || d !== d ? NaN : Math.max(l, d)) : hasLongs ? l : d;
    return { val, p };
  });
  entries.sort((a, b) => compareDesc(a.val, b.val) || a.p - b.p);
  return entries.slice(0, Math.min(topn, n)).map((e) => series[e.p]!);
}
