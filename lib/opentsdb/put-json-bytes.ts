/**
 * The byte-level reader of `/api/put` JSON bodies: the common body — an array of point
 * objects whose metric and tags are plain strings, whose timestamp is a plain integer and
 * whose value a plain decimal — goes from bytes to the batch's columns without a JSON tree,
 * an object per point or a tag sort per point. A point's series is found by hashing the
 * bytes of its metric and of its `tags` object (SeriesCache, as the telnet `put` parser
 * does), so only new bytes pay for building, checking and keying the tags.
 *
 * Anything else — escapes, other value forms, a missing or unknown field, an invalid point,
 * malformed JSON — makes the reader give up (`false`) before the body's points are counted:
 * the caller then empties the collector and reads the body with the exact reader
 * (put-json-format.ts), which gives OpenTSDB's answers for every case. The result of this
 * reader is, by construction, the exact reader's for the bodies it accepts.
 */
import type { BatchBuilder } from '../../core/batch-builder';
import { seriesKeyString, ValueKind } from '../../core/types';
import { NOT_PLAIN, readPlainNumber } from './decimal-bytes';
import { plainTags, timestampInRange, toMilliseconds } from './rules';
import { hashRanges, SeriesCache, type CachedSeries } from './series-cache';
import { validateDataPoint } from './validate-point';
import { newValueSlot } from './value-text';

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COLON = 0x3a;
const COMMA = 0x2c;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;

const FIELD_METRIC = 1;
const FIELD_TIMESTAMP = 2;
const FIELD_VALUE = 4;
const FIELD_TAGS = 8;
const ALL_FIELDS = FIELD_METRIC | FIELD_TIMESTAMP | FIELD_VALUE | FIELD_TAGS;

/** Longest plain integer timestamp read here (larger ones take the exact reader). */
const MAX_TIMESTAMP_DIGITS = 15;

/** Where the reader stands in the body; one per reader, reused. */
interface Cursor {
  pos: number;
  /** start and end of the last string's contents */
  start: number;
  end: number;
}

function isSpace(c: number | undefined): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

export class PutJsonBytesReader {
  // a body is read whole into its own batch before the next: one batch at a time
  private readonly cache: SeriesCache;
  private readonly slot = newValueSlot();
  /** the last value read was a plain integer, held in slot.float (slot.int not set) */
  private safeInt = false;
  private readonly cursor: Cursor = { pos: 0, start: 0, end: 0 };

  /** `maxSeries`: the series cache's bound (SeriesCacheOptions.maxEntries; default 2^18) */
  constructor(options: { maxSeries?: number } = {}) {
    this.cache = new SeriesCache({ oneBatchAtATime: true, maxEntries: options.maxSeries });
  }

  /**
   * Reads every point of `body` into `batch`; the number of points, or -1 when the body
   * needs the exact reader (the batch may then hold some of its points: discard it).
   */
  read(body: Buffer, batch: BatchBuilder): number {
    const cur = this.cursor;
    cur.pos = 0;
    this.skipSpace(body);
    if (body[cur.pos] !== OPEN_BRACKET) return -1;
    cur.pos++;
    let count = 0;
    for (;;) {
      this.skipSpace(body);
      if (body[cur.pos] !== OPEN_BRACE) return -1;
      cur.pos++;
      if (!this.readPoint(body, batch)) return -1;
      count++;
      this.skipSpace(body);
      const c = body[cur.pos];
      cur.pos++;
      if (c === COMMA) continue;
      if (c !== CLOSE_BRACKET) return -1;
      break;
    }
    this.skipSpace(body);
    return cur.pos === body.length ? count : -1;
  }

  /** One point object, its `{` consumed: its fields in any order, each once. */
  private readPoint(body: Buffer, batch: BatchBuilder): boolean {
    const cur = this.cursor;
    let seen = 0;
    let metricStart = 0;
    let metricEnd = 0;
    let tagsStart = 0;
    let tagsEnd = 0;
    let timestamp = 0;
    for (;;) {
      this.skipSpace(body);
      if (!this.readString(body)) return false;
      const field = fieldOf(body, cur.start, cur.end);
      if (field === 0 || (seen & field) !== 0) return false;
      seen |= field;
      this.skipSpace(body);
      if (body[cur.pos] !== COLON) return false;
      cur.pos++;
      this.skipSpace(body);
      if (field === FIELD_METRIC) {
        if (!this.readString(body) || cur.start === cur.end) return false;
        metricStart = cur.start;
        metricEnd = cur.end;
      } else if (field === FIELD_TIMESTAMP) {
        timestamp = this.readTimestamp(body);
        if (timestamp <= 0) return false;
      } else if (field === FIELD_VALUE) {
        const start = cur.pos;
        while (cur.pos < body.length && !isSpace(body[cur.pos]) && body[cur.pos] !== COMMA && body[cur.pos] !== CLOSE_BRACE) cur.pos++;
        // JSON has no leading zeros, no bare `.5` and no `+`; such bodies get the exact reader's answer
        const first = body[start] === 0x2d ? start + 1 : start;
        const lead = body[first]! - 0x30;
        if (!(lead >= 0 && lead <= 9) || (lead === 0 && first + 1 < cur.pos && body[first + 1] !== 0x2e)) return false;
        if (body[start] === 0x2b) return false;
        // a plain integer stays a number (slot.float) until it is pushed, no bigint
        const plain = readPlainNumber(body, start, cur.pos, this.slot);
        if (plain === NOT_PLAIN) return false;
        this.safeInt = plain === ValueKind.Int;
      } else {
        tagsStart = cur.pos;
        if (!this.skipTags(body)) return false;
        tagsEnd = cur.pos;
      }
      this.skipSpace(body);
      const c = body[cur.pos];
      cur.pos++;
      if (c === COMMA) continue;
      if (c !== CLOSE_BRACE) return false;
      break;
    }
    if (seen !== ALL_FIELDS) return false;
    const slot = this.slot;
    const hash = hashRanges(body, metricStart, metricEnd, tagsStart, tagsEnd);
    let series = this.cache.find(hash, body, metricStart, metricEnd, tagsStart, tagsEnd);
    if (series === undefined) {
      series = this.newSeries(body, hash, metricStart, metricEnd, tagsStart, tagsEnd, timestamp);
      if (series === undefined) return false;
    } else if ((slot.kind === ValueKind.Float && !Number.isFinite(slot.float)) || !timestampInRange(timestamp)) {
      return false;
    }
    const index = this.cache.indexIn(series, batch);
    if (this.safeInt) batch.pushSafeInt(index, toMilliseconds(timestamp), slot.float);
    else batch.push(index, toMilliseconds(timestamp), slot.kind, slot.float, slot.int, undefined);
    return true;
  }

  /** A series not seen in these bytes before: its tags parsed and checked as the exact reader checks them. */
  private newSeries(body: Buffer, hash: number, metricStart: number, metricEnd: number, tagsStart: number, tagsEnd: number, timestamp: number): CachedSeries | undefined {
    const metric = body.toString('utf8', metricStart, metricEnd);
    const tags = Object.create(null) as Record<string, string>;
    let tagCount = 0;
    const cur = this.cursor;
    const saved = cur.pos;
    cur.pos = tagsStart + 1;
    for (;;) {
      this.skipSpace(body);
      if (body[cur.pos] === CLOSE_BRACE) break;
      this.readString(body);
      const key = body.toString('utf8', cur.start, cur.end);
      this.skipSpace(body);
      cur.pos++; // the colon (skipTags checked the shape)
      this.skipSpace(body);
      this.readString(body);
      // a key given twice: Jackson's last-wins tree, left to the exact reader
      if (key in tags) return undefined;
      tags[key] = body.toString('utf8', cur.start, cur.end);
      tagCount++;
      this.skipSpace(body);
      if (body[cur.pos] === COMMA) cur.pos++;
    }
    cur.pos = saved;
    if (tagCount === 0) return undefined;
    // the checks name the value's encoding: they need the int64 that readPlainNumber left out
    if (this.safeInt) this.slot.int = BigInt(this.slot.float);
    const invalid = validateDataPoint({ metric, timestamp, timestampText: String(timestamp), tags, tagCount }, this.slot);
    if (invalid) return undefined;
    const bytes = Buffer.allocUnsafe(metricEnd - metricStart + 1 + (tagsEnd - tagsStart));
    body.copy(bytes, 0, metricStart, metricEnd);
    bytes[metricEnd - metricStart] = 0x20;
    body.copy(bytes, metricEnd - metricStart + 1, tagsStart, tagsEnd);
    const plain = plainTags(tags);
    return this.cache.add(hash, bytes, metric, plain, seriesKeyString(metric, plain));
  }

  private skipSpace(body: Buffer): void {
    const cur = this.cursor;
    while (isSpace(body[cur.pos])) cur.pos++;
  }

  /** A string without escapes or control characters; its contents in cursor start/end. */
  private readString(body: Buffer): boolean {
    const cur = this.cursor;
    if (body[cur.pos] !== QUOTE) return false;
    const start = cur.pos + 1;
    let i = start;
    for (;;) {
      const c = body[i];
      if (c === undefined || c === BACKSLASH || c < 0x20) return false;
      if (c === QUOTE) break;
      i++;
    }
    cur.start = start;
    cur.end = i;
    cur.pos = i + 1;
    return true;
  }

  /** A plain positive integer; 0 when it is anything else. */
  private readTimestamp(body: Buffer): number {
    const cur = this.cursor;
    let value = 0;
    let digits = 0;
    if (body[cur.pos] === 0x30) return 0;
    for (;;) {
      const c = body[cur.pos]! - 0x30;
      if (!(c >= 0 && c <= 9)) break;
      value = value * 10 + c;
      digits++;
      cur.pos++;
    }
    const next = body[cur.pos];
    if (digits === 0 || digits > MAX_TIMESTAMP_DIGITS || next === 0x2e || next === 0x65 || next === 0x45) return 0;
    return value;
  }

  /** A `tags` object of string keys and string values, skipped. */
  private skipTags(body: Buffer): boolean {
    const cur = this.cursor;
    if (body[cur.pos] !== OPEN_BRACE) return false;
    cur.pos++;
    this.skipSpace(body);
    if (body[cur.pos] === CLOSE_BRACE) {
      cur.pos++;
      return true;
    }
    for (;;) {
      this.skipSpace(body);
      if (!this.readString(body)) return false;
      this.skipSpace(body);
      if (body[cur.pos] !== COLON) return false;
      cur.pos++;
      this.skipSpace(body);
      if (!this.readString(body)) return false;
      this.skipSpace(body);
      const c = body[cur.pos];
      cur.pos++;
      if (c === COMMA) continue;
      return c === CLOSE_BRACE;
    }
  }
}

/** The four point fields, names as bytes, in one order with their flags (no tuple to unpack per key). */
const FIELD_FLAGS = [FIELD_METRIC, FIELD_TIMESTAMP, FIELD_VALUE, FIELD_TAGS] as const;
const FIELD_BYTES = ['metric', 'timestamp', 'value', 'tags'].map((name) => Buffer.from(name));

/** Which of the four point fields the key bytes name; 0 for any other key. */
function fieldOf(body: Buffer, start: number, end: number): number {
  const n = end - start;
  for (let f = 0; f < FIELD_BYTES.length; f++) {
    const name = FIELD_BYTES[f]!;
    if (name.length !== n) continue;
    let same = true;
    for (let i = 0; i < n; i++) {
      if (body[start + i] !== name[i]) {
        same = false;
        break;
      }
    }
    if (same) return FIELD_FLAGS[f]!;
  }
  return 0;
}
