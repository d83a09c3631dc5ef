/**
 * The summing family: sum (lerp), zimsum (missing ⇒ 0), pfsum (missing ⇒ previous value)
 * and squareSum. Doubles skip NaN (all NaN ⇒ NaN); longs wrap like Java's.
 */
import type { Aggregator, Interpolation } from '../../core';

function sumDoubles(values: Float64Array, count: number): number {
  let sum = 0;
  let seen = false;
  for (let i = 0; i < count; i++) {
    const v = values[i]!;
    if (v !== v) continue; // NaN
    sum += v;
    seen = true;
  }
  return seen ? sum : NaN;
}

function sumLongs(values: BigInt64Array, count: number): bigint {
  let sum = 0n;
  for (let i = 0; i < count; i++) sum += values[i]!;
  return BigInt.asIntN(64, sum);
}

function summing(name: string, interpolation: Interpolation, description: string): Aggregator {
  return { name, interpolation, description, aggregate: sumDoubles, aggregateIntegers: sumLongs };
}

export const sumFamily: Aggregator[] = [
  summing('sum', 'lerp', 'Adds the values; missing points are linearly interpolated'),
  summing('zimsum', 'zim', 'Adds the values; a series without a point at a timestamp counts as 0'),
  summing('pfsum', 'prev', 'Adds the values; a series without a point repeats its previous value'),
  {
    name: 'squareSum',
    interpolation: 'zim',
    description: 'Sum of the squares of the values',
    aggregate(values, count) {
      let sum = 0;
      let seen = false;
      for (let i = 0; i < count; i++) {
        const v = values[i]!;
        if (v !== v) continue;
        sum += v * v;
        seen = true;
      }
      return seen ? sum : NaN;
    },
    aggregateIntegers(values, count) {
      let sum = 0n;
      for (let i = 0; i < count; i++) sum += values[i]! * values[i]!;
      return BigInt.asIntN(64, sum);
    },
  },
];
