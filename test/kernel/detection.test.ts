import net from 'node:net';
import tls from 'node:tls';
import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { expect } from 'chai';
import { definePlugin, NEED_MORE_BYTES } from '../../core';
import { bytewise, exchange } from '../helpers/clients';
import { REPO_ROOT, startDaemon, type RunningDaemon } from '../helpers/daemon';

const TLS_FIXTURES = path.join(REPO_ROOT, 'test', 'fixtures', 'tls');

describe('protocol detection on one port', () => {
  let daemon: RunningDaemon;
  before(async () => {
    daemon = await startDaemon({
      plugins: ['http', 'telnet', ['tls', { cert: `${TLS_FIXTURES}/cert.pem`, key: `${TLS_FIXTURES}/key.pem` }]],
    });
  });
  after(() => daemon.stop());

  it('detects an HTTP request sent one byte at a time', async () => {
    const reply = await exchange(daemon.port, bytewise('GET /api/version HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'), { gapMs: 2 });
    expect(reply.data).to.match(/^HTTP\/1\.1 200 OK/);
    const body = JSON.parse(reply.data.slice(reply.data.indexOf('\r\n\r\n') + 4));
    expect(body.version).to.equal(require('../../../package.json').version);
  });

  it('serves an HTTP/1.1 request without a Host header, as OpenTSDB does (one typed into nc)', async () => {
    const reply = await exchange(daemon.port, ['GET /api/version HTTP/1.1\r\nConnection: close\r\n\r\n']);
    expect(reply.data).to.match(/^HTTP\/1\.1 200 OK/);
  });

  it('detects a telnet command sent one byte at a time', async () => {
    const reply = await exchange(daemon.port, bytewise('version\n'), { gapMs: 2 });
    expect(reply.data).to.match(/^dsdb \S+ built at revision \S+ \((MODIFIED|MINT)\)\nBuilt on /);
  });

  it('detects a TLS ClientHello split into one-byte packets, then HTTP inside it', async () => {
    // A relay that forwards the client's bytes to the daemon one byte per packet.
    const relay = net.createServer((client) => {
      const upstream = net.connect(daemon.port, '127.0.0.1');
      upstream.setNoDelay(true);
      let queue = Promise.resolve();
      client.on('data', (chunk) => {
        queue = queue.then(async () => {
          for (const byte of chunk) {
            upstream.write(Buffer.from([byte]));
            await sleep(0);
          }
        });
      });
      upstream.pipe(client);
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
    await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve));
    const port = (relay.address() as net.AddressInfo).port;
    try {
      const body = await new Promise<string>((resolve, reject) => {
        const socket = tls.connect({ port, host: '127.0.0.1', rejectUnauthorized: false }, () => {
          socket.write('GET /api/version HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
        });
        let data = '';
        socket.on('data', (c) => (data += c));
        socket.on('end', () => resolve(data));
        socket.on('error', reject);
      });
      expect(body).to.match(/^HTTP\/1\.1 200 OK/);
      expect(body).to.contain('"short_revision"');
    } finally {
      relay.close();
    }
  });

  it('keeps serving other connections while one sends a partial head', async () => {
    const idle = net.connect(daemon.port, '127.0.0.1');
    idle.write(Buffer.from([0x16])); // could be TLS: detection waits for more
    try {
      const reply = await exchange(daemon.port, ['version\n']);
      expect(reply.data).to.match(/^dsdb /);
    } finally {
      idle.destroy();
    }
  });
});

describe('protocol detection: bounded wait and no match', () => {
  let daemon: RunningDaemon;
  const seen: { length: number; final: boolean }[] = [];
  before(async () => {
    // A detector that always wants more bytes: detection must give up after the timeout.
    const greedy = definePlugin({
      name: 'greedy',
      register({ hooks }) {
        hooks.net.detectProtocol.tap({ name: 'greedy', stage: -1 }, (head, context) => {
          seen.push({ length: head.length, final: context.final });
          return head[0] === 0x01 ? NEED_MORE_BYTES : undefined;
        });
      },
    });
    daemon = await startDaemon({ detectTimeoutMs: 150, plugins: ['http', greedy] });
  });
  after(() => daemon.stop());

  it('decides with final=true once the wait is over, and closes when nobody claims the bytes', async () => {
    const started = Date.now();
    const reply = await exchange(daemon.port, [Buffer.from([0x01, 0x02])], { idleMs: 2000 });
    expect(reply.closed).to.equal(true);
    expect(Date.now() - started).to.be.lessThan(1500);
    expect(seen.some((s) => s.final)).to.equal(true);
  });

  it('closes a connection no plugin speaks (no telnet plugin loaded)', async () => {
    const reply = await exchange(daemon.port, ['version\n'], { idleMs: 1000 });
    expect(reply.data).to.equal('');
    expect(reply.closed).to.equal(true);
  });

  it('answers a TLS handshake on a port without the tls plugin with a fatal handshake_failure alert, at once', async () => {
    const started = Date.now();
    const err = await new Promise<Error & { code?: string }>((resolve, reject) => {
      const socket = tls.connect({ port: daemon.port, host: '127.0.0.1', rejectUnauthorized: false }, () => reject(new Error('the handshake succeeded')));
      socket.on('error', resolve);
    });
    expect(err.code).to.equal('ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE');
    expect(Date.now() - started).to.be.lessThan(2000);
    expect((await fetch(`http://127.0.0.1:${daemon.port}/api/version`)).status, 'plain HTTP still served').to.equal(200);
  });
});

describe('TLS fixtures', () => {
  it('are present for the tests', () => {
    expect(fs.existsSync(path.join(TLS_FIXTURES, 'cert.pem'))).to.equal(true);
  });
});
