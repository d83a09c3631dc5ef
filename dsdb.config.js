// DSDB's config for running from this repository (`npx dsdb`). See docs/configuration.md.
// `require('dsdb')` works here (this package); a config elsewhere can be a plain object
// (what `dsdb init` writes), since dsdb may not be installed next to it.
const { defineConfig, DEFAULT_PLUGINS } = require('dsdb');

module.exports = defineConfig({
  port: 4242,
  host: '127.0.0.1',
  logLevel: 'info',
  plugins: [
    // every default plugin (core/config.ts): protocols, write and read paths, the embedded
    // storage engine (data in ./data next to this file) and its codecs, the dsdb utilities,
    // the web GUI at http://127.0.0.1:4242/ and /q graph images
    ...DEFAULT_PLUGINS,
    // ['tls', { cert: './test/fixtures/tls/cert.pem', key: './test/fixtures/tls/key.pem' }],
    // a third-party panel, loaded by path:
    // './examples/gui-panel-plugin',
  ],
});
