/**
 * Issue #19: TLS client certificates must be verified against `ca` (an unrelated
 * self-signed certificate was accepted), and a port that requires TLS must refuse
 * plaintext HTTP, telnet and protobuf (they stayed open next to TLS). Certificates are
 * made here with Debian's `openssl`.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import tls from 'node:tls';
import { setTimeout as sleep } from 'node:timers/promises';
import { expect } from 'chai';
import { exchange } from '../helpers/clients';
import { REPO_ROOT, scratchDir, startDaemon, type RunningDaemon } from '../helpers/daemon';
import { encodeRequest, frame, PREAMBLE, sendFrames } from '../helpers/protobuf-client';

const FIXTURES = path.join(REPO_ROOT, 'test', 'fixtures', 'tls');
const EC = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

export interface TestPki {
  dir: string;
  ca: string;
  /** signed by `ca` */
  client: { cert: string; key: string };
  /** self-signed, same subject as `client`, unrelated to `ca` */
  rogue: { cert: string; key: string };
}

/** A CA, a client certificate it signed (CN=collector-1), and an unrelated self-signed one. */
export function makePki(name: string): TestPki {
  const dir = scratchDir(name);
  const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  openssl('req', '-x509', ...EC, '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=dsdb test CA');
  openssl('req', ...EC, '-keyout', 'client.key', '-out', 'client.csr', '-subj', '/CN=collector-1');
  openssl('x509', '-req', '-in', 'client.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'client.pem', '-days', '2');
  openssl('req', '-x509', ...EC, '-keyout', 'rogue.key', '-out', 'rogue.pem', '-days', '2', '-subj', '/CN=collector-1');
  const file = (f: string) => path.join(dir, f);
  return { dir, ca: file('ca.pem'), client: { cert: file('client.pem'), key: file('client.key') }, rogue: { cert: file('rogue.pem'), key: file('rogue.key') } };
}

/** GET /api/version over TLS, optionally with a client certificate: the status line, or the error that ended it. */
export function tlsGet(port: number, client?: { cert: string; key: string }, path = '/api/version', headers = ''): Promise<string> {
  return new Promise((resolve) => {
    const socket = tls.connect({
      host: '127.0.0.1',
      port,
      rejectUnauthorized: false, // the server's certificate is the self-signed fixture
      cert: client ? fs.readFileSync(client.cert) : undefined,
      key: client ? fs.readFileSync(client.key) : undefined,
    });
    let data = '';
    socket.on('secureConnect', () => socket.write(`GET ${path} HTTP/1.1\r\nhost: localhost\r\nconnection: close\r\n${headers}\r\n`));
    socket.on('data', (chunk) => (data += chunk));
    socket.on('error', (err) => resolve(data || `error: ${err.message}`));
    socket.on('close', () => resolve(data || 'closed without a reply'));
    setTimeout(() => socket.destroy(), 5000).unref();
  });
}

/** The kernel's count of open connections, once it stops falling (at most 2 s). */
async function openConnectionsSettle(daemon: RunningDaemon): Promise<number> {
  const listener = (daemon.kernel as unknown as { listener: { openConnections: number } }).listener;
  for (let i = 0; i < 100 && listener.openConnections > 0; i++) await sleep(20);
  return listener.openConnections;
}

/** Writes `text` over TLS with a client certificate; resolves with what came back once the server closes or goes quiet. */
function tlsRequest(port: number, client: { cert: string; key: string }, text: string): Promise<string> {
  return new Promise((resolve) => {
    const socket = tls.connect({ host: '127.0.0.1', port, rejectUnauthorized: false, cert: fs.readFileSync(client.cert), key: fs.readFileSync(client.key) });
    let data = '';
    let quiet: NodeJS.Timeout | undefined;
    const settle = () => {
      clearTimeout(quiet);
      quiet = setTimeout(() => socket.destroy(), 500);
    };
    socket.on('secureConnect', () => (socket.write(text), settle()));
    socket.on('data', (chunk) => ((data += chunk), settle()));
    socket.on('error', () => undefined);
    socket.on('close', () => resolve(data));
  });
}

describe('security: TLS client certificates and TLS-only ports (#19)', () => {
  let pki: TestPki;
  before(function () {
    this.timeout(30_000);
    pki = makePki('tls-pki');
  });
  after(() => fs.rmSync(pki.dir, { recursive: true, force: true }));

  describe('requestClientCert with a ca', () => {
    let daemon: RunningDaemon;
    before(async () => {
      daemon = await startDaemon({
        plugins: ['http', 'telnet', 'put-telnet', 'protobuf', 'storage-memory', ['tls', { cert: `${FIXTURES}/cert.pem`, key: `${FIXTURES}/key.pem`, ca: pki.ca, requestClientCert: true }]],
      });
    });
    after(() => daemon.stop());

    it('accepts a client certificate the CA signed, and releases the connection when it ends', async () => {
      expect(await tlsGet(daemon.port, pki.client)).to.match(/^HTTP\/1\.1 200 /);
      expect(await openConnectionsSettle(daemon)).to.equal(0);
    });

    it('refuses an unrelated self-signed client certificate (same subject)', async () => {
      const reply = await tlsGet(daemon.port, pki.rogue);
      expect(reply).to.not.match(/HTTP\/1\.1 200/);
      expect(reply).to.not.contain('"version"');
      // and the refused connection's descriptor is released
      expect(await openConnectionsSettle(daemon)).to.equal(0);
    });

    it('refuses a TLS client with no certificate', async () => {
      const reply = await tlsGet(daemon.port);
      expect(reply).to.not.match(/HTTP\/1\.1 200/);
      expect(reply).to.not.contain('"version"');
    });

    it('refuses plaintext HTTP on the port with 403 in OpenTSDB form (TLS is implied)', async () => {
      const { data, closed } = await exchange(daemon.port, ['GET /api/version HTTP/1.1\r\nhost: x\r\n\r\n']);
      expect(data).to.match(/^HTTP\/1\.1 403 /);
      const body = JSON.parse(data.slice(data.indexOf('\r\n\r\n') + 4));
      expect(body.error.code).to.equal(403);
      expect(body.error.message).to.match(/TLS required/);
      expect(closed).to.equal(true);
    });

    it('refuses plaintext telnet on the port with an error line, and runs no command', async () => {
      const { data, closed } = await exchange(daemon.port, ['version\n']);
      expect(data).to.match(/^error: TLS required/);
      expect(data).to.not.match(/built at revision/);
      expect(closed).to.equal(true);
    });

    it('refuses plaintext raw-TCP protobuf on the port: no ack, closed', async () => {
      const request = encodeRequest({ id: 1, points: [{ metric: 'tls.plain', timestamp: 1700000000, tags: { h: 'a' }, doubleValue: 1 }] });
      const { acks, closed } = await sendFrames(daemon.port, [Buffer.concat([PREAMBLE, frame(request)])], 1);
      expect(acks.filter((a) => a.written > 0)).to.deep.equal([]);
      expect(closed).to.equal(true);
    });
  });

  describe('requireTls without client certificates', () => {
    let daemon: RunningDaemon;
    before(async () => {
      daemon = await startDaemon({
        plugins: ['http', 'telnet', ['tls', { cert: `${FIXTURES}/cert.pem`, key: `${FIXTURES}/key.pem`, requireTls: true, handshakeTimeoutMs: 500 }]],
      });
    });
    after(() => daemon.stop());

    it('serves TLS without a client certificate', async () => {
      expect(await tlsGet(daemon.port)).to.match(/^HTTP\/1\.1 200 /);
    });

    it('closes a TLS connection that never finishes its handshake after handshakeTimeoutMs', async () => {
      // a ClientHello record header and nothing more
      const { closed } = await exchange(daemon.port, [Buffer.from([0x16, 0x03, 0x01, 0x00, 0x50])], { idleMs: 3000 });
      expect(closed).to.equal(true);
      expect(await openConnectionsSettle(daemon)).to.equal(0);
    });

    it('refuses plaintext HTTP and telnet', async () => {
      expect((await exchange(daemon.port, ['GET /api/version HTTP/1.1\r\nhost: x\r\n\r\n'])).data).to.match(/^HTTP\/1\.1 403 /);
      expect((await exchange(daemon.port, ['version\n'])).data).to.match(/^error: TLS required/);
    });
  });

  describe('a client certificate subject as an auth principal', () => {
    let daemon: RunningDaemon;
    before(async () => {
      daemon = await startDaemon({
        plugins: [
          'http',
          'telnet',
          'put-telnet',
          'put-http',
          'aggregators-opentsdb',
          'query',
          'read-api',
          'storage-memory',
          ['tls', { cert: `${FIXTURES}/cert.pem`, key: `${FIXTURES}/key.pem`, ca: pki.ca, requestClientCert: true }],
          ['auth', { certificates: [{ subject: 'collector-1', scopes: ['write'] }] }],
        ],
      });
    });
    after(() => daemon.stop());

    it('gives HTTP requests the scopes of the certificate subject, without an Authorization header', async () => {
      expect(await tlsGet(daemon.port, pki.client, '/api/aggregators')).to.match(/^HTTP\/1\.1 403 /);
      const body = JSON.stringify({ metric: 'tls.cert', timestamp: 1700000000, value: 1, tags: { h: 'a' } });
      const put = await tlsRequest(daemon.port, pki.client, `POST /api/put HTTP/1.1\r\nhost: x\r\nconnection: close\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\n\r\n${body}`);
      expect(put).to.match(/^HTTP\/1\.1 204 /);
    });

    it('lets telnet put without an auth command', async () => {
      const reply = await tlsRequest(daemon.port, pki.client, 'put tls.telnet 1700000000 1 h=a\nstats\n');
      expect(reply).to.not.contain('authentication required');
      expect(reply).to.contain('stats: forbidden: collector-1 lacks the read scope');
    });
  });

  it('refuses requestClientCert without a ca at start-up, naming the key', async () => {
    let error: Error | undefined;
    try {
      await startDaemon({ plugins: ['http', ['tls', { cert: `${FIXTURES}/cert.pem`, key: `${FIXTURES}/key.pem`, requestClientCert: true }]] });
    } catch (err) {
      error = err as Error;
    }
    expect(error?.message).to.match(/\(tls\)\.ca: .*requestClientCert/);
  });
});
