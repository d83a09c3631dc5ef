/**
 * The rollup plugin without the oracle: OpenTSDB's config rules (lib/rollup), where a rollup
 * point lands in time, and the plugin on the memory engine (rollups live in any engine's
 * ordinary series storage, apart from raw data). The comparison with OpenTSDB 2.4.1 itself
 * is test/oracle/rollup.test.ts.
 */
import { expect } from 'chai';
import { RollupConfig, rollupBaseTime, rollupScanRange, rollupTimestamp, parseRollupSeriesMetric, rollupSeriesMetric, type RollupConfigJson } from '../../lib/rollup';
import { startDaemon, type RunningDaemon } from '../helpers/daemon';

const BASE: RollupConfigJson = {
  aggregationIds: { sum: 0, count: 1, max: 3 },
  intervals: [
    { table: 'tsdb', preAggregationTable: 'tsdb-agg', interval: '1m', rowSpan: '1h', defaultInterval: true },
    { table: 'r1h', preAggregationTable: 'r1h-agg', interval: '1h', rowSpan: '1d' },
    { table: 'r10m', preAggregationTable: 'r10m-agg', interval: '10m', rowSpan: '1d' },
  ],
};

function configWith(change: (c: RollupConfigJson) => void): RollupConfig {
  const c = JSON.parse(JSON.stringify(BASE)) as RollupConfigJson;
  change(c);
  return new RollupConfig(c);
}

describe('rollup config (OpenTSDB 2.4 RollupConfig / RollupInterval rules)', () => {
  it('finds the intervals that divide a downsample interval, largest first', () => {
    const config = new RollupConfig(BASE);
    expect(config.bestMatches(3_600_000).map((i) => i.interval)).to.deep.equal(['1h', '10m', '1m']);
    expect(config.bestMatches(1_800_000).map((i) => i.interval)).to.deep.equal(['10m', '1m']);
    expect(config.bestMatches(90_000)).to.deep.equal([]);
    expect(config.idForAggregator('SUM')).to.equal(0);
    expect(() => config.idForAggregator('dev')).to.throw('No ID found mapping to aggregator: dev');
    expect(() => config.idForAggregator(undefined)).to.throw('Aggregator cannot be null or empty.');
  });

  it('refuses what OpenTSDB refuses, with its messages', () => {
    expect(() => configWith((c) => (c.intervals[0]!.defaultInterval = false))).to.throw('None of the rollup intervals were marked as the "default".');
    expect(() => configWith((c) => (c.intervals[1]!.defaultInterval = true))).to.throw('Multiple default intervals configured');
    expect(() => configWith((c) => (c.intervals[2]!.interval = '1h'))).to.throw('Only one interval of each type can be configured');
    expect(() => configWith((c) => (c.aggregationIds.min = 0))).to.throw("Multiple mappings for the ID '0' are not allowed.");
    expect(() => configWith((c) => (c.aggregationIds.sum = 128))).to.throw('ID for aggregator must be between 0 and 127');
    expect(() => configWith((c) => (c.intervals[1]!.rowSpan = '1h'))).to.throw('Interval [3600] is too large for the span [h]');
    expect(() => configWith((c) => (c.intervals[1]!.interval = '3h'))).to.throw('Not enough intervals [8] for the span. Must be at least [12]');
    expect(() => configWith((c) => (c.intervals[2]!.interval = '1s'))).to.throw('Too many intervals [86400] in the span');
    expect(() => configWith((c) => (c.intervals[2]!.rowSpan = '3h'))).to.throw('The multiplier must be 1 or an even value');
    expect(() => configWith((c) => (c.intervals[2]!.rowSpan = '2d'))).to.throw("Multipliers are only usable with the 'h' unit");
    expect(() => configWith((c) => (c.intervals = []))).to.throw('Rollup config given but no intervals were found.');
    expect(() => configWith((c) => (c.intervals[1]!.table = 'ns:table'))).to.throw('Invalid table name');
    expect(() => new RollupConfig(BASE, (name) => name !== 'max')).to.throw('No such aggregator found for max');
  });
});

describe('rollup row time (RollupUtils)', () => {
  const config = new RollupConfig({
    aggregationIds: { sum: 0 },
    intervals: [
      { table: 't', preAggregationTable: 'ta', interval: '1m', rowSpan: '1h', defaultInterval: true },
      { table: 'u', preAggregationTable: 'ua', interval: '11m', rowSpan: '1d' },
      { table: 'v', preAggregationTable: 'va', interval: '1d', rowSpan: '1y' },
      { table: 'w', preAggregationTable: 'wa', interval: '10m', rowSpan: '4h' },
      { table: 'x', preAggregationTable: 'xa', interval: '6h', rowSpan: '1n' },
    ],
  });
  const i = (name: string) => config.intervals.get(name)!;

  it('snaps to the interval grid counted from the row start (UTC), not from the epoch', () => {
    // 1700000000 = 2023-11-14T22:13:20Z; its day starts at 1699920000
    expect(rollupBaseTime(1_700_000_000, i('11m'))).to.equal(1_699_920_000);
    expect(rollupTimestamp(1_700_000_000, i('11m'))).to.equal(1_699_920_000 + 121 * 660);
    expect(rollupBaseTime(1_700_000_000, i('1d'))).to.equal(Date.UTC(2023, 0, 1) / 1000);
    expect(rollupTimestamp(1_700_000_000, i('1d'))).to.equal(1_699_920_000);
    expect(rollupBaseTime(1_700_000_000, i('10m'))).to.equal(1_700_000_000 - (1_700_000_000 % 14_400));
    expect(rollupBaseTime(1_700_000_000, i('6h'))).to.equal(Date.UTC(2023, 10, 1) / 1000);
  });

  it('reads rows from the start row through the row holding the end (the stop row: end + a row of intervals)', () => {
    const r = rollupScanRange(1_700_000_000_000, 1_700_003_600_000, i('11m'), false);
    expect(r.start).to.equal(1_699_920_000_000);
    expect(r.end).to.equal((1_699_920_000 + 86_400) * 1000 - 1);
    expect(rollupScanRange(1_699_920_000_000, 1_699_930_000_000, i('11m'), true).start).to.equal((1_699_920_000 - 86_400) * 1000);
    // one second more, always (OpenTSDB 2.4.1): 130 × 11m leave 600 s of a day, so an end at
    // 00:09:59 reads that day's row and one at 00:09:58 does not (checked against the real server)
    const day = 1_700_006_400;
    expect(rollupScanRange((day - 3600) * 1000, (day + 599) * 1000, i('11m'), false).end).to.equal((day + 86_400) * 1000 - 1);
    expect(rollupScanRange((day - 3600) * 1000, (day + 598) * 1000, i('11m'), false).end).to.equal(day * 1000 - 1);
  });

  it('names the internal series after table, aggregator and metric', () => {
    const name = rollupSeriesMetric('tsdb-rollup-1h', 'sum', 'sys.cpu');
    expect(name).to.equal(':rollup:tsdb-rollup-1h:sum:sys.cpu');
    expect(parseRollupSeriesMetric(name)).to.deep.equal({ table: 'tsdb-rollup-1h', aggregator: 'sum', metric: 'sys.cpu' });
    expect(parseRollupSeriesMetric('sys.cpu')).to.equal(undefined);
  });
});

describe('rollup plugin on the memory engine', function () {
  this.timeout(30_000);
  let d: RunningDaemon;
  let base = '';
  before(async () => {
    d = await startDaemon({
      plugins: ['http', 'telnet', 'storage-memory', 'put-http', 'aggregators-opentsdb', 'query', 'read-api', ['rollup', { ...BASE } as Record<string, unknown>]],
    });
    base = `http://127.0.0.1:${d.port}`;
  });
  after(() => d.stop());

  const post = async (path: string, body: unknown) => {
    const res = await fetch(base + path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  };

  it('stores rollups apart from raw data and reads them for a matching downsample', async () => {
    const t = 1_700_006_400; // a UTC day start
    expect((await post('/api/put', [{ metric: 'm', timestamp: t + 60, value: 1, tags: { h: 'a' } }])).status).to.equal(204);
    const w = await post('/api/rollup?summary', [
      { metric: 'm', timestamp: t + 60, value: 30, tags: { h: 'a' }, interval: '1h', aggregator: 'sum' },
      { metric: 'm', timestamp: t + 60, value: 4, tags: { h: 'a' }, interval: '1h', aggregator: 'count' },
      { metric: 'm', timestamp: t + 3700, value: 8, tags: { h: 'a' }, interval: '1h', aggregator: 'max' },
    ]);
    expect(w).to.deep.equal({ status: 200, body: { success: 3, failed: 0 } });
    const q = (downsample?: string, rollupUsage?: string) => post('/api/query', { start: t, end: t + 7200, queries: [{ aggregator: 'sum', metric: 'm', downsample, rollupUsage }] });
    expect((await q('1h-sum')).body[0].dps).to.deep.equal({ [t]: 30 });
    expect((await q('1h-avg')).body[0].dps).to.deep.equal({ [t]: 7.5 });
    expect((await q('1h-count')).body[0].dps).to.deep.equal({ [t]: 4 });
    expect((await q('2h-max')).body[0].dps).to.deep.equal({ [t]: 8 }); // 1h table, 2h buckets
    expect((await q('1h-sum', 'ROLLUP_RAW')).body[0].dps).to.deep.equal({ [t]: 1 });
    expect((await q()).body[0].dps).to.deep.equal({ [t + 60]: 1 });
    expect((await q('10m-min')).status).to.equal(400); // no ID for min
    const suggest = await fetch(`${base}/api/suggest?type=metrics&q=`).then((r) => r.json());
    expect(suggest).to.deep.equal(['m']);
  });
});
