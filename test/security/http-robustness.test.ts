/**
 * Issue #19: no single HTTP request may end the daemon or answer 500 for bad input, and
 * half-sent connections are timed out. Each test here failed before its fix.
 */
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import zlib from 'node:zlib';
import { expect } from 'chai';
import { REPO_ROOT, scratchDir, spawnDaemon, startDaemon, type RunningDaemon, type SpawnedDaemon } from '../helpers/daemon';

/** Sends raw bytes, resolves with everything the server sent until it closed (or `untilText` appears). */
export function rawExchange(port: number, bytes: Buffer | string, untilText?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    let received = '';
    socket.on('data', (chunk) => {
      received += chunk.toString('latin1');
      if (untilText && received.includes(untilText)) {
        socket.destroy();
        resolve(received);
      }
    });
    socket.on('error', reject);
    socket.on('close', () => resolve(received));
    socket.write(bytes);
  });
}

describe('security: HTTP requests cannot end the daemon (#19)', () => {
  let daemon: RunningDaemon;
  before(async () => {
    daemon = await startDaemon({ plugins: [['http', { bodyLimit: 1024 * 1024, headersTimeoutMs: 1000, requestTimeoutMs: 2000 }], 'put-http', 'query', 'read-api', 'aggregators-opentsdb', 'storage-memory'] });
  });
  after(() => daemon.stop());

  it('answers a gzip body it cannot inflate, with an empty Content-Type, and stays up', async () => {
    for (const encoding of ['gzip', 'deflate']) {
      const reply = await rawExchange(
        daemon.port,
        `GET /api/version HTTP/1.1\r\nHost: x\r\nContent-Type: \r\nContent-Encoding: ${encoding}\r\nContent-Length: 1\r\nConnection: close\r\n\r\nx`,
      );
      expect(reply, encoding).to.match(/^HTTP\/1\.1 \d{3}/);
    }
    expect((await fetch(`http://127.0.0.1:${daemon.port}/api/version`)).status).to.equal(200);
  });

  it('answers a corrupt gzip body on a route that reads it with 400 OpenTSDB JSON', async () => {
    const res = await fetch(`http://127.0.0.1:${daemon.port}/api/put`, { method: 'POST', headers: { 'content-encoding': 'gzip', 'content-type': 'application/json' }, body: 'not gzip' });
    expect(res.status).to.equal(400);
    expect(((await res.json()) as { error: { code: number } }).error.code).to.equal(400);
  });

  it('answers a gzip bomb (inflating past bodyLimit) with 413, without inflating it all', async () => {
    const bomb = zlib.gzipSync(Buffer.alloc(50 * 1024 * 1024)); // 50 MB of zeros in ~50 kB
    const res = await fetch(`http://127.0.0.1:${daemon.port}/api/put`, { method: 'POST', headers: { 'content-encoding': 'gzip', 'content-type': 'application/json' }, body: bomb });
    expect(res.status).to.equal(413);
    expect(((await res.json()) as { error: { code: number } }).error.code).to.equal(413);
  });

  it('answers a body over bodyLimit with 413 even to a client that writes it all before it reads (urllib), not with a reset', async () => {
    // 16 MiB against the 1 MiB limit: more than the sockets' buffers take, so closing with
    // the body unread would leave bytes in the daemon's socket and the kernel would reset
    // the connection under the client's write (Python's urllib: "Broken pipe")
    const size = 16 * 1024 * 1024;
    for (const framing of [`Content-Length: ${size}`, 'Transfer-Encoding: chunked']) {
      const socket = net.connect(daemon.port, '127.0.0.1');
      socket.pause();
      let received = '';
      socket.on('data', (chunk) => (received += chunk.toString('latin1')));
      socket.on('error', () => undefined);
      await new Promise<void>((resolve) => socket.once('connect', resolve));
      socket.write(`POST /api/put HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n${framing}\r\n\r\n`);
      const body = Buffer.alloc(size, 0x20);
      const bytes = framing.startsWith('Content-Length') ? body : Buffer.concat([Buffer.from(`${size.toString(16)}\r\n`), body, Buffer.from('\r\n0\r\n\r\n')]);
      const writeError = await new Promise<Error | null | undefined>((resolve) => socket.write(bytes, resolve));
      socket.resume();
      // the answer, or the connection's end (a reset before it: the old behaviour)
      await new Promise<void>((resolve) => {
        const check = setInterval(() => received.includes('}}') && (clearInterval(check), resolve()), 10);
        socket.once('close', () => (clearInterval(check), resolve()));
      });
      socket.destroy();
      expect((writeError as NodeJS.ErrnoException | null | undefined)?.code ?? '', framing).to.equal('');
      expect(received, framing).to.match(/^HTTP\/1\.1 413 /);
      expect(received, framing).to.contain('{"error":{"code":413,"message":"Request body is too large"}}');
    }
    expect((await fetch(`http://127.0.0.1:${daemon.port}/api/version`)).status).to.equal(200);
  });

  it('answers route-syntax characters in a path with 404 JSON, not 500', async () => {
    for (const p of ['/api/:x(', '/api/:a(b', '/api/a*b*c', '/api/:a.:b(', '/x:y(*']) {
      const reply = await rawExchange(daemon.port, `GET ${p} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
      expect(reply, p).to.match(/^HTTP\/1\.1 404 /);
      if (p.startsWith('/api/')) expect(reply, p).to.contain('{"error":{"code":404,"message":"Endpoint not found"}}');
    }
  });

  it('answers a malformed percent-escape in a path with 400 in OpenTSDB\'s error form', async () => {
    const reply = await rawExchange(daemon.port, 'GET /api/query%zz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    expect(reply).to.match(/^HTTP\/1\.1 400 /);
    expect(reply).to.match(/\{"error":\{"code":400,"message":"[^"]+"/);
  });

  it('keeps idle keep-alive connections for the documented 60 s (Keep-Alive: timeout=60)', async () => {
    const reply = await rawExchange(daemon.port, 'GET /api/version HTTP/1.1\r\nHost: x\r\n\r\n', '}');
    expect(reply).to.match(/keep-alive: timeout=60\r\n/i);
  });

  it('answers a request whose headers never complete with 408 and closes it (headersTimeoutMs)', async () => {
    const reply = await rawExchange(daemon.port, 'GET /api/version HTTP/1.1\r\nHost: x\r\nX-Partial: ');
    expect(reply).to.match(/^HTTP\/1\.1 408 /);
    expect(reply).to.contain('"code":408');
  });

  it('answers a body that never completes with 408 and closes it (requestTimeoutMs)', async () => {
    const reply = await rawExchange(daemon.port, 'POST /api/put HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n[{"me');
    expect(reply).to.match(/^HTTP\/1\.1 408 /);
  });
});

describe('security: an error escaping every handler fails its request, not the process (#19)', () => {
  let dir: string;
  let spawned: SpawnedDaemon;
  before(async () => {
    dir = scratchDir('throwing-route');
    const plugin = path.join(REPO_ROOT, 'dist', 'test', 'fixtures', 'throwing-route-plugin.js');
    fs.writeFileSync(path.join(dir, 'dsdb.config.json'), JSON.stringify({ port: 0, logLevel: 'info', plugins: ['http', plugin] }));
    spawned = await spawnDaemon([], dir);
  });
  after(async () => {
    spawned.child.kill('SIGKILL');
    await spawned.exited;
    fs.rmSync(dir, { recursive: true, force: true });
  });

  for (const route of ['/api/test/throw-later', '/api/test/emit-error', '/api/test/reject-later']) {
    it(`answers ${route} with 500 OpenTSDB JSON and keeps serving`, async () => {
      const res = await fetch(`http://127.0.0.1:${spawned.port}${route}`);
      expect(res.status).to.equal(500);
      const body = (await res.json()) as { error: { code: number; message: string } };
      expect(body.error.code).to.equal(500);
      expect((await fetch(`http://127.0.0.1:${spawned.port}/api/version`)).status).to.equal(200);
    });
  }
});
