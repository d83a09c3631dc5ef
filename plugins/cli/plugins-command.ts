/** `dsdb plugins`: the plugins the config loads, their versions and the hooks they tap. */
import type { CliCommand, KernelHooks } from '../../core';
import { parseFlags } from './args';

/** hook path → names of the taps on it, read from the tapable hooks themselves. */
export function tapsByPlugin(hooks: KernelHooks): Map<string, string[]> {
  const byPlugin = new Map<string, string[]>();
  for (const [group, table] of Object.entries(hooks)) {
    for (const [name, hook] of Object.entries(table as Record<string, { taps?: { name: string }[] }>)) {
      for (const tap of hook.taps ?? []) {
        const list = byPlugin.get(tap.name) ?? [];
        const path = `${group}.${name}`;
        if (!list.includes(path)) list.push(path);
        byPlugin.set(tap.name, list);
      }
    }
  }
  return byPlugin;
}

export const pluginsCommand: CliCommand = {
  summary: 'list the plugins the config loads, their versions and the hooks they tap',
  help: `Usage: dsdb plugins [--json]

Lists the plugins the config loads, in registration order: name, version (built-in
plugins carry DSDB's), where they come from, and the hooks they tap (taps are named
after their plugin, so this is read from the hooks themselves).

Options:
      --json         one JSON document instead of the table
  -c, --config PATH  config file

Examples:
  dsdb plugins
  dsdb --config /etc/dsdb/dsdb.config.js plugins --json

Exit codes: 0 ok; 1 the config or a plugin failed to load; 2 bad usage.
`,
  async run(args, ctx) {
    const { values } = parseFlags(args, { json: { type: 'boolean' } });
    const taps = tapsByPlugin(ctx.hooks);
    const dsdbVersion = ctx.container.resolve('buildInfo').version;
    const rows = ctx.plugins.map((p) => ({
      name: p.name,
      version: p.version ?? (p.builtin ? dsdbVersion : 'unknown'),
      source: p.builtin ? 'built-in' : p.key,
      hooks: taps.get(p.name) ?? [],
    }));
    if (values.json) {
      ctx.stdout.write(JSON.stringify({ config: ctx.config.file, plugins: rows }, null, 2) + '\n');
      return 0;
    }
    const w = (key: 'name' | 'version' | 'source') => Math.max(key.length, ...rows.map((r) => r[key].length));
    const [wn, wv, ws] = [w('name'), w('version'), w('source')];
    const lines = [`${'PLUGIN'.padEnd(wn)}  ${'VERSION'.padEnd(wv)}  ${'SOURCE'.padEnd(ws)}  HOOKS`];
    for (const r of rows) lines.push(`${r.name.padEnd(wn)}  ${r.version.padEnd(wv)}  ${r.source.padEnd(ws)}  ${r.hooks.join(', ') || '-'}`);
    ctx.stdout.write(`# ${ctx.config.file}\n${lines.join('\n')}\n`);
    return 0;
  },
};
