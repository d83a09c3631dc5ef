/**
 * Turns the config's `plugins` list into plugin definitions with validated options,
 * ordered so that every plugin comes after its dependencies.
 *
 * A spec names a plugin in one of three ways, tried in this order:
 *  - a built-in plugin by name (a folder under one of `builtinDirs`, e.g. `telnet`),
 *  - a local plugin by path (starts with `.` or `/`, relative to the config file),
 *  - an installed npm package by its name (resolved from the config file's folder).
 */
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { PluginSpec, ResolvedConfig } from './config';
import { ConfigError, DsdbError } from './errors';
import { isDsdbPlugin, type DsdbPlugin } from './plugin';
import { validateOrThrow } from './schema';

export interface LoadedPlugin {
  plugin: DsdbPlugin;
  options: Record<string, unknown>;
  /** where it came from: `built-in`, a file path, or a package name */
  source: string;
  /** the config key that named it, for messages */
  key: string;
}

export function flattenSpecs(specs: PluginSpec[]): { spec: Exclude<PluginSpec, PluginSpec[] | false | null | undefined>; key: string }[] {
  const out: { spec: Exclude<PluginSpec, PluginSpec[] | false | null | undefined>; key: string }[] = [];
  const walk = (list: PluginSpec[], prefix: string) => {
    list.forEach((spec, i) => {
      const key = `${prefix}[${i}]`;
      if (!spec) return;
      // A nested list is a group of specs, unless it is a [name, options] pair.
      if (Array.isArray(spec) && !(typeof spec[0] === 'string' && (spec.length === 1 || isOptionsObject(spec[1])))) {
        walk(spec as PluginSpec[], key);
      } else {
        out.push({ spec: spec as Exclude<PluginSpec, PluginSpec[] | false | null | undefined>, key });
      }
    });
  };
  walk(specs, 'plugins');
  return out;
}

function isOptionsObject(value: unknown): boolean {
  return value === undefined || (typeof value === 'object' && value !== null && !Array.isArray(value) && !isDsdbPlugin(value));
}

export async function loadPlugins(config: ResolvedConfig, builtinDirs: string[]): Promise<LoadedPlugin[]> {
  const loaded: LoadedPlugin[] = [];
  for (const { spec, key } of flattenSpecs(config.plugins)) {
    let plugin: DsdbPlugin;
    let options: Record<string, unknown> = {};
    let source: string;
    if (typeof spec === 'string' || Array.isArray(spec)) {
      const name = typeof spec === 'string' ? spec : spec[0];
      if (Array.isArray(spec) && spec[1] !== undefined) options = { ...spec[1] };
      if (typeof name !== 'string' || name === '') throw new ConfigError(config.file, key, 'must name a plugin');
      ({ plugin, source } = await importPlugin(name, config, builtinDirs, key));
    } else if (isDsdbPlugin(spec)) {
      plugin = spec;
      source = 'inline';
    } else {
      throw new ConfigError(config.file, key, 'must be a plugin name, a [name, options] pair or a plugin object');
    }
    const pluginKey = `${key} (${plugin.name})`;
    if (plugin.options) validateOrThrow(plugin.options, options, config.file, pluginKey);
    if (loaded.some((other) => other.plugin.name === plugin.name)) {
      throw new ConfigError(config.file, key, `plugin "${plugin.name}" is listed twice`);
    }
    loaded.push({ plugin, options, source, key: pluginKey });
  }
  checkProvides(loaded, config.file);
  return orderByDependencies(loaded, config.file);
}

/** Two plugins that claim the same hook, service or name would silently shadow one another. */
function checkProvides(plugins: LoadedPlugin[], file: string): void {
  const owners = new Map<string, LoadedPlugin>();
  for (const entry of plugins) {
    for (const thing of entry.plugin.provides ?? []) {
      const other = owners.get(thing);
      if (other) {
        throw new ConfigError(file, entry.key, `provides "${thing}", which ${other.key} provides already: load one of them`, 'DSDB_ERR_DUPLICATE_NAME');
      }
      owners.set(thing, entry);
    }
  }
}

async function importPlugin(
  name: string,
  config: ResolvedConfig,
  builtinDirs: string[],
  key: string,
): Promise<{ plugin: DsdbPlugin; source: string }> {
  let file: string | undefined;
  let source = name;
  const isPath = name.startsWith('.') || path.isAbsolute(name);
  if (isPath) {
    file = resolveFile(path.resolve(config.baseDir, name));
    source = file ?? name;
  } else {
    for (const dir of builtinDirs) {
      file = resolveFile(path.join(dir, name));
      if (file) {
        source = 'built-in';
        break;
      }
    }
    if (!file) {
      try {
        file = require.resolve(name, { paths: [config.baseDir] });
      } catch {
        file = undefined;
      }
    }
  }
  if (!file) {
    const builtins = builtinDirs.flatMap((dir) => listBuiltins(dir));
    const where = isPath
      ? `no plugin file at ${path.resolve(config.baseDir, name)}`
      : `not a built-in plugin (${builtins.join(', ') || 'none'}) nor an installed package`;
    throw new ConfigError(config.file, key, `unknown plugin "${name}": ${where}`, 'DSDB_ERR_PLUGIN_NOT_FOUND');
  }
  let mod: unknown;
  try {
    mod = file.endsWith('.mjs') ? await import(pathToFileURL(file).href) : require(file);
  } catch (err) {
    if ((err as { code?: string }).code === 'ERR_REQUIRE_ESM') mod = await import(pathToFileURL(file).href);
    else throw new ConfigError(config.file, key, `plugin "${name}" failed to load: ${(err as Error).message}`, 'DSDB_ERR_PLUGIN_INVALID');
  }
  const plugin = pickPlugin(mod);
  if (!plugin) {
    throw new ConfigError(config.file, key, `"${name}" does not export a DSDB plugin (an object with name and register)`, 'DSDB_ERR_PLUGIN_INVALID');
  }
  return { plugin, source };
}

function pickPlugin(mod: unknown): DsdbPlugin | undefined {
  if (isDsdbPlugin(mod)) return mod;
  const fallback = (mod as { default?: unknown })?.default;
  if (isDsdbPlugin(fallback)) return fallback;
  const nested = (fallback as { default?: unknown })?.default;
  return isDsdbPlugin(nested) ? nested : undefined;
}

function resolveFile(base: string): string | undefined {
  for (const candidate of [base, `${base}.js`, `${base}.cjs`, `${base}.mjs`, path.join(base, 'index.js'), path.join(base, 'index.cjs'), path.join(base, 'index.mjs')]) {
    try {
      if (fs.statSync(candidate).isFile()) return candidate;
    } catch {
      /* not there */
    }
  }
  // A folder with its own package.json (a plugin package checked out locally).
  try {
    if (fs.statSync(path.join(base, 'package.json')).isFile()) return require.resolve(base);
  } catch {
    /* not a package */
  }
  return undefined;
}

function listBuiltins(dir: string): string[] {
  try {
    return fs.readdirSync(dir).filter((name) => fs.existsSync(path.join(dir, name, 'index.js')));
  } catch {
    return [];
  }
}

/** Topological order that keeps the config's order wherever dependencies allow. */
function orderByDependencies(plugins: LoadedPlugin[], file: string): LoadedPlugin[] {
  const byName = new Map(plugins.map((entry) => [entry.plugin.name, entry]));
  const ordered: LoadedPlugin[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (entry: LoadedPlugin, chain: string[]) => {
    const name = entry.plugin.name;
    if (state.get(name) === 'done') return;
    if (state.get(name) === 'visiting') {
      throw new DsdbError('DSDB_ERR_PLUGIN_DEPENDENCY', `invalid config ${file}: plugins form a dependency cycle: ${[...chain, name].join(' -> ')}`);
    }
    state.set(name, 'visiting');
    for (const dependency of entry.plugin.dependencies ?? []) {
      const target = byName.get(dependency);
      if (!target) {
        throw new ConfigError(file, entry.key, `needs plugin "${dependency}", which the config does not load`, 'DSDB_ERR_PLUGIN_DEPENDENCY');
      }
      visit(target, [...chain, name]);
    }
    state.set(name, 'done');
    ordered.push(entry);
  };
  for (const entry of plugins) visit(entry, []);
  return ordered;
}
