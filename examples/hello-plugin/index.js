// @ts-check
/**
 * hello-plugin: the model for third-party plugins. It lives in its own folder, is loaded
 * by path from a config:
 *
 *   plugins: ['http', 'telnet', ['./examples/hello-plugin', { greeting: 'Hi' }]]
 *
 * and taps two hooks: it adds a telnet command `hello` and an HTTP route `/api/hello`.
 * It never imports another plugin: it reaches the telnet and http plugins' hooks through
 * their accessors in DSDB's library layer (`dsdb/lib/telnet`, `dsdb/lib/http`).
 */
const { definePlugin, Type } = require('dsdb');
// Hooks of feature plugins live in DSDB's library layer, next to the plugin that calls them.
const { getTelnetHooks } = require('dsdb/lib/telnet');
const { getHttpHooks } = require('dsdb/lib/http');

module.exports = definePlugin({
  name: 'hello',
  version: '1.0.0',
  // It taps the hooks of these two plugins: a config without them stops at start-up naming them.
  dependencies: ['http', 'telnet'],
  // The options schema (TypeBox = JSON Schema): validated, defaults filled, before register.
  options: Type.Object(
    { greeting: Type.String({ default: 'Hello' }) },
    { additionalProperties: false },
  ),
  register({ hooks, log }, options) {
    // A telnet command: `hello [name]` answers one line.
    getTelnetHooks(hooks).commands.tap('hello', (commands) => {
      commands.add('hello', {
        description: 'greet',
        execute(words, connection) {
          connection.writeLine(`${options.greeting}, ${words[1] || 'world'}!`);
        },
      }, 'hello');
    });
    // An HTTP route on the shared port (the app is a fastify instance).
    getHttpHooks(hooks).routes.tap('hello', (app) => {
      // `schema` describes the route in /api/openapi.json (summary, tags, the query string
      // and answer as JSON Schema); DSDB never validates with it: the handler checks its input.
      const schema = {
        summary: 'A greeting',
        tags: ['hello'],
        querystring: { type: 'object', properties: { name: { type: 'string' } } },
        response: { 200: { type: 'object', required: ['message'], properties: { message: { type: 'string' } } } },
      };
      app.get('/api/hello', { schema }, async (request) => {
        const name = /** @type {{ name?: string }} */ (request.query).name || 'world';
        return { message: `${options.greeting}, ${name}!` };
      });
    });
    log.info('hello plugin registered');
  },
});
