/**
 * /api/stats/query against a real OpenTSDB 2.4.1: the same writes and queries sent to
 * both, then both lists compared where OpenTSDB's answer is deterministic — the keys (not
 * their order: Jackson's varies between JVM runs), which queries are listed and how often (`executed`), each query's TSQuery
 * echo, its status, its message, its request headers, `user` and `sentToClient`. Not
 * compared: `numRunningQueries` (OpenTSDB leaks running entries: docs/opentsdb-compat.md), times (`queryStartTimestamp`, `stats` values), the
 * `stats` keys (OpenTSDB's are HBase scanner figures, DSDB's are its own:
 * docs/http-api.md), the Java stack frame OpenTSDB appends to `exception`, the base64
 * UIDs in `filterTagKs`, the port in the `Host` header, and DSDB's own `id`.
 *
 * Uses the oracle scripts/test.sh starts (DSDB_ORACLE_DIR); fails without one when
 * DSDB_ORACLE_REQUIRED=1, is skipped otherwise.
 */
import http from 'node:http';
import { expect } from 'chai';
import { oracleOrSkip } from './await-oracle';
import { startDsdb, type DsdbUnderTest } from './harness';

const T = 1356998400;

interface Answer {
  status: number;
  text: string;
}

function send(base: string, method: string, path: string, options: { body?: string; headers?: Record<string, string | string[]>; agent?: http.Agent } = {}): Promise<Answer> {
  const url = new URL(path, base);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: url.hostname, port: url.port, method, path: url.pathname + url.search, headers: options.headers, agent: options.agent }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode!, text }));
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

/** What must agree in a completed entry. */
function comparable(entry: Record<string, any>): Record<string, unknown> {
  const { id: _id, ...rest } = entry;
  const headers = { ...rest.requestHeaders };
  if ('Host' in headers) headers.Host = '(port)';
  return {
    // as a set: Jackson writes getters in reflection order, which varies between JVM runs
    // (seen: TSQuery's noAnnotations before or after globalAnnotations); DSDB's order is pinned in test/query
    keys: Object.keys(rest).sort(),
    query: { ...rest.query, queries: rest.query.queries.map((q: Record<string, unknown>) => ({ ...q, filterTagKs: q.filterTagKs === null ? null : 'uids' })) },
    exception: String(rest.exception).split('\n')[0],
    executed: rest.executed,
    user: rest.user,
    requestHeaders: headers,
    // OpenTSDB's count leaks (docs/opentsdb-compat.md, divergence 10): compared as a type
    numRunningQueries: typeof rest.numRunningQueries,
    httpResponse: rest.httpResponse,
    sentToClient: rest.sentToClient,
    statsKind: typeof rest.stats,
    times: [typeof rest.queryStartTimestamp, typeof rest.queryCompletedTimestamp],
  };
}

describe('/api/stats/query against OpenTSDB 2.4.1 (oracle) @integration', function () {
  this.timeout(10 * 60_000);
  let oracle: string | undefined;
  let dsdb: DsdbUnderTest | undefined;
  // a metric of this run only: the oracle's cache also holds other tests' queries
  const metric = `statsq.m${Date.now().toString(36)}`;

  before(async function () {
    oracle = await oracleOrSkip(this);
    dsdb = await startDsdb();
  });
  after(async () => {
    await dsdb?.stop();
  });

  it('lists the same queries, in the same form, with the same outcomes', async () => {
    const bases = [oracle!, dsdb!.url];
    const points = JSON.stringify([
      { metric, timestamp: T, value: 5, tags: { host: 'a', dc: 'x' } },
      { metric, timestamp: T + 60, value: 7, tags: { host: 'b', dc: 'x' } },
      { metric, timestamp: T + 120, value: 9.5, tags: { host: 'a', dc: 'x' } },
    ]);
    for (const base of bases) expect((await send(base, 'POST', '/api/put?details', { body: points })).status, base).to.equal(200);

    const headers = { 'User-Agent': 'dsdb-stats-diff', Accept: '*/*', Cookie: 'session=secret', 'X-A': ['1', '2'] };
    const requests: [string, string, string?][] = [
      ['GET', `/api/query?start=${T - 100}&end=${T + 200}&m=sum:${metric}%7Bhost=*%7D`],
      ['GET', `/api/query?start=${T - 100}&end=${T + 200}&m=sum:${metric}%7Bhost=*%7D`], // the same again: executed 2
      ['GET', `/api/query?start=${T - 100}&end=${T + 200}&m=avg:1m-avg:rate:${metric}%7Bhost=a%7D%7Bdc=literal_or(x)%7D&ms&show_query`],
      ['POST', '/api/query', JSON.stringify({ start: T - 100, end: String(T + 200), timezone: 'UTC', queries: [{ aggregator: 'max', metric, tags: { host: '*' }, rateOptions: { counter: true } }] })],
      ['POST', '/api/query', JSON.stringify({ start: T - 100, showStats: true, queries: [{ aggregator: 'min', metric, filters: [{ type: 'wildcard', tagk: 'host', filter: 'a*', groupBy: false }] }] })],
      ['GET', `/api/query?start=${T - 100}&m=sum:${metric}&m=avg:${metric}.nosuch`], // a 400 after it started
      ['GET', `/api/query?start=${T - 100}&m=sum:${metric}%7Bhost=nosuchvalue${Date.now()}%7D`],
      ['GET', `/api/query?start=${T - 100}&m=nosuchagg:${metric}`], // refused before it starts: not listed
    ];
    const statuses: number[][] = [];
    for (const base of bases) {
      const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
      const got: number[] = [];
      for (const [method, path, body] of requests) got.push((await send(base, method, path, { body, headers: { ...headers, ...(body ? { 'Content-Type': 'application/json' } : {}) }, agent })).status);
      agent.destroy();
      statuses.push(got);
    }
    expect(statuses[1], 'statuses').to.deep.equal(statuses[0]);
    expect(statuses[0]).to.deep.equal([200, 200, 200, 200, 200, 400, 400, 400]);

    const lists: { running: any[]; completed: Record<string, any>[] }[] = [];
    for (const base of bases) {
      for (const method of ['GET', 'POST']) {
        const answer = await send(base, method, '/api/stats/query');
        expect(answer.status, `${method} ${base}`).to.equal(200);
        const json = JSON.parse(answer.text);
        expect(Object.keys(json), base).to.deep.equal(['completed', 'running']);
        if (method === 'GET') lists.push(json);
      }
    }
    // this test's queries, by metric: the shared oracle also lists other tests' (tsuid sub-queries have no metric)
    const ours = (list: { completed: Record<string, any>[] }) =>
      list.completed
        .filter((c) => c.query.queries.some((q: { metric: string | null }) => q.metric?.startsWith(metric)))
        .map(comparable)
        .sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1));
    const [fromOracle, fromDsdb] = lists.map(ours);
    expect(fromOracle).to.have.length(6);
    expect(fromDsdb).to.deep.equal(fromOracle);
    // none of these is still running on either; OpenTSDB may list others it leaked, DSDB none
    for (const list of lists) expect(list.running.filter((r: any) => r.query.queries.some((q: { metric: string | null }) => q.metric?.startsWith(metric)))).to.deep.equal([]);
    expect(lists[1]!.running).to.deep.equal([]);
  });
});
