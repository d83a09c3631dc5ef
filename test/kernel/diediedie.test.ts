/**
 * Telnet `diediedie` (OpenTSDB's RpcManager.DieDieDie): off by default (an unknown
 * command, the daemon goes on); with the telnet plugin's `diediedie` option on, it answers
 * OpenTSDB's line and shuts the real `dsdb` process down gracefully — exit 0, and the
 * points accepted before it, even in the same packet, are there after a restart. Under
 * auth it needs the admin scope.
 */
import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { sha256Hex } from '../../plugins/auth/secrets';
import { exchange } from '../helpers/clients';
import { scratchDir, spawnDaemon, startDaemon, type SpawnedDaemon } from '../helpers/daemon';

const T = 1356998400;
const STORAGE = ['storage-embedded', 'codec-delta-of-delta', 'codec-decimal-float', 'codec-xor-float', 'codec-zigzag-int', 'codec-dict-string', 'codec-compact-json'];

function writeConfig(dir: string, telnetOptions: Record<string, unknown>): void {
  const plugins = ['http', ['telnet', telnetOptions], 'put-telnet', 'aggregators-opentsdb', 'query', ...STORAGE];
  fs.writeFileSync(path.join(dir, 'dsdb.config.json'), JSON.stringify({ port: 0, logLevel: 'info', plugins }));
}

async function query(port: number, metric: string): Promise<unknown> {
  const res = await fetch(`http://127.0.0.1:${port}/api/query?start=${T - 10}&end=${T + 100}&m=none:${metric}%7Bhost=*%7D`);
  return ((await res.json()) as { tags: { host: string }; dps: unknown }[]).map((s) => [s.tags.host, s.dps]).sort();
}

describe('telnet diediedie @integration', function () {
  this.timeout(60_000);
  const dirs: string[] = [];
  const children: SpawnedDaemon[] = [];
  after(async () => {
    for (const c of children) if (c.child.exitCode === null) c.child.kill('SIGKILL');
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  });

  it('is an unknown command by default, and the daemon goes on', async () => {
    const dir = scratchDir('diediedie-off');
    dirs.push(dir);
    writeConfig(dir, {});
    const daemon = await spawnDaemon([], dir);
    children.push(daemon);
    const reply = await exchange(daemon.port, ['diediedie\nversion\n']);
    expect(reply.data.split('\n')[0]).to.equal("unknown command: diediedie.  Try `help'.");
    expect(reply.data).to.match(/^dsdb /m);
    expect((await fetch(`http://127.0.0.1:${daemon.port}/api/version`)).status).to.equal(200);
    expect(daemon.child.exitCode).to.equal(null);
    daemon.child.kill('SIGTERM');
    expect(await daemon.exited).to.equal(0);
  });

  it('with the option on: answers OpenTSDB\'s line, exits 0 after flushing, and the points are there after a restart', async () => {
    const dir = scratchDir('diediedie-on');
    dirs.push(dir);
    writeConfig(dir, { diediedie: true });
    const first = await spawnDaemon([], dir);
    children.push(first);
    // one connection's points, then more in the very packet that carries diediedie
    await exchange(first.port, [`put die.m ${T} 1 host=a\nput die.m ${T + 1} 42 host=a\n`]);
    const reply = await exchange(first.port, [`put die.m ${T} 2.5 host=b\nput die.m ${T + 2} 3 host=b\ndiediedie\n`], { idleMs: 5_000 });
    expect(reply.data).to.equal('Cleaning up and exiting now.\n');
    expect(reply.closed).to.equal(true);
    expect(await first.exited).to.equal(0);
    expect(first.output()).to.match(/shutdown requested/);

    const second = await spawnDaemon([], dir);
    children.push(second);
    expect(await query(second.port, 'die.m')).to.deep.equal([
      ['a', { [T]: 1, [T + 1]: 42 }],
      ['b', { [T]: 2.5, [T + 2]: 3 }],
    ]);
    second.child.kill('SIGTERM');
    expect(await second.exited).to.equal(0);
  });
});

describe('telnet diediedie under auth', () => {
  it('needs the admin scope: a writer is refused and the daemon goes on; an admin stops it', async () => {
    const TOKENS = { writer: 'w-71c0e3b5a9d2', admin: 'a-3c8e1f0b7d64' };
    const daemon = await startDaemon({
      plugins: [
        ['telnet', { diediedie: true }],
        'storage-memory',
        ['auth', { tokens: [{ name: 'collector', sha256: sha256Hex(TOKENS.writer), scopes: ['write'] }, { name: 'operator', sha256: sha256Hex(TOKENS.admin), scopes: ['admin'] }] }],
      ],
    });
    try {
      const refused = await exchange(daemon.port, [`auth ${TOKENS.writer}\ndiediedie\n`]);
      expect(refused.data).to.match(/^diediedie: forbidden: collector lacks the admin scope$/m);
      expect((await exchange(daemon.port, ['version\n'])).data).to.match(/^dsdb /);
      const accepted = await exchange(daemon.port, [`auth ${TOKENS.admin}\ndiediedie\n`], { idleMs: 5_000 });
      expect(accepted.data).to.match(/^Cleaning up and exiting now\.$/m);
      await daemon.kernel.stopped;
    } finally {
      await daemon.stop();
    }
  });
});
