/**
 * `dsdb auth token` and `dsdb auth password` make the secrets the auth plugin's options
 * hold; what they print works in a config, against the real bin (docs/security.md).
 */
import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { runWithStdin } from '../helpers/cli';
import { runDsdb, scratchDir, spawnDaemon } from '../helpers/daemon';
import { sha256Hex } from '../../plugins/auth/secrets';

function writeConfig(dir: string, auth: unknown): void {
  fs.writeFileSync(
    path.join(dir, 'dsdb.config.js'),
    `const { defineConfig } = require('dsdb');\nmodule.exports = defineConfig({ port: 0, logLevel: 'info', plugins: ['http', 'put-http', 'storage-memory', 'cli', ['auth', ${JSON.stringify(auth)}]] });\n`,
  );
}

describe('security: dsdb auth (#19)', function () {
  this.timeout(60_000);
  let dir: string;
  before(() => {
    dir = scratchDir('auth-cli');
    writeConfig(dir, {});
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('prints a new token and a tokens entry holding only its SHA-256; a password entry with a scrypt hash; and they authenticate', async () => {
    const token = await runDsdb(['auth', 'token', '--name', 'collector', '--scopes', 'write'], dir);
    expect(token.code, token.stderr).to.equal(0);
    const secret = /^token .*: (\S+)$/m.exec(token.stdout)![1]!;
    const tokenEntry = JSON.parse(/tokens: \[(.*)\]$/m.exec(token.stdout)![1]!);
    expect(tokenEntry).to.deep.equal({ name: 'collector', sha256: sha256Hex(secret), scopes: ['write'] });

    const password = await runWithStdin(['auth', 'password', '--name', 'alice', '--scopes', 'read,write'], dir, 'correct horse\n');
    expect(password.code, password.stderr).to.equal(0);
    const userEntry = JSON.parse(/users: \[(.*)\]$/m.exec(password.stdout)![1]!);
    expect(userEntry.password).to.match(/^scrypt:/).and.not.contain('correct horse');

    writeConfig(dir, { tokens: [tokenEntry], users: [userEntry] });
    const daemon = await spawnDaemon([], dir);
    try {
      const put = (authorization?: string) =>
        fetch(`http://127.0.0.1:${daemon.port}/api/put`, {
          method: 'POST',
          headers: authorization ? { authorization } : {},
          body: JSON.stringify({ metric: 'cli.auth', timestamp: 1700000000, value: 1, tags: { h: 'a' } }),
        });
      expect((await put()).status).to.equal(401);
      expect((await put(`Bearer ${secret}`)).status).to.equal(204);
      expect((await put(`Basic ${Buffer.from('alice:correct horse').toString('base64')}`)).status).to.equal(204);
    } finally {
      daemon.child.kill('SIGTERM');
      await daemon.exited;
    }
  });

  it('refuses an unknown scope and a missing subcommand with exit code 2', async () => {
    expect((await runDsdb(['auth', 'token', '--scopes', 'root'], dir)).code).to.equal(2);
    expect((await runDsdb(['auth'], dir)).code).to.equal(2);
  });

  it('refuses a config whose user holds a plain password, naming the key', async () => {
    writeConfig(dir, { users: [{ name: 'bob', password: 'hunter2', scopes: ['read'] }] });
    const run = await runDsdb([], dir);
    expect(run.code).to.not.equal(0);
    expect(run.stderr + run.stdout).to.match(/\(auth\)\.users\[0\]\.password: must be a hash from `dsdb auth password`/);
  });
});
