/**
 * avg and dev. As in OpenTSDB, integer inputs give integer results: avg truncates the
 * integer division, dev truncates the double result. dev is Welford's algorithm exactly
 * as Aggregators.StdDev runs it: its divisor ends up being the number of values, so
 * the figure is the population standard deviation (one value ⇒ 0).
 */
import type { Aggregator } from '../../core';
import { javaLong } from './java-long';

function avgDoubles(values: Float64Array, count: number): number {
  let sum = 0;
  let n = 0;
  for (let i = 0; i < count; i++) {
    const v = values[i]!;
    if (v !== v) continue;
    sum += v;
    n++;
  }
  return n === 0 ? NaN : sum / n;
}

function avgLongs(values: BigInt64Array, count: number): bigint {
  let sum = 0n;
  for (let i = 0; i < count; i++) sum += values[i]!;
  // Java's long sum wraps before the division; BigInt division truncates toward zero like Java's.
  return BigInt.asIntN(64, sum) / BigInt(count);
}

/** Welford over the non-NaN values; `n` starts at 2 and the divisor is the final n - 1. */
function welford(values: Float64Array, count: number): number {
  let i = 0;
  while (i < count && values[i] !== values[i]) i++;
  if (i === count) return NaN;
  let oldMean = values[i++]!;
  let n = 2;
  let variance = 0;
  let more = false;
  for (; i < count; i++) {
    const x = values[i]!;
    if (x !== x) continue;
    more = true;
    const newMean = oldMean + (x - oldMean) / n;
    variance += (x - oldMean) * (x - newMean);
    oldMean = newMean;
    n++;
  }
  return more ? Math.sqrt(variance / (n - 1)) : 0;
}

const scratch = { doubles: new Float64Array(64) };

export const momentsFamily: Aggregator[] = [
  { name: 'avg', interpolation: 'lerp', description: 'Mean of the values (integer inputs: truncated integer mean)', aggregate: avgDoubles, aggregateIntegers: avgLongs },
  {
    name: 'dev',
    interpolation: 'lerp',
    description: 'Standard deviation of the values (Welford, as OpenTSDB computes it)',
    aggregate: welford,
    aggregateIntegers(values, count) {
      if (scratch.doubles.length < count) scratch.doubles = new Float64Array(count * 2);
      const doubles = scratch.doubles;
      for (let i = 0; i < count; i++) doubles[i] = Number(values[i]!);
      const dev = welford(doubles, count);
      return javaLong(dev);
    },
  },
];
