/**
 * plugins/http/request-body.ts: bodies read whole, and for a route whose config says
 * `sharedBody` into shared memory lent for the request's life and reused afterwards.
 */
import crypto from 'node:crypto';
import http from 'node:http';
import zlib from 'node:zlib';
import { setImmediate as turn } from 'node:timers/promises';
import { expect } from 'chai';
import { definePlugin } from '../../core';
import { getHttpHooks } from '../../lib/http';
import { startDaemon, type RunningDaemon } from '../helpers/daemon';

const sha = (bytes: Uint8Array) => crypto.createHash('sha256').update(bytes).digest('hex');

/** POSTs `body` (several writes, no Content-Length when `chunked`): status and JSON answer. */
function post(port: number, path: string, body: Buffer, headers: Record<string, string> = {}, chunked = false): Promise<{ status: number; json: any }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ port, host: '127.0.0.1', path, method: 'POST', headers: { 'content-type': 'application/octet-stream', ...(chunked ? {} : { 'content-length': String(body.length) }), ...headers } }, (res) => {
      let text = '';
      res.on('data', (d) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode!, json: JSON.parse(text) }));
    });
    req.on('error', reject);
    for (let at = 0; at < body.length; at += 50_000) req.write(body.subarray(at, at + 50_000));
    req.end();
  });
}

describe('http plugin: request bodies, shared for routes that ask', () => {
  let daemon: RunningDaemon;
  before(async () => {
    const routes = definePlugin({
      name: 'body-routes',
      register({ hooks }) {
        getHttpHooks(hooks).routes.tap('body-routes', (app) => {
          // the hash is taken after a few turns of the event loop: another request's body
          // written into this one's memory in between would change it
          const answer = async (body: Buffer) => {
            const before = sha(body);
            for (let i = 0; i < 5; i++) await turn();
            return { shared: body.buffer instanceof SharedArrayBuffer, length: body.length, before, after: sha(body) };
          };
          app.post('/test/shared', { config: { sharedBody: true } }, (request) => answer(request.body as Buffer));
          app.post('/test/plain', (request) => answer(request.body as Buffer));
        });
      },
    });
    daemon = await startDaemon({ plugins: [['http', { bodyLimit: 8 * 1024 * 1024 }], routes] });
  });
  after(() => daemon.stop());

  it('gives a sharedBody route its body in shared memory and other routes an ordinary buffer, byte for byte', async () => {
    const body = crypto.randomBytes(300_000);
    const shared = await post(daemon.port, '/test/shared', body);
    expect(shared.json).to.deep.equal({ shared: true, length: body.length, before: sha(body), after: sha(body) });
    const plain = await post(daemon.port, '/test/plain', body);
    expect(plain.json).to.deep.equal({ shared: false, length: body.length, before: sha(body), after: sha(body) });
  });

  it('keeps each request\'s body its own while many are in flight, over rounds that reuse the lent memory', async () => {
    for (let round = 0; round < 4; round++) {
      // sizes that grow and shrink, so that lent buffers are taken for bodies smaller than they are
      const bodies = Array.from({ length: 8 }, (_, k) => crypto.randomBytes(1000 + ((k * 7919 + round * 104729) % 400_000)));
      const answers = await Promise.all(bodies.map((b, k) => post(daemon.port, '/test/shared', b, {}, k % 2 === 1)));
      answers.forEach((a, k) => expect(a.json, `round ${round} body ${k}`).to.deep.equal({ shared: true, length: bodies[k]!.length, before: sha(bodies[k]!), after: sha(bodies[k]!) }));
    }
  });

  it('reads chunked and gzip bodies into shared memory, growing past the first guess', async () => {
    const body = crypto.randomBytes(1_500_000);
    const chunked = await post(daemon.port, '/test/shared', body, {}, true);
    expect(chunked.json).to.deep.equal({ shared: true, length: body.length, before: sha(body), after: sha(body) });
    const text = Buffer.from('put sys.cpu.user 1356998400 42 host=web01\n'.repeat(20_000));
    const gzip = await post(daemon.port, '/test/shared', zlib.gzipSync(text), { 'content-encoding': 'gzip' });
    expect(gzip.json).to.deep.equal({ shared: true, length: text.length, before: sha(text), after: sha(text) });
  });

  it('gives a body over 4 MiB as an ordinary buffer (shared memory posted to a worker is freed late), declared or found while it arrives', async () => {
    const body = crypto.randomBytes(4 * 1024 * 1024 + 100);
    for (const chunked of [false, true]) {
      const answer = await post(daemon.port, '/test/shared', body, {}, chunked);
      expect(answer.json, chunked ? 'chunked' : 'declared').to.deep.equal({ shared: false, length: body.length, before: sha(body), after: sha(body) });
    }
    const atBound = crypto.randomBytes(4 * 1024 * 1024);
    expect((await post(daemon.port, '/test/shared', atBound, {}, true)).json).to.deep.equal({ shared: true, length: atBound.length, before: sha(atBound), after: sha(atBound) });
  });

  it('refuses a body over the limit with 413 in OpenTSDB\'s error form, declared or sent, and an empty body is empty', async () => {
    const big = Buffer.alloc(8 * 1024 * 1024 + 1, 0x61);
    const declared = await post(daemon.port, '/test/shared', big);
    expect(declared.status).to.equal(413);
    expect(declared.json.error.code).to.equal(413);
    const sent = await post(daemon.port, '/test/shared', big, {}, true);
    expect(sent.status).to.equal(413);
    const bomb = await post(daemon.port, '/test/shared', zlib.gzipSync(big), { 'content-encoding': 'gzip' });
    expect(bomb.status).to.equal(413);
    const empty = await post(daemon.port, '/test/shared', Buffer.alloc(0));
    expect(empty.json).to.include({ length: 0 });
    // and the daemon goes on reading bodies
    const after = crypto.randomBytes(1000);
    expect((await post(daemon.port, '/test/shared', after)).json.before).to.equal(sha(after));
  });
});
