/**
 * `dsdb export | dsdb import` through HBase: embedded → hbase → embedded, with the
 * exports of all three byte-identical (int64 beyond 2^53, strings, JSON, ms
 * timestamps). @integration
 */
import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { CLI_PLUGINS, writeCliConfig } from '../helpers/cli';
import { runDsdb, scratchDir } from '../helpers/daemon';
import { generateImportFile } from '../helpers/import-data';
import { createTestEngine, freshPrefix, hbaseServer, useHBase } from './hbase';

describe('dsdb export → import through HBase (embedded → hbase → embedded) @integration', function () {
  this.timeout(300_000);
  useHBase();
  let root: string;
  const prefix = freshPrefix('migration');
  before(() => {
    root = scratchDir('hbase-migration');
  });
  after(async function () {
    this.timeout(120_000);
    if (root) fs.rmSync(root, { recursive: true, force: true });
    await createTestEngine({ tablePrefix: prefix }).dropTables();
  });

  it('moves every point there and back, and every export has the same bytes', async () => {
    const embedded = path.join(root, 'embedded');
    const hbase = path.join(root, 'hbase');
    const back = path.join(root, 'back');
    for (const dir of [embedded, hbase, back]) fs.mkdirSync(dir);
    writeCliConfig(embedded);
    writeCliConfig(back);
    const hbasePlugin = ['storage-hbase', { port: hbaseServer.port, tablePrefix: prefix, compactIntervalMs: 0 }];
    fs.writeFileSync(path.join(hbase, 'dsdb.config.js'), `module.exports = { logLevel: 'warn', plugins: ${JSON.stringify([...CLI_PLUGINS, hbasePlugin])} };\n`);

    const source = generateImportFile(path.join(root, 'source.txt'), 20_000, 40);
    const sourceText = fs.readFileSync(source.file, 'utf8');
    expect(sourceText).to.match(/gen\.int \d+ 92233720368547758\d\d /); // int64 beyond 2^53 in the data set
    expect((await runDsdb(['import', '--quiet', source.file], embedded)).code).to.equal(0);
    const dump = path.join(root, 'dump.txt.gz');
    const exported = await runDsdb(['export', '-o', dump], embedded);
    expect(exported.code, exported.stderr).to.equal(0);

    const imported = await runDsdb(['import', dump], hbase, 120_000);
    expect(imported.code, imported.stderr).to.equal(0);
    expect(imported.stderr).to.contain('imported 20000 points from 20000 lines');
    const fromHBase = path.join(root, 'from-hbase.txt');
    const again = await runDsdb(['export', '-o', fromHBase], hbase, 120_000);
    expect(again.code, again.stderr).to.equal(0);
    expect(fs.readFileSync(fromHBase, 'utf8') === sourceText, 'the HBase export equals what went into the embedded store').to.equal(true);

    const reimported = await runDsdb(['import', '--quiet', fromHBase], back, 120_000);
    expect(reimported.code, reimported.stderr).to.equal(0);
    const last = await runDsdb(['export'], back, 120_000);
    expect(last.code, last.stderr).to.equal(0);
    expect(last.stdout === sourceText, 'the embedded store filled from HBase exports the same bytes').to.equal(true);
  });
});
