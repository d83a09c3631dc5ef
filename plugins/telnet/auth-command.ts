/**
 * The telnet `auth` command, present when auth is on: `auth <token>` or
 * `auth <user> <password>` makes the connection act as that principal for the commands
 * after it. Wrong credentials close the connection (one guess per connection).
 */
import type { Authenticator, Credentials } from '../../lib/auth';
import type { TelnetCommand } from '../../lib/telnet';
import type { TelnetSession } from './session';

export function authCommand(authenticator: Authenticator): TelnetCommand {
  return {
    description: 'auth <token> | auth <user> <password>: authenticate this connection',
    scope: 'none',
    async execute(words, connection) {
      const session = connection as TelnetSession;
      const credentials: Credentials | undefined =
        words.length === 2 && words[1] ? { kind: 'bearer', token: words[1] } : words.length >= 3 && words[1] ? { kind: 'basic', user: words[1], password: words.slice(2).join(' ') } : undefined;
      if (!credentials) {
        connection.writeLine('auth: usage: auth <token> | auth <user> <password>');
        return;
      }
      const principal = await authenticator.authenticate(credentials);
      if (!principal) {
        connection.writeLine('auth: invalid credentials');
        connection.close();
        return;
      }
      session.setPrincipal(principal);
      connection.writeLine(`auth: authenticated as ${principal.name} (${[...principal.scopes].join(',')})`);
    },
  };
}
