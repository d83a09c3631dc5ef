/**
 * Functions of the order of the values: first, last, diff (last − first), mult (the
 * product, NaN not skipped) and none (no aggregation at all). first, last and none also
 * apply to strings and JSON values.
 */
import type { Aggregator } from '../../core';

export const sequenceFamily: Aggregator[] = [
  {
    name: 'first',
    interpolation: 'zim',
    description: 'The first value',
    aggregate: (values) => values[0]!,
    aggregateIntegers: (values) => values[0]!,
    aggregateDiscrete: (values) => values[0]!,
  },
  {
    name: 'last',
    interpolation: 'zim',
    description: 'The last value',
    aggregate: (values, count) => values[count - 1]!,
    aggregateIntegers: (values, count) => values[count - 1]!,
    aggregateDiscrete: (values, count) => values[count - 1]!,
  },
  {
    name: 'diff',
    interpolation: 'lerp',
    description: 'The last value minus the first (0 for one value)',
    // Aggregators.Diff.runDouble: the first non-NaN value, then the very last one (NaN or not)
    aggregate(values, count) {
      let i = 0;
      while (i < count && values[i] !== values[i]) i++;
      if (i >= count) return NaN;
      if (i === count - 1) return 0;
      return values[count - 1]! - values[i]!;
    },
    aggregateIntegers: (values, count) => (count < 2 ? 0n : BigInt.asIntN(64, values[count - 1]! - values[0]!)),
  },
  {
    name: 'mult',
    interpolation: 'lerp',
    description: 'Product of the values',
    aggregate(values, count) {
      let product = 1;
      for (let i = 0; i < count; i++) product *= values[i]!;
      return product;
    },
    aggregateIntegers(values, count) {
      let product = 1n;
      for (let i = 0; i < count; i++) product = BigInt.asIntN(64, product * values[i]!);
      return product;
    },
  },
  {
    name: 'none',
    interpolation: 'zim',
    description: 'No aggregation: every series is returned on its own',
    passThrough: true,
    aggregate: (values) => values[0]!,
    aggregateIntegers: (values) => values[0]!,
    aggregateDiscrete: (values) => values[0]!,
  },
];
