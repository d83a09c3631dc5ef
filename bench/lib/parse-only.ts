/**
 * DSDB's telnet put parsing alone over the dataset's bytes, on one thread, in lines/s:
 * the ceilings the comparison sets the ingest against.
 */
import { BatchBuilder } from '../../core';
import { PutLineParser } from '../../lib/opentsdb';
import { JobParsers } from '../../lib/opentsdb/put-parse-worker';

/** The line-at-a-time parser (`PutLineParser.parse`, a line found by `indexOf`, a batch taken every 1,024 lines). */
export function parseOnlyRate(chunks: Buffer[]): number {
  const parser = new PutLineParser();
  const batch = new BatchBuilder(1024);
  let lines = 0;
  let errors = 0;
  const started = process.hrtime.bigint();
  for (const bytes of chunks) {
    let pos = 0;
    for (;;) {
      const end = bytes.indexOf(0x0a, pos);
      if (end < 0) break;
      if (parser.parse(bytes, pos, end, batch) !== undefined) errors++;
      lines++;
      pos = end + 1;
      if (batch.length === 1024) batch.take();
    }
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (errors) throw new Error(`${errors} dataset lines failed to parse`);
  return lines / seconds;
}

/** The bytes of `chunks` cut at line ends into pieces of about `jobBytes` (a gathered telnet job's size). */
function jobsOf(chunks: Buffer[], jobBytes: number): Buffer[] {
  const jobs: Buffer[] = [];
  for (const bytes of chunks) {
    let from = 0;
    while (from < bytes.length) {
      // the end of the first line past jobBytes, or the chunk's end
      const newline = from + jobBytes < bytes.length ? bytes.indexOf(0x0a, from + jobBytes) : -1;
      const cut = newline < 0 ? bytes.length : newline + 1;
      jobs.push(bytes.subarray(from, cut));
      from = cut;
    }
  }
  return jobs;
}

/**
 * What the parse thread does with a connection's lines (lib/opentsdb's `JobParsers`, as
 * serveHelper runs it; jobs of about GATHER_BYTES, 256 KiB, as a loaded connection's are:
 * plugins/put-telnet/worker-put.ts): the bulk reader, the series cache and the packed
 * answer, without the message to the thread and back.
 */
export function jobParseRate(chunks: Buffer[], jobBytes = 256 * 1024): number {
  const jobs = jobsOf(chunks, jobBytes);
  const parsers = new JobParsers();
  let lines = 0;
  let errors = 0;
  const started = process.hrtime.bigint();
  for (let id = 0; id < jobs.length; id++) {
    const result = parsers.parse({ id, kind: 'lines', bytes: jobs[id]! });
    lines += result.lines;
    errors += result.errors.length;
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (errors) throw new Error(`${errors} dataset lines failed to parse`);
  return lines / seconds;
}
