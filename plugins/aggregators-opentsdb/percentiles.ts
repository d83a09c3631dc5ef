/**
 * median and the percentiles, computed as Apache commons-math's `Percentile` does
 * (OpenTSDB uses it): the LEGACY estimator for pNN, R-3 / R-7 for epNNr3 / epNNr7.
 * OpenTSDB applies the estimators only to integer inputs and quietly uses the
 * LEGACY one for doubles; DSDB gives the same numbers, so it does the same.
 */
import type { Aggregator } from '../../core';
import { javaLong } from './java-long';

export type Estimation = 'legacy' | 'r3' | 'r7';

let sortScratch = new Float64Array(64);

/** Copies the non-NaN values into a sorted scratch array; returns their count. */
function sortedNonNaN(values: Float64Array, count: number): number {
  if (sortScratch.length < count) sortScratch = new Float64Array(count * 2);
  let n = 0;
  for (let i = 0; i < count; i++) {
    const v = values[i]!;
    if (v === v) sortScratch[n++] = v;
  }
  sortScratch.subarray(0, n).sort();
  return n;
}

/** commons-math EstimationType.index(p, length) for p in (0, 1]. */
function estimationIndex(estimation: Estimation, p: number, length: number): number {
  switch (estimation) {
    case 'legacy':
      return p === 1 ? length : p * (length + 1);
    case 'r3':
      return p <= 0.5 / length ? 0 : roundHalfEven(length * p);
    case 'r7':
      return p === 1 ? length : 1 + (length - 1) * p;
  }
}

/** Java's Math.rint. */
function roundHalfEven(x: number): number {
  const floor = Math.floor(x);
  const diff = x - floor;
  if (diff < 0.5) return floor;
  if (diff > 0.5) return floor + 1;
  return floor % 2 === 0 ? floor : floor + 1;
}

/** commons-math AbstractStorelessUnivariateStatistic estimate over the sorted scratch. */
export function percentileOfSorted(sorted: Float64Array, length: number, quantile: number, estimation: Estimation): number {
  if (length === 0) return NaN;
  if (length === 1) return sorted[0]!;
  const pos = estimationIndex(estimation, quantile, length);
  const fpos = Math.floor(pos);
  const dif = pos - fpos;
  if (pos < 1) return sorted[0]!;
  if (pos >= length) return sorted[length - 1]!;
  const lower = sorted[fpos - 1]!;
  const upper = sorted[fpos]!;
  return lower + dif * (upper - lower);
}

function percentile(name: string, percent: number, estimation: Estimation): Aggregator {
  const quantile = percent / 100;
  return {
    name,
    interpolation: 'lerp',
    description: `${percent}th percentile (${estimation === 'legacy' ? 'commons-math default' : estimation.toUpperCase().replace('R', 'R-')} estimation)`,
    aggregate(values, count) {
      const n = sortedNonNaN(values, count);
      return percentileOfSorted(sortScratch, n, quantile, 'legacy');
    },
    aggregateIntegers(values, count) {
      if (sortScratch.length < count) sortScratch = new Float64Array(count * 2);
      for (let i = 0; i < count; i++) sortScratch[i] = Number(values[i]!);
      sortScratch.subarray(0, count).sort();
      return javaLong(percentileOfSorted(sortScratch, count, quantile, estimation));
    },
  };
}

const PERCENTS: [string, number][] = [
  ['999', 99.9],
  ['99', 99],
  ['95', 95],
  ['90', 90],
  ['75', 75],
  ['50', 50],
];

export const percentileFamily: Aggregator[] = [
  {
    name: 'median',
    interpolation: 'lerp',
    description: 'The upper median: sorted[n / 2]',
    aggregate(values, count) {
      const n = sortedNonNaN(values, count);
      return n === 0 ? NaN : sortScratch[n >> 1]!;
    },
    aggregateIntegers(values, count) {
      const sorted = values.slice(0, count).sort();
      return sorted[count >> 1]!;
    },
  },
  ...PERCENTS.map(([suffix, percent]) => percentile(`p${suffix}`, percent, 'legacy')),
  ...PERCENTS.map(([suffix, percent]) => percentile(`ep${suffix}r3`, percent, 'r3')),
  ...PERCENTS.map(([suffix, percent]) => percentile(`ep${suffix}r7`, percent, 'r7')),
];
