/**
 * `cli`: the `dsdb` utilities that work on any storage engine — import, export, scan,
 * uid, plugins, config — added to the `cli.commands` registry. Commands tied to one
 * engine or feature live with it (`fsck` in storage-embedded, `query` in query).
 */
import { definePlugin, Type } from '../../core';
import { configCommand } from './config-command';
import { exportCommand } from './export-command';
import { importCommand } from './import-command';
import { pluginsCommand } from './plugins-command';
import { scanCommand } from './scan-command';
import { uidCommand } from './uid-command';

export default definePlugin({
  name: 'cli',
  options: Type.Object({}, { additionalProperties: false }),
  register({ hooks }) {
    hooks.cli.commands.tap('cli', (commands) => {
      commands.add('import', importCommand, 'cli');
      commands.add('export', exportCommand, 'cli');
      commands.add('scan', scanCommand, 'cli');
      commands.add('uid', uidCommand, 'cli');
      commands.add('plugins', pluginsCommand, 'cli');
      commands.add('config', configCommand, 'cli');
    });
  },
});
