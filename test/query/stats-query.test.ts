/**
 * /api/stats/query (OpenTSDB 2.4.1's QueryStats: running and completed queries) and
 * DSDB's own cancel, DELETE /api/stats/query?id=N. The differential check of the shape
 * against a real OpenTSDB is test/oracle/stats-query.test.ts; here DSDB's behaviour,
 * with a storage engine whose reads wait at a gate, so a query runs exactly as long as
 * the test wants.
 */
import http from 'node:http';
import { expect } from 'chai';
import { sha256Hex } from '../../plugins/auth/secrets';
import { startDaemon, type RunningDaemon } from '../helpers/daemon';
import gatedStorage, { gate } from '../fixtures/gated-storage-plugin';

const T = 1356998400;
const PLUGINS = ['http', 'put-http', 'aggregators-opentsdb', 'query', 'read-api', gatedStorage as never];

interface Answer {
  status: number;
  json: any;
}

/** One HTTP request on `agent` (a keep-alive agent with one socket keeps the remote address the same). */
function request(port: number, method: string, path: string, options: { body?: string; headers?: Record<string, string | string[]>; agent?: http.Agent } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method, path, headers: options.headers, agent: options.agent }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode!, json: text ? JSON.parse(text) : undefined }));
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

async function until<T>(probe: () => Promise<T | undefined>, what: string): Promise<T> {
  for (let i = 0; i < 500; i++) {
    const v = await probe();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`never: ${what}`);
}

describe('/api/stats/query: running and completed queries, and cancelling one', () => {
  let daemon: RunningDaemon;
  const stats = async () => (await request(daemon.port, 'GET', '/api/stats/query')).json as { running: any[]; completed: any[] };

  before(async () => {
    daemon = await startDaemon({ plugins: PLUGINS, storage: 'gated' });
    const put = await request(daemon.port, 'POST', '/api/put?sync', {
      body: JSON.stringify([
        { metric: 'sq.m', timestamp: T, value: 5, tags: { host: 'a' } },
        { metric: 'sq.m', timestamp: T + 60, value: 7, tags: { host: 'b' } },
      ]),
    });
    expect(put.status).to.equal(204);
  });
  after(async () => {
    gate.open();
    await daemon?.stop();
  });

  it('starts empty, in OpenTSDB\'s form', async () => {
    expect(await stats()).to.deep.equal({ completed: [], running: [] });
  });

  it('lists a completed query with OpenTSDB\'s fields, its query as TSQuery echoes it, and counts repeats from the same remote', async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const path = `/api/query?start=${T - 100}&end=${T + 100}&m=sum:sq.m%7Bhost=*%7D`;
    const headers = { 'User-Agent': 'stats-test', Cookie: 'session=secret', Authorization: 'Bearer not-shown', 'X-Repeat': ['1', '2'] };
    expect((await request(daemon.port, 'GET', path, { agent, headers })).status).to.equal(200);
    expect((await request(daemon.port, 'GET', path, { agent, headers })).status).to.equal(200);
    agent.destroy();
    const { completed, running } = await stats();
    expect(running).to.deep.equal([]);
    const entry = completed.find((c) => c.query.queries[0].metric === 'sq.m' && c.query.end === String(T + 100));
    expect(Object.keys(entry)).to.deep.equal(['id', 'query', 'exception', 'executed', 'user', 'requestHeaders', 'numRunningQueries', 'httpResponse', 'queryStartTimestamp', 'queryCompletedTimestamp', 'sentToClient', 'stats']);
    expect(entry.executed).to.equal(2);
    expect(entry.exception).to.equal('null');
    expect(entry.user).to.equal(null);
    expect(entry.httpResponse).to.deep.equal({ code: 200, reasonPhrase: 'OK' });
    expect(entry.sentToClient).to.equal(true);
    expect(entry.numRunningQueries).to.equal(0);
    expect(entry.queryCompletedTimestamp).to.be.at.least(entry.queryStartTimestamp);
    expect(entry.requestHeaders).to.include({ 'User-Agent': 'stats-test', Cookie: '*******', Authorization: '*******', 'X-Repeat': '1,2' });
    expect(entry.query).to.deep.include({ start: String(T - 100), end: String(T + 100), timezone: null, options: null, padding: false, delete: false, showStats: false, useCalendar: false });
    expect(entry.query.queries[0]).to.deep.include({ aggregator: 'sum', metric: 'sq.m', filters: [{ tagk: 'host', filter: '*', group_by: true, type: 'wildcard' }], tags: { host: 'wildcard(*)' }, index: 0 });
    expect(Object.keys(entry.stats)).to.deep.equal(['dpsRead', 'processingPreWriteTime', 'seriesRead', 'totalTime']);
    expect(entry.stats).to.include({ dpsRead: 2, seriesRead: 2 });
    expect(entry.stats.totalTime).to.be.at.least(entry.stats.processingPreWriteTime);
  });

  it('lists a failed query with its status and message; a POSTed start becomes its string', async () => {
    const body = JSON.stringify({ start: T - 100, queries: [{ aggregator: 'sum', metric: 'no.such.metric' }] });
    const answer = await request(daemon.port, 'POST', '/api/query', { body });
    expect(answer.status).to.equal(400);
    const entry = (await stats()).completed.find((c) => c.query.queries[0].metric === 'no.such.metric');
    expect(entry.httpResponse).to.deep.equal({ code: 400, reasonPhrase: 'Bad Request' });
    expect(entry.exception).to.equal(answer.json.error.message);
    expect(entry.query).to.deep.include({ start: String(T - 100), end: null });
    expect(entry.query.queries[0].filterTagKs).to.equal(null);
  });

  it('does not list a request refused before it ran (as OpenTSDB: QueryStats starts after validation)', async () => {
    const before = (await stats()).completed.length;
    expect((await request(daemon.port, 'GET', '/api/query?start=1h-ago&m=nosuchagg:sq.m')).status).to.equal(400);
    expect((await stats()).completed.length).to.equal(before);
  });

  it('lists a slow query as running; DELETE cancels it: its client gets 400 "Query cancelled", it is completed, and its read ends', async () => {
    gate.close();
    const path = `/api/query?start=${T - 100}&end=${T + 200}&m=max:sq.m`;
    const pending = request(daemon.port, 'GET', path, { headers: { 'User-Agent': 'slow-client' } });
    const running = await until(async () => (await stats()).running[0], 'the query is listed as running');
    expect(Object.keys(running)).to.deep.equal(['id', 'elapsed', 'headers', 'query', 'queryStart', 'remote', 'user']);
    expect(running.query.queries[0]).to.deep.include({ aggregator: 'max', metric: 'sq.m' });
    expect(running.headers['User-Agent']).to.equal('slow-client');
    expect(running.remote).to.match(/^\/127\.0\.0\.1:\d+$/);
    expect(running.user).to.equal(null);
    expect(running.elapsed).to.be.a('number').and.at.least(0);
    expect(gate.active).to.equal(1);
    expect((await stats()).completed.every((c) => c.numRunningQueries === 1)).to.equal(true);

    const cancel = await request(daemon.port, 'DELETE', `/api/stats/query?id=${running.id}`);
    expect(cancel.status).to.equal(200);
    expect(cancel.json).to.deep.include({ id: running.id, remote: running.remote });

    // answered at once, while its read still waits at the gate
    const answer = await pending;
    expect(answer.status).to.equal(400);
    expect(answer.json).to.deep.equal({ error: { code: 400, message: 'Query cancelled', details: `Query ${running.id} was cancelled by an administrator (DELETE /api/stats/query?id=${running.id})` } });
    const after = await stats();
    expect(after.running).to.deep.equal([]);
    const entry = after.completed.find((c) => c.id === running.id);
    expect(entry).to.deep.include({ exception: 'Query cancelled', httpResponse: { code: 400, reasonPhrase: 'Bad Request' } });
    expect(gate.active).to.equal(1);

    // the work stops at its next check: its read is closed, what it built is dropped
    gate.open();
    await until(async () => (gate.active === 0 ? true : undefined), 'the cancelled read ends');
    expect((await request(daemon.port, 'DELETE', `/api/stats/query?id=${running.id}`)).status).to.equal(404);
    // and the daemon goes on answering
    expect((await request(daemon.port, 'GET', path)).status).to.equal(200);
  });

  it('answers a missing, malformed or unknown id in OpenTSDB\'s error JSON', async () => {
    expect(await request(daemon.port, 'DELETE', '/api/stats/query')).to.deep.equal({ status: 400, json: { error: { code: 400, message: 'Missing parameter <code>id</code>' } } });
    expect((await request(daemon.port, 'DELETE', '/api/stats/query?id=abc')).json.error).to.include({ code: 400, message: 'Invalid id: abc' });
    expect((await request(daemon.port, 'DELETE', '/api/stats/query?id=999999')).json.error).to.include({ code: 404, message: 'No running query with id 999999' });
  });

  it('counts running queries in /api/stats (tsd.query.running)', async () => {
    const records = (await request(daemon.port, 'GET', '/api/stats')).json as { metric: string; tags: Record<string, string>; value: string }[];
    expect(records.find((r) => r.metric === 'tsd.query.running')?.value).to.equal('0');
  });
});

describe('/api/stats/query under auth', () => {
  let daemon: RunningDaemon;
  const TOKENS = { reader: 'r-5e1d0c9b8a77', admin: 'a-0f9e8d7c6b55' };
  before(async () => {
    daemon = await startDaemon({
      plugins: [
        ...PLUGINS,
        [
          'auth',
          {
            tokens: [
              { name: 'dashboard', sha256: sha256Hex(TOKENS.reader), scopes: ['read'] },
              { name: 'operator', sha256: sha256Hex(TOKENS.admin), scopes: ['admin'] },
            ],
          },
        ],
      ],
      storage: 'gated',
    });
    const put = await request(daemon.port, 'POST', '/api/put?sync', { body: JSON.stringify({ metric: 'sq.m', timestamp: T, value: 5, tags: { host: 'a' } }), headers: { Authorization: `Bearer ${TOKENS.admin}` } });
    expect(put.status).to.equal(204);
  });
  after(async () => {
    gate.open();
    await daemon?.stop();
  });

  it('shows the principal as `user`; listing needs read, cancelling needs admin and names who cancelled', async () => {
    const reader = { Authorization: `Bearer ${TOKENS.reader}` };
    const admin = { Authorization: `Bearer ${TOKENS.admin}` };
    expect((await request(daemon.port, 'GET', '/api/stats/query')).status).to.equal(401);
    gate.close();
    const pending = request(daemon.port, 'GET', `/api/query?start=${T}&m=sum:sq.m`, { headers: reader });
    const running = await until(async () => (await request(daemon.port, 'GET', '/api/stats/query', { headers: reader })).json.running[0], 'listed');
    expect(running.user).to.equal('dashboard');
    expect(running.headers.Authorization).to.equal('*******');
    expect((await request(daemon.port, 'DELETE', `/api/stats/query?id=${running.id}`, { headers: reader })).status).to.equal(403);
    expect((await request(daemon.port, 'DELETE', `/api/stats/query?id=${running.id}`, { headers: admin })).status).to.equal(200);
    expect((await pending).json.error.details).to.equal(`Query ${running.id} was cancelled by operator (DELETE /api/stats/query?id=${running.id})`);
    gate.open();
  });
});
