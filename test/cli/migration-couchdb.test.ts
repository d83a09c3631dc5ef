/**
 * `dsdb export | dsdb import` migrates a data set exactly through CouchDB: embedded →
 * CouchDB → embedded, int64 beyond 2^53, strings, JSON and ms timestamps included, each
 * export byte-identical to the source file. @integration
 */
import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { CLI_PLUGINS, writeCliConfig } from '../helpers/cli';
import { runDsdb, scratchDir } from '../helpers/daemon';
import { generateImportFile } from '../helpers/import-data';
import { couchdb, dropDatabase, freshDatabase, useCouchDb } from '../couchdb/couchdb';

describe('dsdb export → import between backends (embedded → CouchDB → embedded) @integration', function () {
  this.timeout(180_000);
  useCouchDb();
  let root: string;
  const database = freshDatabase('cli_migration');
  before(() => {
    root = scratchDir('cli-migration-couchdb');
  });
  after(async () => {
    if (root) fs.rmSync(root, { recursive: true, force: true });
    await dropDatabase(database);
  });

  it('moves every point to CouchDB and back, and every export has the bytes of the source', async () => {
    const embedded = path.join(root, 'embedded');
    const couch = path.join(root, 'couchdb');
    const back = path.join(root, 'back');
    for (const dir of [embedded, couch, back]) fs.mkdirSync(dir);
    writeCliConfig(embedded);
    writeCliConfig(back);
    const couchPlugin = ['storage-couchdb', { url: couchdb.url, database }];
    fs.writeFileSync(path.join(couch, 'dsdb.config.js'), `module.exports = { logLevel: 'warn', plugins: ${JSON.stringify([...CLI_PLUGINS, couchPlugin])} };\n`);

    const source = generateImportFile(path.join(root, 'source.txt'), 20_000, 40);
    // and a series in milliseconds (sorting after the generated metrics, as export orders them)
    const msLines = Array.from({ length: 100 }, (_, i) => `gen.zms ${1_700_000_000_001 + i * 7} ${i % 2 ? -9007199254740993n - BigInt(i) : i + 0.25} dc=eu host=h000\n`);
    fs.appendFileSync(source.file, msLines.join(''));
    const sourceText = fs.readFileSync(source.file, 'utf8');
    expect(sourceText).to.match(/ 9\d{18} /); // int64 values beyond 2^53 are part of it
    expect((await runDsdb(['import', '--quiet', source.file], embedded)).code).to.equal(0);
    const dump = path.join(root, 'dump.txt.gz');
    const exported = await runDsdb(['export', '-o', dump], embedded);
    expect(exported.code, exported.stderr).to.equal(0);

    const imported = await runDsdb(['import', dump], couch, 120_000);
    expect(imported.code, imported.stderr).to.equal(0);
    expect(imported.stderr).to.contain('imported 20100 points from 20100 lines');
    const fromCouch = await runDsdb(['export'], couch, 120_000);
    expect(fromCouch.code, fromCouch.stderr).to.equal(0);
    expect(fromCouch.stdout === sourceText, 'the CouchDB export equals what went into the embedded store').to.equal(true);

    const couchDump = path.join(root, 'couch-dump.txt');
    fs.writeFileSync(couchDump, fromCouch.stdout);
    const importedBack = await runDsdb(['import', couchDump], back, 120_000);
    expect(importedBack.code, importedBack.stderr).to.equal(0);
    const again = await runDsdb(['export'], back);
    expect(again.code, again.stderr).to.equal(0);
    expect(again.stdout === sourceText, 'the embedded export after the round trip equals the source').to.equal(true);
  });
});
