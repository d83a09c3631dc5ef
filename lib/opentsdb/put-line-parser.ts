/**
 * Parses `put <metric> <timestamp> <value> <tagk=tagv>...` from a line's bytes into a
 * BatchBuilder, with OpenTSDB's checks in OpenTSDB's order and its exact error lines
 * (PutDataPointRpc.importDataPoint). The common line (known series, plain decimal
 * timestamp and value) allocates nothing but the bigint of an integer value: numbers
 * are read from the bytes and the series is found by hashing its bytes (SeriesCache).
 * Strings and JSON use DSDB's value tokens (see core/ingest/value-text.ts); a token
 * may contain spaces, so the value word ends where its token ends.
 *
 * Shared by the telnet `put` command and `dsdb import`, whose lines are the same
 * without the leading `put` word (OpenTSDB's import format): `{ command: false }`.
 */
import { isUtf8 } from 'node:buffer';
import { seriesKeyString, ValueKind } from '../../core/types';
import type { BatchBuilder } from '../../core/batch-builder';
import { jsonTokenEnd } from './json-text';
import { checkMetricAndTags, formatTagMap, MAX_MILLISECONDS, MAX_TAGS, parseLongError, plainTags, timestampInRange, toMilliseconds } from './rules';
import { validateDataPoint } from './validate-point';
import { newValueSlot, parseValueText } from './value-text';
import { hashRanges, sameRun, SeriesCache, type CachedSeries } from './series-cache';
import { EXACT_DIGITS, NOT_PLAIN, readPlainNumber, readPlainNumberUntil } from './decimal-bytes';

const SPACE = 0x20;
const DOT = 0x2e;
const EQUALS = 0x3d;
const NEWLINE = 0x0a;
const CR = 0x0d;
const INT: number = ValueKind.Int;

export class PutLineParser {
  private starts = new Int32Array(64);
  private ends = new Int32Array(64);
  private readonly value = newValueSlot();
  private readonly cache: SeriesCache;
  /** the common line's timestamp as readNumbers read it (as written; its value is in the `value` slot) */
  private timestamp = 0;
  /**
   * Where the last timestamp readNumbers read digit by digit starts in the bytes parseLines
   * reads, and its length (0: none yet in these bytes); `timestamp` holds its value until
   * a line with another timestamp word is read.
   */
  private previousTimestampAt = 0;
  private previousTimestampLength = 0;
  /** word 0 is `put` (telnet), or absent (import files): then an empty word 0 stands in */
  private readonly firstWord: number;
  /** the end of the bytes parseLines reads: a common line ends at its `\n`, or at this end */
  private end = 0;
  /** the bytes parseLines reads, as a DataView (offsets as in the bytes): compared four bytes at a time */
  private view: DataView<ArrayBufferLike> = new DataView(new ArrayBuffer(0));
  private readonly maxTags: number;

  /** after a checked parseLines: where the line it stopped at starts, or -1 */
  stoppedAt = -1;

  /**
   * `command: false` for import lines (no leading `put`); `oneBatchAtATime` when the caller
   * fills one batch at a time from this parser (SeriesCacheOptions): its series then enter
   * a batch without a keyed lookup. `maxTags`: the most tags a point may have (default
   * MAX_TAGS, OpenTSDB's tsd.storage.max_tags); `dsdb import --max-tags` raises it.
   */
  constructor(options: { command?: boolean; oneBatchAtATime?: boolean; maxTags?: number } = {}) {
    this.firstWord = options.command === false ? 1 : 0;
    this.maxTags = options.maxTags ?? MAX_TAGS;
    this.cache = new SeriesCache({ oneBatchAtATime: options.oneBatchAtATime ?? false });
  }

  /** Parses one line (`line[start, end)`, starting with `put`); returns the error line or undefined. */
  parse(line: Buffer, start: number, end: number, batch: BatchBuilder): string | undefined {
    const n = this.split(line, start, end);
    const starts = this.starts;
    const ends = this.ends;
    if (n - 1 < 4) return `put: illegal argument: not enough arguments (need least 4, got ${n - 1})`;
    const metricStart = starts[1]!;
    const metricEnd = ends[1]!;
    if (metricStart === metricEnd) return 'put: illegal argument: empty metric name';

    // timestamp: dots are dropped (`1356998400.250` is 1356998400250 ms), then Tags.parseLong
    let timestamp = 0;
    let digits = 0;
    let simple = true;
    for (let i = starts[2]!, e = ends[2]!; i < e; i++) {
      const c = line[i]! - 0x30;
      if (c >= 0 && c <= 9) {
        timestamp = timestamp * 10 + c;
        digits++;
      } else if (c !== DOT - 0x30) {
        simple = false;
        break;
      }
    }
    if (!simple || digits === 0 || digits > EXACT_DIGITS) {
      const text = this.timestampWord(line);
      const error = parseLongError(text);
      if (error) return `put: invalid value: ${error}`;
      timestamp = Number(BigInt(text));
    }
    if (timestamp <= 0) return `put: illegal argument: invalid timestamp: ${this.timestampText(line)}`;
    const valueStart = starts[3]!;
    const valueEnd = ends[3]!;
    if (valueStart === valueEnd) return 'put: illegal argument: empty value';

    // series: by the bytes of the metric and tag words
    const tagsStart = n > 4 ? starts[4]! : end;
    const hash = hashRanges(line, metricStart, metricEnd, tagsStart, end);
    let series = this.cache.find(hash, line, metricStart, metricEnd, tagsStart, end);
    let tags: Record<string, string> | undefined;
    let tagCount = 0;
    if (!series) {
      // no prototype: `constructor` or `__proto__` are valid tag keys
      tags = Object.create(null) as Record<string, string>;
      for (let w = 4; w < n; w++) {
        const ws = starts[w]!;
        const we = ends[w]!;
        if (ws === we) continue;
        let eq = -1;
        let parts = 1;
        for (let i = ws; i < we; i++) {
          if (line[i] === EQUALS) {
            parts++;
            if (eq < 0) eq = i;
          }
        }
        if (parts !== 2 || eq === ws || eq === we - 1) return `put: illegal argument: invalid tag: ${line.toString('utf8', ws, we)}`;
        const key = line.toString('utf8', ws, eq);
        const value = line.toString('utf8', eq + 1, we);
        const known = tags[key];
        if (known === value) continue;
        if (known !== undefined) return `put: illegal argument: duplicate tag: ${line.toString('utf8', ws, we)}, tags=${formatTagMap(tags)}`;
        tags[key] = value;
        tagCount++;
      }
    }

    // value: a plain integer stays a number (slot.float) until it is pushed, no bigint
    const slot = this.value;
    const plain = readPlainNumber(line, valueStart, valueEnd, slot);
    const safeInt = plain === INT;
    if (plain === NOT_PLAIN) {
      const text = line.toString('utf8', valueStart, valueEnd);
      const error = parseValueText(text, slot);
      if (error) return `put: invalid value: ${error.message}`;
      // bytes that are not UTF-8 decode to U+FFFD: a string or JSON value would be stored changed
      if (slot.kind >= ValueKind.String && text.includes('\uFFFD') && !isUtf8(line.subarray(valueStart, valueEnd))) {
        return `put: invalid value: Invalid ${slot.kind === ValueKind.String ? 'string' : 'JSON'} value (not UTF-8): ${text}`;
      }
    }

    if (series) {
      const invalid = this.rangeCheck(line, series.series.metric, series.series.tags, timestamp, safeInt);
      if (invalid) return `put: illegal argument: ${invalid}`;
      this.cache.follow(series);
    } else {
      const metric = line.toString('utf8', metricStart, metricEnd);
      const invalid = this.rangeCheck(line, metric, tags!, timestamp, safeInt) ?? checkMetricAndTags(metric, tags!, tagCount, this.maxTags);
      if (invalid) return `put: illegal argument: ${invalid}`;
      series = this.remember(line, hash, metricStart, metricEnd, tagsStart, end, metric, tags!); // followed by the cache's add
    }

    const index = this.cache.indexIn(series, batch);
    const timestampMs = timestamp <= 0xffffffff ? timestamp * 1000 : timestamp;
    if (safeInt) batch.pushSafeInt(index, timestampMs, slot.float);
    else batch.push(index, timestampMs, slot.kind, slot.float, slot.int, slot.text);
    return undefined;
  }

  /**
   * Parses every line of `bytes[start, end)` (`\n` or `\r\n` separated; the last line
   * may lack its `\n`) into `batch`, pushing the error line of each refused line to
   * `errors` in order; returns the number of lines. Each line goes first through
   * `commonLine`, one pass over its bytes; what that does not take whole is parsed by
   * `parse`, which gives the same point for any line `commonLine` takes.
   *
   * With `maxLineLength` (a telnet session's run of lines, TelnetCommand.executeRun), the
   * lines are checked as the session checks them: parsing stops at the first line that is
   * not a `put` command or is longer than `maxLineLength` bytes (its `\r\n` not counted),
   * and `stoppedAt` is where that line starts (-1 when every line was parsed). Each
   * common line is then read within `maxLineLength` bytes of its start, so a longer one
   * never enters the batch.
   */
  parseLines(bytes: Buffer, start: number, end: number, batch: BatchBuilder, errors: string[], maxLineLength = -1): number {
    let lines = 0;
    let pos = start;
    this.stoppedAt = -1;
    this.end = end;
    this.previousTimestampLength = 0;
    if (this.view.buffer !== bytes.buffer || this.view.byteOffset !== bytes.byteOffset || this.view.byteLength !== bytes.length) this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
    const checked = maxLineLength >= 0;
    while (pos < end) {
      // a window past which a common line is too long: its `\n` must come before it
      const limit = checked && end - pos > maxLineLength + 1 ? pos + maxLineLength + 1 : end;
      const next = this.commonLine(bytes, pos, limit, batch);
      if (next >= 0) {
        lines++;
        pos = next;
        continue;
      }
      let newline = pos;
      while (newline < end && bytes[newline] !== NEWLINE) newline++;
      let lineEnd = newline;
      if (lineEnd > pos && bytes[lineEnd - 1] === CR) lineEnd--;
      if (checked && (lineEnd - pos > maxLineLength || !isPutLine(bytes, pos, lineEnd))) {
        this.stoppedAt = pos;
        return lines;
      }
      lines++;
      const error = this.parse(bytes, pos, lineEnd, batch);
      if (error !== undefined) errors.push(error);
      pos = newline + 1;
    }
    return lines;
  }

  /**
   * The common line in one pass: a command word, a metric, a timestamp of digits only
   * (seconds or milliseconds, in OpenTSDB's range: `timestampInRange`), a plain decimal value, and tag
   * bytes this parser has already accepted (a cached series). Pushes its point and returns
   * where the next line starts; -1 (nothing pushed) for any other line, which `parse`
   * then reads with every check and error. Words end at a space only, as in `split`.
   */
  private commonLine(bytes: Buffer, start: number, limit: number, batch: BatchBuilder): number {
    let i = start;
    // the command word: `put` and its space (any other word is parse's, or not a put at all)
    if (this.firstWord === 0) {
      if (i + 4 > limit || bytes[i] !== 0x70 || bytes[i + 1] !== 0x75 || bytes[i + 2] !== 0x74 || bytes[i + 3] !== SPACE) return -1;
      i += 4;
    }
    const guess = this.cache.guess();
    if (guess !== undefined) {
      const next = this.guessedLine(guess, bytes, i, limit, batch);
      if (next >= 0) return next;
    }
    const metricStart = i;
    const metricEnd = wordEnd(bytes, i, limit);
    if (metricEnd <= metricStart) return -1;
    const valueEnd = this.readNumbers(bytes, metricEnd, limit);
    if (valueEnd < 0) return -1;
    i = valueEnd;
    const tagsStart = ++i;
    while (i < limit && bytes[i] !== NEWLINE) i++;
    // no `\n` before a window's limit: the line is longer than the window
    if (i === limit && limit < this.end) return -1;
    const next = i + 1;
    if (i > tagsStart && bytes[i - 1] === CR) i--;
    const series = this.cache.find(hashRanges(bytes, metricStart, metricEnd, tagsStart, i), bytes, metricStart, metricEnd, tagsStart, i);
    if (series === undefined) return -1;
    this.pushPlain(series, batch);
    return next;
  }

  /**
   * commonLine for a line that names `guess` (SeriesCache.guess): the metric and tag bytes
   * are compared with the guess's as they are read, so the line is read once, not scanned,
   * hashed and compared. `start` is where the metric starts. Returns where the next line
   * starts, or -1 (nothing pushed) when the line is not the guess's or not common.
   */
  private guessedLine(guess: CachedSeries, bytes: Buffer, start: number, limit: number, batch: BatchBuilder): number {
    const known = guess.bytes;
    const at = guess.at;
    const metricLength = guess.firstLength;
    // the metric and its space
    if (metricLength <= 0 || start + metricLength >= limit) return -1;
    const view = this.view;
    const knownView = guess.view;
    if (!sameRun(view, bytes, start, knownView, known, at, at + metricLength)) return -1;
    let i = start + metricLength;
    if (bytes[i] !== SPACE) return -1;
    const valueEnd = this.readNumbers(bytes, i, limit);
    if (valueEnd < 0) return -1;
    i = valueEnd + 1;
    // the tag words, then the line's end (`\n`, or `\r\n`: a cached series' bytes never end in `\r`)
    const tagBytes = guess.length - metricLength - 1;
    if (i + tagBytes >= limit || !sameRun(view, bytes, i, knownView, known, at + metricLength + 1, at + guess.length)) return -1;
    i += tagBytes;
    let next: number;
    if (bytes[i] === NEWLINE) next = i + 1;
    else if (bytes[i] === CR && i + 1 < limit && bytes[i + 1] === NEWLINE) next = i + 2;
    else return -1;
    this.pushPlain(guess, batch);
    return next;
  }

  /**
   * The common line's timestamp and value, from the space after the metric (`i`), in one
   * pass: a timestamp of digits only, in OpenTSDB's range (`timestampInRange`; a dot, a
   * sign or anything else is `parse`'s), then a value that is a plain decimal as
   * readPlainNumber reads one, read as it is scanned (readPlainNumberUntil, to the space).
   * Kept in `timestamp` and the value slot
   * (fields: no object a line); returns the index of the space after the value, or -1
   * when the line is not common so far (any other value, a string or JSON token included,
   * is `parse`'s: nothing of the line is kept then).
   *
   * A timestamp word the same, byte for byte, as the previous one read here (a round of
   * a collector's lines shares one) is compared four bytes at a time and not read again.
   *
   * Why: a line's numbers are a third of its bytes. Before, the value word was scanned for
   * its end and then read again, and every timestamp read digit by digit: the common
   * line's parse took ~13% longer (a 3M-line micro-benchmark of the parse worker's jobs).
   */
  private readNumbers(bytes: Buffer, i: number, limit: number): number {
    const timestampStart = ++i;
    const previousLength = this.previousTimestampLength;
    const afterPrevious = timestampStart + previousLength;
    if (previousLength > 0 && afterPrevious < limit && bytes[afterPrevious] === SPACE && sameRun(this.view, bytes, timestampStart, this.view, bytes, this.previousTimestampAt, this.previousTimestampAt + previousLength)) {
      // the previous timestamp word read here, byte for byte: `timestamp` holds its value
      i = afterPrevious;
    } else {
      let timestamp = 0;
      for (;;) {
        if (i >= limit) return -1;
        const d = bytes[i]! - 0x30;
        if (d < 0 || d > 9) break;
        timestamp = timestamp * 10 + d;
        i++;
      }
      // in range, the number is exact, however many leading zeros it had; more digits than
      // parse reads simply are parse's (OpenTSDB refuses a word over 19 characters, zeros or not)
      if (bytes[i] !== SPACE || i === timestampStart || i - timestampStart > EXACT_DIGITS || timestamp <= 0 || !timestampInRange(timestamp)) return -1;
      this.timestamp = timestamp;
      this.previousTimestampAt = timestampStart;
      this.previousTimestampLength = i - timestampStart;
    }
    // the value: readPlainNumber's reading, up to the word's space
    return readPlainNumberUntil(bytes, i + 1, limit, SPACE, this.value);
  }

  /** The point of a common line (readNumbers' timestamp and plain value) pushed for `series`. */
  private pushPlain(series: CachedSeries, batch: BatchBuilder): void {
    this.cache.follow(series);
    const index = this.cache.indexIn(series, batch);
    const timestampMs = toMilliseconds(this.timestamp);
    const slot = this.value;
    if (slot.kind === INT) batch.pushSafeInt(index, timestampMs, slot.float);
    else batch.push(index, timestampMs, ValueKind.Float, slot.float, 0n, undefined);
  }

  /** Splits on single spaces (empty words kept, as OpenTSDB's WordSplitter does); the value word may be a token with spaces. */
  private split(line: Buffer, start: number, end: number): number {
    // Import lines lack `put`: an empty word 0 keeps every index below the same.
    let n = this.firstWord;
    this.starts[0] = this.ends[0] = start;
    let pos = start;
    for (;;) {
      if (n === this.starts.length) this.growWords();
      let wordEnd = -1;
      const first = line[pos];
      if (n === 3 && pos < end && (first === 0x22 || first === 0x7b)) {
        const tokenEnd = jsonTokenEnd(line, pos, end);
        // a token counts only when a space or the line end follows it; else plain splitting
        if (tokenEnd > 0 && (tokenEnd === end || line[tokenEnd] === SPACE)) wordEnd = tokenEnd;
      }
      if (wordEnd < 0) {
        // a loop, not Buffer.indexOf: words are short, and a native call per word costs more
        wordEnd = pos;
        while (wordEnd < end && line[wordEnd] !== SPACE) wordEnd++;
      }
      this.starts[n] = pos;
      this.ends[n] = wordEnd;
      n++;
      if (wordEnd >= end) return n;
      pos = wordEnd + 1;
    }
  }

  private growWords(): void {
    const starts = new Int32Array(this.starts.length * 2);
    const ends = new Int32Array(this.ends.length * 2);
    starts.set(this.starts);
    ends.set(this.ends);
    this.starts = starts;
    this.ends = ends;
  }

  /** The timestamp word with its dots removed. */
  private timestampWord(line: Buffer): string {
    return line.toString('utf8', this.starts[2]!, this.ends[2]!).replace(/\./g, '');
  }

  /** The timestamp as Java prints the parsed long (error messages only). */
  private timestampText(line: Buffer): string {
    return BigInt(this.timestampWord(line)).toString();
  }

  /** NaN/infinity and the millisecond range (TSDB.addPoint), with the line's metric and tags. */
  private rangeCheck(line: Buffer, metric: string, tags: Record<string, string> | Readonly<Record<string, string>>, timestamp: number, safeInt: boolean): string | undefined {
    const slot = this.value;
    if ((slot.kind !== ValueKind.Float || Number.isFinite(slot.float)) && timestamp <= MAX_MILLISECONDS) return undefined;
    // the message names the value's encoding: it needs the int64 that readPlainNumber left out
    if (safeInt) slot.int = BigInt(slot.float);
    return validateDataPoint({ metric, tags, tagCount: 1, timestamp, timestampText: this.timestampText(line) }, slot);
  }

  private remember(line: Buffer, hash: number, aStart: number, aEnd: number, bStart: number, bEnd: number, metric: string, tags: Record<string, string>): CachedSeries {
    const bytes = Buffer.allocUnsafe(aEnd - aStart + 1 + (bEnd - bStart));
    line.copy(bytes, 0, aStart, aEnd);
    bytes[aEnd - aStart] = SPACE;
    line.copy(bytes, aEnd - aStart + 1, bStart, bEnd);
    return this.cache.add(hash, bytes, metric, plainTags(tags), seriesKeyString(metric, tags), aEnd - aStart);
  }
}

/** Whether `bytes[start, end)` (a line) is a `put` command: its first word is `put`, as the telnet session's lookup reads it. */
function isPutLine(bytes: Buffer, start: number, end: number): boolean {
  return end - start >= 3 && bytes[start] === 0x70 && bytes[start + 1] === 0x75 && bytes[start + 2] === 0x74 && (end === start + 3 || bytes[start + 3] === SPACE);
}

/** Where the word at `i` ends (its space), or -1 when the line or the bytes end first. */
function wordEnd(bytes: Buffer, i: number, limit: number): number {
  for (; i < limit; i++) {
    const c = bytes[i];
    if (c === SPACE) return i;
    if (c === NEWLINE) return -1;
  }
  return -1;
}
