// @ts-check
/**
 * aggregator-plugin: a third-party aggregator, the model for writing your own. Loaded by
 * path from a config:
 *
 *   plugins: [..., 'aggregators-opentsdb', 'query', './examples/aggregator-plugin']
 *
 * it adds `spread` (largest minus smallest value) on the `query.aggregators` hook. It then
 * shows up in /api/aggregators and works in queries (`m=spread:sys.cpu.user`) and as a
 * downsampler (`1m-spread`). It only talks to the kernel's hooks.
 */
// A plugin is a plain object ({ name, register }); `definePlugin` from 'dsdb' only adds
// types, so this file needs nothing at run time and loads from any folder.

/** @type {import('dsdb').Aggregator} */
const spread = {
  name: 'spread',
  // a series without a point at a timestamp is linearly interpolated, like `sum`
  interpolation: 'lerp',
  description: 'Largest value minus smallest value',
  // doubles: NaN values are skipped, as OpenTSDB's own aggregators do
  aggregate(values, count) {
    let min = Infinity;
    let max = -Infinity;
    for (let i = 0; i < count; i++) {
      const v = values[i];
      if (v !== v) continue;
      if (v < min) min = v;
      if (v > max) max = v;
    }
    return min === Infinity ? NaN : max - min;
  },
  // integers (used when every input is an integer): exact 64-bit arithmetic
  aggregateIntegers(values, count) {
    let min = values[0];
    let max = values[0];
    for (let i = 1; i < count; i++) {
      if (values[i] < min) min = values[i];
      if (values[i] > max) max = values[i];
    }
    return BigInt.asIntN(64, max - min);
  },
};

/** @type {import('dsdb').DsdbPlugin} */
module.exports = {
  name: 'aggregator-spread',
  version: '1.0.0',
  register({ hooks }) {
    hooks.query.aggregators.tap('aggregator-spread', (aggregators) => {
      aggregators.add(spread.name, spread, 'aggregator-spread');
    });
  },
};
