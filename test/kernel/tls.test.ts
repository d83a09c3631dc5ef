import { execFile, spawn } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import { expect } from 'chai';
import { REPO_ROOT, startDaemon, type RunningDaemon } from '../helpers/daemon';

const run = promisify(execFile);
const TLS_FIXTURES = path.join(REPO_ROOT, 'test', 'fixtures', 'tls');

/** Sends `input` through `openssl s_client` (a real TLS client) and returns what came back. */
function opensslTelnet(port: number, input: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('openssl', ['s_client', '-quiet', '-connect', `127.0.0.1:${port}`], { stdio: ['pipe', 'pipe', 'ignore'] });
    let out = '';
    child.stdout.on('data', (c) => (out += c));
    child.on('error', reject);
    child.on('exit', () => resolve(out));
    child.stdin.write(input);
    // `exit` makes the server close the connection, which ends s_client.
    setTimeout(() => child.kill(), 5000).unref();
  });
}

describe('TLS on the shared port (real curl and openssl clients)', () => {
  let daemon: RunningDaemon;
  before(async () => {
    daemon = await startDaemon({
      plugins: ['http', 'telnet', ['tls', { cert: `${TLS_FIXTURES}/cert.pem`, key: `${TLS_FIXTURES}/key.pem` }]],
    });
  });
  after(() => daemon.stop());

  it('curl -k https://…/api/version answers JSON', async () => {
    const { stdout } = await run('curl', ['-sk', `https://127.0.0.1:${daemon.port}/api/version`]);
    expect(JSON.parse(stdout)).to.have.property('version');
  });

  it('plain http on the same port still works next to https', async () => {
    const { stdout } = await run('curl', ['-s', `http://127.0.0.1:${daemon.port}/api/version`]);
    expect(JSON.parse(stdout)).to.have.property('short_revision');
  });

  it('a telnet command over openssl s_client works', async () => {
    const out = await opensslTelnet(daemon.port, 'version\nexit\n');
    expect(out).to.match(/^dsdb \S+ built at revision/);
  });

  it('closes a connection whose client ends in the middle of its ClientHello within a second, not at handshakeTimeoutMs', async () => {
    // A TLS record header promising 165 bytes of ClientHello, 11 of them, then the client's FIN
    // (found by the fuzz run: the connection stayed open until the 10 s handshake timeout).
    const head = Buffer.from('16030100a50100005f32709cbe17bb2f', 'hex');
    const socket = net.connect({ port: daemon.port, host: '127.0.0.1' });
    socket.on('error', () => undefined);
    const started = Date.now();
    const closed = new Promise<number>((resolve) => socket.on('close', () => resolve(Date.now() - started)));
    socket.end(head);
    const bound = new Promise<number>((resolve) => setTimeout(() => resolve(Infinity), 5000).unref());
    const tookMs = await Promise.race([closed, bound]);
    socket.destroy();
    expect(tookMs).to.be.below(5000);
  });

  it('a config naming an unreadable certificate names the key', async () => {
    let error: Error | undefined;
    try {
      await startDaemon({ plugins: ['telnet', ['tls', { cert: '/nonexistent.pem', key: `${TLS_FIXTURES}/key.pem` }]] });
    } catch (err) {
      error = err as Error;
    }
    expect(error?.message).to.match(/plugins\[1\] \(tls\)\.cert: cannot read \/nonexistent\.pem/);
  });
});
