// DSDB's config for running from this repository (`npx dsdb`). See docs/configuration.md.
const { defineConfig } = require('dsdb');

module.exports = defineConfig({
  port: 4242,
  host: '127.0.0.1',
  logLevel: 'info',
  plugins: [
    'http',
    'telnet',
    'aggregators-opentsdb',
    'aggregators-discrete',
    'query',
    'read-api',
    // ['tls', { cert: './test/fixtures/tls/cert.pem', key: './test/fixtures/tls/key.pem' }],
  ],
});
