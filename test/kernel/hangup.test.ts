/**
 * SIGHUP (the terminal or ssh session running `npx dsdb` closed) stops the daemon as
 * SIGTERM does: writes acknowledged before it are kept. Node's default action for HUP is
 * to exit at once, which lost the points acknowledged since the last WAL flush (a newcomer
 * measured 18,600 answered 204 and 15,800 kept). The JVM runs OpenTSDB's shutdown hook
 * (tsdb.shutdown(), which flushes) on HUP as on INT and TERM.
 *
 * The WAL here is flushed once a minute, so every point of the test is acknowledged and
 * not yet on disk when the signal comes: only a graceful stop keeps them. The session's
 * terminal is gone too: the daemon's stdout and stderr pipes are closed before the signal,
 * so the stop's log lines meet a broken pipe.
 */
import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { scratchDir, spawnDaemon } from '../helpers/daemon';
import { CODEC_PLUGINS } from '../helpers/plugins';

const POINTS = 500;
const T0 = 1_700_000_000;

describe('SIGHUP stops the daemon gracefully', function () {
  this.timeout(60_000);
  let dir: string;
  beforeEach(() => {
    dir = scratchDir('hangup');
    fs.writeFileSync(
      path.join(dir, 'dsdb.config.json'),
      JSON.stringify({ logLevel: 'info', plugins: ['http', 'put-http', 'query', 'aggregators-opentsdb', ['storage-embedded', { dataDir: './data', flushIntervalMs: 60_000 }], ...CODEC_PLUGINS] }),
    );
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  async function count(port: number): Promise<number> {
    const res = await fetch(`http://127.0.0.1:${port}/api/query?start=${T0 - 1}&m=count:hup.test`);
    expect(res.status).to.equal(200);
    const body = (await res.json()) as { dps: Record<string, number> }[];
    return body.length === 0 ? 0 : Object.values(body[0]!.dps).reduce((a, b) => a + b, 0);
  }

  it('keeps every acknowledged point and exits 0, its terminal gone', async () => {
    const daemon = await spawnDaemon(['--port', '0'], dir);
    for (let i = 0; i < POINTS; i += 100) {
      const points = Array.from({ length: 100 }, (_, j) => ({ metric: 'hup.test', timestamp: T0 + i + j, value: i + j, tags: { host: 'a' } }));
      const res = await fetch(`http://127.0.0.1:${daemon.port}/api/put`, { method: 'POST', body: JSON.stringify(points) });
      expect(res.status).to.equal(204);
    }
    expect(await count(daemon.port)).to.equal(POINTS);
    daemon.child.stdout!.destroy();
    daemon.child.stderr!.destroy();
    daemon.child.kill('SIGHUP');
    expect(await daemon.exited).to.equal(0);

    const again = await spawnDaemon(['--port', '0'], dir);
    try {
      expect(await count(again.port)).to.equal(POINTS);
    } finally {
      again.child.kill('SIGTERM');
      await again.exited;
    }
  });
});
