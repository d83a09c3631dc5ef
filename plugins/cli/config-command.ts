/** `dsdb config`: the resolved config (defaults filled in) and the file it came from. */
import type { CliCommand } from '../../core';
import { parseFlags } from './args';

/** Plugin objects in the config print as their names (they are code, not data). */
function printable(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(printable);
  if (value && typeof value === 'object') {
    const named = value as { name?: unknown; register?: unknown };
    if (typeof named.register === 'function') return `<plugin object ${String(named.name)}>`;
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, printable(v)]));
  }
  return typeof value === 'function' ? '<function>' : value;
}

export const configCommand: CliCommand = {
  summary: 'print the resolved config and the file it was read from',
  help: `Usage: dsdb config

Prints the config DSDB resolves (every default filled in) as JSON on stdout, and the
file it came from on stderr's first line and in the "file" key ("(built-in defaults)"
when no config file was found).

Options:
  -c, --config PATH  config file

Examples:
  dsdb config
  dsdb --config ./prod.config.js config | jq .plugins

Exit codes: 0 ok; 1 the config is invalid (the message names the file and key).
`,
  async run(args, ctx) {
    parseFlags(args, {});
    ctx.stderr.write(`# config: ${ctx.config.file}\n`);
    ctx.stdout.write(JSON.stringify(printable(ctx.config), null, 2) + '\n');
    return 0;
  },
};
