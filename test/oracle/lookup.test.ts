/**
 * `/api/search/lookup` sent to DSDB and to the real OpenTSDB 2.4.1, answers compared: the
 * GET `m` parser's errors, unknown names (404), `limit` (the scan stops there; 0 or less is
 * none), wildcard pairs (`k=`, `=v`, `*`), the POST body's defaults and echo, and the 400
 * any method but GET and POST gets. Metric names carry a per-run prefix (the oracle is
 * shared); tag keys and values are the random differential test's own (host, dc, web01, …),
 * since its suggest requests list every tag name the oracle has, and names only this test
 * wrote would show there. Runs when an oracle is up; fails when DSDB_ORACLE_REQUIRED=1 and
 * none answers.
 */
import { expect } from 'chai';
import { oracleOrSkip } from './await-oracle';
import { send, startDsdb, writeBoth, type DsdbUnderTest } from './harness';
import type { OracleRequest, Point } from './generate';

/**
 * The answer without what differs by server: `time`, TSUIDs, and the order of results
 * (OpenTSDB's is its UIDs', which other tests on the shared oracle assigned first); of an
 * answer cut by `limit` only how many, since which series come first is that order too.
 */
function comparable(status: number, text: string): string {
  let tree: unknown;
  try {
    tree = JSON.parse(text);
  } catch {
    return `${status} ${text}`;
  }
  const strip = (x: unknown): unknown => {
    if (Array.isArray(x)) return x.map(strip);
    if (x && typeof x === 'object') {
      const out: Record<string, unknown> = {};
      for (const k of Object.keys(x).sort()) if (k !== 'time' && k !== 'tsuid') out[k] = strip((x as Record<string, unknown>)[k]);
      return out;
    }
    return x;
  };
  const answer = strip(tree) as { results?: unknown[]; limit?: number };
  if (Array.isArray(answer.results)) {
    const results = answer.results.map((r) => JSON.stringify(r)).sort();
    (answer as Record<string, unknown>).results = answer.limit !== undefined && answer.limit > 0 && answer.limit < 3 ? `${results.length} results` : results;
  }
  return `${status} ${JSON.stringify(answer)}`;
}

describe('/api/search/lookup against OpenTSDB 2.4.1 (oracle) @integration', function () {
  this.timeout(5 * 60_000);
  let oracle: string | undefined;
  let dsdb: DsdbUnderTest | undefined;
  const P = `lk${Date.now().toString(36)}`;
  const T = 1796616000; // on the hour

  before(async function () {
    oracle = await oracleOrSkip(this);
    dsdb = await startDsdb();
    const cpu = `${P}.cpu`;
    const points: Point[] = [
      { metric: cpu, timestamp: T, value: '1', tags: { dc: 'lga', host: 'web01' } },
      { metric: cpu, timestamp: T + 60, value: '2', tags: { dc: 'lga', host: 'web01' } },
      { metric: cpu, timestamp: T + 7200, value: '3', tags: { dc: 'lga', host: 'web01' } },
      { metric: cpu, timestamp: T, value: '10', tags: { dc: 'lga', host: 'web02' } },
      { metric: cpu, timestamp: T + 60, value: '20', tags: { dc: 'sjc', host: 'web02' } },
      { metric: `${P}.mem`, timestamp: T, value: '5.5', tags: { host: 'web01' } },
    ];
    await writeBoth(dsdb.url, oracle, points, [cpu, `${P}.mem`], T - 3600, T + 3 * 3600);
  });
  after(async () => dsdb?.stop());

  it('GET, POST and other methods answer as OpenTSDB does', async () => {
    const names = (text: string) => text.replaceAll('@host', 'host').replaceAll('@dc', 'dc').replaceAll('@a', 'web01').replaceAll('@x', 'lga').replaceAll('@y', 'sjc').replaceAll('@', P);
    const m = (text: string) => `/api/search/lookup?m=${encodeURIComponent(names(text))}`;
    const get = (path: string): OracleRequest => ({ kind: 'lookup', method: 'GET', path });
    const post = (body: unknown): OracleRequest => ({ kind: 'lookup', method: 'POST', path: '/api/search/lookup', body: JSON.parse(names(JSON.stringify(body))) });
    const requests: OracleRequest[] = [
      ...['@.cpu', '@.cpu{@host=}', '@.cpu{=@a}', '@.cpu{=@y}', '@.cpu{}', '@.cpu{@host=*,@dc=@x}', '@.cpu{*=@x}', '@.cpu{@host=@a}', '@.nope', '@.cpu{@host=@zz}', '@.cpu{@zzk=@a}', '@.cpu{@zzk=@zz}', '{}', '@.cpu{@host=@a,,@dc=@x}', '@.cpu{@host=@a,}', '@.cpu{h}', '@.cpu{@host=@a', '@.cpu{@host=@a}{@dc=@x}', '@.cpu{@host=a=b}'].map((t) => get(m(t))),
      ...['1', '0', '-1', '+2', 'x', '1.5', '99999999999'].map((limit) => get(`${m('@.cpu')}&limit=${encodeURIComponent(limit)}`)),
      get('/api/search/lookup?m='),
      get('/api/search/lookup?limit=3'),
      ...['PUT', 'DELETE', 'PATCH'].map((method) => ({ kind: 'lookup', method: method as OracleRequest['method'], path: m('@.cpu') })),
      post({ metric: '@.cpu' }),
      post({ metric: '@.cpu', tags: [{ key: '@dc' }] }),
      post({ metric: '@.cpu', tags: [{ value: '@y' }] }),
      post({ metric: '@.cpu', tags: [{ key: '@dc', value: null }] }),
      post({ metric: '@.cpu', tags: [] }),
      post({ metric: '@.cpu', limit: 2, startIndex: 1 }),
      post({ metric: '@.cpu', limit: '2' }),
      post({ metric: '@.cpu', limit: 1.7 }),
      post({ metric: '@.cpu', limit: 0 }),
      post({ metric: '@.cpu', limit: -3 }),
      post({ metric: '@.nope' }),
      post({ metric: '@.cpu', tags: [{ key: '@host', value: '@zz' }] }),
      post({ metric: null }),
      post({ metric: '@.cpu', useMeta: true }),
    ];
    const differences: string[] = [];
    for (const r of requests) {
      const [a, b] = [await send(dsdb!.url, r), await send(oracle!, r)];
      const [x, y] = [comparable(a.status, a.text), comparable(b.status, b.text)];
      if (x !== y) differences.push(`${r.method} ${r.path}${r.body !== undefined ? ` ${JSON.stringify(r.body)}` : ''}\n    dsdb     ${x.slice(0, 400)}\n    opentsdb ${y.slice(0, 400)}`);
    }
    console.log(`      ${requests.length - differences.length}/${requests.length} lookup answers agree`);
    expect(differences, differences.join('\n')).to.deep.equal([]);
  });
});
