/**
 * min/max (lerp) and mimmin/mimmax, whose missing points are filled with the opposite
 * extreme of the type so that they never win. Doubles skip NaN (all NaN ⇒ NaN).
 */
import type { Aggregator, Interpolation } from '../../core';

function minDoubles(values: Float64Array, count: number): number {
  let min = NaN;
  for (let i = 0; i < count; i++) {
    const v = values[i]!;
    if (v !== v) continue;
    if (!(v >= min)) min = v; // also true while min is NaN
  }
  return min;
}

function maxDoubles(values: Float64Array, count: number): number {
  let max = NaN;
  for (let i = 0; i < count; i++) {
    const v = values[i]!;
    if (v !== v) continue;
    if (!(v <= max)) max = v;
  }
  return max;
}

function minLongs(values: BigInt64Array, count: number): bigint {
  let min = values[0]!;
  for (let i = 1; i < count; i++) if (values[i]! < min) min = values[i]!;
  return min;
}

function maxLongs(values: BigInt64Array, count: number): bigint {
  let max = values[0]!;
  for (let i = 1; i < count; i++) if (values[i]! > max) max = values[i]!;
  return max;
}

const min = (name: string, interpolation: Interpolation, description: string): Aggregator => ({
  name,
  interpolation,
  description,
  aggregate: minDoubles,
  // the first smallest of the parts' first smallest is the first smallest of all (NaN parts skipped)
  merge: minDoubles,
  aggregateIntegers: minLongs,
});
const max = (name: string, interpolation: Interpolation, description: string): Aggregator => ({
  name,
  interpolation,
  description,
  aggregate: maxDoubles,
  merge: maxDoubles,
  aggregateIntegers: maxLongs,
});

export const extremesFamily: Aggregator[] = [
  min('min', 'lerp', 'Smallest value; missing points are linearly interpolated'),
  max('max', 'lerp', 'Largest value; missing points are linearly interpolated'),
  min('mimmin', 'max', 'Smallest value; series without a point at a timestamp are ignored'),
  max('mimmax', 'min', 'Largest value; series without a point at a timestamp are ignored'),
];
