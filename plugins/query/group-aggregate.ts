/**
 * Aggregation across the series of one group (OpenTSDB's AggregationIterator): walks
 * the union of the members' timestamps; at each one a member with a point there gives
 * it, a member between two of its points gives the aggregator's interpolation (for rates:
 * its latest rate), and a member before its first or after its last point is left out.
 * The result is integer when every contribution is (lerp/fill of two integer points).
 * A group of one series still runs the aggregator (count gives 1, dev 0), as OpenTSDB does.
 */
import type { Aggregator } from '../../core';
import { allocColumns, pushPoint, trimColumns, type DiscreteColumns, type NumericColumns } from './columns';

const LONG_MAX = 9223372036854775807n;
const LONG_MIN = -9223372036854775808n;

let doubles = new Float64Array(256);
let longs = new BigInt64Array(256);

export function aggregateGroup(members: readonly NumericColumns[], agg: Aggregator, isRate: boolean): NumericColumns {
  const k = members.length;
  if (doubles.length < k) {
    doubles = new Float64Array(k * 2);
    longs = new BigInt64Array(k * 2);
  }
  const cursor = new Int32Array(k); // index of each member's next point at or after t
  let total = 0;
  for (const m of members) total += m.length;
  let out = allocColumns(Math.min(total, 1 << 16));
  const method = agg.interpolation;
  const hasIntegers = agg.aggregateIntegers !== undefined;
  for (;;) {
    let t = Infinity;
    for (let i = 0; i < k; i++) {
      const m = members[i]!;
      const c = cursor[i]!;
      if (c < m.length && m.timestamps[c]! < t) t = m.timestamps[c]!;
    }
    if (t === Infinity) break;
    let count = 0;
    let allInt = hasIntegers;
    for (let i = 0; i < k; i++) {
      const m = members[i]!;
      const c = cursor[i]!;
      if (c < m.length && m.timestamps[c] === t) {
        doubles[count] = m.values[c]!;
        if (m.isInt[c] === 1) longs[count] = m.ints[c]!;
        else allInt = false;
        count++;
        cursor[i] = c + 1;
        continue;
      }
      if (c === 0 || c >= m.length) continue; // not started, or ended
      const p = c - 1;
      const prevInt = m.isInt[p] === 1;
      if (isRate || method === 'prev') {
        doubles[count] = m.values[p]!;
        if (prevInt) longs[count] = m.ints[p]!;
        else allInt = false;
        count++;
        continue;
      }
      const bothInt = prevInt && m.isInt[c] === 1;
      if (!bothInt) allInt = false;
      switch (method) {
        case 'lerp': {
          const x0 = m.timestamps[p]!;
          const x1 = m.timestamps[c]!;
          const y0 = m.values[p]!;
          doubles[count] = y0 + ((t - x0) * (m.values[c]! - y0)) / (x1 - x0);
          if (bothInt) longs[count] = m.ints[p]! + (BigInt(t - x0) * (m.ints[c]! - m.ints[p]!)) / BigInt(x1 - x0);
          break;
        }
        case 'zim':
          doubles[count] = 0;
          longs[count] = 0n;
          break;
        case 'max':
          doubles[count] = Number.MAX_VALUE;
          longs[count] = LONG_MAX;
          break;
        case 'min':
          doubles[count] = -Number.MAX_VALUE;
          longs[count] = LONG_MIN;
          break;
      }
      count++;
    }
    if (allInt) {
      const r = agg.aggregateIntegers!(longs, count);
      out = pushPoint(out, t, Number(r), r, 1);
    } else {
      out = pushPoint(out, t, agg.aggregate(doubles, count), 0n, 0);
    }
  }
  return trimColumns(out);
}

/** Strings and JSON: members contribute only at their own timestamps (no interpolation). */
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
    for (let i = 0; i < k; i++) {
      const m = members[i]!;
      const c = cursor[i]!;
      if (c < m.length && m.timestamps[c] === t) {
        values.push(m.texts[c]!);
        valueKinds.push(m.kinds[c]!);
        cursor[i] = c + 1;
      }
    }
    const result = agg.aggregateDiscrete!(values, values.length);
    timestamps.push(t);
    if (typeof result === 'number') {
      texts.push(String(result));
      kinds.push(Number.isInteger(result) ? 1 : 2);
    } else {
      texts.push(result);
      kinds.push(valueKinds[Math.max(0, values.indexOf(result))]!);
    }
  }
  return { length: timestamps.length, timestamps: Float64Array.from(timestamps), texts, kinds: Uint8Array.from(kinds) };
}
