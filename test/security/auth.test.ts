/**
 * Issue #19: with the auth plugin loaded, every protocol on the port — HTTP (the API,
 * protobuf and remote_write bodies), telnet and raw-TCP protobuf — refuses a request
 * without valid credentials, takes one with them, and refuses a principal without the
 * scope (403 over HTTP, an error line or ack elsewhere). A route that declares no scope
 * needs admin. Without the plugin everything stays open (the rest of the suite).
 */
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { expect } from 'chai';
import { definePlugin } from '../../core';
import { getHttpHooks } from '../../lib/http';
import { hashPassword, sha256Hex } from '../../plugins/auth/secrets';
import { exchange } from '../helpers/clients';
import { REPO_ROOT, startDaemon, type RunningDaemon } from '../helpers/daemon';
import { encodeRequest, frame, PREAMBLE, sendFrames } from '../helpers/protobuf-client';

const TOKENS = { writer: 'w-4f1c9a7e0b2d', reader: 'r-8d3e6b1a5c70', admin: 'a-2b9f0c4d7e13' };
const T = 1700000000;

/** A third-party route that declares no scope: with auth on it must need admin. */
const unscopedRoute = definePlugin({
  name: 'unscoped-route',
  dependencies: ['http'],
  register({ hooks }) {
    getHttpHooks(hooks).routes.tap('unscoped-route', (app) => {
      app.get('/api/unscoped', async () => ({ ok: true }));
    });
  },
});

/** `bytes` in pieces of `size`, sent one by one (the frame arrives over many reads). */
function chunksOf(bytes: Buffer, size: number): Buffer[] {
  const out: Buffer[] = [];
  for (let at = 0; at < bytes.length; at += size) out.push(bytes.subarray(at, at + size));
  return out;
}

interface Reply {
  status: number;
  headers: Headers;
  json: any;
}

describe('security: authentication on every protocol (#19)', function () {
  this.timeout(30_000);
  let daemon: RunningDaemon;
  let base: string;

  before(async () => {
    daemon = await startDaemon({
      plugins: [
        'http',
        'telnet',
        'put-telnet',
        'put-http',
        'protobuf',
        'prometheus-remote-write',
        'aggregators-opentsdb',
        'query',
        'read-api',
        'uid-meta',
        'graph-image',
        'storage-memory',
        unscopedRoute as never,
        [
          'auth',
          {
            tokens: [
              { name: 'collector', sha256: sha256Hex(TOKENS.writer), scopes: ['write'] },
              { name: 'dashboard', sha256: sha256Hex(TOKENS.reader), scopes: ['read'] },
              { name: 'operator', sha256: sha256Hex(TOKENS.admin), scopes: ['admin'] },
            ],
            users: [
              { name: 'alice', password: await hashPassword('alice secret'), scopes: ['read'] },
              { name: 'prometheus', password: await hashPassword('scrape-pw'), scopes: ['write'] },
            ],
          },
        ],
      ],
    });
    base = `http://127.0.0.1:${daemon.port}`;
  });
  after(() => daemon.stop());

  const call = async (method: string, url: string, auth?: string, body?: string | Buffer, headers: Record<string, string> = {}): Promise<Reply> => {
    const res = await fetch(base + url, { method, body, headers: { ...(auth ? { authorization: auth } : {}), ...headers } });
    const text = await res.text();
    return { status: res.status, headers: res.headers, json: text ? JSON.parse(text) : undefined };
  };
  const bearer = (token: string) => `Bearer ${token}`;
  const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
  const point = (metric: string) => JSON.stringify({ metric, timestamp: T, value: 1, tags: { host: 'a' } });
  /** What the reader sees of `metric` (the query's datapoints, or its error status). */
  const stored = async (metric: string) => {
    const r = await call('GET', `/api/query?start=${T - 10}&end=${T + 10}&m=sum:${metric}`, bearer(TOKENS.reader));
    return r.status === 200 ? r.json.map((s: { dps: object }) => s.dps) : r.status;
  };

  describe('HTTP', () => {
    it('answers a request without credentials with 401, WWW-Authenticate (Basic and Bearer) and OpenTSDB error JSON', async () => {
      const r = await call('GET', `/api/query?start=1h-ago&m=sum:x`);
      expect(r.status).to.equal(401);
      expect(r.headers.get('www-authenticate')).to.match(/Basic realm="dsdb"/).and.match(/Bearer realm="dsdb"/);
      expect(r.json.error).to.include({ code: 401, message: 'Authentication required' });
    });

    it('answers a wrong token, a wrong password, an unknown user and a malformed header with 401', async () => {
      expect((await call('GET', '/api/aggregators', bearer('not-a-token'))).json.error).to.include({ code: 401, message: 'Invalid credentials' });
      expect((await call('GET', '/api/aggregators', basic('alice', 'wrong'))).status).to.equal(401);
      expect((await call('GET', '/api/aggregators', basic('mallory', 'alice secret'))).status).to.equal(401);
      expect((await call('GET', '/api/aggregators', 'Digest username="alice"')).status).to.equal(401);
    });

    it('stores /api/put with a write token, refuses it without one (401) or with a read token (403)', async () => {
      expect((await call('POST', '/api/put', undefined, point('auth.http'))).status).to.equal(401);
      const forbidden = await call('POST', '/api/put', bearer(TOKENS.reader), point('auth.http'));
      expect(forbidden.status).to.equal(403);
      expect(forbidden.json.error).to.include({ code: 403, message: 'Forbidden' });
      expect(await stored('auth.http')).to.equal(400); // nothing was stored: unknown metric
      expect((await call('POST', '/api/put', bearer(TOKENS.writer), point('auth.http'))).status).to.equal(204);
      expect(await stored('auth.http')).to.deep.equal([{ [T]: 1 }]);
    });

    it('lets a basic read user query but not write; a write token cannot read', async () => {
      expect((await call('GET', `/api/query?start=${T - 10}&m=sum:auth.http`, basic('alice', 'alice secret'))).status).to.equal(200);
      expect((await call('POST', '/api/put', basic('alice', 'alice secret'), point('auth.alice'))).status).to.equal(403);
      expect((await call('GET', `/api/query?start=${T - 10}&m=sum:auth.http`, bearer(TOKENS.writer))).status).to.equal(403);
    });

    it('serves /q images and /api/query/exp to a read principal (its credentials reach the inner /api/query), and neither without credentials', async () => {
      expect((await call('POST', '/api/put', bearer(TOKENS.writer), point('auth.graph'))).status).to.equal(204);
      const q = `/q?start=${T - 10}&end=${T + 10}&m=sum:auth.graph&json`;
      expect((await call('GET', q)).status).to.equal(401);
      for (const auth of [bearer(TOKENS.reader), basic('alice', 'alice secret')]) {
        const graph = await call('GET', q, auth);
        expect(graph.status, JSON.stringify(graph.json)).to.equal(200);
        expect(graph.json.points).to.equal(1);
      }
      const exp = JSON.stringify({ time: { start: T - 10, end: T + 10, aggregator: 'sum' }, metrics: [{ id: 'a', metric: 'auth.graph' }], expressions: [{ id: 'e', expr: 'a * 2' }] });
      expect((await call('POST', '/api/query/exp', undefined, exp)).status).to.equal(401);
      const answer = await call('POST', '/api/query/exp', basic('alice', 'alice secret'), exp);
      expect(answer.status, JSON.stringify(answer.json)).to.equal(200);
      expect(answer.json.outputs[0].dps).to.deep.equal([[T * 1000, 2]]);
    });

    it('needs admin to delete: DELETE /api/query, a POST body with delete:true, annotation changes (also by method_override)', async () => {
      expect((await call('DELETE', `/api/query?start=${T - 10}&m=sum:auth.http`, bearer(TOKENS.reader))).status).to.equal(403);
      const body = JSON.stringify({ start: T - 10, delete: true, queries: [{ aggregator: 'sum', metric: 'auth.http' }] });
      expect((await call('POST', '/api/query', bearer(TOKENS.reader), body)).status).to.equal(403);
      const note = JSON.stringify({ startTime: T, description: 'deploy' });
      expect((await call('POST', '/api/annotation', bearer(TOKENS.reader), note)).status).to.equal(403);
      expect((await call('GET', `/api/annotation?start_time=${T}&method_override=delete`, bearer(TOKENS.reader))).status).to.equal(403);
      expect((await call('POST', '/api/annotation', bearer(TOKENS.admin), note)).status).to.equal(200);
      expect((await call('GET', `/api/annotation?start_time=${T}`, bearer(TOKENS.reader))).json).to.include({ description: 'deploy' });
      // admin passes the scope check; deleting itself is off by default (OpenTSDB's allow_delete)
      expect((await call('DELETE', `/api/query?start=${T - 10}&m=sum:auth.http`, bearer(TOKENS.admin))).status).to.equal(400);
      expect(await stored('auth.http')).to.deep.equal([{ [T]: 1 }]);
    });

    it('needs admin for a meta change asked by a GET (?method_override=post|put|delete, any case), as by the method itself', async () => {
      expect((await call('POST', '/api/put', bearer(TOKENS.writer), point('auth.meta'))).status).to.equal(204);
      const uid = (await call('GET', '/api/uid/uidmeta?uid=000001&type=metric', bearer(TOKENS.reader))).json;
      expect(uid.uid).to.equal('000001');
      for (const path of [
        '/api/uid/uidmeta?uid=000001&type=metric&method_override=post&description=PWNED',
        '/api/uid/uidmeta?uid=000001&type=metric&method_override=PUT&description=PWNED',
        '/api/uid/uidmeta?uid=000001&type=metric&method_override=delete',
        '/api/uid/tsmeta?m=auth.meta%7Bhost=a%7D&method_override=post&create=true&description=PWNED',
        '/api/uid/tsmeta?tsuid=000001000001000001&method_override=delete',
        // repeated: a change named by either value counts
        '/api/uid/uidmeta?uid=000001&type=metric&method_override=get&method_override=delete',
      ]) {
        const res = await call('GET', path, bearer(TOKENS.reader));
        expect(res.status, path).to.equal(403);
        expect(res.json.error.details, path).to.match(/^dashboard lacks the admin scope this request needs \((POST|PUT|DELETE) /);
      }
      expect((await call('GET', '/api/uid/uidmeta?uid=000001&type=metric', bearer(TOKENS.reader))).json).to.deep.equal(uid);
      expect((await call('GET', '/api/uid/uidmeta?uid=000001&type=metric&method_override=post&description=ok', bearer(TOKENS.admin))).json.description).to.equal('ok');
    });

    it('needs admin for /api/config and /api/dropcaches', async () => {
      expect((await call('GET', '/api/config', bearer(TOKENS.reader))).status).to.equal(403);
      expect((await call('GET', '/api/config', bearer(TOKENS.admin))).status).to.equal(200);
      expect((await call('GET', '/api/dropcaches', bearer(TOKENS.writer))).status).to.equal(403);
    });

    it('fails closed: a route that declares no scope needs admin', async () => {
      expect((await call('GET', '/api/unscoped')).status).to.equal(401);
      expect((await call('GET', '/api/unscoped', bearer(TOKENS.reader))).status).to.equal(403);
      expect((await call('GET', '/api/unscoped', bearer(TOKENS.admin))).json).to.deep.equal({ ok: true });
    });

    it('answers /api/version without credentials (health checks), and an unknown path only after authentication', async () => {
      expect((await call('GET', '/api/version')).status).to.equal(200);
      expect((await call('POST', '/api/version', undefined, '{}')).status).to.equal(200);
      // nobody has authenticated yet: a body inflating past 64 KiB is refused, not inflated whole
      const bomb = gzipSync(Buffer.alloc(8 * 1024 * 1024));
      const refused = await call('POST', '/api/version', undefined, bomb, { 'content-encoding': 'gzip' });
      expect(refused.status).to.equal(413);
      expect((await call('GET', '/api/nothing-here')).status).to.equal(401);
      expect((await call('GET', '/api/nothing-here', bearer(TOKENS.reader))).status).to.equal(404);
    });

    it('takes protobuf bodies on /api/put only with write credentials', async () => {
      const body = encodeRequest({ points: [{ metric: 'auth.pb.http', timestamp: T, tags: { host: 'a' }, doubleValue: 2 }] });
      const headers = { 'content-type': 'application/x-protobuf' };
      expect((await call('POST', '/api/put', undefined, body, headers)).status).to.equal(401);
      expect((await call('POST', '/api/put', bearer(TOKENS.reader), body, headers)).status).to.equal(403);
      expect((await call('POST', '/api/put', bearer(TOKENS.writer), body, headers)).status).to.equal(204);
      expect(await stored('auth.pb.http')).to.deep.equal([{ [T]: 2 }]);
    });

    it('takes Prometheus remote_write with basic_auth (or a bearer token) of a write principal only', async () => {
      const body = fs.readFileSync(path.join(REPO_ROOT, 'test', 'fixtures', 'clients', 'prom-remote-write-1.bin'));
      const headers = { 'content-type': 'application/x-protobuf', 'content-encoding': 'snappy', 'x-prometheus-remote-write-version': '0.1.0' };
      expect((await call('POST', '/api/v1/write', undefined, body, headers)).status).to.equal(401);
      expect((await call('POST', '/api/v1/write', basic('prometheus', 'wrong'), body, headers)).status).to.equal(401);
      expect((await call('POST', '/api/v1/write', basic('alice', 'alice secret'), body, headers)).status).to.equal(403);
      expect((await call('POST', '/api/v1/write', basic('prometheus', 'scrape-pw'), body, headers)).status).to.equal(204);
      expect((await call('POST', '/api/v1/write', bearer(TOKENS.writer), body, headers)).status).to.equal(204);
    });
  });

  describe('telnet', () => {
    it('refuses put before auth with an error line, closes, and stores nothing', async () => {
      const { data, closed } = await exchange(daemon.port, [`put auth.telnet.none ${T} 1 host=a\n`]);
      expect(data).to.match(/^put: authentication required: send "auth <token>"/);
      expect(closed).to.equal(true);
      expect(await stored('auth.telnet.none')).to.equal(400);
    });

    it('stores put after auth <token> with a write token', async () => {
      const { data } = await exchange(daemon.port, [`auth ${TOKENS.writer}\nput auth.telnet ${T} 3 host=a\n`], { idleMs: 500 });
      expect(data).to.equal('auth: authenticated as collector (write)\n');
      expect(await stored('auth.telnet')).to.deep.equal([{ [T]: 3 }]);
    });

    it('stores put after auth <user> <password>', async () => {
      const { data } = await exchange(daemon.port, [`auth prometheus scrape-pw\nput auth.telnet.basic ${T} 4 host=a\n`], { idleMs: 500 });
      expect(data).to.equal('auth: authenticated as prometheus (write)\n');
      expect(await stored('auth.telnet.basic')).to.deep.equal([{ [T]: 4 }]);
    });

    it('refuses put from a read principal with a forbidden line per put', async () => {
      const { data } = await exchange(daemon.port, [`auth ${TOKENS.reader}\nput auth.telnet.ro ${T} 1 host=a\n`]);
      expect(data).to.contain('put: forbidden: dashboard lacks the write scope');
      expect(await stored('auth.telnet.ro')).to.equal(400);
    });

    it('checks the puts after an auth inside a run of puts against the new principal', async () => {
      // one packet: the puts after the reader's auth were handed to the parse worker with the writer's, and must not be stored
      const lines = [`auth ${TOKENS.writer}`, `put auth.telnet.switch ${T} 1 host=a`, `auth ${TOKENS.reader}`, `put auth.telnet.switch ${T + 1} 2 host=a`, `put auth.telnet.switch ${T + 2} 3 host=a`];
      const { data } = await exchange(daemon.port, [lines.join('\n') + '\n'], { idleMs: 500 });
      expect(data.split('\n').slice(0, -1)).to.deep.equal([
        'auth: authenticated as collector (write)',
        'auth: authenticated as dashboard (read)',
        'put: forbidden: dashboard lacks the write scope',
        'put: forbidden: dashboard lacks the write scope',
      ]);
      expect(await stored('auth.telnet.switch')).to.deep.equal([{ [T]: 1 }]);
    });

    it('closes the connection on wrong credentials', async () => {
      const { data, closed } = await exchange(daemon.port, ['auth nope\n', `put auth.telnet.bad ${T} 1 host=a\n`], { gapMs: 100 });
      expect(data).to.equal('auth: invalid credentials\n');
      expect(closed).to.equal(true);
    });

    it('answers version and help without auth, and needs read for stats and admin for dropcaches', async () => {
      expect((await exchange(daemon.port, ['version\n'])).data).to.match(/^dsdb \S+ built at revision/);
      expect((await exchange(daemon.port, ['help\n'])).data).to.contain('auth ');
      expect((await exchange(daemon.port, ['stats\n'])).data).to.match(/^stats: authentication required/);
      expect((await exchange(daemon.port, [`auth ${TOKENS.reader}\nstats\n`])).data).to.match(/tsd\.\S+ \d+ /);
      expect((await exchange(daemon.port, [`auth ${TOKENS.reader}\ndropcaches\n`])).data).to.contain('dropcaches: forbidden');
    });
  });

  describe('protobuf over raw TCP', () => {
    const request = (metric: string, authorization?: string) =>
      Buffer.concat([PREAMBLE, frame(encodeRequest({ id: 7, authorization, points: [{ metric, timestamp: T, tags: { host: 'a' }, doubleValue: 5 }] }))]);

    it('answers a first frame without authorization with an error ack and closes', async () => {
      // waits for a second ack that never comes: resolves when the daemon closes
      const { acks, closed } = await sendFrames(daemon.port, [request('auth.pb.none')], 2);
      expect(acks).to.have.length(1);
      expect(acks[0]).to.include({ written: 0, failed: 1 });
      expect(acks[0]!.error).to.match(/^authentication required/);
      expect(closed).to.equal(true);
      expect(await stored('auth.pb.none')).to.equal(400);
    });

    it('refuses invalid credentials and a read principal', async () => {
      expect((await sendFrames(daemon.port, [request('auth.pb.bad', bearer('nope'))], 1)).acks[0]!.error).to.equal('invalid credentials');
      expect((await sendFrames(daemon.port, [request('auth.pb.ro', bearer(TOKENS.reader))], 1)).acks[0]!.error).to.equal('forbidden: dashboard lacks the write scope');
      expect(await stored('auth.pb.ro')).to.equal(400);
    });

    it('stores with a write token in the first frame, and the frames after it on the same connection', async () => {
      const second = frame(encodeRequest({ id: 8, points: [{ metric: 'auth.pb.tcp', timestamp: T + 1, tags: { host: 'a' }, doubleValue: 6 }] }));
      const { acks } = await sendFrames(daemon.port, [Buffer.concat([request('auth.pb.tcp', bearer(TOKENS.writer)), second])], 2);
      expect(acks.map((a) => [a.id, a.written, a.error])).to.deep.equal([
        ['7', 1, ''],
        ['8', 1, ''],
      ]);
      expect(await stored('auth.pb.tcp')).to.deep.equal([{ [T]: 5, [T + 1]: 6 }]);
    });

    it('refuses a first frame over 1 MiB before authentication (nothing buffered for nobody), and takes large frames once authenticated', async () => {
      const big = (id: number, authorization?: string) =>
        frame(encodeRequest({ id, authorization, points: Array.from({ length: 40_000 }, (_, i) => ({ metric: 'auth.pb.big', timestamp: T + i, tags: { host: 'a' }, doubleValue: i })) }));
      const first = big(1, bearer(TOKENS.writer));
      expect(first.length).to.be.greaterThan(1024 * 1024);
      // only the length is sent: the refusal comes before any of the frame's bytes
      const { acks, closed } = await sendFrames(daemon.port, [Buffer.concat([PREAMBLE, first.subarray(0, 4)])], 2);
      expect(closed).to.equal(true);
      expect(acks[0]!.error).to.equal(`frame of ${first.length - 4} bytes exceeds the limit of 1048576 for the first frame, which authenticates the connection: send the credentials in a smaller one`);
      const authOnly = frame(encodeRequest({ id: 1, authorization: bearer(TOKENS.writer) }));
      const after = await sendFrames(daemon.port, [Buffer.concat([PREAMBLE, authOnly]), ...chunksOf(big(2), 64 * 1024)], 2);
      expect(after.acks.map((a) => [a.id, a.written, a.error])).to.deep.equal([
        ['1', 0, ''],
        ['2', 40_000, ''],
      ]);
    });

    it('takes an auth-only first frame (no points) with basic credentials', async () => {
      const authOnly = frame(encodeRequest({ id: 1, authorization: basic('prometheus', 'scrape-pw') }));
      const data = frame(encodeRequest({ id: 2, points: [{ metric: 'auth.pb.basic', timestamp: T, tags: { host: 'a' }, doubleValue: 7 }] }));
      const { acks } = await sendFrames(daemon.port, [Buffer.concat([PREAMBLE, authOnly, data])], 2);
      expect(acks.map((a) => [a.id, a.written, a.error])).to.deep.equal([
        ['1', 0, ''],
        ['2', 1, ''],
      ]);
    });
  });

  it('keeps the port answering after many refused connections (no leak)', async () => {
    for (let i = 0; i < 20; i++) await exchange(daemon.port, ['put x 1 1 a=b\n'], { idleMs: 50 });
    const socket = net.connect(daemon.port, '127.0.0.1');
    await new Promise((resolve) => socket.once('connect', resolve));
    socket.destroy();
    expect((await call('GET', '/api/version')).status).to.equal(200);
  });
});
