/**
 * `showStats` and `showSummary` of /api/query against a real OpenTSDB 2.4.1: the same
 * points written to both, the same queries asked of both, then compared where OpenTSDB's
 * answer does not depend on its storage — the status, every series' metric, tags and
 * points, every key of `stats` and `statsSummary` at every depth (the key set: what a
 * client reading them finds), and the counts that are the query's, not HBase's
 * (`emittedDPs`, `queryIndex`, `successfulScan`). Not compared: the times (each server's
 * own), `scannerId` (an HBase scanner there, DSDB's read here), the row and point counts of
 * the scan (HBase rows and columns there, series and points here) and `uidPairsResolved`
 * (the tag UIDs OpenTSDB turns into names to run a post-scan filter; DSDB's index holds
 * names, so it resolves none): plugins/query/query-trace.ts.
 *
 * Uses the oracle scripts/test.sh starts (DSDB_ORACLE_DIR); fails without one when
 * DSDB_ORACLE_REQUIRED=1, is skipped otherwise.
 */
import { expect } from 'chai';
import { oracleOrSkip } from './await-oracle';
import type { Point } from './generate';
import { assignUidsInNameOrder, send, startDsdb, writeBoth, type DsdbUnderTest } from './harness';

const T = 1356998400;
/** counts that are the query's on both servers */
const COUNTS = new Set(['emittedDPs', 'queryIndex', 'successfulScan']);
/** compared by presence only */
const OPAQUE = new Set(['scannerId']);

/** Every key path of `value` (with the COUNTS' values), `dps` and names aside. */
function shapeOf(value: unknown, path = ''): string[] {
  if (Array.isArray(value)) return value.flatMap((v, i) => shapeOf(v, `${path}[${i}]`));
  if (value === null || typeof value !== 'object') return [];
  const out: string[] = [];
  for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
    const at = `${path}/${key}`;
    if (COUNTS.has(key)) out.push(`${at}=${String(v)}`);
    else if (key.endsWith('Time')) out.push(`${at}:${typeof v}`);
    else out.push(at);
    if (!OPAQUE.has(key) && key !== 'dps' && key !== 'tags' && key !== 'aggregateTags') out.push(...shapeOf(v, at));
  }
  return out.sort();
}

/** The series without their figures, as the rest of the differential test compares them. */
function seriesOf(answer: unknown): unknown {
  if (!Array.isArray(answer)) return answer;
  return answer.filter((s) => !('statsSummary' in s)).map(({ stats: _stats, ...rest }) => rest);
}

describe('/api/query and /api/query/gexp showStats and showSummary against OpenTSDB 2.4.1 (oracle) @integration', function () {
  this.timeout(10 * 60_000);
  let oracle: string | undefined;
  let dsdb: DsdbUnderTest | undefined;
  // names of this run only, given UIDs in name order: the oracle is shared with the other
  // oracle tests, and OpenTSDB orders series and aggregateTags by UID
  const run = Date.now().toString(36);
  const metric = `qstats.m${run}`;
  const [dc, host] = [`dc${run}`, `host${run}`];
  const [a, b, c, x, y] = ['a', 'b', 'c', 'x', 'y'].map((v) => `${v}${run}`) as [string, string, string, string, string];

  before(async function () {
    oracle = await oracleOrSkip(this);
    dsdb = await startDsdb();
  });
  after(async () => {
    await dsdb?.stop();
  });

  it('answers the same series and the same figures, key for key', async () => {
    await assignUidsInNameOrder(oracle!, [dc, host], [a, b, c, x, y], [metric]);
    const points: Point[] = [
      { metric, timestamp: T, value: '5', tags: { [host]: a, [dc]: x } },
      { metric, timestamp: T + 60, value: '7', tags: { [host]: b, [dc]: x } },
      { metric, timestamp: T + 120, value: '9.5', tags: { [host]: a, [dc]: x } },
      { metric, timestamp: T + 180, value: '2', tags: { [host]: c, [dc]: y } },
    ];
    await writeBoth(dsdb!.url, oracle!, points, [metric], T - 100, T + 400);

    const range = { start: T - 100, end: T + 400 };
    const bodies: unknown[] = [
      { ...range, showSummary: true, queries: [{ aggregator: 'sum', metric }] },
      { ...range, showStats: true, queries: [{ aggregator: 'sum', metric, tags: { [host]: '*' } }] },
      // two sub-queries, one of them with several series: the summary keeps each sub-query's last series' figures
      { ...range, showStats: true, showSummary: true, queries: [{ aggregator: 'max', metric, tags: { [host]: '*' } }, { aggregator: 'avg', metric, downsample: '1m-avg' }] },
      // `none` is never grouped: no groupByTime
      { ...range, showStats: true, showSummary: true, queries: [{ aggregator: 'none', metric }] },
      // a rate, filters, a literal
      { ...range, showSummary: true, queries: [{ aggregator: 'sum', metric, rate: true, filters: [{ type: 'literal_or', tagk: dc, filter: x, groupBy: true }] }] },
      // nothing in range: the summary of a sub-query that answered no series
      { start: T + 5000, end: T + 6000, showStats: true, showSummary: true, queries: [{ aggregator: 'sum', metric }] },
      // a sub-query with no series at all, beside one with
      { ...range, showSummary: true, queries: [{ aggregator: 'sum', metric, filters: [{ type: 'wildcard', tagk: host, filter: 'zz*', groupBy: false }] }, { aggregator: 'min', metric }] },
      // off when false
      { ...range, showStats: false, showSummary: false, queries: [{ aggregator: 'sum', metric }] },
    ];
    const requests = [
      ...bodies.map((body) => ({ kind: 'query', method: 'POST', path: '/api/query', body })),
      { kind: 'query', method: 'GET', path: `/api/query?start=${range.start}&end=${range.end}&m=sum:${metric}%7B${dc}=*%7D&show_stats&show_summary` },
      { kind: 'query', method: 'GET', path: `/api/query?start=${range.start}&end=${range.end}&m=sum:${metric}&show_summary=false` },
      // /api/query/gexp answers them too: an expression's series carries its sub-query's figures
      { kind: 'query', method: 'GET', path: `/api/query/gexp?start=${range.start}&end=${range.end}&exp=${encodeURIComponent(`scale(sum:${metric}{${host}=*},2)`)}&show_stats&show_summary` },
      { kind: 'query', method: 'GET', path: `/api/query/gexp?start=${range.start}&end=${range.end}&m=sum:${metric}&exp=${encodeURIComponent(`sumSeries(sum:${metric}{${host}=*},sum:${metric})`)}&show_summary` },
      { kind: 'query', method: 'GET', path: `/api/query/gexp?start=${range.start}&end=${range.end}&exp=${encodeURIComponent(`highestCurrent(sum:${metric}{${host}=*},1)`)}&show_stats` },
    ];
    let compared = 0;
    for (const request of requests) {
      const [fromOracle, fromDsdb] = await Promise.all([send(oracle!, request as never), send(dsdb!.url, request as never)]);
      const what = JSON.stringify(request);
      expect(fromDsdb.status, what).to.equal(fromOracle.status);
      expect(fromOracle.status, `${what}: ${fromOracle.text.slice(0, 300)}`).to.equal(200);
      const [o, d] = [JSON.parse(fromOracle.text) as unknown, JSON.parse(fromDsdb.text) as unknown];
      expect(seriesOf(d), what).to.deep.equal(seriesOf(o));
      expect(shapeOf(d), what).to.deep.equal(shapeOf(o));
      compared++;
    }
    expect(compared).to.equal(13);
  });
});
