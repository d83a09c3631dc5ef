/**
 * #20 (1, 6): `npx dsdb init && npx dsdb` from an empty folder, with dsdb installed as a
 * package (`npm pack`, run by npx), starts a daemon that takes a telnet put and an /api/put,
 * answers /api/query and serves the GUI; the starter config, the repo's config and the
 * README's Configure example list DEFAULT_PLUGINS; a config without storage says so at
 * start-up; the lockfile's engines agree with the README's Node version.
 */
import { expect } from 'chai';
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DEFAULT_PLUGINS } from '../../core';
import { STARTER_CONFIG } from '../../core/init-template';
import { exchange } from '../helpers/clients';
import { BIN, REPO_ROOT, scratchDir, spawnDaemon } from '../helpers/daemon';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const semver = require('semver') as { satisfies(v: string, range: string): boolean; minVersion(range: string): { version: string } };

/** Evaluates a CommonJS config text with `require` refused: it must not need dsdb. */
function evalPlainConfig(text: string): { plugins: unknown[] } {
  const module = { exports: {} as { plugins: unknown[] } };
  new Function('module', 'exports', 'require', text)(module, module.exports, (id: string) => {
    throw new Error(`the config requires ${id}`);
  });
  return module.exports;
}

function npx(args: string[], cwd: string, tgz: string) {
  return spawnSync('npx', ['--yes', '--prefer-offline', `--package=${tgz}`, '--', 'dsdb', ...args], { cwd, encoding: 'utf8', timeout: 180_000 });
}

describe('dsdb init from an empty folder, dsdb installed from npm pack (#20) @integration', function () {
  this.timeout(300_000);
  let root: string;
  let empty: string;
  let tgz: string;
  let daemon: ChildProcess | undefined;
  before(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'dsdb-ux-init-'));
    empty = path.join(root, 'empty');
    fs.mkdirSync(empty);
    // dist/ is built (these tests run from it); --ignore-scripts: no second build
    const packed = spawnSync('npm', ['pack', '--ignore-scripts', '--pack-destination', root], { cwd: REPO_ROOT, encoding: 'utf8' });
    expect(packed.status, packed.stderr).to.equal(0);
    tgz = path.join(root, packed.stdout.trim().split('\n').pop()!);
  });
  after(() => {
    if (daemon?.pid && daemon.exitCode === null) process.kill(-daemon.pid, 'SIGKILL');
    fs.rmSync(root, { recursive: true, force: true });
  });

  it('npx dsdb init writes a config with every default plugin that loads without dsdb installed there', () => {
    const init = npx(['init'], empty, tgz);
    expect(init.status, init.stderr).to.equal(0);
    const text = fs.readFileSync(path.join(empty, 'dsdb.config.js'), 'utf8');
    expect(text).to.equal(STARTER_CONFIG);
    expect(evalPlainConfig(text).plugins).to.deep.equal(DEFAULT_PLUGINS);
    expect(fs.existsSync(path.join(empty, 'node_modules')), 'nothing installed in the folder').to.equal(false);
    // help works with it, and lists the utilities
    const help = npx(['help'], empty, tgz);
    expect(help.status, help.stderr).to.equal(0);
    expect(help.stdout).to.contain(`Commands from the plugins of ${path.join(empty, 'dsdb.config.js')}`).and.match(/^ {2}import /m);
    expect(help.stdout).to.not.contain('Note:');
  });

  it('npx dsdb then takes a telnet put and an /api/put, answers /api/query and serves the GUI', async () => {
    // --port 0: the starter's 4242 may be taken on a shared machine
    daemon = spawn('npx', ['--yes', '--prefer-offline', `--package=${tgz}`, '--', 'dsdb', '--port', '0'], { cwd: empty, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let out = '';
    const port = await new Promise<number>((resolve, reject) => {
      const onData = (chunk: Buffer) => {
        out += chunk.toString();
        const match = /"port":(\d+)[^\n]*DSDB is listening/.exec(out);
        if (match) resolve(Number(match[1]));
      };
      daemon!.stdout!.on('data', onData);
      daemon!.stderr!.on('data', onData);
      daemon!.once('exit', (code) => reject(new Error(`dsdb exited with ${code}:\n${out}`)));
    });
    try {
      expect(out).to.not.contain('no storage engine');
      const base = `http://127.0.0.1:${port}`;
      const now = Math.floor(Date.now() / 1000);
      const telnet = await exchange(port, [`put app.cpu ${now} 42.5 host=web01\nversion\n`]);
      expect(telnet.data).to.match(/^net\.opentsdb\.tsd|dsdb/m);
      expect(telnet.data).to.not.contain('unknown command');
      const put = await fetch(`${base}/api/put`, { method: 'POST', body: JSON.stringify({ metric: 'app.cpu', timestamp: now, value: 43, tags: { host: 'web02' } }) });
      expect(put.status).to.equal(204);
      const q = (await (await fetch(`${base}/api/query?start=1h-ago&m=${encodeURIComponent('sum:app.cpu{host=*}')}`)).json()) as { tags: { host: string }; dps: Record<string, number> }[];
      expect(q.map((r) => [r.tags.host, Object.values(r.dps)])).to.deep.equal([
        ['web01', [42.5]],
        ['web02', [43]],
      ]);
      const page = await fetch(`${base}/`);
      expect(page.status).to.equal(200);
      expect(page.headers.get('content-type')).to.match(/^text\/html/);
      const html = await page.text();
      const script = /<script[^>]+src="([^"]+)"/.exec(html);
      expect(script, 'the GUI page loads its script').to.not.equal(null);
      expect((await fetch(new URL(script![1]!, `${base}/`))).status).to.equal(200);
      const png = await fetch(`${base}/q?start=1h-ago&m=sum:app.cpu&png`);
      expect(png.headers.get('content-type')).to.equal('image/png');
    } finally {
      process.kill(-daemon.pid!, 'SIGTERM');
      await new Promise((resolve) => (daemon!.exitCode !== null ? resolve(undefined) : daemon!.once('exit', resolve)));
    }
  });
});

describe('default plugin lists and start-up checks (#20)', () => {
  it("the repo's dsdb.config.js and the README's Configure example load DEFAULT_PLUGINS", () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    expect(require(path.join(REPO_ROOT, 'dsdb.config.js')).plugins).to.deep.equal(DEFAULT_PLUGINS);
    const readme = fs.readFileSync(path.join(REPO_ROOT, 'README.md'), 'utf8');
    const configure = readme.slice(readme.indexOf('## Configure'));
    const block = /```js\n([\s\S]*?)```/.exec(configure)![1]!;
    expect(evalPlainConfig(block).plugins).to.deep.equal(DEFAULT_PLUGINS);
  });

  it('a start the system refuses (a dataDir that is a file) says so in one line and exits 1, no stack', () => {
    const dir = scratchDir('ux-data-file');
    try {
      fs.writeFileSync(path.join(dir, 'data'), 'not a directory');
      fs.writeFileSync(path.join(dir, 'dsdb.config.js'), `module.exports = { port: 0, plugins: ['http', ['storage-embedded', { dataDir: ${JSON.stringify(path.join(dir, 'data'))} }]] };\n`);
      const run = spawnSync(process.execPath, [BIN], { cwd: dir, encoding: 'utf8', timeout: 60_000 });
      expect(run.status).to.equal(1);
      const lines = run.stderr.trim().split('\n');
      expect(lines, run.stderr).to.have.length(1);
      expect(lines[0]).to.match(/^dsdb: EEXIST: file already exists, mkdir /);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a config without a storage engine says so at start-up', async () => {
    const dir = scratchDir('ux-no-storage');
    try {
      fs.writeFileSync(path.join(dir, 'dsdb.config.js'), "module.exports = { port: 0, plugins: ['http', 'telnet', 'put-telnet', 'put-http'] };\n");
      const d = await spawnDaemon([], dir);
      d.child.kill('SIGTERM');
      await d.exited;
      expect(d.output()).to.match(/"level":40[^\n]*no storage engine is configured in [^\n]*dsdb\.config\.js: writes and queries will be refused/);
      const withStorage = scratchDir('ux-with-storage');
      fs.writeFileSync(path.join(withStorage, 'dsdb.config.js'), "module.exports = { port: 0, plugins: ['http', 'storage-memory'] };\n");
      const ok = await spawnDaemon([], withStorage);
      ok.child.kill('SIGTERM');
      await ok.exited;
      expect(ok.output()).to.not.contain('no storage engine');
      fs.rmSync(withStorage, { recursive: true, force: true });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("every locked dependency's engines.node accepts the README's and package.json's lowest Node", () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { engines: { node: string } };
    const lowest = semver.minVersion(pkg.engines.node).version;
    const readme = fs.readFileSync(path.join(REPO_ROOT, 'README.md'), 'utf8');
    expect(readme).to.contain(`Node.js ≥ ${lowest.replace(/\.0$/, '')}`);
    const lock = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, { engines?: { node?: string } }> };
    const refusing = Object.entries(lock.packages)
      .filter(([, p]) => p.engines?.node && !semver.satisfies(lowest, p.engines.node))
      .map(([name, p]) => `${name} wants node ${p.engines!.node}`);
    expect(refusing, `npm ci would warn EBADENGINE on Node ${lowest}`).to.deep.equal([]);
    expect(semver.satisfies(process.versions.node, pkg.engines.node), `this Node ${process.versions.node}`).to.equal(true);
  });

  it('the lowest Node the engines allow (20.19.0, from the registry) runs the daemon and the #20 tests', function () {
    this.timeout(180_000);
    const node = execFileSync('bash', [path.join(REPO_ROOT, 'scripts', 'node-lowest.sh')], { encoding: 'utf8' }).trim();
    const pkg = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { engines: { node: string } };
    const version = spawnSync(node, ['-v'], { encoding: 'utf8' }).stdout.trim();
    expect(version).to.equal(`v${semver.minVersion(pkg.engines.node).version}`);
    // mocha itself, and every dsdb the tests spawn (process.execPath), run on that Node
    const mocha = path.join(REPO_ROOT, 'node_modules', 'mocha', 'bin', 'mocha.js');
    const files = ['put-strings', 'cli-url'].map((f) => path.join(REPO_ROOT, 'dist', 'test', 'ux', `${f}.test.js`));
    const run = spawnSync(node, [mocha, '--no-config', '--timeout', '60000', '--exit', ...files], { cwd: REPO_ROOT, encoding: 'utf8', timeout: 170_000 });
    expect(run.status, `${run.stdout}\n${run.stderr}`).to.equal(0);
    // every test of the files ran: as many as mocha lists without running them, here
    const listed = spawnSync(process.execPath, [mocha, '--no-config', '--dry-run', ...files], { cwd: REPO_ROOT, encoding: 'utf8' });
    const count = Number(/\b(\d+) passing/.exec(listed.stdout)?.[1]);
    expect(count, listed.stdout).to.be.greaterThan(5);
    expect(run.stdout).to.match(new RegExp(`\\b${count} passing`));
  });

  it('bin/dsdb.js says it builds when dist/ is missing (no silent first run)', () => {
    const bin = fs.readFileSync(path.join(REPO_ROOT, 'bin', 'dsdb.js'), 'utf8');
    expect(bin).to.contain("dist/ is missing: building it first");
    // the real thing, in a copy of the bin next to a package without dist/
    const dir = scratchDir('ux-bin');
    try {
      fs.mkdirSync(path.join(dir, 'bin'));
      fs.copyFileSync(path.join(REPO_ROOT, 'bin', 'dsdb.js'), path.join(dir, 'bin', 'dsdb.js'));
      fs.writeFileSync(path.join(dir, 'tsconfig.json'), '{}');
      fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'fake', scripts: { build: 'node -e "require(\'fs\').mkdirSync(\'dist/core\',{recursive:true});require(\'fs\').writeFileSync(\'dist/core/cli.js\',\'exports.main=async()=>{console.log(1);return 0}\')"' } }));
      const run = spawnSync(process.execPath, [path.join(dir, 'bin', 'dsdb.js')], { cwd: dir, encoding: 'utf8' });
      expect(run.stderr).to.contain('dsdb: dist/ is missing: building it first');
      expect(run.stdout.trim()).to.equal('1');
      expect(run.status).to.equal(0);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
