/**
 * `gui-panel-graph`: the GUI's line graph (uPlot, served by the `gui` plugin from
 * node_modules), with a legend of the values under the cursor; string and JSON series
 * are drawn as event markers instead of lines.
 */
import path from 'node:path';
import { definePlugin } from '../../core';
import { getGuiHooks } from '../../lib/gui';

export default definePlugin({
  name: 'gui-panel-graph',
  dependencies: ['gui'],
  register({ hooks }) {
    getGuiHooks(hooks).panels.tap('gui-panel-graph', (panels) => {
      panels.add('graph', { id: 'graph', title: 'Graph', area: 'main', order: 10, assetsDir: path.join(__dirname, 'static'), module: 'graph-panel.js' }, 'gui-panel-graph');
    });
  },
});
