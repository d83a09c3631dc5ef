import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { DSDB, runInPty, writeCliConfig } from '../helpers/cli';
import { runDsdb, scratchDir } from '../helpers/daemon';
import { generateImportFile } from '../helpers/import-data';

describe('dsdb import / export', function () {
  this.timeout(180_000);
  let root: string;
  before(() => {
    root = scratchDir('cli-import');
  });
  after(() => fs.rmSync(root, { recursive: true, force: true }));

  it('imports 1M points with a progress bar on a terminal; export → import elsewhere → export gives the same bytes', async () => {
    const a = path.join(root, 'a');
    const b = path.join(root, 'b');
    fs.mkdirSync(a);
    fs.mkdirSync(b);
    writeCliConfig(a);
    writeCliConfig(b);
    const source = generateImportFile(path.join(root, 'source.txt'), 1_000_000);

    const tty = await runInPty(`${DSDB} import ${JSON.stringify(source.file)}`, a);
    expect(tty.code, tty.output).to.equal(0);
    // the bar is redrawn in place and ends with the totals
    expect(tty.output).to.match(/\r\x1b\[K\[#{24}\] 100% 1,000,000 points {2}[\d,]+ points\/s {2}done in \d\d:\d\d/);
    expect(tty.output).to.contain('imported 1000000 points from 1000000 lines');

    const exportA = path.join(root, 'export-a.txt');
    const ea = await runDsdb(['export', '-o', exportA], a, 120_000);
    expect(ea.code, ea.stderr).to.equal(0);
    // The source is written in export's canonical form: the store gave back every point exactly.
    expect(fs.readFileSync(exportA).equals(fs.readFileSync(source.file)), 'export of a equals the imported file').to.equal(true);

    const ib = await runDsdb(['import', '--quiet', exportA], b, 120_000);
    expect(ib.code, ib.stderr).to.equal(0);
    const exportB = path.join(root, 'export-b.txt');
    const eb = await runDsdb(['export', '-o', exportB], b, 120_000);
    expect(eb.code, eb.stderr).to.equal(0);
    expect(fs.readFileSync(exportB).equals(fs.readFileSync(exportA)), 'export of b equals export of a').to.equal(true);
    // the kinds the round trip must keep, spelled out
    const text = fs.readFileSync(exportB, 'utf8');
    expect(text).to.contain('gen.int 1700000000 9223372036854775807 dc=eu host=h000\n');
    expect(text).to.contain('gen.str 1700000000 "state \\"ok\\" #0" dc=eu host=h000\n');
    expect(text).to.contain('gen.json 1700000000 {"n":0,"s":"h0","v":[1,0]} dc=eu host=h000\n');
    expect(text).to.contain('gen.float 1700000000 0.5 dc=eu host=h000\n');
  });
});
