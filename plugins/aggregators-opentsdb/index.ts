/**
 * `aggregators-opentsdb`: every aggregator of OpenTSDB 2.4 (35 names), registered on the
 * `query.aggregators` hook. One module per family.
 */
import { definePlugin, type Aggregator } from '../../core';
import { countingFamily } from './counting';
import { extremesFamily } from './extremes';
import { momentsFamily } from './moments';
import { percentileFamily } from './percentiles';
import { sequenceFamily } from './sequence';
import { sumFamily } from './sums';

export const OPENTSDB_AGGREGATORS: readonly Aggregator[] = [
  ...sumFamily,
  ...extremesFamily,
  ...momentsFamily,
  ...countingFamily,
  ...sequenceFamily,
  ...percentileFamily,
];

export default definePlugin({
  name: 'aggregators-opentsdb',
  register({ hooks }) {
    hooks.query.aggregators.tap('aggregators-opentsdb', (aggregators) => {
      for (const aggregator of OPENTSDB_AGGREGATORS) aggregators.add(aggregator.name, aggregator, 'aggregators-opentsdb');
    });
  },
});
