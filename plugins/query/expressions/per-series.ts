/**
 * The functions that map each input series on its own, as OpenTSDB 2.4.1 does them:
 * scale, absolute, alias, timeShift/shift and movingAverage. Each keeps its input's meta
 * (PostAggregatedDataPoints); the points are all the input's (the answer is cut later).
 */
import { allocColumns, pushPoint, type NumericColumns } from '../columns';
import type { TsQuery } from '../model';
import { expError } from './errors';
import { withPoints, type ExpSeries } from './series';

const LONG_MAX = 9223372036854775807n;
const LONG_MIN = -9223372036854775808n;

/** Java's (long) cast of a double: truncates, saturates, NaN is 0. */
function javaLong(x: number): bigint {
  if (x !== x) return 0n;
  if (x >= 9223372036854775807) return LONG_MAX;
  if (x <= -9223372036854775808) return LONG_MIN;
  return BigInt(Math.trunc(x));
}

function mapPoints(c: NumericColumns, f: (isInt: boolean, int: bigint, value: number) => [boolean, bigint, number]): NumericColumns {
  let out = allocColumns(Math.max(1, c.length));
  for (let i = 0; i < c.length; i++) {
    const [isInt, int, value] = f(c.isInt[i] === 1, c.ints[i]!, c.values[i]!);
    out = pushPoint(out, c.timestamps[i]!, isInt ? Number(int) : value, isInt ? int : 0n, isInt ? 1 : 0);
  }
  return out;
}

const flat = (inputs: readonly ExpSeries[][]): ExpSeries[] => inputs.flat();

export function scale(inputs: readonly ExpSeries[][], params: readonly string[]): ExpSeries[] {
  if (inputs.length === 0) return [];
  if (params.length === 0) throw expError('Missing scaling factor');
  const text = params[0]!;
  if (!/^[-0-9.]+$/.test(text)) throw expError('Unparseable scale factor value: 0.0');
  const factor = Number(text);
  if (Number.isNaN(factor) || text === '.' || /^-?\.?$/.test(text)) throw expError('Invalid parameter, must be an integer or floating point');
  const isIntFactor = Number.isInteger(factor) && Number.isFinite(factor);
  const longFactor = javaLong(factor);
  return flat(inputs).map((s) =>
    withPoints(
      s,
      mapPoints(s.points, (isInt, int, value) => (isInt && isIntFactor ? [true, BigInt.asIntN(64, longFactor * int), 0] : [false, 0n, factor * value])),
    ),
  );
}

const absLong = (v: bigint): bigint => (v < 0n ? BigInt.asIntN(64, -v) : v);

export function absolute(inputs: readonly ExpSeries[][]): ExpSeries[] {
  return flat(inputs).map((s) => withPoints(s, mapPoints(s.points, (isInt, int, value) => (isInt ? [true, absLong(int), 0] : [false, 0n, Math.abs(value)]))));
}

/**
 * alias: the metric becomes the parameters joined by commas, `@tagk` replaced by the
 * series' value of tagk; tags and aggregateTags are dropped. (OpenTSDB also takes the
 * absolute value of every point, a bug kept here.)
 */
export function alias(inputs: readonly ExpSeries[][], params: readonly string[]): ExpSeries[] {
  if (inputs.length === 0) return [];
  if (params.length === 0) throw expError('Missing the alias');
  const template = params.join(',');
  return flat(inputs).map((s) => {
    const absolute_ = absolute([[s]])[0]!;
    // `new DataPoint[dps.size()]`: an expression's own series has the size -1
    if (s.lazy) throw expError('-1');
    let metric = template;
    if (metric.includes('@')) for (const [k, v] of Object.entries(s.tags)) metric = metric.split(`@${k}`).join(v);
    return { ...absolute_, metric, tags: {}, tagUids: s.tagUids ?? s.tags, aggregateTags: [], emptyMetricUid: true, metricFails: false };
  });
}

/**
 * timeShift/shift: OpenTSDB 2.4.1 reads the unit with the closing quote (`'10min'` gives
 * the unit `min'`), so every well-formed call fails with `unknown time unit=…`.
 */
export function timeShift(inputs: readonly ExpSeries[][], params: readonly string[]): ExpSeries[] {
  if (inputs.length === 0) return [];
  if (params.length === 0) throw expError('Need amount of timeshift to perform timeshift');
  const param = params[0]!.trim();
  if (!(param.startsWith("'") && param.endsWith("'"))) throw expError("Invalid timeshift parameter: eg '10min'");
  let digits = 0;
  for (let c = 1; c < param.length && /[0-9]/.test(param[c]!); c++) digits++;
  if (digits === 0) throw expError(`Invalid Parameter: ${param}`);
  const unit = param.slice(digits + 1).trim();
  const time = Number(param.slice(1, digits + 1));
  const ms: Record<string, number> = { sec: 1000, min: 60_000, hr: 3_600_000, day: 86_400_000, days: 86_400_000, week: 604_800_000, weeks: 604_800_000 };
  const unitMs = ms[unit];
  if (unitMs === undefined) throw expError(`unknown time unit=${unit}`);
  const shift = time * unitMs;
  if (shift <= 0) throw expError('timeshift <= 0');
  return inputs[0]!.map((s) => {
    let out = allocColumns(Math.max(1, s.points.length));
    for (let i = 0; i < s.points.length; i++) out = pushPoint(out, s.points.timestamps[i]! + shift, s.points.values[i]!, s.points.ints[i]!, s.points.isInt[i]!);
    return withPoints(s, out);
  });
}

function windowParam(param: string): number {
  let digits = 0;
  for (let c = 1; c < param.length && /[0-9]/.test(param[c]!); c++) digits++;
  if (digits < 1) throw expError(`Invalid moving window parameter: ${param}`);
  const time = Number(param.slice(1, digits + 1));
  if (time > 2147483647) throw expError(`Unable to parse moving window parameter: ${param}`);
  const unit = param.slice(digits + 1, param.length - 1);
  const units: Record<string, number> = { day: 86_400_000, d: 86_400_000, hr: 3_600_000, hour: 3_600_000, h: 3_600_000, min: 60_000, m: 60_000, sec: 1000, s: 1000 };
  const ms = units[unit];
  if (ms === undefined) throw expError(`Unknown time unit=${unit} in window=${param}`);
  return time * ms;
}

/**
 * movingAverage(series, n | 'time'): the points in [start, end] only (OpenTSDB runs it as an
 * aggregation over the query range), as doubles. With a count, the mean of the last n
 * points (0 until there are n); with a time window, the mean of the points back to (not
 * including) the one that makes the window reach the span (0 for the first point and
 * while the span is not reached). NaNs count neither in the sum nor in the count.
 */
export function movingAverage(inputs: readonly ExpSeries[][], params: readonly string[], query: TsQuery): ExpSeries[] {
  if (inputs.length === 0) return [];
  if (params.length === 0 || params[0]!.length === 0) throw expError('Missing moving average window size');
  const param = params[0]!.trim();
  let condition: number;
  let isTime = false;
  if (/^[0-9]+$/.test(param)) {
    condition = Number(param);
    if (condition > 2147483647) throw expError('Invalid parameter, must be an integer');
  } else if (param.startsWith("'") && param.endsWith("'")) {
    condition = windowParam(param);
    isTime = true;
  } else {
    throw expError(`Unparseable window size: ${param}`);
  }
  if (condition <= 0) throw expError('Moving average window must be an integer greater than zero');
  return flat(inputs).map((s) => {
    const c = s.points;
    let out = allocColumns(Math.max(1, c.length));
    const window: { ts: number; v: number }[] = []; // newest first
    let started = false;
    for (let i = 0; i < c.length; i++) {
      const ts = c.timestamps[i]!;
      if (ts < query.start) continue;
      if (ts > query.end) break;
      window.unshift({ ts, v: c.values[i]! });
      if (isTime && !started) {
        started = true;
        out = pushPoint(out, ts, 0, 0n, 0);
        continue;
      }
      let sum = 0;
      let count = 0;
      let met = false;
      let span = 0;
      let lastTs = -1;
      let j = 0;
      for (; j < window.length; j++) {
        const dp = window[j]!;
        if (isTime) {
          if (lastTs < 0) lastTs = dp.ts;
          else {
            span += lastTs - dp.ts;
            lastTs = dp.ts;
            if (span >= condition) {
              met = true;
              break;
            }
          }
        }
        if (!Number.isNaN(dp.v)) {
          sum += dp.v;
          count++;
        }
        if (!isTime && count >= condition) {
          met = true;
          j++;
          break;
        }
      }
      // the points after the one the loop stopped at are dropped
      window.length = Math.min(window.length, isTime && met ? j + 1 : j);
      out = pushPoint(out, ts, !met || count === 0 ? 0 : sum / count, 0n, 0);
    }
    return withPoints(s, out);
  });
}
