/**
 * `dsdb query`: OpenTSDB's CLI query syntax, turned into the `m=` form of /api/query
 * and answered by the same parser, engine and serializer as the endpoint (or by the
 * endpoint itself with --url), so the numbers are the endpoint's by construction. The
 * JSON is then printed as a table, CSV, or as it is.
 */
import { parseArgs } from 'node:util';
import { CliExit, type Aggregator, type CliCommand, type Registry } from '../../core';
import { ApiError, apiErrorText, isJavaTimeZone, isQueryAnswer, type QueryAnswerResult, JsonNumber, canonicalJson, parseExactJson, type ExactJson } from '../../lib/opentsdb';
import { executeQuery, type QueryEngineDeps } from './engine';
import { parseQueryString, type QueryString } from './parse-uri';
import { serializeResults } from './serializer';

const HELP = `Usage: dsdb query [options] START [END] AGG [rate] [downsample SPEC] METRIC [tagk=v ...] [AGG ... METRIC ...]

Runs a query with OpenTSDB's command-line syntax and prints the result. The query is
read exactly as /api/query reads m=AGG[:rate][:SPEC]:METRIC{tagk=v}, so the numbers are
the endpoint's.

  START, END   1h-ago, 2024/01/31-12:00:00, epoch seconds or ms (END default: now)
  AGG          an aggregator: sum, avg, max, min, count, none, zimsum, p99, …
  rate         rate of change; rate{counter[,max[,reset]]} for counters
  downsample   "downsample 1m avg" (OpenTSDB's form) or 1m-avg[-fill]
  tagk=v       a filter: literal, a|b, *, or wildcard(…)/regexp(…)

Options:
      --format F     table (default), csv or json (the /api/query JSON, unchanged)
      --ms           millisecond timestamps (the endpoint's ms flag)
      --tz ZONE      time zone for absolute dates (default UTC)
      --url URL      ask the daemon at URL (http://host:port) instead of reading storage
  -c, --config PATH  config file

Examples:
  dsdb query 1h-ago sum sys.cpu.user host=web01
  dsdb query 2024/01/01 2024/01/02 avg downsample 1h max rate sys.if.bytes 'host=web*'
  dsdb query --format csv 1700000000 1700003600 sum 5m-avg app.latency dc=eu > out.csv
  dsdb query --url http://127.0.0.1:4242 --format json 1d-ago max app.queue

Exit codes: 0 ok (also for an empty result); 1 the query failed (its message on
stderr); 2 bad usage.
`;

/** Turns the CLI words into /api/query's query string. */
export function cliToQueryString(words: readonly string[], aggregators: Registry<Aggregator>): QueryString {
  if (words.length === 0) throw new CliExit('missing START (see --help)', 2);
  const qs: QueryString = { start: words[0]! };
  let i = 1;
  if (i < words.length && !aggregators.has(words[i]!)) qs.end = words[i++]!;
  const ms: string[] = [];
  while (i < words.length) {
    const agg = words[i++]!;
    if (!aggregators.has(agg)) throw new CliExit(`expected an aggregator, got "${agg}" (known: ${aggregators.names().sort().join(', ')})`, 2);
    const parts = [agg];
    let metric: string | undefined;
    while (i < words.length && metric === undefined) {
      const word = words[i++]!;
      if (word === 'rate' || word.startsWith('rate{')) parts.push(word);
      else if (word === 'downsample') {
        const interval = words[i++];
        if (interval === undefined) throw new CliExit('downsample needs an interval and an aggregator: downsample 1m avg', 2);
        const fn = interval.includes('-') ? undefined : words[i++];
        parts.push(fn ? `${interval}-${fn}` : interval);
      } else if (/^\d+[a-zA-Z]+-/.test(word) || /^0all-/.test(word)) parts.push(word);
      else metric = word;
    }
    if (metric === undefined) throw new CliExit(`the query "${parts.join(' ')}" names no metric`, 2);
    const tags: string[] = [];
    while (i < words.length && words[i]!.includes('=') && !aggregators.has(words[i]!)) tags.push(words[i++]!);
    ms.push(`${parts.join(':')}:${metric}${tags.length > 0 ? `{${tags.join(',')}}` : ''}`);
  }
  if (ms.length === 0) throw new CliExit('missing the query: AGG [rate] [downsample SPEC] METRIC [tagk=v ...]', 2);
  qs.m = ms;
  return qs;
}

function queryUrl(base: string, qs: QueryString): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(qs)) {
    if (value === undefined) continue;
    for (const v of Array.isArray(value) ? value : [value]) params.append(key, v);
  }
  return `${base}/api/query?${params.toString().replace(/=(?=&|$)/g, '')}`;
}

/** The answer's text (printed as is with --format json) and its exact parse (the rows otherwise). */
interface QueryAnswer {
  text: string;
  results: QueryAnswerResult[];
}

async function fetchQuery(base: string, qs: QueryString): Promise<QueryAnswer> {
  let res: Response;
  try {
    res = await fetch(queryUrl(base, qs));
  } catch (err) {
    const e = err as Error;
    throw new CliExit(`cannot reach ${base}: ${e.cause ? (e.cause as Error).message : e.message}`);
  }
  const text = await res.text();
  if (!res.ok) {
    let message = text.slice(0, 300);
    try {
      const error = (JSON.parse(text) as { error?: { message?: string; details?: string } }).error;
      if (error?.message) message = apiErrorText(error);
    } catch {
      /* not JSON: the raw text */
    }
    throw new CliExit(`the daemon answered ${res.status}: ${message}`);
  }
  // another server on the port may answer 200 too: say so, rather than fail reading its rows
  let body: ExactJson;
  try {
    body = parseExactJson(text);
  } catch {
    throw new CliExit(`the daemon answered 200 with a body that is not JSON (is a DSDB or OpenTSDB daemon at ${base}?): ${text.slice(0, 200)}`);
  }
  if (!isQueryAnswer(body)) throw new CliExit(`the daemon answered 200 with JSON that is not an /api/query answer (is a DSDB or OpenTSDB daemon at ${base}?): ${text.slice(0, 200)}`);
  return { text, results: body };
}

interface Row {
  metric: string;
  /** as /api/query gives it: seconds, or ms with --ms */
  timestamp: string;
  /** the point's time in ms (the TIME column) */
  ms: number;
  value: string;
  tags: string;
}

function valueText(v: ExactJson): string {
  if (v instanceof JsonNumber) return v.text;
  if (typeof v === 'string') return v;
  if (v === null) return 'null';
  return canonicalJson(v);
}

/**
 * Rows of an /api/query answer asked for with `ms` and parsed by parseExactJson, in its
 * order; numbers keep their text (exact int64). `seconds`: give each timestamp in seconds,
 * as /api/query without `ms` does. Why ask for ms and convert: without it OpenTSDB's
 * answer (and DSDB's) names two points of one second by the same `dps` key, which a JSON
 * parser folds into one; the rows would lose a point.
 */
function rowsOf(results: QueryAnswerResult[], seconds: boolean): Row[] {
  const rows: Row[] = [];
  const row = (metric: string, t: string, v: ExactJson, tags: string): Row => {
    const ms = Number(t);
    // OpenTSDB's integer division of the ms timestamp
    return { metric, timestamp: seconds ? String(Math.trunc(ms / 1000)) : t, ms, value: valueText(v), tags };
  };
  for (const r of results) {
    const tags = Object.keys(r.tags)
      .sort()
      .map((k) => `${k}=${r.tags[k]}`)
      .join(' ');
    const dps = r.dps;
    if (Array.isArray(dps)) for (const [t, v] of dps as [JsonNumber, ExactJson][]) rows.push(row(r.metric, t.text, v, tags));
    else for (const [t, v] of Object.entries(dps as Record<string, ExactJson>)) rows.push(row(r.metric, t, v, tags));
  }
  return rows;
}

function csvField(s: string): string {
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

function formatRows(rows: Row[], format: 'table' | 'csv'): string {
  if (format === 'csv') return ['metric,timestamp,value,tags', ...rows.map((r) => [r.metric, r.timestamp, r.value, r.tags].map(csvField).join(','))].join('\n') + '\n';
  const time = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');
  const table = [['METRIC', 'TIMESTAMP', 'TIME (UTC)', 'VALUE', 'TAGS'], ...rows.map((r) => [r.metric, r.timestamp, time(r.ms), r.value, r.tags])];
  const widths = table[0]!.map((_, c) => Math.max(...table.map((row) => row[c]!.length)));
  return table.map((row) => row.map((cell, c) => (c === row.length - 1 ? cell : cell.padEnd(widths[c]!))).join('  ')).join('\n') + '\n';
}

export function queryCommand(deps: (storage: QueryEngineDeps['storage']) => QueryEngineDeps): CliCommand {
  return {
    summary: 'run a query in OpenTSDB CLI syntax; print a table, CSV or JSON',
    help: HELP,
    async run(args, ctx) {
      let parsed;
      try {
        parsed = parseArgs({ args, allowPositionals: true, options: { format: { type: 'string', default: 'table' }, ms: { type: 'boolean' }, tz: { type: 'string' }, url: { type: 'string' } } });
      } catch (err) {
        throw new CliExit(`${(err as Error).message} (see --help)`, 2);
      }
      const { values, positionals } = parsed;
      const format = values.format;
      if (format !== 'table' && format !== 'csv' && format !== 'json') throw new CliExit(`--format must be table, csv or json, not "${format}"`, 2);
      const aggregators = ctx.container.resolve('aggregators');
      const qs = cliToQueryString(positionals, aggregators);
      // the rows are read from an answer in ms (rowsOf says why); JSON is printed as asked
      if (values.ms || format !== 'json') qs.ms = '';
      if (values.tz !== undefined) {
        if (!isJavaTimeZone(values.tz)) throw new CliExit(`--tz: unknown time zone "${values.tz}" (a zone ID such as UTC, Europe/Paris or America/New_York, case included)`, 2);
        // `timezone`, the parameter /api/query reads for absolute dates (it ignores `tz`, as OpenTSDB's QueryRpc does)
        qs.timezone = values.tz;
      }
      let answer: QueryAnswer;
      if (values.url) {
        if (!/^https?:\/\/[^/]+/.test(values.url)) throw new CliExit(`--url must look like http://host:port, not "${values.url}"`, 2);
        answer = await fetchQuery(values.url.replace(/\/+$/, ''), qs);
      } else {
        const engineDeps = deps(await ctx.openStorage());
        let query: ReturnType<typeof parseQueryString>;
        try {
          query = parseQueryString(qs, engineDeps.aggregators);
        } catch (err) {
          // what /api/query would answer 400 (an unreadable time, a bad downsample…) is bad usage here: exit 2, as scan and export
          if (err instanceof ApiError && err.statusCode === 400) throw new CliExit(`${err.message}${err.details ? `: ${err.details}` : ''} (see --help)`, 2);
          throw err;
        }
        const text = await serializeResults(await executeQuery(query, engineDeps), query);
        answer = { text, results: format === 'json' ? [] : (parseExactJson(text) as unknown as QueryAnswerResult[]) };
      }
      ctx.stdout.write(format === 'json' ? answer.text + '\n' : formatRows(rowsOf(answer.results, !values.ms), format));
      return 0;
    },
  };
}
