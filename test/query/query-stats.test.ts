/**
 * `showStats` and `showSummary` (plugins/query/query-trace.ts): OpenTSDB 2.4.1's QueryStats
 * shape with DSDB's own figures. The shape against the real server is
 * test/oracle/query-stats.test.ts; here, what the figures say about DSDB's read.
 */
import { expect } from 'chai';
import { at, float, int, startQueryDaemon, type QueryDaemon } from '../helpers/query';

const t0 = 1356998400;
const range = { start: t0 - 10, end: t0 + 1000 };

/** every `…Time` value of a stats map, at any depth */
function times(map: Record<string, unknown>): number[] {
  return Object.entries(map).flatMap(([k, v]) => (v !== null && typeof v === 'object' ? times(v as Record<string, unknown>) : k.endsWith('Time') ? [v as number] : []));
}

describe('/api/query showStats and showSummary', () => {
  let d: QueryDaemon;
  before(async () => {
    d = await startQueryDaemon();
    await d.write([
      at('qs.cpu', { host: 'a', dc: 'x' }, t0, int(1)),
      at('qs.cpu', { host: 'a', dc: 'x' }, t0 + 60, int(2)),
      at('qs.cpu', { host: 'a', dc: 'x' }, t0 + 120, int(3)),
      at('qs.cpu', { host: 'b', dc: 'x' }, t0, float(10.5)),
      at('qs.cpu', { host: 'c', dc: 'y' }, t0 + 60, int(7)),
    ]);
  });
  after(() => d.stop());

  it('showStats: each series its figures after dps, emittedDPs its points, times in ms as Java doubles', async () => {
    const r = await d.post('/api/query', { ...range, showStats: true, queries: [{ aggregator: 'sum', metric: 'qs.cpu', tags: { host: '*' } }] });
    expect(r.status, r.text).to.equal(200);
    expect(r.json).to.have.length(3); // no summary without showSummary
    expect(r.json.map((s: { stats: { emittedDPs: number } }) => s.stats.emittedDPs)).to.deep.equal([3, 1, 1]);
    for (const s of r.json) {
      expect(Object.keys(s)).to.deep.equal(['metric', 'tags', 'aggregateTags', 'dps', 'stats']);
      expect(Object.keys(s.stats)).to.deep.equal(['aggregationTime', 'emittedDPs', 'groupByTime', 'queryIndex', 'queryScanTime', 'saltScannerMergeTime', 'serializationTime', 'uidToStringTime']);
      expect(s.stats.queryIndex).to.equal(0);
      for (const t of times(s.stats)) expect(t).to.be.a('number').and.to.be.at.least(0).and.below(60_000);
    }
    // a time with no fraction is written as Java writes a double
    expect(r.text).to.not.match(/Time":\d+[,}]/);
  });

  it('showSummary: the read of each sub-query, and its last series, in a last element', async () => {
    const r = await d.post('/api/query', {
      ...range,
      showSummary: true,
      queries: [
        { aggregator: 'sum', metric: 'qs.cpu', tags: { host: '*' } },
        { aggregator: 'max', metric: 'qs.cpu', filters: [{ type: 'literal_or', tagk: 'dc', filter: 'x', groupBy: false }] },
      ],
    });
    expect(r.status, r.text).to.equal(200);
    expect(r.json).to.have.length(5);
    expect(r.json.slice(0, 4).every((s: object) => !('stats' in s))).to.equal(true);
    const summary = r.json[4].statsSummary;
    expect(Object.keys(r.json[4])).to.deep.equal(['statsSummary']);
    // keys sorted, as OpenTSDB's TreeMap
    expect(Object.keys(summary)).to.deep.equal([...Object.keys(summary)].sort());
    const [q0, q1] = [summary.queryIdx_00, summary.queryIdx_01];
    // sub-query 0 read all three series (5 points); sub-query 1 the two in dc=x (4 points)
    expect([q0.rowsPreFilter, q0.dpsPreFilter, q0.rowsPostFilter, q0.dpsPostFilter]).to.deep.equal([3, 5, 3, 5]);
    expect([q1.rowsPreFilter, q1.dpsPreFilter, q1.rowsPostFilter, q1.dpsPostFilter]).to.deep.equal([2, 4, 2, 4]);
    // a sub-query's per-series figures are its last series' (host=c: 1 point; max over dc=x: 3)
    expect([q0.emittedDPs, q1.emittedDPs, summary.emittedDPs]).to.deep.equal([1, 3, 4]);
    expect([summary.rowsPreFilter, summary.dpsPreFilter, summary.successfulScan]).to.deep.equal([5, 9, 2]);
    expect(q0.scannerStats.scannerIdx_00.scannerId).to.match(/^[\w-]+\.read\(metric=qs\.cpu, source=(raw|downsampled), start=\d+, end=\d+\)$/);
    expect(q0.scannerStats.scannerIdx_00.hbaseTime).to.equal(q0.avgHBaseTime);
    expect(summary.maxQueryScanTime).to.equal(Math.max(q0.queryScanTime, q1.queryScanTime));
    expect(summary.processingPreWriteTime).to.be.at.least(summary.maxQueryScanTime);
    for (const t of times(summary)) expect(t).to.be.a('number').and.to.be.at.least(0).and.below(60_000);
  });

  it('a sub-query with no series: its read, none of the per-series figures; `none` has no groupByTime', async () => {
    const empty = await d.post('/api/query', { start: t0 + 5000, end: t0 + 6000, showSummary: true, showStats: true, queries: [{ aggregator: 'sum', metric: 'qs.cpu' }] });
    expect(empty.status, empty.text).to.equal(200);
    expect(empty.json).to.have.length(1);
    const q = empty.json[0].statsSummary.queryIdx_00;
    expect(q).to.not.have.any.keys('emittedDPs', 'aggregationTime', 'serializationTime', 'uidToStringTime');
    expect(q).to.include.keys('queryScanTime', 'groupByTime', 'scannerStats');
    expect(empty.json[0].statsSummary).to.not.have.any.keys('emittedDPs', 'avgAggregationTime');

    const none = await d.get(`/api/query?start=${range.start}&end=${range.end}&m=none:qs.cpu&show_stats`);
    expect(none.json).to.have.length(3);
    for (const s of none.json) expect(s.stats).to.not.have.property('groupByTime');
  });

  it('off unless asked: `false`, or a query string without show_stats/show_summary', async () => {
    for (const r of [
      await d.post('/api/query', { ...range, showStats: false, showSummary: false, queries: [{ aggregator: 'sum', metric: 'qs.cpu' }] }),
      await d.get(`/api/query?start=${range.start}&end=${range.end}&m=sum:qs.cpu`),
    ]) {
      expect(r.json).to.have.length(1);
      expect(r.json[0]).to.not.have.property('stats');
    }
  });
});
