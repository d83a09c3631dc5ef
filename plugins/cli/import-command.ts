/** `dsdb import`: OpenTSDB import files (plain, gzip or stdin) and JSON lines into storage or a daemon. */
import fs from 'node:fs';
import { CliExit, type CliCommand } from '../../core';
import { MAX_TAGS, putJsonFormat } from '../../lib/opentsdb';
import { baseUrl, intFlag, parseFlags } from './args';
import { inputsOf } from './input';
import { DEFAULT_MAX_LINE_BYTES, LineImporter } from './line-importer';
import { Progress, type ProgressCounters } from './progress';
import { httpSink, storageSink } from './sinks';

/** The signals that stop an import where it is (what was read is stored), and their exit codes. */
const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
const STOP_CODES: Record<string, number> = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 };

const HELP = `Usage: dsdb import [options] [FILE...]

Reads points and stores them in the configured storage (or a running daemon with --url).
Each line is OpenTSDB's import format, a telnet put without "put":
    metric timestamp value tagk=tagv [tagk=tagv ...]
with DSDB's values: integers (exact int64), floats, "a string" (a JSON string token),
{"a":1} (a JSON object). A line starting with { is a /api/put JSON point instead.
Empty lines and lines starting with # are skipped. FILE (and stdin) may be
gzip-compressed; no FILE or - reads stdin.

Bad lines are reported on stderr as FILE:LINE: reason and skipped; every good line is
stored. A progress bar (points, points/s, ETA) is drawn when stderr is a terminal,
a plain line every --progress-interval seconds otherwise.

Options:
      --url URL            send to the daemon at URL (http://host:port) via /api/put
      --strict             exit 3 when any line was rejected (they are still reported)
      --rejects FILE       also write the rejected lines, as they were, to FILE
      --resume-from N      skip the lines before line N (of the only FILE): resume a run
                           that stopped on a storage error at line N
      --batch N            points per storage write (default 50000)
      --max-line-bytes N   a longer line is rejected, its bytes dropped (default ${DEFAULT_MAX_LINE_BYTES})
      --max-tags N         tags a point may have (default 8, the telnet put's; remote_write
                           takes 16, so its series need --max-tags 16; not with --url)
      --quiet              no progress and no summary
      --progress-interval S  seconds between plain progress lines (default 5)
  -c, --config PATH        config file

Examples:
  dsdb import metrics.txt
  dsdb import --strict --rejects bad.txt day1.txt.gz day2.txt.gz
  zcat old-tsdb-dump.gz | dsdb import -
  dsdb import --url http://127.0.0.1:4242 points.jsonl

Ctrl-C stops reading: the lines read so far are stored and the message names the line
to resume from.

Exit codes: 0 imported (bad lines reported, not fatal); 1 a failure (unreadable file,
storage error: the message says the line to resume from); 2 bad usage; 3 with --strict,
some lines were rejected; 130 interrupted (Ctrl-C).
`;

/** At most this many rejections are printed one per line; the rest are only counted. */
const MAX_PRINTED = 1000;

export const importCommand: CliCommand = {
  summary: 'import OpenTSDB import-format files (also .gz, stdin) and JSON lines',
  help: HELP,
  async run(args, ctx) {
    const { values, positionals } = parseFlags(args, {
      url: { type: 'string' },
      strict: { type: 'boolean' },
      rejects: { type: 'string' },
      'resume-from': { type: 'string' },
      batch: { type: 'string' },
      quiet: { type: 'boolean' },
      'progress-interval': { type: 'string' },
      'max-line-bytes': { type: 'string' },
      'max-tags': { type: 'string' },
    });
    const url = baseUrl(values.url);
    const resumeFrom = intFlag(values['resume-from'], 'resume-from', 1);
    if (values['resume-from'] !== undefined && positionals.length !== 1) throw new CliExit('--resume-from needs exactly one FILE', 2);
    const inputs = inputsOf(positionals, ctx.stdin);
    const counters: ProgressCounters = { points: 0, rejected: 0, bytesRead: 0, totalBytes: inputs.every((i) => i.size !== undefined) ? inputs.reduce((n, i) => n + i.size!, 0) : undefined };
    // Ctrl-C stops reading; what was read is stored, and the report says where to resume.
    // Installed before storage opens, so that a signal never kills a run holding data.
    // SIGTERM (timeout, systemd, docker stop) and SIGHUP (the terminal closed) the same way,
    // each with its shell exit code (128 + the signal's number)
    let importer: LineImporter | undefined;
    let interrupted: NodeJS.Signals | undefined;
    const onSignal = (signal: NodeJS.Signals) => {
      if (interrupted !== undefined) process.exit(STOP_CODES[signal]); // a second signal does not wait
      interrupted = signal;
      if (importer) importer.stopRequested = true;
      // stdin may be waiting for a writer that never comes: close it
      if (inputs.some((i) => i.name === 'stdin')) ctx.stdin.destroy();
    };
    for (const signal of STOP_SIGNALS) process.on(signal, onSignal);
    const sink = url ? httpSink(url) : storageSink(await ctx.openStorage(), ctx.container.resolve('writer'));
    const progress = new Progress(counters, ctx.stderr, {
      tty: Boolean(ctx.stderr.isTTY),
      intervalMs: intFlag(values['progress-interval'], 'progress-interval', 5) * 1000,
      enabled: !values.quiet,
    });
    const rejectsFile = values.rejects !== undefined ? fs.openSync(values.rejects, 'w') : undefined;
    let printed = 0;
    importer = new LineImporter(sink, counters, {
      batchSize: intFlag(values.batch, 'batch', 50_000),
      maxLineBytes: intFlag(values['max-line-bytes'], 'max-line-bytes', DEFAULT_MAX_LINE_BYTES),
      maxTags: intFlag(values['max-tags'], 'max-tags', MAX_TAGS),
      resumeFrom,
      jsonFormat: putJsonFormat,
      rejectsFile,
      onReject: ({ input, line, reason }) => {
        if (++printed > MAX_PRINTED) return;
        progress.interrupt();
        ctx.stderr.write(`${input}:${line}: ${reason}\n`);
        if (printed === MAX_PRINTED) ctx.stderr.write(`(more rejected lines are counted, not printed${values.rejects ? `; all are in ${values.rejects}` : ''})\n`);
      },
    });
    importer.stopRequested = interrupted !== undefined;
    const started = performance.now();
    progress.start();
    try {
      for (const input of inputs) {
        await importer.importInput(input);
        if (importer.stoppedAt) break;
      }
      await importer.finish(inputs[inputs.length - 1]!.name);
    } finally {
      for (const signal of STOP_SIGNALS) process.removeListener(signal, onSignal);
      progress.finish();
      if (rejectsFile !== undefined) fs.closeSync(rejectsFile);
    }
    if (importer.stoppedAt) {
      const { input, line } = importer.stoppedAt;
      throw new CliExit(`interrupted: ${counters.points} points stored, up to line ${line - 1} of ${input}; resume with --resume-from ${line} ${input === 'stdin' ? '-' : input}`, STOP_CODES[interrupted ?? 'SIGINT']);
    }
    const seconds = (performance.now() - started) / 1000;
    if (!values.quiet) {
      ctx.stderr.write(
        `imported ${counters.points} points from ${importer.lines} lines in ${seconds.toFixed(1)} s (${Math.round(counters.points / Math.max(seconds, 1e-3))} points/s); ${counters.rejected} rejected\n`,
      );
    }
    if (counters.rejected > 0 && values.strict) {
      ctx.stderr.write(`dsdb import: ${counters.rejected} line(s) rejected (--strict)\n`);
      return 3;
    }
    return 0;
  },
};
