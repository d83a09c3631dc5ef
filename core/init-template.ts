/**
 * The starter config `dsdb init` writes: every default plugin (DEFAULT_PLUGIN_GROUPS, so
 * the daemon it starts does all the README shows), as a plain object, so it loads in any
 * folder — `require('dsdb')` would fail where dsdb is not installed next to it (`npx dsdb
 * init` in an empty folder). defineConfig is only a typing aid; the comment shows it.
 */
import { DEFAULT_PLUGIN_GROUPS } from './config';

function pluginLines(): string {
  const lines: string[] = [];
  for (const group of DEFAULT_PLUGIN_GROUPS) {
    lines.push(`    // ${group.comment}`);
    let line = '   ';
    for (const name of group.plugins) {
      const item = ` '${name}',`;
      if (line.length + item.length > 92) {
        lines.push(line);
        line = '   ';
      }
      line += item;
    }
    lines.push(line);
  }
  return lines.join('\n');
}

export const STARTER_CONFIG = `// DSDB configuration, written by \`dsdb init\`. Found by cosmiconfig: this file, or
// .cjs/.mjs/.json/.yaml, .dsdbrc, or a "dsdb" key in package.json. Choose another with
// \`dsdb --config PATH\`. Every option is documented in docs/configuration.md
// (https://www.npmjs.com/package/dsdb), \`npx dsdb --help\` lists the commands.
//
// A plain object: it loads wherever this file is. With dsdb installed in this folder
// (npm install dsdb) you may wrap it for editor hints:
//   const { defineConfig } = require('dsdb'); module.exports = defineConfig({ ... });
module.exports = {
  // One port for every protocol: telnet, HTTP(S), protobuf. OpenTSDB's default is 4242.
  port: 4242,
  // 127.0.0.1 serves this machine only; '0.0.0.0' serves the network.
  host: '127.0.0.1',
  logLevel: 'info', // fatal | error | warn | info | debug | trace | silent

  // Features are plugins, loaded in this order (after their dependencies). These are the
  // defaults (the same as leaving \`plugins\` out). Remove one and its feature is gone.
  // A built-in by name, a local plugin by path ('./my-plugin'), an npm package by name;
  // [name, { options }] passes options, e.g.
  //   ['storage-embedded', { dataDir: './data', retentionMs: 0, flushIntervalMs: 1000 }]
  //   ['query', { allowDelete: true }]
  plugins: [
${pluginLines()}
    // ['tls', { cert: './cert.pem', key: './key.pem' }], // HTTPS and telnet over TLS
  ],
};
`;
