/**
 * `dsdb export | dsdb import` across every backend in a row (issue #16's migration line):
 * embedded → HBase → CouchDB → Riak → MariaDB → embedded. Each hop imports the previous
 * store's export and exports again; every export must equal the source data set byte for
 * byte (int64 beyond 2^53 and near 2^63, strings, JSON objects, ms timestamps). @integration
 */
import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { CLI_PLUGINS, writeCliConfig } from '../helpers/cli';
import { runDsdb, scratchDir } from '../helpers/daemon';
import { generateImportFile } from '../helpers/import-data';
import { couchdb, dropDatabase as dropCouchDatabase, freshDatabase as freshCouchDatabase, useCouchDb } from '../couchdb/couchdb';
import { createTestEngine as hbaseEngine, freshPrefix as hbasePrefix, hbaseServer, useHBase } from '../hbase/hbase';
import { dropDatabase, freshDatabase, mariadb, useMariaDb } from '../mysql/mariadb';
import { freshPrefix as riakPrefix, riak, useRiak } from '../riak/riak';

describe('dsdb export → import through every backend (embedded → HBase → CouchDB → Riak → MariaDB → embedded) @integration', function () {
  this.timeout(600_000);
  useMariaDb();
  useHBase();
  useCouchDb();
  useRiak();
  let root: string;
  const database = freshDatabase('chain');
  const hbaseTables = hbasePrefix('chain');
  const couchDatabase = freshCouchDatabase('chain');
  before(() => {
    root = scratchDir('cli-migration-chain');
  });
  after(async function () {
    this.timeout(120_000);
    if (root) fs.rmSync(root, { recursive: true, force: true });
    await dropDatabase(database);
    await hbaseEngine({ tablePrefix: hbaseTables }).dropTables();
    await dropCouchDatabase(couchDatabase);
  });

  it('gives the same bytes from every store it passes through', async () => {
    const hops: [name: string, plugin: unknown[] | undefined][] = [
      ['hbase', ['storage-hbase', { port: hbaseServer.port, tablePrefix: hbaseTables, compactIntervalMs: 0 }]],
      ['couchdb', ['storage-couchdb', { url: couchdb.url, database: couchDatabase }]],
      ['riak', ['storage-riak', { url: riak.url, bucketPrefix: riakPrefix('chain') }]],
      ['mariadb', ['storage-mysql', { port: mariadb.port, user: 'dsdb', password: 'dsdb', database, compactIntervalMs: 0 }]],
      ['embedded-again', undefined],
    ];
    const embedded = path.join(root, 'embedded');
    fs.mkdirSync(embedded);
    writeCliConfig(embedded);
    const source = generateImportFile(path.join(root, 'source.txt'), 20_000, 40);
    // and a series in milliseconds with int64 values beyond 2^53 (sorting after the generated metrics, as export orders them)
    const msLines = Array.from({ length: 100 }, (_, i) => `gen.zms ${1_700_000_000_001 + i * 7} ${i % 2 ? -9007199254740993n - BigInt(i) : i + 0.25} dc=eu host=h000\n`);
    fs.appendFileSync(source.file, msLines.join(''));
    const original = fs.readFileSync(source.file, 'utf8');
    expect(original).to.match(/gen\.zms 1700000000008 -9007199254740994 /);
    expect(original).to.match(/gen\.int \d+ 92233720368547758\d\d /); // int64 beyond 2^53 in the data set
    expect((await runDsdb(['import', '--quiet', source.file], embedded)).code).to.equal(0);
    let dump = path.join(root, 'embedded.txt');
    const first = await runDsdb(['export', '-o', dump], embedded);
    expect(first.code, first.stderr).to.equal(0);
    expect(fs.readFileSync(dump, 'utf8') === original, 'the embedded export equals the data set').to.equal(true);

    for (const [name, plugin] of hops) {
      const dir = path.join(root, name);
      fs.mkdirSync(dir);
      if (plugin) fs.writeFileSync(path.join(dir, 'dsdb.config.js'), `module.exports = { logLevel: 'warn', plugins: ${JSON.stringify([...CLI_PLUGINS, plugin])} };\n`);
      else writeCliConfig(dir);
      const imported = await runDsdb(['import', dump], dir, 180_000);
      expect(imported.code, `${name}: ${imported.stderr}`).to.equal(0);
      expect(imported.stderr, name).to.contain('imported 20100 points from 20100 lines');
      dump = path.join(root, `${name}.txt`);
      const exported = await runDsdb(['export', '-o', dump], dir, 180_000);
      expect(exported.code, `${name}: ${exported.stderr}`).to.equal(0);
      expect(fs.readFileSync(dump, 'utf8') === original, `the ${name} export equals the data set`).to.equal(true);
    }
  });
});
