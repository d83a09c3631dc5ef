import type { BuildInfo, Registry } from '../../core';
import { type TelnetCommand } from '../../lib/telnet';

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
        // OpenTSDB's form: each name followed by one space.
        connection.writeLine(`available commands: ${commands.names().map((name) => `${name} `).join('')}`);
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
