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
  const counts = new Map<T, number>(); // insertion order = order first seen
  for (let i = 0; i < count; i++) counts.set(values[i]!, (counts.get(values[i]!) ?? 0) + 1);
  let best: T = values[0]!;
  let bestCount = 0;
  for (const [value, n] of counts) {
    if (n > bestCount) {
      best = value;
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
