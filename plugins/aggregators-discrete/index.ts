/**
 * `aggregators-discrete`: aggregators for series of strings and JSON values (which also
 * work on numbers): `distinct` counts the different values, `mode` gives the most
 * frequent one (ties: the one seen first). Counting, first, last and none come with
 * `aggregators-opentsdb`.
 */
import { definePlugin, type Aggregator } from '../../core';

function distinctCount<T>(values: ArrayLike<T>, count: number): number {
  const seen = new Set<T>();
  for (let i = 0; i < count; i++) seen.add(values[i]!);
  return seen.size;
}

function mostFrequent<T>(values: ArrayLike<T>, count: number): T {
  const counts = new Map<T, number>();
  let best = values[0]!;
  let bestCount = 0;
  for (let i = 0; i < count; i++) {
    const v = values[i]!;
    const n = (counts.get(v) ?? 0) + 1;
    counts.set(v, n);
    if (n > bestCount) {
      best = v;
      bestCount = n;
    }
  }
  return best;
}

export const DISCRETE_AGGREGATORS: readonly Aggregator[] = [
  {
    name: 'distinct',
    interpolation: 'zim',
    description: 'Number of distinct values (strings, JSON or numbers)',
    aggregate: (values, count) => distinctCount(values, count),
    aggregateIntegers: (values, count) => BigInt(distinctCount(values, count)),
    aggregateDiscrete: (values, count) => distinctCount(values, count),
  },
  {
    name: 'mode',
    interpolation: 'zim',
    description: 'The most frequent value (ties: the first seen)',
    aggregate: (values, count) => mostFrequent(values, count),
    aggregateIntegers: (values, count) => mostFrequent(values, count),
    aggregateDiscrete: (values, count) => mostFrequent(values, count),
  },
];

export default definePlugin({
  name: 'aggregators-discrete',
  register({ hooks }) {
    hooks.query.aggregators.tap('aggregators-discrete', (aggregators) => {
      for (const aggregator of DISCRETE_AGGREGATORS) aggregators.add(aggregator.name, aggregator, 'aggregators-discrete');
    });
  },
});
