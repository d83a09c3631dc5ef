/**
 * Loads a storage plugin the way the daemon does, for tests: a third party runs the
 * conformance suite on their plugin as DSDB will load it (by path or package name,
 * options checked against the plugin's schema with defaults filled, `register` called
 * with a real plugin context), not on an engine class they constructed by hand.
 *
 *   const { runStorageConformance, loadStorageEngineFactory } = require('dsdb');
 *   runStorageConformance('my-engine', loadStorageEngineFactory('./my-plugin', { dir: 'data' }, { baseDir }));
 *
 * Each call of the returned function boots a kernel up to `load()` (plugins registered,
 * nothing opened, nothing listening) and asks the plugin's `storage.engines` factory for
 * an engine, which it returns not yet opened, as `runStorageConformance` wants it.
 */
import type { PluginSpec } from '../config';
import { resolveConfig } from '../config';
import { DsdbError } from '../errors';
import { Kernel } from '../kernel';
import type { Logger } from '../logger';
import type { DsdbPlugin } from '../plugin';
import { Registry } from '../registry';
import type { StorageEngine, StorageEngineFactory } from '../storage';

export interface LoadStorageOptions {
  /** the engine to create when the plugin registers several (default: the only one) */
  engine?: string;
  /**
   * The folder that stands for the config file's: a plugin path and the plugin's
   * relative data paths resolve against it, a package name from it (default: cwd).
   */
  baseDir?: string;
  /** plugins to load before it, e.g. ones it depends on (by path or package name unless `builtinDirs` is given) */
  plugins?: PluginSpec[];
  /** folders of plugins loadable by bare name; none by default, so only the plugin under test and `plugins` load */
  builtinDirs?: string[];
  /** default: a silent logger */
  logger?: Logger;
}

/**
 * Returns a function that creates a fresh, not yet opened engine from the storage plugin
 * `plugin` (a path, a package name or a plugin object) with `options`, through the real
 * plugin loader.
 */
export function loadStorageEngineFactory(
  plugin: string | DsdbPlugin<any>,
  options: Record<string, unknown> = {},
  load: LoadStorageOptions = {},
): () => Promise<StorageEngine> {
  const baseDir = load.baseDir ?? process.cwd();
  const label = typeof plugin === 'string' ? plugin : plugin.name;
  const spec: PluginSpec = typeof plugin === 'string' ? [plugin, options] : plugin;
  if (typeof plugin !== 'string' && Object.keys(options).length > 0) {
    throw new TypeError('loadStorageEngineFactory: options apply to a plugin given by path or name; a plugin object takes none');
  }
  return async () => {
    const config = resolveConfig({ logLevel: 'silent', plugins: [...(load.plugins ?? []), spec] }, `(storage test of ${label})`, baseDir);
    const kernel = new Kernel(config, { builtinDirs: load.builtinDirs ?? [], logger: load.logger });
    await kernel.load();
    const engines = new Registry<StorageEngineFactory>('storage engine');
    kernel.hooks.storage.engines.call(engines);
    const name = load.engine ?? (engines.size === 1 ? engines.names()[0]! : undefined);
    const factory = name === undefined ? undefined : engines.get(name);
    if (!factory) {
      const registered = engines.names().join(', ') || 'none';
      const why =
        load.engine !== undefined ? `no storage engine "${load.engine}" is registered`
        : engines.size === 0 ? 'no storage engine is registered'
        : 'several storage engines are registered: name one with `engine`';
      throw new DsdbError('DSDB_ERR_NO_STORAGE', `${label}: ${why} (registered: ${registered})`);
    }
    return factory.create({ baseDir, logger: kernel.logger.child({ storage: name }), codecs: kernel.container.resolve('codecs') });
  };
}
