/**
 * Config loading: cosmiconfig finds `dsdb.config.js` (or .cjs/.mjs/.json/.yaml, an rc
 * file, or `package.json#dsdb`), `--config PATH` names one, and the result is validated
 * against CONFIG_SCHEMA. Without any config file DSDB runs on DEFAULT_PLUGINS.
 */
import fs from 'node:fs';
import path from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import { Type, type Static } from '@sinclair/typebox';
import { cosmiconfig } from 'cosmiconfig';
import { ConfigError } from './errors';
import { DEFAULT_LISTEN_BACKLOG } from './listener';
import type { DsdbPlugin } from './plugin';
import { validateOrThrow } from './schema';

/** A plugin in the config: a name/path/package, with options, or a plugin object. Falsy entries are dropped, arrays flattened. */
export type PluginSpec =
  | string
  | [string, Record<string, unknown>?]
  | DsdbPlugin<any>
  | false
  | null
  | undefined
  | PluginSpec[];

export const CONFIG_SCHEMA = Type.Object(
  {
    port: Type.Integer({ minimum: 0, maximum: 65535, default: 4242 }),
    host: Type.String({ default: '127.0.0.1' }),
    logLevel: Type.Union(
      ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((level) => Type.Literal(level)),
      { default: 'info' },
    ),
    /** the storage engine to use when plugins provide several */
    storage: Type.Optional(Type.String()),
    /** how long detection waits for more bytes once a connection has sent some */
    detectTimeoutMs: Type.Integer({ minimum: 1, default: 2000 }),
    /** a connection that sends nothing for this long after connecting is closed (0: never) */
    firstByteTimeoutMs: Type.Integer({ minimum: 0, default: 30_000 }),
    /** open connections on the port at most (all protocols); one more is answered 503 and closed */
    maxConnections: Type.Integer({ minimum: 1, default: 10_000 }),
    /**
     * connections the OS queues for the daemon to accept (listen(2)'s backlog; the OS caps it
     * at net.core.somaxconn); Listener says why the default is 4096
     */
    listenBacklog: Type.Integer({ minimum: 1, maximum: 65535, default: DEFAULT_LISTEN_BACKLOG }),
    /** how long shutdown waits for plugins to flush before closing what is left */
    shutdownTimeoutMs: Type.Integer({ minimum: 1, default: 10000 }),
    /** points on their way to storage at once (all transports); a batch beyond waits, pausing its connection */
    writeMaxInFlightPoints: Type.Integer({ minimum: 1, default: 1_000_000 }),
    /** absent: DEFAULT_PLUGINS */
    plugins: Type.Optional(Type.Array(Type.Any())),
  },
  { additionalProperties: false },
);

export type DsdbConfig = Partial<Omit<Static<typeof CONFIG_SCHEMA>, 'plugins' | 'logLevel'>> & {
  logLevel?: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  plugins?: PluginSpec[];
};

export interface ResolvedConfig extends Omit<Static<typeof CONFIG_SCHEMA>, 'plugins' | 'logLevel'> {
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  plugins: PluginSpec[];
  /** the file the config came from, or `(built-in defaults)` */
  file: string;
  /** the folder relative paths in the config are resolved from */
  baseDir: string;
  /** the config file is empty (no bytes but white space): the defaults run, and the start says so */
  emptyFile?: boolean;
}

/**
 * The default plugins in groups, each with the comment `dsdb init` writes above it: the
 * one list behind DEFAULT_PLUGINS, the starter config and the README's Configure example
 * (a test checks both against DEFAULT_PLUGINS). Which plugins make up the distribution is
 * not the kernel's knowledge: the list is data beside the built-in plugins
 * (plugins/default-plugins.json), read by path like the plugins themselves.
 */
export const DEFAULT_PLUGIN_GROUPS: readonly { comment: string; plugins: readonly string[] }[] = (
  JSON.parse(fs.readFileSync(path.resolve(__dirname, '..', 'plugins', 'default-plugins.json'), 'utf8')) as { groups: { comment: string; plugins: string[] }[] }
).groups;

/** The plugins DSDB loads when no config file exists (or the config lists none). */
export const DEFAULT_PLUGINS: PluginSpec[] = DEFAULT_PLUGIN_GROUPS.flatMap((group) => group.plugins);
export const DEFAULTS_SOURCE = '(built-in defaults)';

/** Identity function that types a config file. */
export function defineConfig(config: DsdbConfig): DsdbConfig {
  return config;
}

const MODULE_NAME = 'dsdb';
const SEARCH_PLACES = [
  'package.json',
  `${MODULE_NAME}.config.js`,
  `${MODULE_NAME}.config.cjs`,
  `${MODULE_NAME}.config.mjs`,
  `${MODULE_NAME}.config.json`,
  `${MODULE_NAME}.config.yaml`,
  `${MODULE_NAME}.config.yml`,
  `.${MODULE_NAME}rc`,
  `.${MODULE_NAME}rc.json`,
  `.${MODULE_NAME}rc.yaml`,
  `.${MODULE_NAME}rc.yml`,
  `.${MODULE_NAME}rc.js`,
  `.${MODULE_NAME}rc.cjs`,
  `.${MODULE_NAME}rc.mjs`,
];

export interface LoadConfigOptions {
  /** explicit config file (`--config`) */
  file?: string;
  /** where to search from (default: cwd) */
  cwd?: string;
  /** values that override the file (`--port`) */
  overrides?: Partial<Pick<ResolvedConfig, 'port' | 'host' | 'logLevel'>>;
}

/** Why a config file did not load, in one line (no require stack), with the fix for a missing `dsdb`. */
function loadFailure(err: unknown): string {
  // cosmiconfig's JSON and YAML errors put the reason after a code frame (`> 1 | {…`) and
  // their first line ends with the file name: the reason is the first line not part of the frame
  // (colored when the terminal or CI looks like it takes colors: the escapes go first)
  const lines = stripVTControlCharacters(String((err as Error)?.message ?? err))
    .split('\n')
    .filter((line) => line.trim() !== '' && !/^\s*(>|\|)|^\s+\d*\s*\|/.test(line));
  const first = lines[0] !== undefined && /:\s*$/.test(lines[0]) && lines[1] !== undefined ? `${lines[0].trimEnd()} ${lines[1].trim()}` : (lines[0] ?? '');
  const hint = /Cannot find module 'dsdb'/.test(first)
    ? " (the config requires 'dsdb', which is not installed where the config is: `npm install dsdb` there, or export a plain object as `dsdb init` writes)"
    : '';
  return `cannot be loaded: ${first}${hint}`;
}

export async function loadConfig(options: LoadConfigOptions = {}): Promise<ResolvedConfig> {
  const cwd = options.cwd ?? process.cwd();
  // an empty file found is reported (loadConfig), not passed over for another one or for none
  const explorer = cosmiconfig(MODULE_NAME, { searchPlaces: SEARCH_PLACES, searchStrategy: 'project', ignoreEmptySearchPlaces: false });
  let raw: unknown;
  let file: string;
  if (options.file) {
    file = path.resolve(cwd, options.file);
    try {
      const result = await explorer.load(file);
      raw = result?.config ?? {};
      if (result?.isEmpty) return { ...resolveConfig({}, file, path.dirname(file), options.overrides), emptyFile: true };
    } catch (err) {
      throw new ConfigError(file, '(file)', loadFailure(err), 'DSDB_ERR_CONFIG_NOT_FOUND');
    }
  } else {
    let result;
    try {
      result = await explorer.search(cwd);
    } catch (err) {
      const failed = (err as { filepath?: string }).filepath ?? cwd;
      throw new ConfigError(failed, '(file)', loadFailure(err));
    }
    if (result && !result.isEmpty) {
      raw = result.config;
      file = result.filepath;
    } else if (result) {
      // An empty dsdb.config.js is the config that is found, not the absence of one: it is
      // named as the source, and the start says the defaults run (kernel.ts).
      return { ...resolveConfig({}, result.filepath, path.dirname(result.filepath), options.overrides), emptyFile: true };
    } else {
      raw = { plugins: DEFAULT_PLUGINS };
      file = DEFAULTS_SOURCE;
    }
  }
  return resolveConfig(raw, file, file === DEFAULTS_SOURCE ? cwd : path.dirname(file), options.overrides);
}

/** Validates a config object (from a file or given in code) and fills in defaults. */
export function resolveConfig(
  raw: unknown,
  file: string,
  baseDir: string,
  overrides: LoadConfigOptions['overrides'] = {},
): ResolvedConfig {
  // An ES module config arrives as { default: {...} }.
  if (raw && typeof raw === 'object' && 'default' in raw && Object.keys(raw).length === 1) {
    raw = (raw as { default: unknown }).default;
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new ConfigError(file, '(root)', 'must be an object');
  }
  const config = { ...(raw as Record<string, unknown>) };
  validateOrThrow(CONFIG_SCHEMA, config, file, '');
  for (const [key, value] of Object.entries(overrides)) {
    if (value !== undefined) config[key] = value;
  }
  validateOrThrow(CONFIG_SCHEMA, config, file, '');
  // A config that does not list plugins gets the defaults, so `{ port: 4343 }` is a whole config.
  if (config.plugins === undefined) config.plugins = DEFAULT_PLUGINS;
  return { ...(config as unknown as Omit<ResolvedConfig, 'file' | 'baseDir'>), file, baseDir };
}
