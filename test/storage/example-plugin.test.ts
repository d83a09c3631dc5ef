/**
 * examples/storage-plugin as a third party has it: copied to a folder outside the
 * repository, with `dsdb` (its peer dependency) installed next to it as a link to this
 * checkout. Its own mocha test must pass the whole conformance suite there, the daemon
 * must load it by path from a config and serve what telnet put wrote, and its JSDoc types
 * must check against DSDB's declarations.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { loadStorageEngineFactory, pointBatch, runStorageConformance, ValueKind, type SeriesData, type StorageEngine } from '../../core';
import { exchange } from '../helpers/clients';
import { REPO_ROOT, spawnDaemon, type SpawnedDaemon } from '../helpers/daemon';

const EXAMPLE = path.join(REPO_ROOT, 'examples', 'storage-plugin');
const MOCHA = path.join(REPO_ROOT, 'node_modules', 'mocha', 'bin', 'mocha.js');
const TSC = path.join(REPO_ROOT, 'node_modules', 'typescript', 'bin', 'tsc');

function run(args: string[], cwd: string, timeoutMs = 180_000): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (c) => (output += c));
  child.stderr.on('data', (c) => (output += c));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  return new Promise((resolve) =>
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    }),
  );
}

/** The cases runStorageConformance defines, counted by running it against stand-in mocha globals. */
function conformanceCaseCount(): number {
  const g = globalThis as Record<string, unknown>;
  const saved = { describe: g.describe, it: g.it, beforeEach: g.beforeEach, afterEach: g.afterEach };
  let count = 0;
  g.describe = (_name: string, body: () => void) => body.call({});
  g.it = () => void count++;
  g.beforeEach = g.afterEach = () => undefined;
  try {
    runStorageConformance('count', () => Promise.reject(new Error('not run')));
  } finally {
    Object.assign(g, saved);
  }
  return count;
}

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

describe('examples/storage-plugin, copied outside the repository', function () {
  this.timeout(180_000);
  let root: string;
  let pluginDir: string;

  before(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'dsdb-storage-plugin-'));
    pluginDir = path.join(root, 'storage-plugin');
    fs.cpSync(EXAMPLE, pluginDir, { recursive: true });
    // the peer dependency, as `npm install dsdb` would put it (here: this checkout)
    fs.mkdirSync(path.join(root, 'node_modules'));
    fs.symlinkSync(REPO_ROOT, path.join(root, 'node_modules', 'dsdb'), 'dir');
  });
  after(() => fs.rmSync(root, { recursive: true, force: true }));

  it('is really outside: nothing above the copy is the repository', () => {
    expect(path.relative(REPO_ROOT, pluginDir).startsWith('..')).to.equal(true);
    expect(path.relative(pluginDir, REPO_ROOT).startsWith('..')).to.equal(true);
  });

  it('passes the whole conformance suite, reopen included, with its own mocha test', async () => {
    const report = path.join(root, 'mocha-report.json');
    const { code, output } = await run([MOCHA, '--no-config', '--timeout', '60000', '--exit', '--reporter', 'json', '--reporter-option', `output=${report}`, 'test/conformance.test.js'], pluginDir);
    expect(fs.existsSync(report), output).to.equal(true);
    const { stats, failures } = JSON.parse(fs.readFileSync(report, 'utf8'));
    // the failing cases with their reasons first: more telling than an exit code
    expect(failures.map((f: { fullTitle: string; err: { message: string } }) => `${f.fullTitle}: ${f.err.message}`)).to.deep.equal([]);
    expect(code, output).to.equal(0);
    const expected = conformanceCaseCount();
    expect(expected).to.be.greaterThan(10);
    // the example implements no optional method: only the readDownsampled case is skipped (this.skip())
    expect({ passes: stats.passes, failures: stats.failures, pending: stats.pending }).to.deep.equal({ passes: expected - 1, failures: 0, pending: 1 });
  });

  it('type-checks: its JSDoc types hold against dsdb\'s declarations (tsc --checkJs)', async () => {
    const tsconfig = {
      compilerOptions: { allowJs: true, checkJs: true, noEmit: true, strict: true, module: 'Node16', moduleResolution: 'Node16', target: 'ES2022', lib: ['ES2023'], types: ['node', 'mocha'], typeRoots: [path.join(REPO_ROOT, 'node_modules', '@types')], skipLibCheck: true },
      include: ['storage-plugin/**/*.js'],
    };
    fs.writeFileSync(path.join(root, 'tsconfig.json'), JSON.stringify(tsconfig));
    const { code, output } = await run([TSC, '-p', 'tsconfig.json'], root);
    expect(output.trim()).to.equal('');
    expect(code).to.equal(0);
  });

  it('keeps what was synced when the log ends in a torn line, and refuses a second engine on the folder', async () => {
    const baseDir = fs.mkdtempSync(path.join(root, 'torn-'));
    const create = loadStorageEngineFactory(pluginDir, { dir: 'data' }, { baseDir });
    let engine: StorageEngine = await create();
    await engine.open();
    const tags = { host: 'a' };
    await engine.write(pointBatch([1000, 2000].map((timestamp, i) => ({ metric: 'torn', tags, timestamp, value: { kind: ValueKind.Int, value: 9007199254740993n + BigInt(i) } }))), { sync: true });
    await assert.rejects(create().then((second) => second.open()), /in use by process/);
    await engine.close();
    // a crash in the middle of an append: half a line, no newline
    const log = path.join(baseDir, 'data', 'points.log');
    fs.appendFileSync(log, '["point","00000001",3000,1,"12');
    engine = await create();
    await engine.open();
    await engine.write(pointBatch([{ metric: 'torn', tags, timestamp: 4000, value: { kind: ValueKind.String, value: 'after' } }]), { sync: true });
    await engine.close();
    engine = await create();
    await engine.open();
    try {
      const [data] = (await collect(engine.read({ metric: 'torn' }, { start: 0, end: 10_000 }))) as SeriesData[];
      expect([...data!.points.timestamps]).to.deep.equal([1000, 2000, 4000]);
      expect([data!.points.ints[0], data!.points.ints[1], data!.points.texts[2]]).to.deep.equal([9007199254740993n, 9007199254740994n, 'after']);
      expect(fs.readFileSync(log, 'utf8').split('\n').every((line) => line === '' || Array.isArray(JSON.parse(line)))).to.equal(true);
    } finally {
      await engine.close();
    }
  });

  it('loadStorageEngineFactory checks options against the plugin schema and names a missing engine', async () => {
    await assert.rejects(loadStorageEngineFactory(pluginDir, { nope: 1 }, { baseDir: root })(), /storage-logfile/);
    await assert.rejects(loadStorageEngineFactory(pluginDir, {}, { baseDir: root, engine: 'other' })(), /no storage engine "other" is registered \(registered: logfile\)/);
    await assert.rejects(loadStorageEngineFactory('./nowhere', {}, { baseDir: root })(), /unknown plugin "\.\/nowhere"/);
  });

  describe('in a daemon, loaded by path from a config file', () => {
    const T0 = 1_700_000_000;
    let daemon: SpawnedDaemon | undefined;
    const query = async (port: number, metric: string) => {
      const res = await fetch(`http://127.0.0.1:${port}/api/query?start=${T0}&end=${T0 + 60}&m=none:${metric}`);
      return { status: res.status, text: await res.text() };
    };
    const stop = async () => {
      daemon?.child.kill('SIGTERM');
      const code = await daemon?.exited;
      daemon = undefined;
      return code;
    };
    after(stop);

    it('stores a telnet put and reads it back exactly over /api/query, before and after a restart', async () => {
      const config = path.join(root, 'dsdb.config.js');
      fs.writeFileSync(
        config,
        `module.exports = {
  port: 0,
  storage: 'logfile',
  plugins: ['http', 'telnet', 'put-telnet', 'aggregators-opentsdb', 'query', ['./storage-plugin', { dir: './logfile-data' }]],
};\n`,
      );
      daemon = await spawnDaemon(['--config', config], root);
      expect(daemon.output()).to.match(/logfile: log replayed/);
      await exchange(daemon.port, [`put big.int ${T0} 9007199254740993 host=a\nput door.state ${T0 + 10} "open" host=a\n`]);
      const expectExact = async (port: number) => {
        const big = await query(port, 'big.int');
        expect(big.status, big.text).to.equal(200);
        expect(big.text).to.contain(`"dps":{"${T0}":9007199254740993}`);
        const door = await query(port, 'door.state');
        expect(door.status, door.text).to.equal(200);
        expect(door.text).to.contain(`"dps":{"${T0 + 10}":"open"}`);
      };
      // telnet put answers nothing on success: wait until the write is visible
      for (let i = 0; i < 50 && !(await query(daemon.port, 'door.state')).text.includes('open'); i++) await new Promise((r) => setTimeout(r, 100));
      await expectExact(daemon.port);
      expect(await stop()).to.equal(0);
      expect(fs.readFileSync(path.join(root, 'logfile-data', 'points.log'), 'utf8')).to.contain('"9007199254740993"');
      expect(fs.existsSync(path.join(root, 'logfile-data', 'LOCK'))).to.equal(false);

      daemon = await spawnDaemon(['--config', config], root);
      expect(daemon.output()).to.match(/"series":2,"points":2/);
      await expectExact(daemon.port);
    });
  });
});
