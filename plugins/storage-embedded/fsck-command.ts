/** `dsdb fsck` for the embedded engine: runs fsck.ts on the configured data directory and reports. */
import { parseArgs } from 'node:util';
import { CliExit, type CliCommand, type Codec, type Registry } from '../../core';
import { CodecSet, type CodecPreferences } from './codec-set';
import { fsckEmbedded } from './fsck';

const HELP = `Usage: dsdb fsck [--fix] [--json]

Checks the embedded storage's data directory (the daemon must be stopped: fsck locks
the directory as the daemon does): the series log and WAL records (checksums, one id
per series, samples naming defined series), every block's index, and every chunk
(checksum, decoding, point count, time order, time range, series in the index). Problems are listed one per line: FILE: what is wrong.

With --fix: a corrupt record tail is truncated, an unreadable block is set aside as
.corrupt, a block with bad chunks is rewritten without them. Originals are kept beside
them as *.corrupt files; nothing is deleted. Points in bad chunks cannot be recovered.

Options:
      --fix          repair what can be repaired
      --json         the report as JSON on stdout
  -c, --config PATH  config file

Examples:
  dsdb fsck
  dsdb fsck --fix && dsdb fsck
  dsdb --config /etc/dsdb/dsdb.config.js fsck --json | jq .problems

Exit codes: 0 the store is consistent (after --fix, when every problem was fixed);
1 fsck could not run (directory locked by a running daemon, unreadable); 2 bad usage;
3 problems remain.
`;

export function fsckCommand(dataDir: string, prefs: CodecPreferences, codecs: () => Registry<Codec>): CliCommand {
  return {
    summary: 'check the embedded storage (index vs data, chunk checksums); --fix repairs',
    help: HELP,
    async run(args, ctx) {
      let values;
      try {
        ({ values } = parseArgs({ args, options: { fix: { type: 'boolean' }, json: { type: 'boolean' } } }));
      } catch (err) {
        throw new CliExit(`${(err as Error).message} (see --help)`, 2);
      }
      if (ctx.config.storage !== undefined && ctx.config.storage !== 'embedded') {
        throw new CliExit(`fsck checks the embedded engine, but the config uses storage "${ctx.config.storage}"`);
      }
      const report = fsckEmbedded(dataDir, new CodecSet(codecs(), prefs), Boolean(values.fix));
      const remaining = report.problems.filter((p) => p.fixed === undefined).length;
      if (values.json) {
        ctx.stdout.write(JSON.stringify(report, null, 2) + '\n');
      } else {
        for (const p of report.problems) ctx.stdout.write(`${p.fixed ? 'FIXED' : 'PROBLEM'} ${p.file}: ${p.message}${p.fixed ? ` — ${p.fixed}` : ''}\n`);
        ctx.stdout.write(
          `checked ${report.dataDir}: ${report.series} series, ${report.walSegments} WAL segment(s), ${report.blocks} block(s), ${report.chunks} chunk(s), ${report.points} points in good chunks; ` +
            `${report.problems.length} problem(s)${report.problems.length > 0 ? `, ${report.problems.length - remaining} fixed` : ''}\n`,
        );
      }
      return remaining > 0 ? 3 : 0;
    },
  };
}
