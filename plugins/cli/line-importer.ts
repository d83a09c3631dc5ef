/**
 * The import loop: splits raw chunks into lines and feeds them, in place, to the telnet
 * put parser (OpenTSDB's import format is a put line without `put`) or, for a line that
 * starts with `{`, to /api/put's JSON reader. Points gather in one BatchBuilder; a full
 * batch goes to the sink while the next one fills (one write in flight). A bad line is
 * reported with its number and skipped; the run goes on.
 */
import fs from 'node:fs';
import { CliExit, type PointBatch, BatchBuilder } from '../../core';
import { apiErrorText, PutCollector, PutLineParser, type PutFormat } from '../../lib/opentsdb';
import type { Input } from './input';
import type { ProgressCounters } from './progress';
import type { BatchSink } from './sinks';

export interface Rejection {
  input: string;
  line: number;
  reason: string;
}

export interface ImportOptions {
  batchSize: number;
  /** skip lines before this number (1-based) of the only input, to resume a run */
  resumeFrom: number;
  /** /api/put's JSON format, when put-http is loaded */
  jsonFormat?: PutFormat;
  /** called for every rejected line (and for each point the daemon refused) */
  onReject(rejection: Rejection): void;
  /** the raw rejected lines go here when set */
  rejectsFile?: number;
  /**
   * Bytes a line may have (its `\n` not counted, a `\r` before it counted; default
   * DEFAULT_MAX_LINE_BYTES): a longer one is rejected and its bytes dropped as they are read,
   * so that one corrupt or binary input without newlines cannot grow the importer's memory
   * without bound.
   */
  maxLineBytes?: number;
  /** the most tags a line's point may have (default 8, the telnet put's); `--max-tags` */
  maxTags?: number;
}

/** The default bound of a line: /api/put's default body limit (a JSON line is one /api/put body). */
export const DEFAULT_MAX_LINE_BYTES = 64 * 1024 * 1024;

const NEWLINE = 0x0a;
const CR = 0x0d;
const HASH = 0x23;
const BRACE = 0x7b;

export class LineImporter {
  // one builder, taken before it is filled again: one batch at a time
  private readonly parser: PutLineParser;
  private batch: BatchBuilder;
  /** the JSON reader of the current batch (its series map is per batch) */
  private collector?: PutCollector;
  private pending?: Promise<void>;
  private batchFirstLine = 0;
  private batchInput = '';
  /** the number of the last line read of the current input, for the failed batch's message */
  private lastLine = 0;
  lines = 0;
  /** set (by SIGINT) to stop after the chunk being read: complete lines are stored, the rest is not read */
  stopRequested = false;
  /** when stopped: the input and first line not imported */
  stoppedAt?: { input: string; line: number };

  constructor(
    private readonly sink: BatchSink,
    readonly counters: ProgressCounters,
    private readonly options: ImportOptions,
  ) {
    this.batch = new BatchBuilder(Math.min(options.batchSize, 1 << 16));
    this.parser = new PutLineParser({ command: false, oneBatchAtATime: true, maxTags: options.maxTags });
  }

  async importInput(input: Input): Promise<void> {
    // The pieces of the line the last chunks ended in, joined once its newline arrives: a
    // line over many chunks is copied once (a carry joined to every chunk made a 200 MB line
    // take 33 s and 1.1 GB, each chunk copying and rescanning all before it).
    let partial: Buffer[] = [];
    let partialBytes = 0;
    const maxLine = this.options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
    let lineNo = 0;
    const skipBefore = this.options.resumeFrom;
    const counters = this.counters;
    if (this.stopRequested) {
      this.stoppedAt = { input: input.name, line: skipBefore };
      return;
    }
    try {
      for await (const chunk of input.open((n) => (counters.bytesRead += n))) {
        let pos = 0;
        let nl = chunk.indexOf(NEWLINE);
        if (partialBytes > 0 && nl >= 0) {
          lineNo++;
          if (partialBytes + nl > maxLine) {
            if (lineNo >= skipBefore) this.overlong(input.name, lineNo, maxLine);
          } else {
            partial.push(chunk.subarray(0, nl));
            const line = Buffer.concat(partial);
            if (lineNo >= skipBefore) this.line(line, 0, line.length, input.name, lineNo);
          }
          partial = [];
          partialBytes = 0;
          pos = nl + 1;
          nl = chunk.indexOf(NEWLINE, pos);
        }
        while (nl >= 0) {
          lineNo++;
          if (lineNo >= skipBefore) {
            if (nl - pos > maxLine) this.overlong(input.name, lineNo, maxLine);
            else this.line(chunk, pos, nl, input.name, lineNo);
          }
          pos = nl + 1;
          nl = chunk.indexOf(NEWLINE, pos);
        }
        if (pos < chunk.length) {
          // past the bound, the line's bytes are counted, not kept
          partialBytes += chunk.length - pos;
          if (partialBytes <= maxLine) partial.push(pos === 0 ? chunk : chunk.subarray(pos));
          else partial = [];
        }
        if (this.batch.length >= this.options.batchSize) await this.flush(input.name, lineNo + 1);
        if (this.stopRequested) break;
      }
    } catch (err) {
      // an input closed under us because of Ctrl-C is the stop, not a failure
      if (!this.stopRequested) await this.readFailed(input.name, lineNo, err as Error);
    }
    this.lines += lineNo;
    this.lastLine = lineNo;
    if (this.stopRequested) {
      this.stoppedAt = { input: input.name, line: lineNo + 1 };
      return;
    }
    if (partialBytes > 0) {
      lineNo++;
      this.lines++;
      this.lastLine = lineNo;
      if (lineNo < skipBefore) return;
      if (partialBytes > maxLine) this.overlong(input.name, lineNo, maxLine);
      else {
        const last = Buffer.concat(partial);
        this.line(last, 0, last.length, input.name, lineNo);
      }
    }
  }

  /** A line over the bound: rejected, and not in the rejects file (its bytes were not kept). */
  private overlong(input: string, lineNo: number, maxLine: number): void {
    this.reject(input, lineNo, `line longer than ${maxLine} bytes (--max-line-bytes): not read, and not in the rejects file`);
  }

  /** Counts a rejected line and reports it. */
  private reject(input: string, line: number, reason: string): void {
    this.counters.rejected++;
    this.options.onReject({ input, line, reason });
  }

  /**
   * A read error mid-input (a truncated or corrupt gzip, a disk error). As on Ctrl-C, the
   * complete lines read before it are stored rather than dropped with the batch, and the
   * message names the input and the last line imported, so that the run can be resumed
   * once the input is whole; the partial line at the damage is not imported.
   */
  private async readFailed(input: string, lineNo: number, err: Error): Promise<never> {
    this.lines += lineNo;
    this.lastLine = lineNo;
    await this.finish(input);
    throw new CliExit(
      `reading ${input} failed after line ${lineNo}: ${err.message}. The lines up to ${lineNo} are imported (${this.counters.points} points stored); ` +
        `the rest is not: once ${input} is whole, resume with --resume-from ${lineNo + 1} ${input === 'stdin' ? '-' : input}`,
    );
  }

  private line(buf: Buffer, start: number, end: number, input: string, lineNo: number): void {
    if (end > start && buf[end - 1] === CR) end--;
    if (start === end || buf[start] === HASH) return;
    if (this.batch.length === 0) {
      this.batchFirstLine = lineNo;
      this.batchInput = input;
    }
    const first = buf[start];
    let error: string | undefined;
    if (first === BRACE) error = this.jsonLine(buf, start, end);
    else {
      // tolerate `put ` in front, as in a captured telnet session
      if (first === 0x70 && buf[start + 1] === 0x75 && buf[start + 2] === 0x74 && buf[start + 3] === 0x20) start += 4;
      error = this.parser.parse(buf, start, end, this.batch);
      // the parser answers in telnet's words: `put: invalid value: …`
      if (error !== undefined && error.startsWith('put: ')) error = error.slice(5);
    }
    if (error === undefined) return;
    this.reject(input, lineNo, error);
    if (this.options.rejectsFile !== undefined) {
      fs.writeSync(this.options.rejectsFile, buf, start, end - start);
      fs.writeSync(this.options.rejectsFile, '\n');
    }
  }

  private jsonLine(buf: Buffer, start: number, end: number): string | undefined {
    const format = this.options.jsonFormat;
    if (!format) return 'a JSON line needs the put-http plugin (it owns /api/put\'s JSON format); load it in the config';
    if (!this.collector || this.collector.batch !== this.batch) this.collector = new PutCollector(this.batch, true);
    const collector = this.collector;
    const failedBefore = collector.failed;
    try {
      format.decode(buf.subarray(start, end), collector);
    } catch (err) {
      const e = err as Error & { details?: string };
      return apiErrorText(e);
    }
    if (collector.failed > failedBefore) {
      const errors = collector.errors!;
      const reasons = errors.slice(errors.length - (collector.failed - failedBefore)).map((e) => e.error);
      errors.length = 0;
      return reasons.join('; ');
    }
    return undefined;
  }

  /** Sends the batch; waits for the previous write first, so one write is in flight. */
  private async flush(input: string, nextLine: number): Promise<void> {
    if (this.batch.length === 0) return;
    const points: PointBatch = this.batch.take();
    const firstLine = this.batchFirstLine;
    const firstInput = this.batchInput;
    await this.pending;
    this.pending = this.sink.write(points).then(
      (refused) => {
        this.counters.points += points.length - refused.length;
        for (const reason of refused) {
          this.reject(firstInput, firstLine, `refused by the daemon (batch from this line): ${reason}`);
        }
      },
      (err: Error) => {
        throw new CliExit(
          `storing the batch of ${firstInput} lines ${firstLine}–${nextLine - 1} failed: ${err.message}. ` +
            `Every line before ${firstLine} is stored; run again with --resume-from ${firstLine} to continue`,
        );
      },
    );
    this.pending.catch(() => undefined); // surfaced by the next flush or finish
    this.batchFirstLine = nextLine;
    this.batchInput = input;
  }

  /** Writes what is left and waits until the sink has it all durable. */
  async finish(input: string): Promise<void> {
    await this.flush(input, this.lastLine + 1);
    await this.pending;
    await this.sink.finish();
  }
}
