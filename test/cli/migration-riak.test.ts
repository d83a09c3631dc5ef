/**
 * `dsdb export | dsdb import` between backends through Riak: embedded → riak → embedded,
 * every value kind (int64 beyond 2^53, strings, JSON, ms timestamps), with the export of
 * each store byte-identical to the data set that went in. @integration
 */
import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { CLI_PLUGINS, writeCliConfig } from '../helpers/cli';
import { runDsdb, scratchDir } from '../helpers/daemon';
import { generateImportFile } from '../helpers/import-data';
import { freshPrefix, riak, useRiak } from '../riak/riak';

describe('dsdb export → import between backends (embedded → Riak → embedded) @integration', function () {
  this.timeout(300_000);
  useRiak();
  let root: string;
  before(() => {
    root = scratchDir('cli-migration-riak');
  });
  after(() => {
    if (root) fs.rmSync(root, { recursive: true, force: true });
  });

  it('moves every point to Riak and back, and each export gives the same bytes', async () => {
    const dirs = ['embedded', 'riak', 'back'].map((d) => path.join(root, d));
    for (const d of dirs) fs.mkdirSync(d);
    const [embedded, riakDir, back] = dirs as [string, string, string];
    writeCliConfig(embedded);
    writeCliConfig(back);
    const riakPlugin = ['storage-riak', { url: riak.url, bucketPrefix: freshPrefix('migration') }];
    fs.writeFileSync(path.join(riakDir, 'dsdb.config.js'), `module.exports = { logLevel: 'warn', plugins: ${JSON.stringify([...CLI_PLUGINS, riakPlugin])} };\n`);

    const source = generateImportFile(path.join(root, 'source.txt'), 20_000, 40);
    const original = fs.readFileSync(source.file, 'utf8');
    expect((await runDsdb(['import', '--quiet', source.file], embedded)).code).to.equal(0);
    const dump = path.join(root, 'dump.txt.gz');
    const exported = await runDsdb(['export', '-o', dump], embedded);
    expect(exported.code, exported.stderr).to.equal(0);

    const imported = await runDsdb(['import', dump], riakDir, 120_000);
    expect(imported.code, imported.stderr).to.equal(0);
    expect(imported.stderr).to.contain('imported 20000 points from 20000 lines');
    const fromRiak = await runDsdb(['export'], riakDir, 120_000);
    expect(fromRiak.code, fromRiak.stderr).to.equal(0);
    expect(fromRiak.stdout === original, 'the Riak export equals what went into the embedded store').to.equal(true);

    const riakDump = path.join(root, 'riak.txt');
    fs.writeFileSync(riakDump, fromRiak.stdout);
    const reimported = await runDsdb(['import', '--quiet', riakDump], back, 60_000);
    expect(reimported.code, reimported.stderr).to.equal(0);
    const again = await runDsdb(['export'], back, 60_000);
    expect(again.code, again.stderr).to.equal(0);
    expect(again.stdout === original, 'the embedded store fed from Riak exports the same bytes').to.equal(true);
  });
});
