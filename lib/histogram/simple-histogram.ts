/**
 * OpenTSDB 2.4's SimpleHistogram (net.opentsdb.core.SimpleHistogram): regular buckets
 * keyed by their float32 bounds (lower, upper), each with a count, plus an underflow and
 * an overflow count. Bounds are float32 as in Java (Float.parseFloat), so `0.1` is the
 * float nearest 0.1 and the percentile of a bucket is its float32 midpoint.
 *
 * Counts are Java longs in OpenTSDB; DSDB keeps them as JS numbers and refuses a count
 * beyond ±2^53 (docs/opentsdb-compat.md).
 */

/** One regular bucket: [lower, upper] as float32 values, and its count. */
export interface HistogramBucket {
  lower: number;
  upper: number;
  count: number;
}

export interface SimpleHistogram {
  /** sorted by (lower, upper) as Float.compare orders them; bounds unique */
  buckets: HistogramBucket[];
  underflow: number;
  overflow: number;
}

/** Float.compare on float32 values (NaN after +Infinity, -0.0 before 0.0). */
export function floatCompare(a: number, b: number): number {
  if (a < b) return -1;
  if (a > b) return 1;
  const an = a !== a;
  const bn = b !== b;
  if (an || bn) return an === bn ? 0 : an ? 1 : -1;
  if (a === 0 && b === 0) {
    const az = 1 / a < 0;
    const bz = 1 / b < 0;
    return az === bz ? 0 : az ? -1 : 1;
  }
  return 0;
}

function bucketCompare(a: HistogramBucket, b: HistogramBucket): number {
  return floatCompare(a.lower, b.lower) || floatCompare(a.upper, b.upper);
}

/**
 * Java's Float.parseFloat (trims whitespace; accepts a trailing f/F/d/D, hex and
 * `Infinity`/`NaN`) rounded to float32. Throws Java's NumberFormatException message.
 */
export function parseJavaFloat(text: string): number {
  const t = text.trim();
  const m = /^([+-]?)(NaN|Infinity|(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)[fFdD]?$/.exec(t);
  if (!m || (m[2] !== 'NaN' && m[2] !== 'Infinity' && /[fFdD]$/.test(t) && /(NaN|Infinity)/.test(t))) {
    throw new NumberFormatError(t.length === 0 ? 'empty String' : `For input string: "${text}"`);
  }
  return Math.fround(Number(m[1] + m[2]));
}

/** Java's Long.parseLong; DSDB keeps it only within ±2^53. */
export function parseJavaLong(text: string): number {
  if (!/^[+-]?\d+$/.test(text)) throw new NumberFormatError(`For input string: "${text}"`);
  const n = BigInt(text);
  if (n > 9223372036854775807n || n < -9223372036854775808n) throw new NumberFormatError(`For input string: "${text}"`);
  if (n > BigInt(Number.MAX_SAFE_INTEGER) || n < BigInt(Number.MIN_SAFE_INTEGER)) throw new RangeError(`count ${text} is beyond ±2^53, which DSDB does not store`);
  return Number(n);
}

/** Java's NumberFormatException: OpenTSDB reports its message. */
export class NumberFormatError extends Error {}

export function emptyHistogram(): SimpleHistogram {
  return { buckets: [], underflow: 0, overflow: 0 };
}

/** SimpleHistogram.addBucket: a bucket with the same bounds is replaced (TreeMap.put). */
export function putBucket(h: SimpleHistogram, lower: number, upper: number, count: number): void {
  const b: HistogramBucket = { lower: Math.fround(lower), upper: Math.fround(upper), count };
  const list = h.buckets;
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (bucketCompare(list[mid]!, b) < 0) lo = mid + 1;
    else hi = mid;
  }
  if (lo < list.length && bucketCompare(list[lo]!, b) === 0) list[lo] = b;
  else list.splice(lo, 0, b);
}

/**
 * SimpleHistogram.aggregate(SUM): adds `other` into `into` bucket by bucket (buckets with the
 * same bounds are summed, new ones added) and sums underflow and overflow.
 */
export function mergeInto(into: SimpleHistogram, other: SimpleHistogram): void {
  for (const b of other.buckets) {
    const i = indexOf(into, b);
    if (i >= 0) into.buckets[i]!.count += b.count;
    else putBucket(into, b.lower, b.upper, b.count);
  }
  into.underflow += other.underflow;
  into.overflow += other.overflow;
}

function indexOf(h: SimpleHistogram, b: HistogramBucket): number {
  let lo = 0;
  let hi = h.buckets.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const c = bucketCompare(h.buckets[mid]!, b);
    if (c === 0) return mid;
    if (c < 0) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}

export function cloneHistogram(h: SimpleHistogram): SimpleHistogram {
  return { buckets: h.buckets.map((b) => ({ ...b })), underflow: h.underflow, overflow: h.overflow };
}

/** Java's `(int)` of a long: the low 32 bits, signed. */
const toInt = (n: number): number => Number(BigInt.asIntN(32, BigInt(n)));

/**
 * SimpleHistogram.percentile: -1 outside [1, 100]; otherwise the float32 midpoint of the
 * first bucket whose cumulative share of the regular buckets' total reaches `p` percent
 * (underflow and overflow do not count); 0 when no bucket does (e.g. all counts 0).
 * Counts are summed as Java ints, as OpenTSDB does (calcBucketSum, intValue()).
 */
export function percentile(h: SimpleHistogram, p: number): number {
  if (p < 1.0 || p > 100.0) return -1.0;
  let sum = 0;
  for (const b of h.buckets) sum = (sum + toInt(b.count)) | 0;
  let running = 0;
  for (const b of h.buckets) {
    running += toInt(b.count);
    const area = (running * 100.0) / sum;
    if (area >= p) return Math.fround(Math.fround(b.lower + b.upper) / 2);
  }
  return 0.0;
}

/**
 * Java's Float.toString of a float32 value: the shortest decimal that reads back as the same
 * float, `1.0` for whole numbers, computerized scientific notation (`1.0E7`, `1.0E-4`)
 * outside [1e-3, 1e7). Used in the names OpenTSDB gives percentile and bucket series.
 */
export function javaFloatString(f: number): string {
  if (f !== f) return 'NaN';
  if (f === Infinity) return 'Infinity';
  if (f === -Infinity) return '-Infinity';
  if (f === 0) return 1 / f < 0 ? '-0.0' : '0.0';
  let digits = '';
  for (let p = 1; p <= 9; p++) {
    const s = f.toPrecision(p);
    if (Math.fround(Number(s)) === f) {
      digits = s;
      break;
    }
  }
  const x = Number(digits);
  const abs = Math.abs(x);
  if (abs >= 1e-3 && abs < 1e7) {
    const plain = String(x);
    return plain.includes('.') ? plain : `${plain}.0`;
  }
  const [mantissa, exponent] = x.toExponential().split('e') as [string, string];
  const m = mantissa.includes('.') ? mantissa : `${mantissa}.0`;
  return `${m}E${exponent.startsWith('+') ? exponent.slice(1) : exponent}`;
}
