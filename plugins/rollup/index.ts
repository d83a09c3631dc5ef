/**
 * `rollup`: OpenTSDB 2.4's rollups and pre-aggregates (docs/rollups.md). Its options are
 * OpenTSDB's `tsd.rollups.config` (aggregationIds and intervals, inline or a JSON file)
 * and the other `tsd.rollups.*` settings; loading the plugin is `tsd.rollups.enable`.
 *
 * - `POST /api/rollup` and the telnet `rollup` command write rollup and pre-aggregated
 *   points through the writer into internal series of the configured storage engine
 *   (`:rollup:<table>:<aggregator>:<metric>`, never seen by raw queries, suggest or lookup);
 * - a tap on the query plugin's `plan` hook (lib/query) reads them when a query's
 *   downsample matches a configured interval, as OpenTSDB picks its rollup tables.
 */
import fs from 'node:fs';
import path from 'node:path';
import { ConfigError, definePlugin, Type, type Aggregator, type Registry, type StorageEngine } from '../../core';
import { getHttpHooks } from '../../lib/http';
import { ApiError } from '../../lib/opentsdb';
import { getQueryHooks } from '../../lib/query';
import { RollupConfig, type RollupConfigJson } from '../../lib/rollup';
import { getTelnetHooks } from '../../lib/telnet';
import type { RollupSettings } from './admit';
import { registerRollupRoute } from './http-route';
import { planSubQuery } from './query-plan';
import { rollupCommand } from './telnet-command';

const Interval = Type.Object(
  {
    table: Type.String({ minLength: 1 }),
    preAggregationTable: Type.String({ minLength: 1 }),
    interval: Type.String({ minLength: 1 }),
    rowSpan: Type.String({ minLength: 1 }),
    defaultInterval: Type.Optional(Type.Boolean()),
    delaySla: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);

export default definePlugin({
  name: 'rollup',
  dependencies: ['query'],
  enhances: ['http', 'telnet'],
  options: Type.Object(
    {
      /** OpenTSDB's rollup config JSON file (tsd.rollups.config ending in .json), relative to the config file */
      configFile: Type.Optional(Type.String({ minLength: 1 })),
      /** tsd.rollups.config inline: aggregator name → ID (0–127) */
      aggregationIds: Type.Optional(Type.Record(Type.String(), Type.Integer())),
      /** tsd.rollups.config inline: the intervals */
      intervals: Type.Optional(Type.Array(Interval)),
      /** tsd.rollups.tag_raw: tag rollups of raw data with aggTagKey=rawAggTagValue */
      tagRaw: Type.Boolean({ default: false }),
      /** tsd.rollups.agg_tag_key */
      aggTagKey: Type.String({ default: '_aggregate', minLength: 1 }),
      /** tsd.rollups.raw_agg_tag_value */
      rawAggTagValue: Type.String({ default: 'RAW', minLength: 1 }),
      /** tsd.rollups.block_derived: refuse avg and dev rollups/pre-aggregates (derive them from sum and count) */
      blockDerived: Type.Boolean({ default: true }),
    },
    { additionalProperties: false },
  ),
  register({ hooks, container, baseDir, configFile, configKey }, options) {
    const stats = { points: 0, failed: 0 };
    let json: RollupConfigJson;
    if (options.configFile) {
      const file = path.resolve(baseDir, options.configFile);
      try {
        json = JSON.parse(fs.readFileSync(file, 'utf8')) as RollupConfigJson;
      } catch (err) {
        throw new ConfigError(configFile, `${configKey}.configFile`, `Failed to open conf file: ${file} (${(err as Error).message})`);
      }
      if (options.aggregationIds || options.intervals) throw new ConfigError(configFile, configKey, 'give configFile or aggregationIds and intervals, not both');
    } else {
      json = { aggregationIds: options.aggregationIds ?? {}, intervals: options.intervals ?? [] };
    }
    // The config is checked at once (its aggregator names once the registries exist), so a bad one stops start-up.
    let settings: RollupSettings | undefined;
    const compile = (aggregators: Registry<Aggregator>): RollupSettings => {
      try {
        const config = new RollupConfig(json, (name) => aggregators.get(name) !== undefined);
        return { config, tagRaw: options.tagRaw, aggTagKey: options.aggTagKey, rawAggTagValue: options.rawAggTagValue, blockDerived: options.blockDerived };
      } catch (err) {
        throw new ConfigError(configFile, configKey, (err as Error).message);
      }
    };
    try {
      new RollupConfig(json); // structure now; aggregator names at kernel.starting
    } catch (err) {
      throw new ConfigError(configFile, configKey, (err as Error).message);
    }
    const aggregators = (): Registry<Aggregator> => container.resolve('aggregators');
    const current = (): RollupSettings => (settings ??= compile(aggregators()));
    hooks.kernel.starting.tapPromise('rollup', async () => {
      current();
    });
    const storage = (): StorageEngine => {
      if (!container.hasRegistration('storage')) throw new ApiError(503, 'No storage engine is configured');
      return container.resolve('storage');
    };
    const writer = container.resolve('writer');

    getHttpHooks(hooks).routes.tap('rollup', (app) => registerRollupRoute(app, current, writer, aggregators, stats));
    getTelnetHooks(hooks).commands.tap('rollup', (commands) => commands.add('rollup', rollupCommand(current, writer, aggregators, stats), 'rollup'));
    getQueryHooks(hooks).plan.tapPromise('rollup', async (sub) => planSubQuery(sub, current(), storage));
    hooks.kernel.collectStats.tap('rollup', (collector) => {
      collector.record('rollup.points', stats.points);
      collector.record('rollup.failed', stats.failed);
    });
  },
});
