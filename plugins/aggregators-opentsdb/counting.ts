/**
 * count: how many series have a value at a timestamp (ZIM, so a series between two of
 * its points counts too, as in OpenTSDB), or how many points fall in a bucket. Doubles
 * do not count NaN. Also counts strings and JSON values.
 */
import type { Aggregator } from '../../core';

export const countingFamily: Aggregator[] = [
  {
    name: 'count',
    interpolation: 'zim',
    description: 'Number of values',
    aggregate(values, count) {
      let n = 0;
      for (let i = 0; i < count; i++) if (values[i] === values[i]) n++;
      return n;
    },
    // partial counts add up (whole numbers, exact far beyond any bucket's size)
    merge(partials, count) {
      let n = 0;
      for (let i = 0; i < count; i++) n += partials[i]!;
      return n;
    },
    // finite values are never NaN: all of them count
    ofFinite: (count) => count,
    aggregateIntegers: (_values, count) => BigInt(count),
    aggregateDiscrete: (_values, count) => count,
  },
];
