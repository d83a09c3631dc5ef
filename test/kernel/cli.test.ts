import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { expect } from 'chai';
import { exchange } from '../helpers/clients';
import { REPO_ROOT, runDsdb, scratchDir, spawnDaemon } from '../helpers/daemon';

const exec = promisify(execFile);

describe('the dsdb command', function () {
  this.timeout(120_000);
  let dir: string;
  beforeEach(() => {
    dir = scratchDir('cli');
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('--help prints usage with examples and exits 0', async () => {
    const result = await runDsdb(['--help'], dir);
    expect(result.code).to.equal(0);
    expect(result.stdout).to.contain('Usage: dsdb');
    expect(result.stdout).to.contain('Examples:');
  });

  it('--version prints the package version', async () => {
    const result = await runDsdb(['--version'], dir);
    expect(result.code).to.equal(0);
    expect(result.stdout).to.match(new RegExp(`^dsdb ${require('../../../package.json').version.replace(/\./g, '\\.')} `));
  });

  it('rejects a bad --port and an unknown command with exit code 2', async () => {
    expect((await runDsdb(['--port', 'abc'], dir)).code).to.equal(2);
    const unknown = await runDsdb(['frobnicate'], dir);
    expect(unknown.code).to.equal(2);
    expect(unknown.stderr).to.contain('unknown command "frobnicate"');
  });

  it('init writes a starter config the daemon then runs with; SIGTERM stops it with exit 0', async () => {
    const init = await runDsdb(['init'], dir);
    expect(init.code).to.equal(0);
    const text = fs.readFileSync(path.join(dir, 'dsdb.config.js'), 'utf8');
    expect(text).to.contain('defineConfig');
    expect((await runDsdb(['init'], dir)).code, 'refuses to overwrite').to.equal(1);

    const daemon = await spawnDaemon(['--port', '0'], dir);
    // A client still connected when the signal comes must not keep the daemon alive.
    const lingering = exchange(daemon.port, ['help\n'], { idleMs: 5000 });
    const reply = await exchange(daemon.port, ['version\n']);
    expect(reply.data).to.match(/^dsdb /);
    const res = await fetch(`http://127.0.0.1:${daemon.port}/api/version`);
    expect(res.status).to.equal(200);
    daemon.child.kill('SIGTERM');
    expect(await daemon.exited).to.equal(0);
    expect((await lingering).closed).to.equal(true);
    expect(daemon.output()).to.contain('DSDB stopped');
  });

  it('SIGINT also stops it gracefully with exit 0', async () => {
    fs.writeFileSync(path.join(dir, 'dsdb.config.json'), JSON.stringify({ plugins: ['telnet'] }));
    const daemon = await spawnDaemon(['--port', '0'], dir);
    daemon.child.kill('SIGINT');
    expect(await daemon.exited).to.equal(0);
  });

  it('`npx dsdb` works where the package is installed (npm pack + install in a fresh folder)', async () => {
    const outside = fs.mkdtempSync(path.join(os.tmpdir(), 'dsdb-installed-'));
    try {
      const { stdout } = await exec('npm', ['pack', '--silent', '--pack-destination', outside], { cwd: REPO_ROOT });
      const tarball = path.join(outside, stdout.trim().split('\n').pop()!);
      fs.writeFileSync(path.join(outside, 'package.json'), JSON.stringify({ name: 'app', private: true }));
      await exec('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', tarball], { cwd: outside });
      fs.writeFileSync(path.join(outside, 'dsdb.config.js'), `const { defineConfig } = require('dsdb');\nmodule.exports = defineConfig({ plugins: ['http', 'telnet'] });\n`);
      const { stdout: version } = await exec('npx', ['--no-install', 'dsdb', '--version'], { cwd: outside });
      expect(version).to.match(/^dsdb \d+\.\d+\.\d+/);
      const installedBin = path.join(outside, 'node_modules', 'dsdb', 'bin', 'dsdb.js');
      const daemon = await spawnDaemon(['--port', '0'], outside, installedBin);
      try {
        expect((await exchange(daemon.port, ['version\n'])).data).to.match(/^dsdb /);
      } finally {
        daemon.child.kill('SIGTERM');
        await daemon.exited;
      }
    } finally {
      fs.rmSync(outside, { recursive: true, force: true });
    }
  });
});
