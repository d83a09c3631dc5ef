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

describe('security: origins, CORS, JSONP and Host (#19)', () => {
  describe('defaults', () => {
    let daemon: RunningDaemon;
    before(async () => {
      daemon = await startDaemon({ plugins: ['http', ...PLUGINS] });
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
        plugins: [['http', { allowedHosts: ['127.0.0.1', 'tsdb.example'], corsOrigins: ['https://grafana.example'] }], 'put-http', ['query', { jsonp: true }], 'aggregators-opentsdb', 'storage-memory'],
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

    it('wraps ?jsonp= when the query plugin enables it', async () => {
      const res = await request(daemon.port, 'GET', '/api/query?start=1699999000&m=sum:csrf.test&jsonp=cb');
      expect(res.body.startsWith('cb([')).to.equal(true);
    });
  });
});
