import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { CLI_PLUGINS, writeCliConfig } from '../helpers/cli';
import { runDsdb, scratchDir } from '../helpers/daemon';
import { generateImportFile } from '../helpers/import-data';
import { dropDatabase, freshDatabase, mariadb, useMariaDb } from '../mysql/mariadb';

describe('dsdb export → import between backends (embedded → MySQL) @integration', function () {
  this.timeout(120_000);
  useMariaDb();
  let root: string;
  const database = freshDatabase('cli_migration');
  before(() => {
    root = scratchDir('cli-migration');
  });
  after(async () => {
    if (root) fs.rmSync(root, { recursive: true, force: true });
    await dropDatabase(database);
  });

  it('moves every point, int64, strings and JSON included, and exports the same bytes from the new backend', async () => {
    const embedded = path.join(root, 'embedded');
    const mysql = path.join(root, 'mysql');
    fs.mkdirSync(embedded);
    fs.mkdirSync(mysql);
    writeCliConfig(embedded);
    const mysqlPlugin = ['storage-mysql', { port: mariadb.port, user: 'dsdb', password: 'dsdb', database, compactIntervalMs: 0 }];
    fs.writeFileSync(path.join(mysql, 'dsdb.config.js'), `module.exports = { logLevel: 'warn', plugins: ${JSON.stringify([...CLI_PLUGINS, mysqlPlugin])} };\n`);

    const source = generateImportFile(path.join(root, 'source.txt'), 20_000, 40);
    expect((await runDsdb(['import', '--quiet', source.file], embedded)).code).to.equal(0);
    const dump = path.join(root, 'dump.txt.gz');
    const exported = await runDsdb(['export', '-o', dump], embedded);
    expect(exported.code, exported.stderr).to.equal(0);

    const imported = await runDsdb(['import', dump], mysql, 60_000);
    expect(imported.code, imported.stderr).to.equal(0);
    expect(imported.stderr).to.contain('imported 20000 points from 20000 lines');
    const again = await runDsdb(['export'], mysql, 60_000);
    expect(again.code, again.stderr).to.equal(0);
    expect(again.stdout === fs.readFileSync(source.file, 'utf8'), 'the MySQL export equals what went into the embedded store').to.equal(true);
  });
});
