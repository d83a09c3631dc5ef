import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { writeCliConfig } from '../helpers/cli';
import { runDsdb, scratchDir, spawnDaemon } from '../helpers/daemon';

const START = 1700000000;
const END = START + 3600;

/** CLI words and the /api/query m= they mean. */
const QUERIES: { words: string[]; m: string }[] = [
  { words: ['sum', 'q.cpu'], m: 'sum:q.cpu' },
  { words: ['avg', 'downsample', '5m', 'max', 'q.cpu', 'host=h1|h2'], m: 'avg:5m-max:q.cpu{host=h1|h2}' },
  { words: ['sum', 'rate', 'q.bytes'], m: 'sum:rate:q.bytes' },
  { words: ['max', '10m-avg', 'q.cpu', 'host=*'], m: 'max:10m-avg:q.cpu{host=*}' },
  { words: ['none', 'q.big'], m: 'none:q.big' },
];

function dataFile(dir: string): string {
  const lines: string[] = [];
  for (let t = START; t <= END; t += 10) {
    for (const host of ['h1', 'h2', 'h3']) {
      const i = (t - START) / 10;
      lines.push(`q.cpu ${t} ${((i * 7) % 100) + (host === 'h2' ? 0.5 : 0)} host=${host}`);
      lines.push(`q.bytes ${t} ${i * 1000 + (host === 'h3' ? i * i : 0)} host=${host}`);
    }
    lines.push(`q.big ${t} ${9223372036854775807n - BigInt(t - START)} host=h1`);
  }
  // two points in one second: /api/query without ms names both by the same dps key (42 is
  // answered as 42.0 beside a float, as OpenTSDB does)
  lines.push(`q.sub ${START} 42 host=h1`, `q.sub ${START}.250 42.5 host=h1`);
  const file = path.join(dir, 'q.txt');
  fs.writeFileSync(file, lines.join('\n') + '\n');
  return file;
}

describe('dsdb query', function () {
  this.timeout(90_000);
  let dir: string;
  before(() => {
    dir = scratchDir('cli-query');
    writeCliConfig(dir);
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('gives the numbers /api/query gives, over --url and on the stopped daemon\'s storage', async () => {
    const daemon = await spawnDaemon([], dir);
    const url = `http://127.0.0.1:${daemon.port}`;
    const expected: string[] = [];
    try {
      const imported = await runDsdb(['import', '--url', url, dataFile(dir)], dir);
      expect(imported.code, imported.stderr).to.equal(0);
      expect(imported.stderr).to.contain('0 rejected');
      for (const q of QUERIES) {
        const res = await fetch(`${url}/api/query?start=${START}&end=${END}&m=${encodeURIComponent(q.m)}`);
        expect(res.status, q.m).to.equal(200);
        const body = await res.text();
        expect(JSON.parse(body).length, `${q.m} has results`).to.be.greaterThan(0);
        expected.push(body);
        const remote = await runDsdb(['query', '--url', url, '--format', 'json', String(START), String(END), ...q.words], dir);
        expect(remote.code, remote.stderr).to.equal(0);
        expect(remote.stdout.trim(), `--url ${q.words.join(' ')}`).to.equal(body);
      }
    } finally {
      daemon.child.kill('SIGTERM');
      expect(await daemon.exited, `the daemon's output:\n${daemon.output()}`).to.equal(0);
    }
    for (const [i, q] of QUERIES.entries()) {
      const local = await runDsdb(['query', '--format', 'json', String(START), String(END), ...q.words], dir);
      expect(local.code, local.stderr).to.equal(0);
      expect(local.stdout.trim(), q.words.join(' ')).to.equal(expected[i]);
    }
    // the int64 beyond 2^53 is exact in every format (end after start: OpenTSDB 2.4.1 refuses end == start)
    const csv = await runDsdb(['query', '--format', 'csv', String(START), String(START + 1), 'none', 'q.big'], dir);
    expect(csv.stdout).to.equal(`metric,timestamp,value,tags\nq.big,${START},9223372036854775807,host=h1\n`);
    const table = await runDsdb(['query', String(START), String(START + 10), 'sum', 'q.cpu', 'host=h2'], dir);
    expect(table.stdout.split('\n')).to.deep.equal([
      'METRIC  TIMESTAMP   TIME (UTC)            VALUE  TAGS',
      'q.cpu   1700000000  2023-11-14T22:13:20Z  0.5    host=h2',
      'q.cpu   1700000010  2023-11-14T22:13:30Z  7.5    host=h2',
      '',
    ]);
  });

  it('prints both points of one second in the table and the CSV (the ms answer read, seconds shown as /api/query gives them)', async () => {
    const csv = await runDsdb(['query', '--format', 'csv', String(START - 10), String(START + 10), 'none', 'q.sub'], dir);
    expect(csv.code, csv.stderr).to.equal(0);
    expect(csv.stdout).to.equal(`metric,timestamp,value,tags\nq.sub,${START},42.0,host=h1\nq.sub,${START},42.5,host=h1\n`);
    const table = await runDsdb(['query', String(START - 10), String(START + 10), 'none', 'q.sub'], dir);
    expect(table.stdout.split('\n')).to.deep.equal([
      'METRIC  TIMESTAMP   TIME (UTC)                VALUE  TAGS',
      'q.sub   1700000000  2023-11-14T22:13:20Z      42.0   host=h1',
      'q.sub   1700000000  2023-11-14T22:13:20.250Z  42.5   host=h1',
      '',
    ]);
    const ms = await runDsdb(['query', '--ms', '--format', 'csv', String(START - 10), String(START + 10), 'none', 'q.sub'], dir);
    expect(ms.stdout).to.equal(`metric,timestamp,value,tags\nq.sub,${START}000,42.0,host=h1\nq.sub,${START}250,42.5,host=h1\n`);
  });

  it('--tz reads absolute dates in that zone (the daemon\'s too, over --url); an unknown zone is bad usage, exit 2', async () => {
    // 17:14–17:15 in New York (EST, UTC-5) is 22:14–22:15 UTC: q.cpu's points 1700000040 … 1700000100
    const rows = Array.from({ length: 7 }, (_, i) => `q.cpu,${START + 40 + i * 10},${((4 + i) * 7) % 100},host=h1`);
    const words = ['--format', 'csv', '2023/11/14-17:14:00', '2023/11/14-17:15:00', 'none', 'q.cpu', 'host=h1'];
    const zoned = await runDsdb(['query', '--tz', 'America/New_York', ...words], dir);
    expect(zoned.code, zoned.stderr).to.equal(0);
    expect(zoned.stdout).to.equal(`metric,timestamp,value,tags\n${rows.join('\n')}\n`);
    // in UTC the same words are five hours before the data
    const utc = await runDsdb(['query', ...words], dir);
    expect(utc.stdout).to.equal('metric,timestamp,value,tags\n');
    const daemon = await spawnDaemon([], dir);
    try {
      const remote = await runDsdb(['query', '--url', `http://127.0.0.1:${daemon.port}`, '--tz', 'America/New_York', ...words], dir);
      expect(remote.stdout, remote.stderr).to.equal(zoned.stdout);
    } finally {
      daemon.child.kill('SIGTERM');
      await daemon.exited;
    }
    const bogus = await runDsdb(['query', '--tz', 'Bogus/Zone', ...words], dir);
    expect(bogus.code).to.equal(2);
    expect(bogus.stderr).to.contain('--tz: unknown time zone "Bogus/Zone"');
  });

  it('exits 1 with the engine\'s message for a bad query and 2 for bad syntax', async () => {
    const unknown = await runDsdb(['query', String(START), 'sum', 'no.such.metric'], dir);
    expect(unknown.code).to.equal(1);
    expect(unknown.stderr.trim().split('\n')).to.have.length(1);
    expect(unknown.stderr).to.contain('No such name for \'metrics\'');
    const syntax = await runDsdb(['query', String(START), String(END), 'frob', 'q.cpu'], dir);
    expect(syntax.code).to.equal(2);
    expect(syntax.stderr).to.contain('expected an aggregator, got "frob"');
    // an unreadable time is bad usage too (docs/cli.md: exit 2), as for scan and export
    const time = await runDsdb(['query', 'garbage', 'sum', 'q.cpu'], dir);
    expect(time.code, time.stderr).to.equal(2);
    expect(time.stderr.trim().split('\n')).to.have.length(1);
  });
});
