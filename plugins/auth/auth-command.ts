/**
 * `dsdb auth`: makes the secrets the auth plugin's options hold, so a config file never
 * needs a usable one.
 *
 *   dsdb auth token [--name N] [--scopes write,read]   a new random token and its config entry
 *   dsdb auth password [--name N] [--scopes read]      the scrypt hash of a password read from stdin
 */
import { CliExit, type CliCommand } from '../../core';
import { SCOPES, type Scope } from '../../lib/auth';
import { hashPassword, newToken, sha256Hex } from './secrets';

const HELP = `Usage:
  dsdb auth token [--name NAME] [--scopes SCOPES]
  dsdb auth password [--name NAME] [--scopes SCOPES] < password-file

token     prints a new random API token (give it to the client: Authorization: Bearer <token>,
          telnet "auth <token>") and the entry for the auth plugin's tokens option, which
          holds only its SHA-256.
password  reads one password from stdin (first line) and prints the entry for the auth
          plugin's users option, with its salted scrypt hash.

SCOPES is a comma-separated list of read, write, admin (default: read).
Exit codes: 0 done, 2 bad usage.`;

function parseArgs(args: string[]): { name: string; scopes: Scope[] } {
  let name = 'client';
  let scopes: Scope[] = ['read'];
  for (let i = 1; i < args.length; i++) {
    const arg = args[i]!;
    const value = args[i + 1];
    if ((arg === '--name' || arg === '--scopes') && value === undefined) throw new CliExit(`${arg} needs a value`, 2);
    if (arg === '--name') name = args[++i]!;
    else if (arg === '--scopes') {
      scopes = args[++i]!.split(',').map((s) => s.trim()) as Scope[];
      const bad = scopes.find((s) => !SCOPES.includes(s));
      if (bad !== undefined) throw new CliExit(`unknown scope "${bad}" (read, write, admin)`, 2);
    } else throw new CliExit(`unknown argument "${arg}"; see dsdb auth --help`, 2);
  }
  return { name, scopes };
}

async function firstLine(stdin: NodeJS.ReadStream): Promise<string> {
  let text = '';
  for await (const chunk of stdin) {
    text += chunk;
    if (text.includes('\n')) break;
  }
  return text.split(/\r?\n/)[0]!;
}

export const authCommand: CliCommand = {
  summary: 'make API tokens and password hashes for the auth plugin',
  help: HELP,
  async run(args, { stdin, stdout }) {
    const what = args[0];
    if (what !== 'token' && what !== 'password') throw new CliExit('say "dsdb auth token" or "dsdb auth password"; see dsdb auth --help', 2);
    const { name, scopes } = parseArgs(args);
    if (what === 'token') {
      const token = newToken();
      stdout.write(`token (give it to the client; it is not stored anywhere): ${token}\n`);
      stdout.write(`auth plugin entry: tokens: [${JSON.stringify({ name, sha256: sha256Hex(token), scopes })}]\n`);
      return 0;
    }
    const password = await firstLine(stdin);
    if (password === '') throw new CliExit('no password on stdin', 2);
    stdout.write(`auth plugin entry: users: [${JSON.stringify({ name, password: await hashPassword(password), scopes })}]\n`);
    return 0;
  },
};
