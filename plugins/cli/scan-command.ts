/** `dsdb scan`: the raw points of the selected series in a time range, and `--delete` for that range. */
import { CliExit, type CliCommand, type StorageEngine, type TimeRange } from '../../core';
import { apiErrorText } from '../../lib/opentsdb';
import { baseUrl, parseFlags } from './args';
import { TextOutput } from './output';
import type { LineFormat } from './point-format';
import { confirm } from './prompt';
import { configAnswer, readRemoteSelection } from './remote';
import { metricsOf, parseSelection, predicatesOf, readSelection, type Selection } from './selection';
import { looksLikeTime, parseTime } from './time-arg';
import { writeSeries } from './write-series';

const HELP = `Usage: dsdb scan [options] START [END] METRIC [tagk=value ...] [METRIC ...]

Prints the raw points (no aggregation, no interpolation) of the selected series between
START and END (inclusive; END defaults to now) as import lines, like OpenTSDB's
"tsdb scan --import". A tag value may be literal, a|b, or * (any value).

With --delete the points are counted (and printed unless --quiet), then deleted after a
confirmation read from stdin ("y"); --yes skips the question.

Options:
      --delete         delete the scanned points
  -y, --yes            do not ask before deleting
  -q, --quiet          do not print the points
      --format F       import (default) or json
      --url URL        ask the daemon at URL instead of reading storage (deleting needs
                       the daemon's query plugin option allowDelete, checked first)
  -c, --config PATH    config file
      TIME: epoch seconds or ms, 2024/01/31-12:00:00 (UTC), an ISO date, or 1h-ago

Examples:
  dsdb scan 1h-ago sys.cpu.user host=web01
  dsdb scan 2024/01/01 2024/01/02 sys.cpu.user 'host=web01|web02' > day.txt
  dsdb scan --delete --quiet 1700000000 1700003600 bad.metric
  dsdb scan --delete --yes --url http://127.0.0.1:4242 2024/01/01 2024/01/02 test.metric

Exit codes: 0 ok (also when deletion was declined: nothing deleted); 1 a failure;
2 bad usage.
`;

async function deleteLocal(storage: StorageEngine, selection: Selection, range: TimeRange): Promise<number> {
  let removed = 0;
  for (const { metric, filters } of await metricsOf(selection, () => storage.suggest('metrics', '', 1_000_000_000))) {
    removed += await storage.deleteRange({ metric, predicates: predicatesOf(filters) }, range);
  }
  await storage.flush();
  return removed;
}

async function deleteRemote(url: string, selection: Selection, range: TimeRange): Promise<void> {
  for (const { metric, filters } of selection.metrics) {
    const tags = filters.length === 0 ? '' : `{${filters.map((f) => `${f.key}=${f.values ? f.values.join('|') : '*'}`).join(',')}}`;
    const res = await fetch(`${url}/api/query?start=${range.start}&end=${range.end}&ms&m=${encodeURIComponent(`none:${metric}${tags}`)}`, { method: 'DELETE' });
    if (!res.ok) {
      const text = await res.text();
      let message = text.slice(0, 200);
      try {
        const e = (JSON.parse(text) as { error: { message: string; details?: string } }).error;
        message = apiErrorText(e);
      } catch {
        /* raw text */
      }
      throw new CliExit(`the daemon refused to delete ${metric}: ${res.status} ${message}`);
    }
  }
}

/**
 * Whether the daemon at `url` deletes (its /api/config says tsd.http.query.allow_delete),
 * asked before any point is scanned or any question asked. A daemon without /api/config
 * (no read-api plugin) is asked by the delete itself.
 */
async function assertRemoteDeletes(url: string): Promise<void> {
  let config: Record<string, unknown>;
  try {
    config = await configAnswer(`${url}/api/config`);
  } catch (err) {
    if (err instanceof CliExit && /answered 404/.test(err.message)) return;
    throw err;
  }
  const allowed = config['tsd.http.query.allow_delete'];
  if (allowed !== undefined && allowed !== 'true') {
    throw new CliExit(`the daemon at ${url} does not allow deletes (tsd.http.query.allow_delete=${String(allowed)}): start it with the query plugin's option allowDelete: true (docs/configuration.md); nothing deleted`);
  }
}

export const scanCommand: CliCommand = {
  summary: 'print the raw points of series in a time range; --delete them',
  help: HELP,
  async run(args, ctx) {
    const { values, positionals } = parseFlags(args, {
      delete: { type: 'boolean' },
      yes: { type: 'boolean', short: 'y' },
      quiet: { type: 'boolean', short: 'q' },
      format: { type: 'string', default: 'import' },
      url: { type: 'string' },
    });
    const format = values.format as LineFormat;
    if (format !== 'import' && format !== 'json') throw new CliExit(`--format must be import or json, not "${values.format}"`, 2);
    if (positionals.length === 0) throw new CliExit('missing START (see --help)', 2);
    const now = Date.now();
    const start = parseTime(positionals[0]!, 'START', now);
    let rest = positionals.slice(1);
    let end = now;
    if (rest.length > 0 && looksLikeTime(rest[0]!)) {
      end = parseTime(rest[0]!, 'END', now);
      rest = rest.slice(1);
    }
    const selection = parseSelection(rest);
    if (selection.metrics.length === 0) throw new CliExit('name at least one METRIC to scan (dsdb export reads every metric)', 2);
    if (end < start) throw new CliExit('END is before START', 2);
    const range = { start, end };
    const url = baseUrl(values.url);
    if (url && values.delete) await assertRemoteDeletes(url);
    const storage = url ? undefined : await ctx.openStorage();
    const source = storage ? readSelection(storage, selection, range) : readRemoteSelection(url!, selection, range);
    const { points, series } = await writeSeries(source, values.quiet ? undefined : TextOutput.open(undefined, ctx.stdout), format);
    // stdout stays the points alone; a scan that prints nothing says why, as export does
    if (points === 0 && !values.delete) ctx.stderr.write('no series matched the selection in the range: nothing printed\n');
    if (!values.delete) return 0;
    if (points === 0) {
      ctx.stderr.write('nothing to delete: no points in the range\n');
      return 0;
    }
    const what = `${points} point(s) of ${series} series between ${new Date(start).toISOString()} and ${new Date(end).toISOString()}`;
    if (!values.yes && !(await confirm(`delete ${what}?`, ctx.stdin, ctx.stderr))) {
      ctx.stderr.write('not deleted\n');
      return 0;
    }
    if (storage) ctx.stderr.write(`deleted ${await deleteLocal(storage, selection, range)} point(s)\n`);
    else {
      await deleteRemote(url!, selection, range);
      ctx.stderr.write(`deleted ${what}\n`);
    }
    return 0;
  },
};

