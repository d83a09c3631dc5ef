// @ts-check
/**
 * gui-panel-plugin: a third-party GUI panel, loaded by path from a config:
 *
 *   plugins: [..., 'gui', ['./examples/gui-panel-plugin', { title: 'Statistics' }]]
 *
 * It adds one panel on the gui plugin's `panels` hook: min / max / mean of every numeric series
 * the current view returned. Its browser module is static/stats-panel.js, which the
 * `gui` plugin serves at /gui/panels/stats/stats-panel.js and mounts.
 */
const path = require('node:path');
const { definePlugin, Type } = require('dsdb');
const { getGuiHooks } = require('dsdb/lib/gui');

module.exports = definePlugin({
  name: 'gui-panel-stats',
  version: '1.0.0',
  dependencies: ['gui'],
  options: Type.Object(
    {
      title: Type.String({ default: 'Statistics' }),
      order: Type.Integer({ default: 50 }),
    },
    { additionalProperties: false },
  ),
  register({ hooks }, options) {
    getGuiHooks(hooks).panels.tap('gui-panel-stats', (panels) => {
      panels.add('stats', {
        id: 'stats',
        title: options.title,
        area: 'main',
        order: options.order,
        assetsDir: path.join(__dirname, 'static'),
        module: 'stats-panel.js',
      }, 'gui-panel-stats');
    });
  },
});
