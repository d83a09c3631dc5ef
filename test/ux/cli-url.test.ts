/**
 * #20 (4): `dsdb export --url` and `dsdb scan --url` print what the direct export prints
 * (ints as ints, int64 exact, next to doubles too); `dsdb query … nosuch.metric` says so
 * once; `scan --url --delete` finds out that the daemon refuses deletes before asking.
 */
import { expect } from 'chai';
import fs from 'node:fs';
import path from 'node:path';
import { writeCliConfig, runWithStdin } from '../helpers/cli';
import { runDsdb, scratchDir, spawnDaemon, type SpawnedDaemon } from '../helpers/daemon';

// ints next to doubles in one series, int64 beyond 2^53, -0.0, strings, JSON with big ints, ms timestamps
const MIXED = [
  'mix.a 1700000000 1 host=a',
  'mix.a 1700000001 1.5 host=a',
  'mix.a 1700000002 2 host=a',
  'mix.a 1700000003 9007199254740993 host=a',
  'mix.a 1700000004 -9223372036854775808 host=a',
  'mix.a 1700000005 3.0 host=a',
  'mix.a 1700000006 9223372036854775807 host=a',
  'mix.b 1700000000 "deploy started: v1.2" host=a',
  'mix.b 1700000001 7 host=a',
  'mix.b 1700000002 {"n":[1,2.5],"a":{"b":12345678901234567890}} host=a',
  'mix.b 1700000003 2.25 host=a',
  'mix.c 1700000000123 1e300 host=b',
  'mix.c 1700000001 -0.0 host=b',
  'mix.c 1700000002 0.1 host=b',
  'mix.c 1700000003 100 host=b',
  'mix.d 1700000000 1 host=c',
  'mix.d 1700000001 2 host=c',
].join('\n') + '\n';

async function stopDaemon(d: SpawnedDaemon): Promise<void> {
  d.child.kill('SIGTERM');
  await d.exited;
}

describe('dsdb export/scan over --url are exact (#20)', function () {
  this.timeout(120_000);
  let root: string;
  let source: string;
  let copy: string;
  before(async () => {
    root = scratchDir('ux-cli-url');
    source = path.join(root, 'source');
    copy = path.join(root, 'copy');
    fs.mkdirSync(source);
    fs.mkdirSync(copy);
    writeCliConfig(source);
    writeCliConfig(copy);
    fs.writeFileSync(path.join(root, 'mixed.txt'), MIXED);
    const imported = await runDsdb(['import', '--quiet', path.join(root, 'mixed.txt')], source);
    expect(imported.code, imported.stderr).to.equal(0);
  });
  after(() => fs.rmSync(root, { recursive: true, force: true }));

  for (const format of ['import', 'json']) {
    it(`export --url → import → export is byte-identical to the direct export (--format ${format})`, async () => {
      const direct = await runDsdb(['export', '--format', format], source);
      expect(direct.code, direct.stderr).to.equal(0);
      expect(direct.stdout.split('\n').filter(Boolean)).to.have.length(MIXED.trim().split('\n').length);
      if (format === 'import') {
        expect(direct.stdout).to.contain('mix.a 1700000000 1 host=a\n').and.contain(' 9007199254740993 ').and.contain('mix.d 1700000000 1 host=c\n');
      }
      const d = await spawnDaemon([], source);
      let viaUrl;
      let scanDirect;
      let scanUrl;
      try {
        viaUrl = await runDsdb(['export', '--format', format, '--url', `http://127.0.0.1:${d.port}`], source);
        scanUrl = await runDsdb(['scan', '--format', format, '--url', `http://127.0.0.1:${d.port}`, '1699999999', '1700000010', 'mix.a', 'mix.b', 'mix.c', 'mix.d'], source);
      } finally {
        await stopDaemon(d);
      }
      expect(viaUrl.code, viaUrl.stderr).to.equal(0);
      expect(viaUrl.stdout).to.equal(direct.stdout);
      scanDirect = await runDsdb(['scan', '--format', format, '1699999999', '1700000010', 'mix.a', 'mix.b', 'mix.c', 'mix.d'], source);
      expect(scanUrl.code, scanUrl.stderr).to.equal(0);
      expect(scanUrl.stdout).to.equal(scanDirect.stdout);
      expect(scanUrl.stdout).to.equal(direct.stdout);

      // the copy made through the daemon exports the same bytes
      fs.rmSync(path.join(copy, 'data'), { recursive: true, force: true });
      const dump = path.join(root, `via-url.${format}`);
      fs.writeFileSync(dump, viaUrl.stdout);
      const imported = await runDsdb(['import', '--quiet', dump], copy);
      expect(imported.code, imported.stderr).to.equal(0);
      const again = await runDsdb(['export', '--format', format], copy);
      expect(again.code, again.stderr).to.equal(0);
      expect(again.stdout).to.equal(direct.stdout);
    });
  }

  it('dsdb query … nosuch.metric prints its message once (local and --url)', async () => {
    const local = await runDsdb(['query', '1h-ago', 'sum', 'nosuch.metric'], source);
    expect(local.code).to.equal(1);
    expect(local.stderr.match(/No such name for 'metrics': 'nosuch.metric'/g), local.stderr).to.have.length(1);
    const d = await spawnDaemon([], source);
    try {
      const remote = await runDsdb(['query', '--url', `http://127.0.0.1:${d.port}`, '1h-ago', 'sum', 'nosuch.metric'], source);
      expect(remote.code).to.equal(1);
      expect(remote.stderr.match(/No such name for 'metrics': 'nosuch.metric'/g), remote.stderr).to.have.length(1);
    } finally {
      await stopDaemon(d);
    }
  });

  it('scan --url --delete asks the daemon whether it deletes before asking the user', async () => {
    const d = await spawnDaemon([], source);
    try {
      const refused = await runWithStdin(['scan', '--delete', '--url', `http://127.0.0.1:${d.port}`, '1699999999', '1700000010', 'mix.d'], source, 'y\n');
      expect(refused.code).to.equal(1);
      expect(refused.stderr).to.match(/does not allow deletes \(tsd\.http\.query\.allow_delete=false\)/);
      expect(refused.stderr, 'no question was asked').to.not.match(/delete \d+ point/);
      expect(refused.stdout, 'nothing scanned').to.equal('');
    } finally {
      await stopDaemon(d);
    }
    expect((await runDsdb(['scan', '1699999999', '1700000010', 'mix.d'], source)).stdout.trim().split('\n')).to.have.length(2);
    // a daemon that deletes: the question comes, and "y" deletes
    writeCliConfig(source);
    const config = path.join(source, 'dsdb.config.js');
    fs.writeFileSync(config, fs.readFileSync(config, 'utf8').replace('"query"', '["query",{"allowDelete":true}]'));
    const deleting = await spawnDaemon([], source);
    try {
      const asked = await runWithStdin(['scan', '--delete', '--quiet', '--url', `http://127.0.0.1:${deleting.port}`, '1699999999', '1700000010', 'mix.d'], source, 'y\n');
      expect(asked.code, asked.stderr).to.equal(0);
      expect(asked.stderr).to.match(/delete 2 point\(s\) of 1 series/);
      expect(asked.stderr).to.match(/deleted 2 point/);
    } finally {
      await stopDaemon(deleting);
    }
    expect((await runDsdb(['scan', '1699999999', '1700000010', 'mix.d'], source)).stdout).to.equal('');
  });
});
