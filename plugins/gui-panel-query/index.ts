/**
 * `gui-panel-query`: the GUI's query editor — metrics with autocompletion, tag filters,
 * aggregator, downsampling, rate, time range and auto-refresh. Its browser code is in
 * static/; the `gui` plugin serves and mounts it.
 */
import path from 'node:path';
import { definePlugin } from '../../core';
import { getGuiHooks } from '../../lib/gui';

export default definePlugin({
  name: 'gui-panel-query',
  dependencies: ['gui'],
  register({ hooks }) {
    getGuiHooks(hooks).panels.tap('gui-panel-query', (panels) => {
      panels.add('query', { id: 'query', title: 'Query', area: 'side', order: 10, assetsDir: path.join(__dirname, 'static'), module: 'query-panel.js' }, 'gui-panel-query');
    });
  },
});
