/**
 * Aggregation across the series of one group (OpenTSDB's AggregationIterator): walks
 * the union of the members' timestamps; at each one a member with a point there gives
 * it, a member between two of its points gives the aggregator's interpolation (for rates:
 * its latest rate), and a member before its first or after its last point is left out.
 * The result is integer when no point the iteration holds (each member's current and next
 * point) is a double, as OpenTSDB's isInteger() decides.
 * A group of one series still runs the aggregator (count gives 1, dev 0), as OpenTSDB does.
 */
import { ValueKind, type Aggregator, type TimeSlice } from '../../core';

const FLOAT_KIND: number = ValueKind.Float;
import { allocColumns, isZeroFlags, pushPoint, trimColumns, type DiscreteColumns, type NumericColumns } from './columns';

const LONG_MAX = 9223372036854775807n;
const LONG_MIN = -9223372036854775808n;

let doubles = new Float64Array(256);
let longs = new BigInt64Array(256);

/** Member values visited between two looks at the time slice: a group costs (timestamps × members). */
const WORK_BLOCK = 1 << 16;
/** Members set up between two looks at the time slice (a power of two). */
const SETUP_BLOCK = 4096;

/**
 * Asynchronous because a group of k members over T timestamps costs T × k (100k series
 * with distinct timestamps: 10^10): every WORK_BLOCK member visits it looks at `slice`
 * and, when the slice is used up, yields to the event loop (a QueryBudget's pause also
 * throws past the query's deadline).
 */
export async function aggregateGroup(members: readonly NumericColumns[], agg: Aggregator, isRate: boolean, slice: TimeSlice): Promise<NumericColumns> {
  // the setup below walks every member: it starts a slice of its own (100k members take tens of ms)
  if (slice.due()) await slice.pause();
  const k = members.length;
  // both scratch arrays grow together: a later call sizes them by `doubles` alone
  if (doubles.length < k) {
    doubles = new Float64Array(k * 2);
    longs = new BigInt64Array(k * 2);
  }
  if (k > 1 && sharesTimestamps(members, members[0]!.length)) return aggregateAligned(members, agg, members[0]!.length, slice);
  // Columns pulled out of the member objects once, so the loops below index arrays only.
  // Imported functions and aggregator methods are read once here: the loop below must not
  // meet a property access for the first time after V8 optimized it (it would deopt on exit).
  const push = pushPoint;
  const trim = trimColumns;
  const aggregate = agg.aggregate;
  const aggregateIntegers = agg.aggregateIntegers;
  const scratch = doubles; // locals: module-level bindings cost a context load per access
  const scratchLongs = longs;
  // One pass over the members, looking at the slice every SETUP_BLOCK of them: five maps
  // over 100k members held the event loop 30–90 ms in one piece (a telnet put waited that
  // long behind the query-budget test's `sum` over 100k series).
  const seeds: (number | undefined)[] = [];
  const tsOf: Float64Array[] = [];
  const valuesOf: Float64Array[] = [];
  const intsOf: BigInt64Array[] = [];
  const isIntOf: Uint8Array[] = [];
  const lengths = new Int32Array(k);
  for (let i = 0; i < k; i++) {
    const m = members[i]!;
    seeds.push(m.rateSeed);
    tsOf.push(m.timestamps);
    valuesOf.push(m.values);
    intsOf.push(m.ints);
    isIntOf.push(m.isInt);
    lengths[i] = m.length;
    if ((i & (SETUP_BLOCK - 1)) === SETUP_BLOCK - 1 && slice.due()) await slice.pause();
  }
  const cursor = new Int32Array(k); // index of each member's next point at or after t
  const next = new Float64Array(k); // timestamp at the cursor, Infinity once a member is done
  let longest = 0;
  for (let i = 0; i < k; i++) {
    next[i] = lengths[i]! > 0 ? tsOf[i]![0]! : Infinity;
    if (lengths[i]! > longest) longest = lengths[i]!;
  }
  // at least the longest member's timestamps; grown by doubling past that
  let out = allocColumns(Math.max(16, Math.min(longest * 2, 1 << 16)));
  const method = agg.interpolation;
  const hasIntegers = aggregateIntegers !== undefined;
  let t = Infinity;
  for (let i = 0; i < k; i++) if (next[i]! < t) t = next[i]!;
  let work = 0;
  while (t !== Infinity) {
    work += k;
    if (work >= WORK_BLOCK) {
      work = 0;
      // Nothing is held in the shared scratch arrays across the pause (they are filled
      // and reduced within one timestamp), so another query may use them meanwhile.
      if (slice.due()) await slice.pause();
    }
    let following = Infinity; // the next timestamp, found in the same pass over the members
    let count = 0;
    let allInt = hasIntegers && !isRate; // rates are doubles
    for (let i = 0; i < k; i++) {
      const c = cursor[i]!;
      const isInt = isIntOf[i]!;
      if (next[i] === t) {
        scratch[count] = valuesOf[i]![c]!;
        if (isInt[c] === 1) scratchLongs[count] = intsOf[i]![c]!;
        else allInt = false;
        count++;
        cursor[i] = c + 1;
        const n = c + 1 < lengths[i]! ? tsOf[i]![c + 1]! : Infinity;
        next[i] = n;
        if (n < following) following = n;
        continue;
      }
      if (next[i]! < following) following = next[i]!;
      if (c === 0) {
        // Not started. With rates, OpenTSDB already holds the rate against time zero.
        const seed = seeds[i];
        if (isRate && seed !== undefined) scratch[count++] = seed;
        continue;
      }
      if (c >= lengths[i]!) continue; // ended
      const p = c - 1;
      const prevInt = isInt[p] === 1;
      if (isRate || method === 'prev') {
        scratch[count] = valuesOf[i]![p]!;
        if (prevInt) scratchLongs[count] = intsOf[i]![p]!;
        else allInt = false;
        count++;
        continue;
      }
      const bothInt = prevInt && isInt[c] === 1;
      if (!bothInt) allInt = false;
      switch (method) {
        case 'lerp': {
          const ts = tsOf[i]!;
          const values = valuesOf[i]!;
          const x0 = ts[p]!;
          const x1 = ts[c]!;
          const y0 = values[p]!;
          scratch[count] = y0 + ((t - x0) * (values[c]! - y0)) / (x1 - x0);
          if (bothInt) {
            const ints = intsOf[i]!;
            // Java long arithmetic: y0 + (x - x0) * (y1 - y0) / (x1 - x0), each step wrapping
            const y0l = ints[p]!;
            const product = BigInt.asIntN(64, BigInt(t - x0) * BigInt.asIntN(64, ints[c]! - y0l));
            scratchLongs[count] = BigInt.asIntN(64, y0l + product / BigInt(x1 - x0));
          }
          break;
        }
        case 'zim':
          scratch[count] = 0;
          scratchLongs[count] = 0n;
          break;
        case 'max':
          scratch[count] = Number.MAX_VALUE;
          scratchLongs[count] = LONG_MAX;
          break;
        case 'min':
          scratch[count] = -Number.MAX_VALUE;
          scratchLongs[count] = LONG_MIN;
          break;
      }
      count++;
    }
    // OpenTSDB's AggregationIterator.isInteger(): integer mode only when no buffered point
    // is a double — each member's current point and the next one it has read ahead.
    if (allInt) {
      for (let i = 0; i < k && allInt; i++) {
        const c = cursor[i]!;
        const isInt = isIntOf[i]!;
        if (c < lengths[i]!) {
          if (isInt[c] === 0 || (c > 0 && isInt[c - 1] === 0)) allInt = false;
        } else if (c > 0 && tsOf[i]![c - 1] === t && isInt[c - 1] === 0) {
          allInt = false;
        }
      }
    }
    if (allInt) {
      const r = aggregateIntegers!.call(agg, scratchLongs, count);
      out = push(out, t, Number(r), r, 1);
    } else {
      out = push(out, t, aggregate.call(agg, scratch, count), 0n, 0);
    }
    t = following;
  }
  return trim(out);
}

/** Whether every member has the same timestamps, and only doubles (the common case of downsampled series). */
function sharesTimestamps(members: readonly NumericColumns[], n: number): boolean {
  const first = members[0]!.timestamps;
  for (const m of members) {
    if (m.length !== n) return false;
    const ts = m.timestamps;
    // one array (an engine shares bucket starts across series; rates keep them): equal
    if (ts.buffer !== first.buffer || ts.byteOffset !== first.byteOffset) {
      for (let j = 0; j < n; j++) if (ts[j] !== first[j]) return false;
    }
    if (!isZeroFlags(m.isInt)) {
      const isInt = m.isInt;
      for (let j = 0; j < n; j++) if (isInt[j] !== 0) return false;
    }
  }
  return true;
}

/**
 * aggregateGroup where every member has a point at every timestamp and no member holds an
 * integer: no interpolation and no integer mode can occur, so each timestamp reduces the
 * members' values in member order — the same calls the general walk makes, without its
 * per-member bookkeeping.
 */
async function aggregateAligned(members: readonly NumericColumns[], agg: Aggregator, n: number, slice: TimeSlice): Promise<NumericColumns> {
  const k = members.length;
  const out = allocColumns(n);
  const timestamps = members[0]!.timestamps;
  const valuesOf = members.map((m) => m.values);
  const scratch = doubles;
  const aggregate = agg.aggregate;
  let work = 0;
  for (let j = 0; j < n; j++) {
    for (let i = 0; i < k; i++) scratch[i] = valuesOf[i]![j]!;
    out.timestamps[j] = timestamps[j]!;
    out.values[j] = aggregate.call(agg, scratch, k);
    work += k;
    if (work >= WORK_BLOCK) {
      work = 0;
      if (slice.due()) await slice.pause();
    }
  }
  out.length = n;
  return out;
}

/**
 * Strings and JSON: members contribute only at their own timestamps (no interpolation).
 * A numeric member's NaN (a `nan` fill policy's empty bucket, as numericToDiscrete gives
 * it: a float `NaN`) is no value: the others are aggregated without it, and a timestamp
 * where every value is NaN gets the numeric aggregator's answer over them (count 0, last
 * NaN), as a group of numbers only does. Before, `count` counted each NaN as a value.
 */
export function aggregateDiscreteGroup(members: readonly DiscreteColumns[], agg: Aggregator): DiscreteColumns {
  const k = members.length;
  const cursor = new Int32Array(k);
  const timestamps: number[] = [];
  const texts: string[] = [];
  const kinds: number[] = [];
  const values: string[] = [];
  const valueKinds: number[] = [];
  for (;;) {
    let t = Infinity;
    for (let i = 0; i < k; i++) {
      const m = members[i]!;
      const c = cursor[i]!;
      if (c < m.length && m.timestamps[c]! < t) t = m.timestamps[c]!;
    }
    if (t === Infinity) break;
    values.length = 0;
    valueKinds.length = 0;
    let nans = 0;
    for (let i = 0; i < k; i++) {
      const m = members[i]!;
      const c = cursor[i]!;
      if (c < m.length && m.timestamps[c] === t) {
        cursor[i] = c + 1;
        if (m.kinds[c] === FLOAT_KIND && m.texts[c] === 'NaN') {
          nans++;
          continue;
        }
        values.push(m.texts[c]!);
        valueKinds.push(m.kinds[c]!);
      }
    }
    const result = values.length === 0 ? agg.aggregate(new Float64Array(nans).fill(NaN), nans) : agg.aggregateDiscrete!(values, values.length);
    timestamps.push(t);
    if (typeof result === 'number') {
      texts.push(String(result));
      kinds.push(Number.isInteger(result) ? 1 : FLOAT_KIND);
    } else {
      texts.push(result);
      kinds.push(valueKinds[Math.max(0, values.indexOf(result))]!);
    }
  }
  return { length: timestamps.length, timestamps: Float64Array.from(timestamps), texts, kinds: Uint8Array.from(kinds) };
}
