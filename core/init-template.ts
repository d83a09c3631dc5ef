/** The starter config `dsdb init` writes. */
export const STARTER_CONFIG = `// DSDB configuration. Found by cosmiconfig: this file, or .cjs/.mjs/.json/.yaml,
// .dsdbrc, or a "dsdb" key in package.json. Choose another with \`dsdb --config PATH\`.
// Every option is documented in docs/configuration.md.
const { defineConfig } = require('dsdb');

module.exports = defineConfig({
  // One port for every protocol: telnet, HTTP(S), protobuf. OpenTSDB's default is 4242.
  port: 4242,
  // 127.0.0.1 serves this machine only; '0.0.0.0' serves the network.
  host: '127.0.0.1',
  logLevel: 'info', // fatal | error | warn | info | debug | trace | silent

  // Features are plugins, loaded in this order (after their dependencies).
  // A built-in by name, a local plugin by path ('./my-plugin'), an npm package by name;
  // [name, options] passes options. Remove one and its feature is gone.
  plugins: [
    'http',   // HTTP API (and, with 'tls', HTTPS) on the same port
    'telnet', // OpenTSDB's telnet-style line protocol
    // ['tls', { cert: './cert.pem', key: './key.pem' }], // HTTPS and telnet over TLS
    // Storage: the embedded engine keeps data in ./data (relative to this file).
    // ['storage-embedded', { dataDir: './data', retentionMs: 0, flushIntervalMs: 1000 }]
    'storage-embedded',
    // Chunk codecs, one per value kind (the embedded engine needs them).
    'codec-delta-of-delta', 'codec-decimal-float', 'codec-xor-float',
    'codec-zigzag-int', 'codec-dict-string', 'codec-compact-json',
    // The dsdb utilities: import, export, scan, uid, plugins, config (docs/cli.md).
    'cli',
  ],
});
`;
