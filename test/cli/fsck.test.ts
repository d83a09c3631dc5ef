import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { writeCliConfig } from '../helpers/cli';
import { runDsdb, scratchDir, spawnDaemon } from '../helpers/daemon';

describe('dsdb fsck (embedded storage)', function () {
  this.timeout(60_000);
  let dir: string;
  before(() => {
    dir = scratchDir('cli-fsck');
    // small heads and chunks, so that an import leaves several blocks of many chunks
    writeCliConfig(dir, { headMaxPoints: 1000, chunkMaxPoints: 100, compactBlocks: 100 });
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('finds a corrupted chunk without crashing; --fix leaves a consistent store that still serves every good chunk', async () => {
    const lines: string[] = [];
    for (let s = 0; s < 5; s++) for (let i = 0; i < 1000; i++) lines.push(`f.m ${1700000000 + i * 10} ${i * 3 + s} host=h${s}`);
    fs.writeFileSync(path.join(dir, 'in.txt'), lines.join('\n') + '\n');
    expect((await runDsdb(['import', '--batch', '500', 'in.txt'], dir)).code).to.equal(0);
    const before = await runDsdb(['export'], dir);
    expect(before.stdout.split('\n').length - 1).to.equal(5000);

    const clean = await runDsdb(['fsck'], dir);
    expect(clean.code, clean.stdout + clean.stderr).to.equal(0);
    expect(clean.stdout).to.match(/; 0 problem\(s\)\n$/);

    const blocksDir = path.join(dir, 'data', 'blocks');
    const blocks = fs.readdirSync(blocksDir).filter((f) => f.endsWith('.blk')).sort();
    expect(blocks.length, 'the import cut blocks').to.be.greaterThan(0);
    const victim = path.join(blocksDir, blocks[0]!);
    const bytes = fs.readFileSync(victim);
    bytes[8 + 12] ^= 0xff; // inside the first chunk, right after the 8-byte magic
    fs.writeFileSync(victim, bytes);

    const found = await runDsdb(['fsck'], dir);
    expect(found.code, found.stderr).to.equal(3);
    const problems = found.stdout.split('\n').filter((l) => l.startsWith('PROBLEM'));
    expect(problems).to.have.length(1);
    expect(problems[0]).to.match(new RegExp(`^PROBLEM blocks/${blocks[0]}: chunk 0 \\(series \\d+, offset 8, 100 points\\): chunk checksum mismatch$`));
    expect(found.stdout).to.match(/; 1 problem\(s\), 0 fixed\n$/);

    // the engine itself skips the bad chunk and serves the rest
    const served = await runDsdb(['export'], dir);
    expect(served.code, served.stderr).to.equal(0);
    expect(served.stdout.split('\n').length - 1).to.equal(5000 - 100);

    const fixed = await runDsdb(['fsck', '--fix'], dir);
    expect(fixed.code, fixed.stdout + fixed.stderr).to.equal(0);
    expect(fixed.stdout).to.match(/^FIXED blocks\/\d+\.blk: chunk 0 .* block rewritten without the bad chunks; the original is kept as \d+\.blk\.corrupt$/m);
    expect(fs.existsSync(victim + '.corrupt'), 'the original is kept').to.equal(true);

    const again = await runDsdb(['fsck'], dir);
    expect(again.code, again.stdout).to.equal(0);
    expect(again.stdout).to.match(/; 0 problem\(s\)\n$/);
    // every point outside the lost chunk is still served, exactly
    const after = await runDsdb(['export'], dir);
    expect(after.code, after.stderr).to.equal(0);
    const beforeLines = new Set(before.stdout.split('\n'));
    const afterLines = after.stdout.split('\n').filter(Boolean);
    expect(afterLines.length).to.equal(5000 - 100);
    for (const line of afterLines) expect(beforeLines.has(line), line).to.equal(true);
    expect(after.stderr, 'the engine finds nothing corrupt any more').not.to.contain('corrupt');

    // a torn WAL tail (a crash mid-append) is found, and cut by --fix
    const walDir = path.join(dir, 'data', 'wal');
    const segment = fs.readdirSync(walDir).filter((f) => f.endsWith('.wal')).sort().pop()!;
    const walBytes = fs.statSync(path.join(walDir, segment)).size;
    fs.appendFileSync(path.join(walDir, segment), Buffer.from([1, 2, 3]));
    const torn = await runDsdb(['fsck'], dir);
    expect(torn.code).to.equal(3);
    expect(torn.stdout).to.contain(`PROBLEM wal/${segment}: torn record header at byte ${walBytes} (3 bytes after the last valid record)\n`);
    expect((await runDsdb(['fsck', '--fix'], dir)).code).to.equal(0);
    expect(fs.statSync(path.join(walDir, segment)).size).to.equal(walBytes);
    expect((await runDsdb(['fsck'], dir)).code).to.equal(0);
  });

  it('refuses to run on a directory a daemon holds, with one line and exit 1', async () => {
    const daemon = await spawnDaemon([], dir);
    try {
      const locked = await runDsdb(['fsck'], dir);
      expect(locked.code).to.equal(1);
      expect(locked.stderr.trim().split('\n')).to.have.length(1);
      expect(locked.stderr).to.contain(`is in use by process ${daemon.child.pid}`);
    } finally {
      daemon.child.kill('SIGTERM');
      await daemon.exited;
    }
  });
});
