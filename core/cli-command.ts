/**
 * Subcommands of the `dsdb` bin (`dsdb import`, `dsdb fsck`, …). Plugins add them on the
 * `cli.commands` registry hook; core/cli.ts boots the plugins without listening, looks
 * the command up by name and runs it. Storage is opened only when a command asks for it
 * (`openStorage()`), so a command talking to a daemon over `--url` never locks the data.
 */
import type { ResolvedConfig } from './config';
import type { DsdbContainer } from './container';
import type { KernelHooks } from './hooks';
import type { Logger } from './logger';
import type { StorageEngine } from './storage';

export interface CliPluginInfo {
  name: string;
  /** the plugin's own version, when it declares one */
  version?: string;
  /** how the config named it (`storage-embedded`, `./my-plugin`, …) */
  key: string;
  /** whether it ships with DSDB */
  builtin: boolean;
}

export interface CliContext {
  config: Readonly<ResolvedConfig>;
  hooks: KernelHooks;
  container: DsdbContainer;
  /** the kernel's logger (stderr; `warn` unless DSDB_LOG_LEVEL says otherwise) */
  log: Logger;
  /** the plugins the config loads, in registration order */
  plugins: readonly CliPluginInfo[];
  /** Opens the configured storage engine (once) and returns it; throws when none is configured. */
  openStorage(): Promise<StorageEngine>;
  stdin: NodeJS.ReadStream;
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
}

export interface CliCommand {
  /** one line for `dsdb --help` */
  summary: string;
  /** the full `dsdb <name> --help` text: usage, options, examples, exit codes */
  help: string;
  /** Runs with the arguments after the command name; resolves with the exit code. */
  run(args: string[], context: CliContext): Promise<number>;
}

/**
 * Thrown by a command to stop with a one-line reason on stderr and an exit code
 * (2 = bad usage by convention; see docs/cli.md).
 */
export class CliExit extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
    this.name = 'CliExit';
  }
}
