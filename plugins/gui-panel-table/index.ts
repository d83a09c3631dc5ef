/**
 * `gui-panel-table`: the series a query returned with their point counts and last
 * values, and the latest events of string and JSON series, as a table.
 */
import path from 'node:path';
import { definePlugin } from '../../core';
import { getGuiHooks } from '../../lib/gui';

export default definePlugin({
  name: 'gui-panel-table',
  dependencies: ['gui'],
  register({ hooks }) {
    getGuiHooks(hooks).panels.tap('gui-panel-table', (panels) => {
      panels.add('table', { id: 'table', title: 'Series', area: 'main', order: 20, assetsDir: path.join(__dirname, 'static'), module: 'table-panel.js' }, 'gui-panel-table');
    });
  },
});
