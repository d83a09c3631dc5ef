// DSDB's config for running from this repository (`npx dsdb`). See docs/configuration.md.
const { defineConfig } = require('dsdb');

module.exports = defineConfig({
  port: 4242,
  host: '127.0.0.1',
  logLevel: 'info',
  plugins: [
    'http',
    'telnet',
    'put-telnet',
    'put-http',
    'protobuf',
    'prometheus-remote-write',
    'aggregators-opentsdb',
    'aggregators-discrete',
    'query',
    'read-api',
    // ['tls', { cert: './test/fixtures/tls/cert.pem', key: './test/fixtures/tls/key.pem' }],
    // the default storage engine: data in ./data next to this file
    'storage-embedded',
    'codec-delta-of-delta',
    'codec-decimal-float',
    'codec-xor-float',
    'codec-zigzag-int',
    'codec-dict-string',
    'codec-compact-json',
    // the dsdb utilities: import, export, scan, uid, plugins, config (docs/cli.md)
    'cli',
    // the web GUI at http://127.0.0.1:4242/ with its panels, and /q graph images
    'gui',
    'gui-panel-query',
    'gui-panel-graph',
    'gui-panel-table',
    'graph-image',
    // a third-party panel, loaded by path:
    // './examples/gui-panel-plugin',
  ],
});
