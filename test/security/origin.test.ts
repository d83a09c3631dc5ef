/**
 * Issue #19: a page on another origin must not write, delete or read through JSONP; a
 * foreign Host can be refused (DNS rebinding); CORS is off unless configured. Each test
 * here failed before its fix.
 */
import http from 'node:http';
import { expect } from 'chai';
import { startDaemon, type RunningDaemon } from '../helpers/daemon';

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

function request(port: number, method: string, path: string, headers: Record<string, string> = {}, body?: string): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method, path, headers: { connection: 'close', ...headers } }, (res) => {
      let text = '';
      res.on('data', (c) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const POINT = JSON.stringify({ metric: 'csrf.test', timestamp: 1700000000, value: 1, tags: { host: 'a' } });
const PLUGINS = ['put-http', 'query', 'aggregators-opentsdb', 'storage-memory'];
const EVIL = { origin: 'http://evil.example', 'sec-fetch-site': 'cross-site' };

describe('security: origins, CORS, JSONP and Host (#19)', () => {
  describe('defaults', () => {
    let daemon: RunningDaemon;
    before(async () => {
      daemon = await startDaemon({ plugins: ['http', ...PLUGINS, 'read-api', 'uid-meta', 'tree', ['query', { allowDelete: true }]].filter((p) => p !== 'query') as never });
    });
    after(() => daemon.stop());

    it('refuses a cross-origin text/plain POST /api/put (a form or fetch from another page) with 403 and stores nothing', async () => {
      const res = await request(daemon.port, 'POST', '/api/put', { origin: 'http://evil.example', 'content-type': 'text/plain', 'sec-fetch-site': 'cross-site' }, POINT);
      expect(res.status).to.equal(403);
      expect(JSON.parse(res.body).error.code).to.equal(403);
      const q = await request(daemon.port, 'GET', '/api/query?start=1699999000&m=sum:csrf.test');
      expect(q.status).to.equal(400); // the metric was never created
    });

    it('refuses a cross-origin DELETE with 403', async () => {
      const res = await request(daemon.port, 'DELETE', '/api/query?start=1h-ago&m=sum:csrf.test', { origin: 'http://evil.example' });
      expect(res.status).to.equal(403);
    });

    it('refuses changes a foreign page makes with a GET (an <img src>): method_override, write and admin routes', async () => {
      for (const path of [
        '/api/annotation?method_override=post&start_time=1700000000&description=EVIL',
        '/api/annotation?method_override=DELETE&start_time=1700000000',
        '/api/uid/uidmeta?uid=000001&type=metric&method_override=post&description=EVIL',
        '/api/uid/tsmeta?tsuid=000001000001000001&method_override=delete',
        '/api/tree?method_override=post&name=evil&enabled=true',
        '/api/uid/assign?metric=evil.metric',
        '/api/dropcaches',
      ]) {
        const res = await request(daemon.port, 'GET', path, EVIL);
        expect(res.status, path).to.equal(403);
        expect(JSON.parse(res.body).error.message, path).to.equal('Cross-origin request refused');
      }
      expect((await request(daemon.port, 'GET', '/api/suggest?type=metrics&q=evil')).body).to.equal('[]');
      // GET /api/query reads no `delete` (OpenTSDB's QueryRpc neither): from a foreign page it deletes nothing
      const kept = JSON.stringify({ metric: 'csrf.kept', timestamp: 1700000000, value: 5, tags: { host: 'a' } });
      expect((await request(daemon.port, 'POST', '/api/put', { 'content-type': 'application/json' }, kept)).status).to.equal(204);
      await request(daemon.port, 'GET', '/api/query?start=1699999000&m=sum:csrf.kept&delete=true', EVIL);
      expect((await request(daemon.port, 'GET', '/api/query?start=1699999000&m=sum:csrf.kept')).body).to.contain('"dps":{"1700000000":5}');
      // reading stays open to a foreign page (the browser keeps the answer from it without CORS)
      expect((await request(daemon.port, 'GET', '/api/query?start=1699999000&m=sum:csrf.kept', EVIL)).status).to.equal(200);
      expect((await request(daemon.port, 'GET', '/api/annotation?start_time=1700000000', EVIL)).status).to.not.equal(403);
    });

    it('still takes writes without an Origin (collectors) and from the same origin (the GUI)', async () => {
      expect((await request(daemon.port, 'POST', '/api/put', { 'content-type': 'application/json' }, POINT)).status).to.equal(204);
      expect((await request(daemon.port, 'POST', '/api/put', { origin: `http://127.0.0.1:${daemon.port}` }, POINT)).status).to.equal(204);
      expect((await request(daemon.port, 'POST', '/api/put', { origin: 'https://dsdb.example', 'sec-fetch-site': 'same-origin' }, POINT)).status).to.equal(204);
    });

    it('ignores ?jsonp= unless the query plugin enables it', async () => {
      const res = await request(daemon.port, 'GET', '/api/query?start=1699999000&m=sum:csrf.test&jsonp=steal');
      expect(res.status).to.equal(200);
      expect(res.body.startsWith('[')).to.equal(true);
    });

    it('sends no CORS headers, not even to a preflight', async () => {
      const get = await request(daemon.port, 'GET', '/api/version', { origin: 'http://evil.example' });
      expect(get.headers['access-control-allow-origin']).to.equal(undefined);
      const preflight = await request(daemon.port, 'OPTIONS', '/api/put', { origin: 'http://evil.example', 'access-control-request-method': 'POST' });
      expect(preflight.headers['access-control-allow-origin']).to.equal(undefined);
    });
  });

  describe('configured', () => {
    let daemon: RunningDaemon;
    before(async () => {
      daemon = await startDaemon({
        plugins: [['http', { allowedHosts: ['127.0.0.1', 'tsdb.example'], corsOrigins: ['https://grafana.example'] }], 'put-http', ['query', { jsonp: true }], 'aggregators-opentsdb', 'storage-memory', 'graph-image'],
      });
    });
    after(() => daemon.stop());

    it('answers a Host outside allowedHosts with 421 (DNS rebinding) and serves the listed ones', async () => {
      const foreign = await request(daemon.port, 'GET', '/api/version', { host: 'attacker.example' });
      expect(foreign.status).to.equal(421);
      expect(JSON.parse(foreign.body).error.code).to.equal(421);
      expect((await request(daemon.port, 'GET', '/api/version', { host: 'tsdb.example:4242' })).status).to.equal(200);
      expect((await request(daemon.port, 'GET', '/api/version')).status).to.equal(200);
    });

    it('answers CORS for corsOrigins (preflight and request), and lets them write', async () => {
      const preflight = await request(daemon.port, 'OPTIONS', '/api/put', { origin: 'https://grafana.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' });
      expect(preflight.status).to.equal(204);
      expect(preflight.headers['access-control-allow-origin']).to.equal('https://grafana.example');
      const put = await request(daemon.port, 'POST', '/api/put', { origin: 'https://grafana.example', 'content-type': 'application/json' }, POINT);
      expect(put.status).to.equal(204);
      expect(put.headers['access-control-allow-origin']).to.equal('https://grafana.example');
      expect((await request(daemon.port, 'POST', '/api/put', { origin: 'https://other.example' }, POINT)).status).to.equal(403);
    });

    it('serves /q under allowedHosts: its in-process query carries the caller\'s Host', async () => {
      await request(daemon.port, 'POST', '/api/put', { 'content-type': 'application/json' }, POINT);
      for (const host of [undefined, 'tsdb.example']) {
        const res = await request(daemon.port, 'GET', '/q?start=1699999000&m=sum:csrf.test&json', host ? { host } : {});
        expect(res.status, `${host}: ${res.body}`).to.equal(200);
        expect(JSON.parse(res.body).points).to.equal(1);
      }
      expect((await request(daemon.port, 'GET', '/q?start=1699999000&m=sum:csrf.test&json', { host: 'attacker.example' })).status).to.equal(421);
    });

    it('wraps ?jsonp= when the query plugin enables it', async () => {
      const res = await request(daemon.port, 'GET', '/api/query?start=1699999000&m=sum:csrf.test&jsonp=cb');
      expect(res.body.startsWith('cb([')).to.equal(true);
    });
  });
});
