/** `dsdb export`: selected series written as import lines or JSON lines, streamed. */
import { CliExit, type CliCommand } from '../../core';
import { MAX_TAGS } from '../../lib/opentsdb';
import { baseUrl, parseFlags } from './args';
import { TextOutput } from './output';
import type { LineFormat } from './point-format';
import { readRemoteSelection } from './remote';
import { parseSelection, readSelection } from './selection';
import { parseTime } from './time-arg';
import { writeSeries } from './write-series';

const HELP = `Usage: dsdb export [options] [METRIC [tagk=value ...]] ...

Writes the points of the selected series, sorted by metric, series and time, as lines
dsdb import reads back exactly (int64, floats, strings and JSON values keep their kind
and value): OpenTSDB import lines (default) or /api/put JSON lines. The output is
streamed: memory holds one series' points in the range at a time.

Selection: no METRIC exports every metric. A tag value may be literal, a|b, or * (any
value, the key must be present). Tag filters before the first METRIC apply to all.

Options:
      --start TIME     from this time (default: the beginning)
      --end TIME       up to this time, inclusive (default: the end of time)
                       TIME: epoch seconds or ms, 2024/01/31-12:00:00 (UTC), ISO, 1h-ago
      --format F       import (default) or json
  -o, --output FILE    write to FILE (.gz: gzip-compressed) instead of stdout
      --url URL        read from the daemon at URL (http://host:port) instead of storage
  -c, --config PATH    config file

Examples:
  dsdb export > all.txt
  dsdb export --start 2024/01/01 --end 2024/02/01 sys.cpu.user host=web01 -o jan.txt.gz
  dsdb export --format json app.events 'dc=eu|us'
  dsdb --config old.config.js export -o dump.txt && dsdb --config new.config.js import dump.txt   # migration

Exit codes: 0 ok (also when no series matched: a note says so); 1 a failure, a METRIC
the store has no series of among them; 2 bad usage.
`;

export const exportCommand: CliCommand = {
  summary: 'export series as import-format lines or JSON lines (round-trips through import)',
  help: HELP,
  async run(args, ctx) {
    const { values, positionals } = parseFlags(args, {
      start: { type: 'string' },
      end: { type: 'string' },
      format: { type: 'string', default: 'import' },
      output: { type: 'string', short: 'o' },
      url: { type: 'string' },
    });
    const format = values.format as LineFormat;
    if (format !== 'import' && format !== 'json') throw new CliExit(`--format must be import or json, not "${values.format}"`, 2);
    const range = {
      start: values.start === undefined ? 0 : parseTime(values.start, '--start'),
      end: values.end === undefined ? Number.MAX_SAFE_INTEGER : parseTime(values.end, '--end'),
    };
    const selection = parseSelection(positionals);
    const url = baseUrl(values.url);
    const source = url ? readRemoteSelection(url, selection, { start: range.start, end: Math.min(range.end, 9_999_999_999_999) }) : readSelection(await ctx.openStorage(), selection, range);
    const { points, series, mostTags } = await writeSeries(source, TextOutput.open(values.output, ctx.stdout), format);
    if (values.output !== undefined && values.output !== '-') ctx.stderr.write(`exported ${points} points of ${series} series to ${values.output}\n`);
    else if (series === 0) ctx.stderr.write('no series matched the selection in the range: nothing exported\n');
    // remote_write stores up to 16 labels; import (as the telnet put) takes 8 unless told
    if (mostTags > MAX_TAGS) ctx.stderr.write(`note: some series have ${mostTags} tags, more than a put takes (${MAX_TAGS}): import them with \`dsdb import --max-tags ${mostTags}\`\n`);
    return 0;
  },
};
