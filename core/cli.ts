/**
 * The `dsdb` command. Without a subcommand it runs the daemon; `dsdb init` writes a
 * starter config. Every other subcommand (`import`, `query`, `fsck`, …) comes from a
 * plugin through the `cli.commands` hook: dispatched by core/cli-dispatch.ts.
 * Exit codes: 0 ok, 1 failure (one line on stderr), 2 bad usage; docs/cli.md.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { readBuildInfo } from './build-info';
import { loadConfig } from './config';
import { DsdbError } from './errors';
import { STARTER_CONFIG } from './init-template';
import { Kernel } from './kernel';
import { findSubcommand, pluginCommandsHelp, runSubcommand } from './cli-dispatch';

const USAGE = `Usage: dsdb [command] [options]

Commands:
  (none), run     start the daemon (DSDBd) with the config it finds
  init            write a commented starter dsdb.config.js in the current folder
  help COMMAND    the help of a command (same as dsdb COMMAND --help)

Options:
  -c, --config PATH   config file (default: dsdb.config.js and friends, found by cosmiconfig)
  -p, --port N        listen on port N (overrides the config)
      --force         (init) overwrite an existing dsdb.config.js
  -h, --help          show this help
  -v, --version       print the version

Examples:
  npx dsdb                         # start on port 4242 with ./dsdb.config.js
  npx dsdb --port 4343             # same config, another port
  npx dsdb --config /etc/dsdb.json
  npx dsdb init && npx dsdb
  npx dsdb import data.txt.gz      # a utility: see the commands below and docs/cli.md
`;

export async function main(argv: string[]): Promise<number | undefined> {
  const sub = findSubcommand(argv);
  if (sub) return runSubcommand(sub);
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        config: { type: 'string', short: 'c' },
        port: { type: 'string', short: 'p' },
        force: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean', short: 'v' },
      },
    });
  } catch (err) {
    process.stderr.write(`dsdb: ${(err as Error).message}\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    process.stdout.write(USAGE + (await pluginCommandsHelp(values.config)));
    return 0;
  }
  if (values.version) {
    const info = readBuildInfo();
    process.stdout.write(`dsdb ${info.version} (revision ${info.short_revision})\n`);
    return 0;
  }
  const command = positionals[0] ?? 'run';
  switch (command) {
    case 'run':
      return run(values.config, values.port);
    case 'init':
      return init(Boolean(values.force));
    case 'help':
      process.stdout.write(USAGE + (await pluginCommandsHelp(values.config)));
      return 0;
    default:
      process.stderr.write(`dsdb: unknown command "${command}"\n${USAGE}`);
      return 2;
  }
}

function init(force: boolean): number {
  const file = path.resolve('dsdb.config.js');
  if (fs.existsSync(file) && !force) {
    process.stderr.write(`dsdb: ${file} exists; use --force to overwrite it\n`);
    return 1;
  }
  fs.writeFileSync(file, STARTER_CONFIG);
  process.stdout.write(`wrote ${file}\n`);
  return 0;
}

/** The signals that stop the daemon gracefully (kernel.stop: answers sent, the WAL flushed). */
const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

async function run(configFile: string | undefined, portText: string | undefined): Promise<number | undefined> {
  let port: number | undefined;
  if (portText !== undefined) {
    port = Number(portText);
    if (!Number.isInteger(port) || port < 0 || port > 65535) {
      process.stderr.write(`dsdb: --port must be an integer from 0 to 65535, not "${portText}"\n`);
      return 2;
    }
  }
  let kernel: Kernel;
  // Listen for signals before starting: a signal sent as soon as the "listening" line is
  // out must stop the daemon gracefully, not kill it by the default action. SIGHUP too
  // (the terminal or ssh session running `npx dsdb` closed): Node's default for it is to
  // exit at once, losing writes acknowledged since the last WAL flush; the JVM runs its
  // shutdown hooks on HUP as on INT and TERM, and OpenTSDB's hook flushes.
  let signalled: string | undefined;
  let onSignal: (signal: string) => void = (signal) => {
    signalled ??= signal;
  };
  for (const signal of STOP_SIGNALS) process.once(signal, () => onSignal(signal));
  try {
    const config = await loadConfig({ file: configFile, overrides: { port } });
    kernel = new Kernel(config);
    await kernel.start();
  } catch (err) {
    process.stderr.write(`dsdb: ${startFailure(err)}\n`);
    return 1;
  }
  await new Promise<void>((resolve) => {
    const shutdown = (signal: string) => {
      kernel.logger.info({ signal }, 'shutting down');
      for (const s of STOP_SIGNALS) process.removeAllListeners(s);
      // A second INT or TERM while stopping forces the exit; a second HUP is ignored (a
      // closing session may send more than one, and nobody is there to mean "now").
      process.once('SIGINT', () => process.exit(1));
      process.once('SIGTERM', () => process.exit(1));
      process.on('SIGHUP', () => undefined);
      kernel.stop().then(resolve, resolve);
    };
    onSignal = shutdown;
    if (signalled) shutdown(signalled);
    // a plugin may stop the daemon itself (telnet `diediedie`): exit as after a signal
    void kernel.stopped.then(resolve);
  });
  return 0;
}

/**
 * What a failed start says: one line for the operator's own mistakes (a DsdbError) and for
 * what the system refused (an error with an errno code: a dataDir that is a file, a
 * read-only or full disk, no permission), the stack for anything else (a bug to report).
 */
function startFailure(err: unknown): string {
  if (err instanceof DsdbError) return err.message;
  if (err instanceof Error && typeof (err as NodeJS.ErrnoException).code === 'string' && /^E[A-Z]+$/.test((err as NodeJS.ErrnoException).code!)) return err.message;
  return (err as Error)?.stack ?? String(err);
}
