import type { BuildInfo, Lifecycle, Registry } from '../../core';
import { type TelnetCommand } from '../../lib/telnet';

/** The order RpcManager.initializeBuiltinRpcs registers OpenTSDB 2.4.1's telnet commands in (an ImmutableMap: `help` lists them so). */
const OPENTSDB_ORDER = ['stats', 'dropcaches', 'version', 'exit', 'help', 'diediedie', 'put', 'rollup', 'histogram'];

/** A command's place in `help`: OpenTSDB's first, in its order; the sort is stable for the rest. */
function rank(name: string): number {
  const i = OPENTSDB_ORDER.indexOf(name);
  return i < 0 ? OPENTSDB_ORDER.length : i;
}

/** `version`, `help` and `exit`, answered as OpenTSDB answers them (RpcManager). */
export function addBuiltinCommands(commands: Registry<TelnetCommand>, buildInfo: BuildInfo): void {
  commands.add(
    'version',
    {
      description: 'print the version',
      scope: 'none',
      execute(_words, connection) {
        const built = new Date(Number(buildInfo.timestamp) * 1000).toISOString().replace('T', ' ').replace(/\..*$/, '').replace(/-/g, '/');
        connection.writeLine(`dsdb ${buildInfo.version} built at revision ${buildInfo.short_revision} (${buildInfo.repo_status})`);
        connection.writeLine(`Built on ${built} +0000 by ${buildInfo.user}@${buildInfo.host}:${buildInfo.repo}`);
      },
    },
    'telnet',
  );
  commands.add(
    'help',
    {
      description: 'list the commands',
      scope: 'none',
      execute(_words, connection) {
        // OpenTSDB's form: each name followed by one space, its commands in the order its
        // RpcManager registers them, then DSDB's own in theirs
        const names = [...commands.names()].sort((a, b) => rank(a) - rank(b));
        connection.writeLine(`available commands: ${names.map((name) => `${name} `).join('')}`);
      },
    },
    'telnet',
  );
  commands.add(
    'exit',
    {
      description: 'close the connection',
      scope: 'none',
      execute(_words, connection) {
        connection.close();
      },
    },
    'telnet',
  );
}

/**
 * `diediedie`: OpenTSDB's RpcManager.DieDieDie — answers "Cleaning up and exiting now."
 * and shuts the daemon down gracefully (as SIGTERM: accepted writes are flushed, storage
 * closed; the process exits 0). Added only when the telnet plugin's `diediedie` option is
 * on (OpenTSDB has it on unless tsd.no_diediedie); needs the admin scope under auth.
 */
export function diediedieCommand(lifecycle: Lifecycle): TelnetCommand {
  return {
    description: 'shut the daemon down gracefully',
    scope: 'admin',
    execute(_words, connection) {
      connection.writeLine('Cleaning up and exiting now.');
      lifecycle.requestStop(`telnet diediedie from ${connection.remoteAddress}`);
    },
  };
}
