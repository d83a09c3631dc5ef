/**
 * Histograms against the real OpenTSDB 2.4.1 (scripts/oracle/oracle.sh enables
 * tsd.core.histograms.config): the same histograms written to both over /api/histogram
 * (JSON buckets and the binary `value`) and telnet `histogram`, then the same write
 * replies, errors and percentile / bucket queries compared, under metrics of this run and
 * the tag names of the main differential test (so it adds no name to /api/suggest's answers
 * there). Skipped without an oracle,
 * failed when DSDB_ORACLE_REQUIRED=1 and none came up (as oracle.test.ts).
 */
import { expect } from 'chai';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { REPO_ROOT, startDaemon, type RunningDaemon } from '../helpers/daemon';
import { TAG_KEYS, TAG_VALUES } from './generate';
import { assignUidsInNameOrder, oracleUrl, waitForOracle } from './harness';

const ORACLE_DIR = process.env.DSDB_ORACLE_DIR ?? path.join(REPO_ROOT, '.test-data', 'oracle');

async function awaitOracle(timeoutMs: number): Promise<string | undefined> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const url = oracleUrl();
    if (url) return (await waitForOracle(url, 30_000)) ? url : undefined;
    if (fs.existsSync(path.join(ORACLE_DIR, 'failed'))) throw new Error('the oracle did not start');
    if (!process.env.DSDB_ORACLE_REQUIRED || Date.now() > deadline) return undefined;
    await new Promise((r) => setTimeout(r, 2000));
  }
}

interface Answer {
  status: number;
  body: unknown;
}

async function http(base: string, method: string, url: string, body?: unknown): Promise<Answer> {
  const res = await fetch(base + url, { method, headers: { 'content-type': 'application/json' }, ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }) });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text.length ? JSON.parse(text) : '';
  } catch {
    /* not JSON */
  }
  return { status: res.status, body: parsed };
}

/** Sends telnet lines, then `version` as a marker; returns every reply line before the marker's. */
async function telnet(port: number, lines: string[]): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    let out = '';
    socket.on('data', (d) => {
      out += d.toString();
      const idx = out.search(/(net\.opentsdb|DSDB|dsdb)[^\n]*\n/);
      if (idx >= 0) {
        socket.destroy();
        resolve(out.slice(0, idx).split('\n').filter((l) => l.startsWith('histogram')));
      }
    });
    socket.on('error', reject);
    socket.write(`${lines.join('\n')}\nversion\n`);
  });
}

const T = 1_700_000_000 - (1_700_000_000 % 3600);
const RUN = `${Date.now().toString(36)}`;
const M = `hist.${RUN}.lat`;
// Tag names of the main differential test only (TAG_KEYS, TAG_VALUES): OpenTSDB's names are
// global, and a name this test added would show in oracle.test's /api/suggest answers.
const HOSTS = ['db1', 'web01', 'web02'];
const HOST = 'host';
const DC = 'dc';
const DCX = 'lga';
const DCY = 'sjc';

function histogramWrites(): unknown[] {
  const out: unknown[] = [];
  for (let i = 0; i < 12; i++) {
    for (let h = 0; h < 2; h++) {
      const c = (k: number) => ((i * 7 + h * 3 + k * 5) % 11) + (k === 0 ? 1 : 0);
      out.push({ metric: M, timestamp: T + i * 30, tags: { [HOST]: HOSTS[h]!, [DC]: DCX }, buckets: { '0,1': c(0), '1,2.5': c(1), '2.5,10': c(2), '10,100.5': c(3) }, underflow: i % 3, overflow: h });
    }
  }
  // a bucket only some points have, and a point at a timestamp of its own
  out.push({ metric: M, timestamp: T + 45, tags: { [HOST]: HOSTS[0]!, [DC]: DCX }, buckets: { '0,1': 2, '5,6': 9 } });
  // the binary form (SimpleHistogram.histogram(false), base64): [0,1]=5, [1,2.5]=3
  out.push({ metric: M, timestamp: T + 400, tags: { [HOST]: HOSTS[2]!, [DC]: DCY }, value: 'AAIAAAAAP4AAAAU/gAAAQCAAAAMAAA==', id: 0 });
  // a series whose only point lies in the hour row an explicitTags scan reads past the end
  out.push({ metric: M, timestamp: T + 3700, tags: { [HOST]: HOSTS[1]!, [DC]: DCY }, buckets: { '0,1': 4, '1,2.5': 1 } });
  return out;
}

const QUERY_RANGE = { start: T - 60, end: T + 1200 };

function queries(): { name: string; method: string; url: string; body?: unknown }[] {
  const post = (name: string, q: Record<string, unknown>, top: Record<string, unknown> = {}) => ({ name, method: 'POST', url: '/api/query', body: { ...QUERY_RANGE, ...top, queries: [{ metric: M, ...q }] } });
  return [
    post('sum, several percentiles (sorted by OpenTSDB)', { aggregator: 'sum', percentiles: [99, 50, 10, 75.5] }),
    post('none: one answer per series', { aggregator: 'none', percentiles: [50, 95] }),
    post('group by host', { aggregator: 'sum', percentiles: [50, 90], filters: [{ type: 'wildcard', tagk: HOST, filter: '*', groupBy: true }] }),
    post('downsample 1m-sum', { aggregator: 'sum', percentiles: [25, 50, 99], downsample: '1m-sum' }),
    post('downsample with a fill policy', { aggregator: 'sum', percentiles: [50], downsample: '2m-sum-zero' }),
    post('downsample 0all-sum', { aggregator: 'sum', percentiles: [50, 99], downsample: '0all-sum' }),
    post('show buckets, none', { aggregator: 'none', showHistogramBuckets: true }),
    post('show buckets and percentiles, group by dc', { aggregator: 'sum', showHistogramBuckets: true, percentiles: [50], filters: [{ type: 'literal_or', tagk: DC, filter: `${DCX}|${DCY}`, groupBy: true }] }),
    post('a filter', { aggregator: 'sum', percentiles: [50], filters: [{ type: 'literal_or', tagk: HOST, filter: HOSTS[1], groupBy: false }] }),
    post('a narrower range', { aggregator: 'sum', percentiles: [50] }, { start: T + 100, end: T + 200 }),
    // explicitTags: the scan's fuzzy row filter (not every dc/host combination) and the extra hour row
    post('explicitTags, grouped by dc and host', { aggregator: 'sum', percentiles: [50], explicitTags: true, filters: [{ type: 'literal_or', tagk: DC, filter: `${DCX}|${DCY}`, groupBy: true }, { type: 'literal_or', tagk: HOST, filter: HOSTS.join('|'), groupBy: true }] }),
    post('explicitTags, grouped by host', { aggregator: 'sum', percentiles: [50, 90], explicitTags: true, filters: [{ type: 'wildcard', tagk: HOST, filter: '*', groupBy: true }, { type: 'wildcard', tagk: DC, filter: '*', groupBy: false }] }),
    post('explicitTags, grouped by host and dc', { aggregator: 'sum', percentiles: [50], explicitTags: true, filters: [{ type: 'wildcard', tagk: HOST, filter: '*', groupBy: true }, { type: 'wildcard', tagk: DC, filter: '*', groupBy: true }] }),
    post('explicitTags, buckets grouped by host and dc', { aggregator: 'sum', showHistogramBuckets: true, explicitTags: true, filters: [{ type: 'wildcard', tagk: HOST, filter: '*', groupBy: true }, { type: 'wildcard', tagk: DC, filter: '*', groupBy: true }] }),
    post('explicitTags, none', { aggregator: 'none', percentiles: [50], explicitTags: true, filters: [{ type: 'wildcard', tagk: HOST, filter: '*', groupBy: false }, { type: 'wildcard', tagk: DC, filter: '*', groupBy: false }] }),
    post('explicitTags, buckets', { aggregator: 'sum', showHistogramBuckets: true, explicitTags: true, filters: [{ type: 'wildcard', tagk: HOST, filter: '*', groupBy: true }, { type: 'wildcard', tagk: DC, filter: '*', groupBy: false }] }),
    post('percentile 0 and 100', { aggregator: 'sum', percentiles: [0, 100] }),
    post('none with a downsample', { aggregator: 'none', percentiles: [50], downsample: '1m-sum' }),
    post('rate is ignored', { aggregator: 'sum', percentiles: [50], rate: true }),
    post('msResolution', { aggregator: 'sum', percentiles: [90] }, { msResolution: true }),
    post('showQuery', { aggregator: 'sum', percentiles: [90] }, { showQuery: true }),
    post('without percentiles: histogram points are not numeric data', { aggregator: 'sum' }),
    post('error: avg across series', { aggregator: 'avg', percentiles: [50] }),
    post('error: avg downsampling', { aggregator: 'sum', percentiles: [50], downsample: '1m-avg' }),
    post('error: percentile over 100', { aggregator: 'sum', percentiles: [50, 101] }),
    { name: 'GET m= with percentiles', method: 'GET', url: `/api/query?start=${QUERY_RANGE.start}&end=${QUERY_RANGE.end}&m=sum:percentiles%5B90,50%5D:${M}` },
    { name: 'GET m= with show-histogram-buckets and a downsample', method: 'GET', url: `/api/query?start=${QUERY_RANGE.start}&end=${QUERY_RANGE.end}&m=sum:5m-sum:show-histogram-buckets:${M}%7B${HOST}=*%7D` },
    { name: 'GET m= malformed percentiles', method: 'GET', url: `/api/query?start=${QUERY_RANGE.start}&m=sum:percentiles50:${M}` },
  ];
}

describe('histograms against OpenTSDB 2.4.1 (oracle) @integration', function () {
  this.timeout(10 * 60_000);
  let oracle: string | undefined;
  let dsdb: RunningDaemon | undefined;
  let base = '';

  before(async function () {
    oracle = await awaitOracle(20 * 60_000);
    if (!oracle) {
      if (process.env.DSDB_ORACLE_REQUIRED) throw new Error('DSDB_ORACLE_REQUIRED is set but no oracle is up');
      this.skip();
    }
    dsdb = await startDaemon({ plugins: ['http', 'telnet', 'put-telnet', 'put-http', 'aggregators-opentsdb', 'query', 'read-api', 'storage-memory', 'histogram'] });
    base = `http://127.0.0.1:${dsdb.port}`;
    await assignUidsInNameOrder(oracle!, TAG_KEYS, TAG_VALUES, [M]);
  });
  after(async () => dsdb?.stop());

  it('answers /api/histogram writes, good and bad, as OpenTSDB does', async () => {
    const bad = [
      { metric: M, timestamp: T, tags: { [HOST]: HOSTS[0]! } },
      { metric: M, timestamp: T, tags: { [HOST]: HOSTS[0]! }, buckets: { '0': 1 } },
      { metric: M, timestamp: T, tags: { [HOST]: HOSTS[0]! }, buckets: { 'a,1': 1 } },
      { metric: M, timestamp: T, tags: { [HOST]: HOSTS[0]! }, value: 'AAA=', id: 3 },
      { metric: M, timestamp: T, tags: { [HOST]: HOSTS[0]! }, value: 'AAA=', id: 0 },
      { metric: 'h x', timestamp: T, tags: { [HOST]: HOSTS[0]! }, buckets: { '0,1': 1 } },
      { metric: M, timestamp: T, value: 'AAA=' },
      { metric: '', timestamp: T, tags: { [HOST]: HOSTS[0]! }, buckets: { '0,1': 1 } },
      { metric: M, timestamp: 0, tags: { [HOST]: HOSTS[0]! }, buckets: { '0,1': 1 } },
    ];
    const requests: [string, string, unknown?][] = [
      ['POST', '/api/histogram?details', bad],
      ['POST', '/api/histogram?summary', bad],
      ['POST', '/api/histogram', bad.slice(0, 2)],
      ['GET', '/api/histogram'],
      ['POST', '/api/histogram', ''],
      ['POST', '/api/histogram', '[]'],
      ['POST', '/api/histogram?details', histogramWrites()],
    ];
    for (const [method, url, body] of requests) {
      const [a, b] = [await http(oracle!, method, url, body), await http(base, method, url, body)];
      if (method === 'POST' && body === '') {
        expect(b.status, `${method} ${url} (empty)`).to.equal(a.status);
        continue;
      }
      expect(b, `${method} ${url}`).to.deep.equal(a);
    }
  });

  it('answers telnet histogram lines as OpenTSDB does and stores the same points', async () => {
    const lines = [
      `histogram ${M} ${T + 600} 0,1=3:1,2.5=4:u=2:o=9 ${HOST}=${HOSTS[0]} ${DC}=${DCX}`,
      `histogram ${M} ${T + 600} 0 AAIAAAAAP4AAAAU/gAAAQCAAAAMAAA== ${HOST}=${HOSTS[1]} ${DC}=${DCX}`,
      `histogram ${M} ${T + 630} 0,1=3:bad ${HOST}=${HOSTS[1]} ${DC}=${DCX}`,
      `histogram ${M} ${T + 630} 0,1=x ${HOST}=${HOSTS[1]} ${DC}=${DCX}`,
      `histogram ${M}`,
      `histogram ${M} ${T + 630} 0,1=1`,
      `histogram ${M} -5 0,1=1 ${HOST}=${HOSTS[1]}`,
      `histogram ${M} 12a 0,1=1 ${HOST}=${HOSTS[1]}`,
      `histogram ${M} ${T + 630} 0,1=1 host`,
    ];
    const [a, b] = [await telnet(Number(new URL(oracle!).port), lines), await telnet(dsdb!.port, lines)];
    expect(b).to.deep.equal(a);
    expect(a.length).to.be.greaterThan(2);
    // OpenTSDB buffers its HBase writes: wait until the last point written is visible there
    const probe = `/api/query?start=${T + 600}&end=${T + 601}&m=sum:percentiles%5B50%5D:${M}`;
    for (let i = 0; i < 60; i++) {
      const r = await http(oracle!, 'GET', probe);
      if (Array.isArray(r.body) && r.body.length > 0) break;
      await new Promise((done) => setTimeout(done, 500));
    }
  });

  it('stores numeric points beside the histograms (a HistogramSpan holds histogram cells only)', async () => {
    // web02/lga: numbers only (no span of a histogram query); web01/sjc: a number in range
    // and its only histogram in the extra hour row an explicitTags scan reads (left out)
    const numbers = [
      { metric: M, timestamp: T + 100, value: 5, tags: { [HOST]: HOSTS[2]!, [DC]: DCX } },
      { metric: M, timestamp: T + 100, value: 7, tags: { [HOST]: HOSTS[1]!, [DC]: DCY } },
    ];
    for (const server of [oracle!, base]) expect((await http(server, 'POST', '/api/put?details', numbers)).status).to.equal(200);
    const probe = `/api/query?start=${T + 100}&end=${T + 101}&m=sum:${M}{${HOST}=${HOSTS[2]}}`;
    for (let i = 0; i < 60; i++) {
      const r = await http(oracle!, 'GET', probe);
      if (Array.isArray(r.body) && r.body.length > 0) break;
      await new Promise((done) => setTimeout(done, 500));
    }
  });

  for (const q of queries()) {
    it(`query: ${q.name}`, async () => {
      const [a, b] = [await http(oracle!, q.method, q.url, q.body), await http(base, q.method, q.url, q.body)];
      if (a.status !== 200) {
        expect(b.status).to.equal(a.status);
        expect((b.body as { error: { message: string } }).error.message).to.equal((a.body as { error: { message: string } }).error.message);
        return;
      }
      // showQuery's filterTagKs are UIDs in OpenTSDB; DSDB has none (docs/opentsdb-compat.md)
      for (const answer of [a, b]) for (const series of answer.body as { query?: { filterTagKs?: unknown } }[]) delete series.query?.filterTagKs;
      expect(b).to.deep.equal(a);
    });
  }
});
