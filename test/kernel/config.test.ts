import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { loadConfig, DEFAULT_PLUGINS } from '../../core';
import { runDsdb, scratchDir, spawnDaemon } from '../helpers/daemon';
import { exchange } from '../helpers/clients';

function writeConfig(dir: string, name: string, text: string): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, text);
  return file;
}

describe('config loading (cosmiconfig) and validation', () => {
  let dir: string;
  beforeEach(() => {
    dir = scratchDir('config');
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('finds dsdb.config.js in the folder it starts from', async () => {
    writeConfig(dir, 'dsdb.config.js', `module.exports = { port: 5555, plugins: ['telnet'] };`);
    const config = await loadConfig({ cwd: dir });
    expect(config.file).to.equal(path.join(dir, 'dsdb.config.js'));
    expect(config.port).to.equal(5555);
    expect(config.plugins).to.deep.equal(['telnet']);
  });

  for (const [name, text] of [
    ['dsdb.config.cjs', `module.exports = { port: 5556 };`],
    ['dsdb.config.mjs', `export default { port: 5556 };`],
    ['dsdb.config.json', `{ "port": 5556 }`],
    ['dsdb.config.yaml', `port: 5556\n`],
    ['package.json', `{ "name": "x", "dsdb": { "port": 5556 } }`],
  ] as const) {
    it(`reads ${name}`, async () => {
      writeConfig(dir, name, text);
      const config = await loadConfig({ cwd: dir });
      expect(config.port).to.equal(5556);
      expect(config.file).to.equal(path.join(dir, name));
      expect(config.plugins, 'a config without plugins gets the defaults').to.deep.equal(DEFAULT_PLUGINS);
    });
  }

  it('uses --config PATH over the one it would find, and --port over the file', async () => {
    writeConfig(dir, 'dsdb.config.js', `module.exports = { port: 1111 };`);
    const other = writeConfig(dir, 'other.json', `{ "port": 2222, "logLevel": "warn" }`);
    const config = await loadConfig({ cwd: dir, file: other, overrides: { port: 3333 } });
    expect(config.file).to.equal(other);
    expect(config.logLevel).to.equal('warn');
    expect(config.port).to.equal(3333);
  });

  it('an empty config file is the config found (named as the source, marked empty: the start warns), not skipped for the defaults', async () => {
    // a config one folder up, which the search would reach if it passed over the empty one
    writeConfig(dir, 'dsdb.config.js', 'module.exports = { port: 1111 };');
    const sub = path.join(dir, 'sub');
    fs.mkdirSync(sub);
    const file = writeConfig(sub, 'dsdb.config.js', '');
    for (const config of [await loadConfig({ cwd: sub }), await loadConfig({ cwd: sub, file })]) {
      expect(config.file).to.equal(file);
      expect(config.emptyFile).to.equal(true);
      expect(config.port).to.equal(4242);
      expect(config.plugins).to.deep.equal(DEFAULT_PLUGINS);
    }
  });

  it('falls back to the built-in defaults without a config file, on port 4242', async () => {
    const config = await loadConfig({ cwd: dir });
    expect(config.plugins).to.deep.equal(DEFAULT_PLUGINS);
    expect(config.port).to.equal(4242);
  });

  const failures: [string, string, RegExp][] = [
    ['an unknown plugin', `module.exports = { plugins: ['http', 'no-such-plugin'] };`, /plugins\[1\]: unknown plugin "no-such-plugin"/],
    ['a wrong plugin option type', `module.exports = { plugins: [['telnet', { maxLineLength: 'long' }]] };`, /plugins\[0\] \(telnet\)\.maxLineLength: must be integer/],
    ['a missing required plugin option', `module.exports = { plugins: [['tls', { key: 'k.pem' }]] };`, /plugins\[0\] \(tls\)\.cert: is required but missing/],
    ['an unknown plugin option', `module.exports = { plugins: [['telnet', { colour: 'red' }]] };`, /plugins\[0\] \(telnet\)\.colour: is not a known option/],
    ['a wrong top-level type', `module.exports = { port: 'high' };`, /: port: must be integer/],
    ['an unknown top-level key', `module.exports = { prot: 4242 };`, /: prot: is not a known option/],
    ['a value outside its list (every allowed value named)', `module.exports = { logLevel: 'verbose' };`, /: logLevel: must be one of: "fatal", "error", "warn", "info", "debug", "trace", "silent"$/m],
    ['a local plugin path that does not exist', `module.exports = { plugins: ['./missing-plugin'] };`, /plugins\[0\]: unknown plugin "\.\/missing-plugin": no plugin file at/],
    ['a file that is not a plugin', `module.exports = { plugins: ['./not-a-plugin.js'] };`, /plugins\[0\]: ".\/not-a-plugin.js" does not export a DSDB plugin/],
    // query taps the http plugin's routes: without http its endpoints would silently vanish
    ['a missing required plugin (query without http)', `module.exports = { plugins: ['aggregators-opentsdb', 'query', 'storage-memory'] };`, /plugins\[1\] \(query\): needs plugin "http", which the config does not load/],
    ['a missing required plugin (a GUI panel without the gui)', `module.exports = { plugins: ['http', 'gui-panel-table'] };`, /plugins\[1\] \(gui-panel-table\): needs plugin "gui", which the config does not load/],
    ['two plugins providing the same hook', `module.exports = { plugins: ['http', ['./second-http.js']] };`, /plugins\[1\] \(second-http\): provides "hook:http.routes", which plugins\[0\] \(http\) provides already/],
  ];
  for (const [what, text, expected] of failures) {
    it(`exits non-zero naming the file and the key for ${what}`, async () => {
      const file = writeConfig(dir, 'dsdb.config.js', text);
      writeConfig(dir, 'not-a-plugin.js', 'module.exports = { hello: 1 };');
      writeConfig(dir, 'second-http.js', `module.exports = { name: 'second-http', provides: ['hook:http.routes'], register() {} };`);
      const result = await runDsdb(['--port', '0'], dir);
      expect(result.code).to.not.equal(0);
      expect(result.stderr).to.contain(`invalid config ${file}`);
      // one line: the reason, not a stack trace
      expect(result.stderr.trim().split('\n').filter((line) => line.startsWith('dsdb:'))).to.have.length(1);
      expect(result.stderr).to.match(expected);
    });
  }

  it('names the reason a JSON or YAML config does not parse (not only the file: the reason follows a code frame)', async () => {
    for (const [name, text, reason] of [
      ['bad.json', '{"port": 1,,}', /cannot be loaded: JSON Error in \S+bad\.json: Expected double-quoted property name/],
      ['bad.yaml', 'port: [1\n', /cannot be loaded: YAML Error in \S+bad\.yaml: unexpected end of the stream/],
    ] as const) {
      writeConfig(dir, name, text);
      const result = await runDsdb(['--config', name, '--port', '0'], dir);
      expect(result.code).to.not.equal(0);
      const lines = result.stderr.trim().split('\n');
      expect(lines, result.stderr).to.have.length(1);
      expect(lines[0]).to.match(reason);
    }
  });

  it('loads a plugin by path relative to the config file, and an installed package by name', async () => {
    fs.mkdirSync(path.join(dir, 'node_modules', 'dsdb-plugin-ping'), { recursive: true });
    writeConfig(
      path.join(dir, 'node_modules', 'dsdb-plugin-ping'),
      'index.js',
      `const { getTelnetHooks } = require('dsdb/lib/telnet');\nmodule.exports = { name: 'ping', dependencies: ['telnet'], register({ hooks }) { getTelnetHooks(hooks).commands.tap('ping', (c) => c.add('ping', { execute(w, conn) { conn.writeLine('pong'); } }, 'ping')); } };`,
    );
    // An installed plugin package peer-depends on dsdb: the daemon's own install.
    fs.symlinkSync(path.join(__dirname, '..', '..', '..'), path.join(dir, 'node_modules', 'dsdb'), 'dir');
    fs.cpSync(path.join(__dirname, '..', '..', '..', 'examples', 'hello-plugin'), path.join(dir, 'hello'), { recursive: true });
    writeConfig(dir, 'dsdb.config.js', `module.exports = { port: 0, plugins: ['http', 'telnet', 'dsdb-plugin-ping', ['./hello', { greeting: 'Hi' }]] };`);
    const daemon = await spawnDaemon([], dir);
    try {
      const reply = await exchange(daemon.port, ['ping\nhello there\n']);
      expect(reply.data).to.equal('pong\nHi, there!\n');
    } finally {
      daemon.child.kill('SIGTERM');
      await daemon.exited;
    }
  });
});
