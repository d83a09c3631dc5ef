/**
 * The plugin definition. A plugin is an object with a name, an options schema and a
 * `register` function; `definePlugin` exists only to give plugin authors types.
 */
import type { Static, TObject } from '@sinclair/typebox';
import type { DsdbContainer } from './container';
import type { KernelHooks } from './hooks';
import type { Logger } from './logger';
import type { ResolvedConfig } from './config';

export interface PluginContext {
  /** The kernel's hooks: tap them (webpack style; name every tap after your plugin). */
  hooks: KernelHooks;
  /** Shared services (config, logger, storage once open, …); register your own here. */
  container: DsdbContainer;
  /** The whole resolved config, read-only. */
  config: Readonly<ResolvedConfig>;
  /** A logger bound to this plugin's name. */
  log: Logger;
  /** The folder of the config file: resolve relative paths in options against it. */
  baseDir: string;
  /** The config file and the key that loaded this plugin, for error messages. */
  configFile: string;
  configKey: string;
}

export interface DsdbPlugin<Schema extends TObject = TObject> {
  /** Unique; the tap name, log prefix and dependency key. */
  name: string;
  version?: string;
  /**
   * Plugins this one cannot work without, by name: typically the owner of a hook it taps
   * (`http` for routes, `telnet` for commands, `gui` for panels). They register first; a
   * config that lacks one stops at start-up with one line naming it (fastify-plugin's
   * `dependencies`).
   */
  dependencies?: string[];
  /**
   * Plugins whose hooks this one taps when they are loaded, and does without otherwise
   * (protobuf adds a body format to put-http's `/api/put` if put-http is there). Only
   * declared, for `dsdb plugins` and readers; never an error.
   */
  enhances?: string[];
  /**
   * What this plugin adds for others, e.g. `hook:telnet.commands`, `service:writer`,
   * `storage:embedded`, `codec:xor-float`. Two loaded plugins providing the same thing
   * stop start-up naming both.
   */
  provides?: string[];
  /** TypeBox (JSON Schema) for the options; validated, with defaults applied, before register. */
  options?: Schema;
  register(context: PluginContext, options: Static<Schema>): void | Promise<void>;
}

/** Identity function that types a plugin definition. */
export function definePlugin<Schema extends TObject>(plugin: DsdbPlugin<Schema>): DsdbPlugin<Schema> {
  return plugin;
}

export function isDsdbPlugin(value: unknown): value is DsdbPlugin {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as DsdbPlugin).name === 'string' &&
    typeof (value as DsdbPlugin).register === 'function'
  );
}
