/**
 * Runs the subcommands plugins contribute on `cli.commands`: loads the config, boots the
 * plugins without listening (Kernel.load), looks the command up and runs it, then stops
 * the kernel, which closes storage if the command opened it. One line on stderr and a
 * non-zero exit for every failure.
 */
import { CliExit, type CliCommand, type CliContext } from './cli-command';
import { DEFAULTS_SOURCE, loadConfig, resolveConfig } from './config';
import { DsdbError, errorText } from './errors';
import { Kernel } from './kernel';
import { createLogger, type LogLevel } from './logger';
import { Registry } from './registry';

/** Commands core/cli.ts handles itself. */
const CORE_COMMANDS = new Set(['run', 'init']);

export interface SubcommandCall {
  name: string;
  /** the arguments after the name, without the global --config */
  args: string[];
  configFile?: string;
}

/**
 * The plugin subcommand argv asks for, if any: the first word that is not an option.
 * `-c/--config PATH` is global: taken out wherever it appears before `--`.
 */
export function findSubcommand(argv: string[]): SubcommandCall | undefined {
  let configFile: string | undefined;
  const rest: string[] = [];
  let name: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      rest.push(...argv.slice(i));
      break;
    }
    if ((arg === '-c' || arg === '--config') && i + 1 < argv.length) configFile = argv[++i];
    else if (arg.startsWith('--config=')) configFile = arg.slice('--config='.length);
    else if (name === undefined && !arg.startsWith('-')) name = arg;
    else if (name === undefined && (arg === '-p' || arg === '--port')) {
      // the daemon's --port takes a value: never mistake it for a command
      rest.push(arg, argv[++i] ?? '');
    } else rest.push(arg);
  }
  if (name === undefined || CORE_COMMANDS.has(name)) return undefined;
  if (name === 'help') {
    const target = rest.find((a) => !a.startsWith('-'));
    if (!target) return undefined;
    return { name: target, args: ['--help'], configFile };
  }
  return { name, args: rest, configFile };
}

function cliLogLevel(): LogLevel {
  const level = process.env.DSDB_LOG_LEVEL;
  return level && ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].includes(level) ? (level as LogLevel) : 'warn';
}

/** Loads the config and plugins, and collects their commands. */
async function boot(configFile: string | undefined, defaults = false): Promise<{ kernel: Kernel; commands: Registry<CliCommand> }> {
  const config = defaults ? resolveConfig({}, DEFAULTS_SOURCE, process.cwd()) : await loadConfig({ file: configFile });
  const kernel = new Kernel(config, { logger: createLogger(cliLogLevel()) });
  await kernel.load();
  const commands = new Registry<CliCommand>('dsdb command');
  try {
    kernel.hooks.cli.commands.call(commands);
  } catch (err) {
    await kernel.stop();
    throw err;
  }
  return { kernel, commands };
}

function reason(err: unknown): string {
  if (err instanceof CliExit || err instanceof DsdbError) return err.message;
  if (err instanceof Error && (err as { details?: unknown }).details !== undefined) return errorText(err as Error & { details?: unknown });
  const e = err as Error;
  return process.env.DSDB_DEBUG ? (e.stack ?? String(e)) : (e?.message ?? String(err));
}

export async function runSubcommand(call: SubcommandCall): Promise<number> {
  let booted;
  try {
    booted = await boot(call.configFile);
  } catch (err) {
    // `dsdb COMMAND --help` still helps when the config cannot load: the default plugins' help.
    const wantsHelp = call.args.includes('--help') || call.args.includes('-h');
    if (!wantsHelp) {
      process.stderr.write(`dsdb: ${reason(err)}\n`);
      return 1;
    }
    process.stderr.write(`dsdb: note: ${reason(err).split('\n')[0]}\n`);
    try {
      booted = await boot(undefined, true);
    } catch {
      return 1;
    }
  }
  const { kernel, commands } = booted;
  try {
    const command = commands.get(call.name);
    if (!command) {
      process.stderr.write(`dsdb: unknown command "${call.name}" (commands: run, init, ${commands.names().sort().join(', ')}; see dsdb --help)\n`);
      return 2;
    }
    const dashDash = call.args.indexOf('--');
    const own = dashDash < 0 ? call.args : call.args.slice(0, dashDash);
    if (own.includes('--help') || own.includes('-h')) {
      process.stdout.write(command.help.endsWith('\n') ? command.help : command.help + '\n');
      return 0;
    }
    const context: CliContext = {
      config: kernel.config,
      hooks: kernel.hooks,
      container: kernel.container,
      log: kernel.logger,
      plugins: kernel.loadedPlugins.map((p) => ({ name: p.plugin.name, version: p.plugin.version, key: p.source === 'built-in' ? p.plugin.name : p.source, builtin: p.source === 'built-in' })),
      openStorage: async () => {
        const storage = await kernel.openStorageOnce();
        if (!storage) throw new CliExit(`no storage engine is configured in ${kernel.config.file}`);
        return storage;
      },
      stdin: process.stdin,
      stdout: process.stdout,
      stderr: process.stderr,
    };
    process.stdout.on('error', (err: NodeJS.ErrnoException) => (stdoutFailure = err));
    return await command.run(call.args, context);
  } catch (err) {
    // the reader of the output went away (`dsdb export | head`): stop quietly, as Unix filters do
    if (readerGone(err)) return 0;
    process.stderr.write(`dsdb ${call.name}: ${reason(err)}\n`);
    return err instanceof CliExit ? err.exitCode : 1;
  } finally {
    await kernel.stop();
  }
}

/** The error stdout emitted, if any: a write to a pipe whose reader closed it fails with EPIPE. */
let stdoutFailure: NodeJS.ErrnoException | undefined;

/** The command failed because stdout's reader went away (its EPIPE, not a socket's). */
function readerGone(err: unknown): boolean {
  return (err as NodeJS.ErrnoException | undefined)?.code === 'EPIPE' && stdoutFailure?.code === 'EPIPE';
}

/**
 * The "Commands from plugins" part of `dsdb --help`. When the config cannot load, help
 * still works: it says why in one line and lists the default plugins' commands.
 */
export async function pluginCommandsHelp(configFile: string | undefined): Promise<string> {
  let note = '';
  let booted;
  try {
    booted = await boot(configFile);
  } catch (err) {
    note = `\nNote: ${reason(err).split('\n')[0]}\n(the commands below are the default plugins'; dsdb needs a config it can load to run them)\n`;
    try {
      booted = await boot(undefined, true);
    } catch {
      return note;
    }
  }
  const { kernel, commands } = booted;
  await kernel.stop();
  if (commands.size === 0) return note;
  const names = commands.names().sort();
  const width = Math.max(...names.map((n) => n.length)) + 2;
  const lines = names.map((n) => `  ${n.padEnd(width)}${commands.get(n)!.summary}  [${commands.ownerOf(n)}]`);
  return `${note}\nCommands from the plugins of ${kernel.config.file}:\n${lines.join('\n')}\n\n'dsdb COMMAND --help' (or 'npx dsdb COMMAND --help') for each one's options and examples; docs/cli.md.\n`;
}
