/**
 * Numeric series in columns, the form every stage (downsample, rate, group) reads and
 * writes. A value is exact in `ints` when `isInt` is 1 (64-bit, beyond 2^53), and its
 * double form is always in `values`.
 */
export interface NumericColumns {
  length: number;
  timestamps: Float64Array;
  values: Float64Array;
  ints: BigInt64Array;
  isInt: Uint8Array;
  /**
   * Rates only: OpenTSDB's RateSpan first yields a rate against time zero (v0 / t0), which
   * the aggregation never emits but uses as the series' value at timestamps before its
   * first real rate. Undefined when the series has no rate.
   */
  rateSeed?: number;
}

export function allocColumns(capacity: number): NumericColumns {
  return {
    length: 0,
    timestamps: new Float64Array(capacity),
    values: new Float64Array(capacity),
    ints: new BigInt64Array(capacity),
    isInt: new Uint8Array(capacity),
  };
}

/** Shared zero columns: the integer parts of columns that hold only doubles. Read, never written. */
let zeroInts = new BigInt64Array(1024);
let zeroFlags = new Uint8Array(1024);

/**
 * Columns of `capacity` doubles (downsampled values, rates): timestamps and values are
 * their own; `ints` and `isInt` are views of shared zeros, so nothing may write to them
 * (pushPoint must not be used on them).
 */
export function doubleColumns(timestamps: Float64Array, values: Float64Array, length: number): NumericColumns {
  if (zeroFlags.length < length) {
    zeroInts = new BigInt64Array(length * 2);
    zeroFlags = new Uint8Array(length * 2);
    zeroViews.clear();
  }
  // the views by length: series of one query mostly share a length
  let views = zeroViews.get(length);
  if (views === undefined) {
    if (zeroViews.size > 256) zeroViews.clear();
    zeroViews.set(length, (views = { ints: zeroInts.subarray(0, length), isInt: zeroFlags.subarray(0, length) }));
  }
  return { length, timestamps, values, ints: views.ints, isInt: views.isInt };
}

const zeroViews = new Map<number, { ints: BigInt64Array; isInt: Uint8Array }>();

/** Whether `isInt` is a view of the shared zeros (doubleColumns): no integer in it. */
export function isZeroFlags(isInt: Uint8Array): boolean {
  return isInt.buffer === zeroFlags.buffer;
}

/**
 * Float64Array slices carved from large blocks, for the many small columns of one query
 * (a rate per series): V8 creates a backing store per typed array above 64 bytes, which
 * costs more than the loop that fills it. The slices live as long as any is referenced.
 */
export class DoubleArena {
  private block = new Float64Array(0);
  private used = 0;

  take(n: number): Float64Array {
    if (this.used + n > this.block.length) {
      if (n > 8192) return new Float64Array(n);
      this.block = new Float64Array(1 << 16);
      this.used = 0;
    }
    const out = this.block.subarray(this.used, this.used + n);
    this.used += n;
    return out;
  }
}

/** Trims the columns to `length` (views, no copy). */
export function trimColumns(c: NumericColumns): NumericColumns {
  if (c.length === c.timestamps.length) return c;
  return {
    length: c.length,
    timestamps: c.timestamps.subarray(0, c.length),
    values: c.values.subarray(0, c.length),
    ints: c.ints.subarray(0, c.length),
    isInt: c.isInt.subarray(0, c.length),
  };
}

/** Appends one point, doubling the columns when full; returns the (maybe new) columns. */
export function pushPoint(c: NumericColumns, timestamp: number, value: number, int: bigint, isInt: number): NumericColumns {
  if (c.length === c.timestamps.length) c = growColumns(c, Math.max(16, c.length * 2));
  const i = c.length++;
  c.timestamps[i] = timestamp;
  c.values[i] = value;
  c.ints[i] = int;
  c.isInt[i] = isInt;
  return c;
}

function growColumns(c: NumericColumns, capacity: number): NumericColumns {
  const next = allocColumns(capacity);
  next.timestamps.set(c.timestamps.subarray(0, c.length));
  next.values.set(c.values.subarray(0, c.length));
  next.ints.set(c.ints.subarray(0, c.length));
  next.isInt.set(c.isInt.subarray(0, c.length));
  next.length = c.length;
  return next;
}

/** Strings and JSON values of a series, for the discrete aggregators. */
export interface DiscreteColumns {
  length: number;
  timestamps: Float64Array;
  /** the value as text: strings as is, JSON as canonical JSON text, numbers in decimal */
  texts: string[];
  /** ValueKind of each value (JSON values are serialized as objects, not strings) */
  kinds: Uint8Array;
}

/** A float as the text a discrete column holds: String(x), but -0 keeps its sign (String(-0) is "0"; the serializer writes -0.0, as for a numeric series). */
export function floatText(x: number): string {
  return x === 0 && 1 / x < 0 ? '-0' : String(x);
}
