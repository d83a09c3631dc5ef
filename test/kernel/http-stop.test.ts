/**
 * A graceful stop (SIGTERM) of the real `dsdb` process sends the answers of the HTTP
 * requests it is handling before it closes their connections, within its bound
 * (plugins/http SEND_IN_FLIGHT_MS), and idle keep-alive connections do not hold it up.
 */
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { expect } from 'chai';
import { REPO_ROOT, scratchDir, spawnDaemon, type SpawnedDaemon } from '../helpers/daemon';

/** GET `url`, its status and body; a connection ended without an answer rejects. */
function get(url: string, agent?: http.Agent): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { agent }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode!, body }));
        res.on('error', reject);
      })
      .on('error', reject);
  });
}

describe('http: a graceful stop answers the requests in flight @integration', function () {
  this.timeout(30_000);
  let dir: string;
  let spawned: SpawnedDaemon;
  beforeEach(async () => {
    dir = scratchDir('http-stop');
    const plugin = path.join(REPO_ROOT, 'dist', 'test', 'fixtures', 'slow-route-plugin.js');
    fs.writeFileSync(path.join(dir, 'dsdb.config.json'), JSON.stringify({ port: 0, logLevel: 'info', plugins: ['http', plugin] }));
    spawned = await spawnDaemon([], dir);
  });
  afterEach(async () => {
    spawned.child.kill('SIGKILL');
    await spawned.exited;
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('sends the answer of a request being handled when SIGTERM comes, then exits 0', async () => {
    const keepAlive = new http.Agent({ keepAlive: true });
    // an idle keep-alive connection beside it must not hold the stop
    expect((await get(`http://127.0.0.1:${spawned.port}/api/version`, keepAlive)).status).to.equal(200);
    const slow = get(`http://127.0.0.1:${spawned.port}/api/test/slow?ms=800`);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const stopped = Date.now();
    spawned.child.kill('SIGTERM');
    const answer = await slow;
    expect(answer).to.deep.equal({ status: 200, body: '{"ok":true}' });
    expect(await spawned.exited).to.equal(0);
    expect(Date.now() - stopped, 'not held by the idle connection').to.be.below(5_000);
    keepAlive.destroy();
  });

  it('does not count pipelined requests whose client left as answers in flight (they never get a socket)', async () => {
    const net = await import('node:net');
    const socket = net.connect(spawned.port, '127.0.0.1');
    await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    const one = 'GET /api/test/slow?ms=300 HTTP/1.1\r\nHost: x\r\n\r\n';
    socket.write(one.repeat(5));
    await new Promise((resolve) => setTimeout(resolve, 100));
    socket.destroy(); // the client leaves with four answers queued behind the first
    await new Promise((resolve) => setTimeout(resolve, 600));
    const stopped = Date.now();
    spawned.child.kill('SIGTERM');
    expect(await spawned.exited).to.equal(0);
    expect(spawned.output()).to.not.match(/HTTP answers still in flight at shutdown/);
    expect(Date.now() - stopped, 'not held for the 2 s bound').to.be.below(1_500);
  });

  it('closes a request that outlasts the bound, and still exits 0', async () => {
    const slow = get(`http://127.0.0.1:${spawned.port}/api/test/slow?ms=20000`).then(
      () => 'answered',
      (err: NodeJS.ErrnoException) => err.code,
    );
    await new Promise((resolve) => setTimeout(resolve, 200));
    const stopped = Date.now();
    spawned.child.kill('SIGTERM');
    expect(await slow).to.equal('ECONNRESET');
    expect(await spawned.exited).to.equal(0);
    const waited = Date.now() - stopped;
    expect(waited, 'the bound, not the request').to.be.within(1_500, 10_000);
    expect(spawned.output()).to.match(/HTTP answers still in flight at shutdown/);
  });
});
