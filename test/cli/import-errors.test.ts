import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import zlib from 'node:zlib';
import { expect } from 'chai';
import { runWithStdin, writeCliConfig } from '../helpers/cli';
import { runDsdb, scratchDir } from '../helpers/daemon';
import { VALUE_FORMS } from '../../lib/opentsdb/put-json-format';

const LINES = [
  'imp.a 1700000000 1 host=a', // 1 good
  'imp.a 1700000010', // 2 too few words
  'imp.a 1700000020 3 host=a', // 3 good
  'imp.a 1700000030 abc host=a', // 4 not a number
  '', // 5 empty: skipped
  '# a comment', // 6 skipped
  '{"metric":"imp.j","timestamp":1700000000,"value":{"x":[1,2]},"tags":{"host":"b"}}', // 7 good JSON line
  '{"metric":"imp.j","timestamp":1700000010,"value":true,"tags":{"host":"b"}}', // 8 JSON line, bad value (a plain string would be a string value)
  'imp.a 1700000040 4 host', // 9 bad tag
  'put imp.a 1700000050 5 host=a', // 10 good, with a telnet `put`
  'imp.s 1700000000 "two words" host=c', // 11 good string
];
const GOOD_EXPORT = [
  'imp.a 1700000000 1 host=a',
  'imp.a 1700000020 3 host=a',
  'imp.a 1700000050 5 host=a',
  'imp.j 1700000000 {"x":[1,2]} host=b',
  'imp.s 1700000000 "two words" host=c',
].join('\n') + '\n';

describe('dsdb import: bad lines, formats, resume', function () {
  this.timeout(60_000);
  let dir: string;
  let file: string;
  beforeEach(() => {
    dir = scratchDir('cli-import-errors');
    writeCliConfig(dir);
    file = path.join(dir, 'bad.txt');
    fs.writeFileSync(file, LINES.join('\n') + '\n');
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('reports each bad line with its number and reason, stores every good line, exits 0', async () => {
    const rejects = path.join(dir, 'rejects.txt');
    const run = await runDsdb(['import', '--rejects', rejects, file], dir);
    expect(run.code, run.stderr).to.equal(0);
    const reported = run.stderr.split('\n').filter((l) => l.startsWith(`${file}:`));
    expect(reported).to.deep.equal([
      `${file}:2: illegal argument: not enough arguments (need least 4, got 2)`,
      `${file}:4: invalid value: Invalid character 'a' in abc`,
      `${file}:8: Unable to parse value to a number`,
      `${file}:9: illegal argument: invalid tag: host`,
    ]);
    expect(run.stderr).to.contain('imported 5 points from 11 lines');
    expect(run.stderr).to.contain('4 rejected');
    expect(fs.readFileSync(rejects, 'utf8')).to.equal([LINES[1], LINES[3], LINES[7], LINES[8]].join('\n') + '\n');
    const exported = await runDsdb(['export'], dir);
    expect(exported.code, exported.stderr).to.equal(0);
    expect(exported.stdout).to.equal(GOOD_EXPORT);
  });

  it('--strict exits 3 after storing the good lines all the same', async () => {
    const run = await runDsdb(['import', '--strict', file], dir);
    expect(run.code).to.equal(3);
    expect(run.stderr.trim().split('\n').pop()).to.equal('dsdb import: 4 line(s) rejected (--strict)');
    expect((await runDsdb(['export'], dir)).stdout).to.equal(GOOD_EXPORT);
  });

  it('reads gzip files and stdin (plain or gzip); --resume-from skips the lines before N', async () => {
    const gz = path.join(dir, 'good.gz');
    fs.writeFileSync(gz, zlib.gzipSync(Buffer.from(GOOD_EXPORT)));
    const fromGz = await runDsdb(['import', gz], dir);
    expect(fromGz.code, fromGz.stderr).to.equal(0);
    expect(fromGz.stderr).to.contain('imported 5 points from 5 lines');
    expect((await runDsdb(['export'], dir)).stdout).to.equal(GOOD_EXPORT);

    const gzStdin = await runWithStdin(['import', '-'], dir, zlib.gzipSync(Buffer.from('imp.g 1700000000 7 host=g\n')));
    expect(gzStdin.code, gzStdin.stderr).to.equal(0);
    expect((await runDsdb(['export', 'imp.g'], dir)).stdout).to.equal('imp.g 1700000000 7 host=g\n');

    const more = 'imp.b 1700000000 1.0 host=z\nimp.b 1700000001 2.5 host=z\nimp.b 1700000002 -0.0 host=z\n';
    const fromStdin = await runWithStdin(['import', '--resume-from', '2', '-'], dir, Buffer.from(more));
    expect(fromStdin.code, fromStdin.stderr).to.equal(0);
    expect(fromStdin.stderr).to.contain('imported 2 points');
    const exported = await runDsdb(['export', 'imp.b'], dir);
    expect(exported.stdout).to.equal('imp.b 1700000001 2.5 host=z\nimp.b 1700000002 -0.0 host=z\n');
  });

  it('a truncated gzip stores the lines read before the damage and names the file and line; exits 1', async () => {
    const lines: string[] = [];
    for (let i = 0; i < 100_000; i++) lines.push(`imp.t ${1700000000 + i} ${i} host=t`);
    const gz = zlib.gzipSync(Buffer.from(lines.join('\n') + '\n'));
    const truncated = path.join(dir, 'trunc.gz');
    fs.writeFileSync(truncated, gz.subarray(0, gz.length - 100));
    const run = await runDsdb(['import', truncated], dir);
    expect(run.code, run.stderr).to.equal(1);
    const m = /^dsdb import: reading .*trunc\.gz failed after line (\d+): unexpected end of file\. The lines up to \1 are imported \((\d+) points stored\)/m.exec(run.stderr);
    expect(m, run.stderr).to.not.equal(null);
    const read = Number(m![1]);
    expect(read).to.be.greaterThan(0).and.lessThan(100_000);
    expect(Number(m![2])).to.equal(read);
    expect(run.stderr).to.contain(`--resume-from ${read + 1}`);
    const exported = await runDsdb(['export', 'imp.t'], dir);
    expect(exported.stdout).to.equal(lines.slice(0, read).join('\n') + '\n');
  });

  it('lines longer than a read chunk, over many chunks, with and without a final newline, arrive whole', async () => {
    const long = 'x'.repeat(5 * 65_536 + 17); // five 64 KiB read chunks and then some
    const lines = ['big.a 1700000000 1 host=a', `big.s 1700000000 "${long}" host=a`, 'big.a 1700000010 2 host=a', `big.s 1700000010 "${long}y" host=b`];
    fs.writeFileSync(file, lines.join('\r\n')); // CRLF, and no newline after the last line
    const run = await runDsdb(['import', '--quiet', file], dir);
    expect(run.code, run.stderr).to.equal(0);
    const exported = await runDsdb(['export', 'big.s'], dir);
    expect(exported.stdout).to.equal(`big.s 1700000000 "${long}" host=a\nbig.s 1700000010 "${long}y" host=b\n`);
    expect((await runDsdb(['export', 'big.a'], dir)).stdout).to.equal('big.a 1700000000 1 host=a\nbig.a 1700000010 2 host=a\n');
  });

  it('a failed batch names every line it held', async () => {
    // fetch refuses port 9 (a "bad port"), so the first write fails whatever runs on the machine
    const run = await runDsdb(['import', '--url', 'http://127.0.0.1:9', file], dir);
    expect(run.code, run.stderr).to.equal(1);
    expect(run.stderr).to.contain(`storing the batch of ${file} lines 1–11 failed`);
  });

  it('--url: a 200 that is not /api/put\'s summary (not a daemon) fails the run instead of counting the points stored', async () => {
    // e.g. another web application, or a proxy answering every path with its own JSON
    const server = http.createServer((req, res) => req.resume().on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}')));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const run = await runDsdb(['import', '--url', url, file], dir);
      expect(run.code, run.stderr).to.equal(1);
      expect(run.stderr).to.not.contain('imported');
      expect(run.stderr).to.contain(`${url}/api/put answered 200 with JSON that is not a put summary: {"status":"ok"}`);
    } finally {
      server.close();
    }
  });

  it('rejects a line over --max-line-bytes (within a chunk, over many chunks, the last line) and imports the lines around it', async () => {
    const long = file.replace(/bad\.txt$/, 'long.txt');
    const overMany = 'imp.l 1700000010 2 host=' + 'x'.repeat(300_000); // longer than a read chunk
    const overOne = 'imp.l 1700000020 3 host=' + 'y'.repeat(2_000);
    const exact = 'imp.l 1700000030 4 host=' + 'z'.repeat(1_000 - 'imp.l 1700000030 4 host='.length); // exactly the bound
    const lastOver = 'imp.l 1700000040 5 host=' + 'w'.repeat(5_000); // no newline after it
    fs.writeFileSync(long, ['imp.l 1700000000 1 host=a', overMany, overOne, exact, 'imp.l 1700000050 6 host=b', lastOver].join('\n'));
    const rejects = path.join(dir, 'rejects.txt');
    const run = await runDsdb(['import', '--max-line-bytes', '1000', '--rejects', rejects, long], dir);
    expect(run.code, run.stderr).to.equal(0);
    const reason = 'line longer than 1000 bytes (--max-line-bytes): not read, and not in the rejects file';
    expect(run.stderr.split('\n').filter((l) => l.startsWith(`${long}:`))).to.deep.equal([`${long}:2: ${reason}`, `${long}:3: ${reason}`, `${long}:6: ${reason}`]);
    expect(run.stderr).to.contain('imported 3 points from 6 lines');
    expect(fs.readFileSync(rejects, 'utf8')).to.equal('');
    const exported = await runDsdb(['export'], dir);
    expect(exported.stdout).to.equal(['imp.l 1700000000 1 host=a', 'imp.l 1700000050 6 host=b', exact].join('\n') + '\n');
    const bad = await runDsdb(['import', '--max-line-bytes', '0', long], dir);
    expect(bad.code).to.equal(2);
    expect(bad.stderr).to.contain('--max-line-bytes must be an integer ≥ 1');
  });

  it('round-trips series with more than 8 tags (remote_write takes 16): export names --max-tags, import takes them with it', async () => {
    const tags = Array.from({ length: 10 }, (_, i) => `k${i}=v${i}`).join(' ');
    const many = file.replace(/bad\.txt$/, 'many.txt');
    fs.writeFileSync(many, `imp.many 1700000000 1 ${tags}\nimp.few 1700000000 2 host=a\n`);
    // the telnet put's limit: the line is refused, with OpenTSDB's message
    const refused = await runDsdb(['import', many], dir);
    expect(refused.stderr).to.contain(`${many}:1: illegal argument: Too many tags: 10 maximum allowed: 8`);
    const taken = await runDsdb(['import', '--max-tags', '16', many], dir);
    expect(taken.code, taken.stderr).to.equal(0);
    expect(taken.stderr).to.contain('imported 2 points from 2 lines');
    const out = path.join(dir, 'out.txt');
    const exported = await runDsdb(['export', '-o', out, 'imp.many'], dir);
    expect(exported.stderr).to.contain('note: some series have 10 tags, more than a put takes (8): import them with `dsdb import --max-tags 10`');
    expect(fs.readFileSync(out, 'utf8')).to.equal(`imp.many 1700000000 1 ${tags}\n`);
    const bad = await runDsdb(['import', '--max-tags', 'x', many], dir);
    expect(bad.code).to.equal(2);
  });

  it('exits 1 with one line for a missing file, 2 for a bad flag, and --help shows examples', async () => {
    const missing = await runDsdb(['import', path.join(dir, 'nope.txt')], dir);
    expect(missing.code).to.equal(1);
    expect(missing.stderr.trim().split('\n')).to.have.length(1);
    expect(missing.stderr).to.match(/^dsdb import: cannot read .*nope\.txt: ENOENT/);
    const bad = await runDsdb(['import', '--frobnicate', file], dir);
    expect(bad.code).to.equal(2);
    const help = await runDsdb(['import', '--help'], dir);
    expect(help.code).to.equal(0);
    expect(help.stdout).to.contain('Examples:');
  });
});
