// @ts-check
/**
 * dsdb-storage-logfile: a third-party storage engine, the model for writing your own.
 * It registers the engine `logfile` (an in-memory index over one append-only log file,
 * see src/engine.js). Loaded by path or package name from a config:
 *
 *   plugins: [..., ['./examples/storage-plugin', { dir: './logfile-data' }]],
 *   storage: 'logfile',
 *
 * A storage plugin only adds a factory to the `storage.engines` registry: the kernel
 * creates and opens the engine named by `storage` and closes it at shutdown.
 */
const path = require('node:path');
const { definePlugin, Type } = require('dsdb');
const { LogfileEngine } = require('./src/engine');

module.exports = definePlugin({
  name: 'storage-logfile',
  version: '1.0.0',
  // Two plugins providing one engine name would shadow each other: start-up names both.
  provides: ['storage:logfile'],
  // The options schema (TypeBox = JSON Schema): validated, defaults filled, before register.
  options: Type.Object(
    {
      dir: Type.String({ default: './logfile-data', description: 'data folder, relative to the config file folder' }),
      flushIntervalMs: Type.Integer({ default: 1000, minimum: 1, maximum: 60_000, description: 'writes without sync reach the disk at least this often' }),
    },
    { additionalProperties: false },
  ),
  register({ hooks, baseDir }, options) {
    hooks.storage.engines.tap('storage-logfile', (engines) => {
      engines.add(
        'logfile',
        {
          // Called once, when the config selects this engine; the kernel then calls open().
          create: ({ logger }) => new LogfileEngine({ dir: path.resolve(baseDir, options.dir), flushIntervalMs: options.flushIntervalMs }, logger),
        },
        'storage-logfile',
      );
    });
  },
});
