/**
 * #20 (6, 7): the shell examples of README.md and docs/*.md, run as written (Debian's nc,
 * curl, bash) against a daemon, and the `dsdb` utility examples of docs/cli.md on a data
 * folder. Every extracted line is either run or skipped for a reason listed here, so a
 * new example cannot go unchecked. Also: /q?json's `plotted` counts points (docs/gui.md).
 */
import { expect } from 'chai';
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { DEFAULT_PLUGINS } from '../../core';
import { BIN, REPO_ROOT, scratchDir, spawnDaemon, type SpawnedDaemon } from '../helpers/daemon';

interface Example {
  file: string;
  line: number;
  command: string;
}

/** Every command line of the ```sh blocks (indented ones too) of README.md and docs/. */
function shellExamples(): Example[] {
  const files = ['README.md', ...fs.readdirSync(path.join(REPO_ROOT, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];
  const out: Example[] = [];
  for (const file of files) {
    const lines = fs.readFileSync(path.join(REPO_ROOT, file), 'utf8').split('\n');
    let inSh = false;
    lines.forEach((text, i) => {
      const trimmed = text.trim();
      if (/^```sh\b/.test(trimmed)) inSh = true;
      else if (trimmed.startsWith('```')) inSh = false;
      else if (inSh && trimmed && !trimmed.startsWith('#')) out.push({ file, line: i + 1, command: trimmed });
    });
  }
  return out;
}

/** Lines not run here, each with why (they are run elsewhere, or need what a test cannot have). */
const SKIPPED: Record<string, string> = {
  'npm ci && npx dsdb': 'installs and starts the daemon on 4242: test/ux/init.test.ts runs npx dsdb from npm pack',
  'npm ci && npm test': 'the whole suite',
  'npm run build': 'every test run builds',
  'npm test': 'the whole suite',
  'npm run bench': 'benchmarks (never in CI)',
  'npm run bench -- --small': 'benchmarks',
  'npm run bench -- compare --systems=dsdb,vm': 'benchmarks',
  'npm run bench -- compare --systems=dsdb,vm --ingest-only': 'benchmarks',
  'npm run bench -- compare --systems=dsdb,vm --ingest-only --rounds=3': 'benchmarks',
  'npm run bench -- compare --systems=dsdb,vm --ingest-only --rounds=3 --warm-ingest': 'benchmarks',
  'npm run bench -- ingest': 'benchmarks',
  'npm run bench -- memory': 'benchmarks',
  'npm run bench -- churn': 'benchmarks',
  'npm run bench -- memory --stats --systems=dsdb': 'benchmarks',
  'DSDB_BENCH_EMBEDDED=\'{"headCompression":true}\' npm run bench -- memory --systems=dsdb': 'benchmarks',
  "DSDB_BENCH_NODE_ARGS='--cpu-prof --cpu-prof-dir=/tmp/prof' npm run bench -- memory --systems=dsdb": 'benchmarks',
  'npm run bench -- all': 'benchmarks',
  'npm run bench -- backends': 'benchmarks (starts MariaDB, HBase, pouchdb-server and Riak)',
  'npm run bench -- backends --only=embedded,mysql --hosts=50 --samples=720': 'benchmarks',
  'dsdb --config mysql.config.js import all.txt.gz': 'needs MariaDB: test/cli/migration.test.ts',
  'node dist/test/oracle/run.js --seeds 5 --queries 1000': 'the long differential run needs the reference OpenTSDB; test/oracle/oracle.test.ts runs the short form in every npm test',
  'node dist/test/fuzz/run.js --target telnet --inputs 1000000': 'a long fuzz run (hours); test/fuzz/fuzz.test.ts runs the short form in every npm test',
  'node dist/test/fuzz/run.js --target all --level direct --inputs 1000000 --chunk 20000 --minutes 60': 'a long fuzz run; test/fuzz/fuzz.test.ts runs the short form',
  'node dist/test/fuzz/run.js --target all --level e2e --e2e-inputs 1000': 'a long fuzz run; test/fuzz/fuzz.test.ts runs the short form',
  'DSDB_FUZZ_SEED=N node dist/test/fuzz/run.js --target query-get --inputs 1 --path P': 'a template (N and P come from a failure report)',
  'node dist/test/storage/crash-loop.js --cycles 50 [--seed N]': 'the long crash loop (minutes); test/storage/crash-loop.test.ts runs 3 cycles in every npm test',
};

const withoutComment = (command: string) => command.replace(/\s+#\s.*$/, '').trim();

describe('README and docs shell examples, run as written (#20) @integration', function () {
  this.timeout(120_000);
  const examples = shellExamples();
  const runnable = examples.filter((e) => !SKIPPED[withoutComment(e.command)]);
  const daemonExamples = runnable.filter((e) => /127\.0\.0\.1[: ]4242\b/.test(withoutComment(e.command)));
  const cliExamples = runnable.filter((e) => /^(npx )?dsdb /.test(e.command));
  let nc: string;

  before(() => {
    nc = execFileSync('bash', [path.join(REPO_ROOT, 'scripts', 'install-netcat.sh')], { encoding: 'utf8' }).trim();
  });

  it('every example is run here or skipped for a stated reason', () => {
    const unhandled = examples.filter((e) => !daemonExamples.includes(e) && !cliExamples.includes(e) && !SKIPPED[withoutComment(e.command)]);
    expect(unhandled.map((e) => `${e.file}:${e.line}: ${e.command}`)).to.deep.equal([]);
    expect(daemonExamples.length).to.be.at.least(8);
    expect(cliExamples.length).to.be.at.least(10);
    expect(nc).to.match(/nc$/);
  });

  describe('against a daemon', () => {
    let dir: string;
    let d: SpawnedDaemon;
    before(async () => {
      dir = scratchDir('ux-docs-daemon');
      fs.writeFileSync(path.join(dir, 'dsdb.config.js'), `module.exports = { port: 0, plugins: ${JSON.stringify(DEFAULT_PLUGINS)} };\n`);
      d = await spawnDaemon([], dir);
    });
    after(async () => {
      d.child.kill('SIGTERM');
      await d.exited;
      fs.rmSync(dir, { recursive: true, force: true });
    });

    it('each line with 127.0.0.1:4242 exits 0, in a few seconds, without an error answer', () => {
      const outputs: string[] = [];
      for (const e of daemonExamples) {
        const command = e.command.replaceAll('127.0.0.1:4242', `127.0.0.1:${d.port}`).replace(/ 127\.0\.0\.1 4242\b/g, ` 127.0.0.1 ${d.port}`);
        const started = Date.now();
        const run = spawnSync('bash', ['-c', command], { encoding: 'utf8', timeout: 10_000 });
        const where = `${e.file}:${e.line}: ${e.command}\n${run.stdout}${run.stderr}`;
        expect(run.status, where).to.equal(0);
        expect(Date.now() - started, `${where}: returns at once (nc -q1)`).to.be.below(5000);
        expect(run.stdout, where).to.not.match(/"error"|unknown command|invalid/i);
        outputs.push(run.stdout);
      }
      const all = outputs.join('\n');
      expect(all, 'the telnet version answer').to.match(/^dsdb \d+\.\d+\.\d+/m);
      // the reads see the writes
      const query = outputs[daemonExamples.findIndex((e) => e.command.includes('/api/query?'))]!;
      const series = JSON.parse(query) as { dps: Record<string, number> }[];
      // web01's 42.5 and web02's 43, summed (or side by side when the second ticked between them)
      expect([[42.5 + 43], [42.5, 43]]).to.deep.include(Object.values(series[0]!.dps));
      expect(JSON.parse(outputs[daemonExamples.findIndex((e) => e.command.includes('/api/suggest'))]!)).to.deep.equal(['sys.cpu.user']);
    });

    it("/q?json's plotted counts the points drawn, as docs/gui.md says", async () => {
      const base = `http://127.0.0.1:${d.port}`;
      const now = Math.floor(Date.now() / 1000);
      const points = [0, 1, 2].flatMap((h) => [0, 1, 2, 3].map((i) => ({ metric: 'q.plotted', timestamp: now - 600 + i * 60, value: i, tags: { host: `h${h}` } })));
      expect((await fetch(`${base}/api/put?sync`, { method: 'POST', body: JSON.stringify(points) })).status).to.equal(204);
      const json = (await (await fetch(`${base}/q?start=1h-ago&m=${encodeURIComponent('sum:q.plotted{host=*}')}&json`)).json()) as { plotted: number; points: number };
      expect(json).to.include({ plotted: 12, points: 12 });
      const doc = fs.readFileSync(path.join(REPO_ROOT, 'docs', 'gui.md'), 'utf8');
      expect(doc).to.contain('`plotted` counts the data points');
    });
  });

  it('the dsdb utility examples of docs/cli.md run on a data folder', () => {
    const dir = scratchDir('ux-docs-cli');
    try {
      const config = `module.exports = { port: 0, logLevel: 'warn', plugins: ${JSON.stringify(DEFAULT_PLUGINS)} };\n`;
      fs.writeFileSync(path.join(dir, 'dsdb.config.js'), config);
      fs.writeFileSync(path.join(dir, 'embedded.config.js'), config);
      // the metrics the examples name, in the last hour and on 2024/01/01
      const now = Math.floor(Date.now() / 1000);
      const day = Date.UTC(2024, 0, 1) / 1000;
      const lines: string[] = [];
      for (let i = 0; i < 30; i++) {
        for (const t of [now - 3000 + i * 60, day + 3600 + i * 600, 1700000000 + i * 60]) {
          lines.push(`sys.if.bytes ${t} ${1000 + i * 100} host=web01`, `sys.cpu.user ${t} ${i} host=web01`, `app.latency ${t} ${i / 10} dc=eu`, `test.metric ${t} ${i} host=a`);
        }
      }
      fs.writeFileSync(path.join(dir, 'metrics.txt.gz'), zlib.gzipSync(lines.join('\n') + '\n'));
      for (const e of cliExamples) {
        const command = `dsdb() { ${JSON.stringify(process.execPath)} ${JSON.stringify(BIN)} "$@"; }; ${e.command.replace(/^npx dsdb /, 'dsdb ')}`;
        // --delete asks on stdin: answered "n" (nothing deleted, exit 0)
        const run = spawnSync('bash', ['-c', command], { cwd: dir, encoding: 'utf8', input: 'n\n', timeout: 60_000 });
        expect(run.status, `${e.file}:${e.line}: ${e.command}\n${run.stdout}${run.stderr}`).to.equal(0);
      }
      expect(fs.existsSync(path.join(dir, 'backup.txt.gz'))).to.equal(true);
      expect(fs.readFileSync(path.join(dir, 'out.csv'), 'utf8')).to.match(/^metric,timestamp,value,tags\napp\.latency,/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
