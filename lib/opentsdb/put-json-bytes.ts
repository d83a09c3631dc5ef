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
import { hashRanges, sameRun, SeriesCache, type CachedSeries } from './series-cache';
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
// module constants: ValueKind read through the core barrel per point costs a getter call
const INT: number = ValueKind.Int;
const FLOAT: number = ValueKind.Float;

/** Longest plain integer timestamp read here (larger ones take the exact reader). */
const MAX_TIMESTAMP_DIGITS = 15;

function isSpace(c: number | undefined): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

/** The first position at or after `pos` that is not JSON whitespace. */
function skipSpace(body: Buffer, pos: number): number {
  while (isSpace(body[pos])) pos++;
  return pos;
}

/**
 * A string without escapes or control characters, its opening quote at `pos`: the
 * position of its closing quote (its contents are `(pos, end)`), or -1.
 */
function stringEnd(body: Buffer, pos: number): number {
  if (body[pos] !== QUOTE) return -1;
  const n = body.length;
  for (let i = pos + 1; i < n; i++) {
    const c = body[i]!;
    if (c === QUOTE) return i;
    if (c === BACKSLASH || c < 0x20) return -1;
  }
  return -1;
}

/**
 * The end of the value word at `start` (the first `,`, `}` or space after it), or -1 when
 * it is not written as JSON writes a number: a leading zero, a bare `.5` or a `+` (such
 * bodies get the exact reader's answer). What the word holds is readPlainNumber's to say.
 */
function numberWordEnd(body: Buffer, start: number): number {
  const n = body.length;
  let end = start;
  for (; end < n; end++) {
    const c = body[end]!;
    if (c === COMMA || c === CLOSE_BRACE || isSpace(c)) break;
  }
  const first = body[start] === 0x2d ? start + 1 : start;
  const lead = body[first]! - 0x30;
  if (!(lead >= 0 && lead <= 9) || (lead === 0 && first + 1 < end && body[first + 1] !== 0x2e)) return -1;
  return end;
}

/** A `tags` object of string keys and string values, its `{` at `pos`: the position after its `}`, or -1. */
function tagsEnd(body: Buffer, pos: number): number {
  if (body[pos] !== OPEN_BRACE) return -1;
  pos = skipSpace(body, pos + 1);
  if (body[pos] === CLOSE_BRACE) return pos + 1;
  for (;;) {
    const keyEnd = stringEnd(body, pos);
    if (keyEnd < 0) return -1;
    pos = skipSpace(body, keyEnd + 1);
    if (body[pos] !== COLON) return -1;
    const valueEnd = stringEnd(body, skipSpace(body, pos + 1));
    if (valueEnd < 0) return -1;
    pos = skipSpace(body, valueEnd + 1);
    const c = body[pos];
    if (c === COMMA) {
      pos = skipSpace(body, pos + 1);
      continue;
    }
    return c === CLOSE_BRACE ? pos + 1 : -1;
  }
}

/**
 * A point object of one series as the reader last took it field by field: its bytes from
 * after its `{` to after its `}`, with the places of its timestamp digits and its value
 * (timestamp first). A client sends a series' points in the same shape every time, so the
 * next point of the series is read against it: the bytes around the two numbers compared
 * whole, the numbers read (PutJsonBytesReader.readTemplated). Offsets are into `bytes`.
 */
export interface PointTemplate {
  readonly bytes: Buffer;
  /** `bytes` as a DataView: compared with a body four bytes at a time (sameRun) */
  readonly view: DataView<ArrayBufferLike>;
  readonly timestampStart: number;
  readonly timestampEnd: number;
  readonly valueStart: number;
  readonly valueEnd: number;
}

/** readTemplated: the point is not the template's shape; read it field by field. */
const NOT_TEMPLATED = -2;

/**
 * The reader keeps its place in local variables and passes positions (-1: give up), not
 * in a cursor object: a field written per byte is a store to memory that V8 cannot keep
 * in a register (the cursor version read ~4 µs a point on this machine's slow days).
 */
export class PutJsonBytesReader {
  // a body is read whole into its own batch before the next: one batch at a time
  private readonly cache: SeriesCache;
  private readonly slot = newValueSlot();
  /** the last value read was a plain integer, held in slot.float (slot.int not set) */
  private safeInt = false;

  /** the body being read as a DataView (read() sets it; it holds the last body until the next): compared with known bytes four at a time */
  private view: DataView<ArrayBufferLike> = new DataView(new ArrayBuffer(0));

  /** `maxSeries`: the series cache's bound (SeriesCacheOptions.maxEntries; default 2^18) */
  constructor(options: { maxSeries?: number } = {}) {
    this.cache = new SeriesCache({ oneBatchAtATime: true, maxEntries: options.maxSeries });
  }

  /**
   * Reads every point of `body` into `batch`; the number of points, or -1 when the body
   * needs the exact reader (the batch may then hold some of its points: discard it).
   */
  read(body: Buffer, batch: BatchBuilder): number {
    this.view = new DataView(body.buffer, body.byteOffset, body.length);
    let pos = skipSpace(body, 0);
    if (body[pos] !== OPEN_BRACKET) return -1;
    pos++;
    let count = 0;
    for (;;) {
      pos = skipSpace(body, pos);
      if (body[pos] !== OPEN_BRACE) return -1;
      pos = this.readPoint(body, pos + 1, batch);
      if (pos < 0) return -1;
      count++;
      pos = skipSpace(body, pos);
      const c = body[pos];
      pos++;
      if (c === COMMA) continue;
      if (c !== CLOSE_BRACKET) return -1;
      break;
    }
    return skipSpace(body, pos) === body.length ? count : -1;
  }

  /** One point object, its `{` consumed (`pos` is after it): its fields in any order, each once. The position after its `}`, or -1. */
  private readPoint(body: Buffer, pos: number, batch: BatchBuilder): number {
    const n = body.length;
    let seen = 0;
    let metricStart = 0;
    let metricEnd = 0;
    let tagsStart = 0;
    let tagsStop = 0;
    let timestamp = 0;
    // the series the point likely names (SeriesCache.guess): its metric and tags are compared
    // with the body's where they are read, and a match is read as a whole (no scan, no hash)
    const candidate = this.cache.guess();
    if (candidate?.template !== undefined) {
      const end = this.readTemplated(body, pos, candidate, candidate.template, batch);
      if (end !== NOT_TEMPLATED) return end;
    }
    const objectStart = pos;
    let timestampStart = 0;
    let timestampEnd = 0;
    let valueStart = 0;
    let valueEnd = 0;
    const guess = candidate !== undefined && candidate.firstLength > 0 ? candidate : undefined;
    let guessed = 0;
    for (;;) {
      pos = skipSpace(body, pos);
      const field = fieldAt(body, pos);
      if (field === 0 || (seen & field) !== 0) return -1;
      seen |= field;
      pos = skipSpace(body, pos + FIELD_KEYS[field]!.length);
      if (body[pos] !== COLON) return -1;
      pos = skipSpace(body, pos + 1);
      if (field === FIELD_METRIC) {
        // the guess's metric bytes and the string's closing quote (a metric held no quote or backslash)
        if (guess !== undefined && body[pos] === QUOTE && body[pos + 1 + guess.firstLength] === QUOTE && sameWordsAt(body, this.view, pos + 1, guess.bytes, guess.view, guess.at, guess.at + guess.firstLength)) {
          metricStart = pos + 1;
          metricEnd = metricStart + guess.firstLength;
          pos = metricEnd + 1;
          guessed |= FIELD_METRIC;
        } else {
          const end = stringEnd(body, pos);
          if (end <= pos + 1) return -1; // not a string, or an empty one
          metricStart = pos + 1;
          metricEnd = end;
          pos = end + 1;
        }
      } else if (field === FIELD_TIMESTAMP) {
        // a plain positive integer of at most MAX_TIMESTAMP_DIGITS digits, else the exact reader
        if (body[pos] === 0x30) return -1;
        const digitsStart = pos;
        timestamp = 0;
        for (; pos < n; pos++) {
          const d = body[pos]! - 0x30;
          if (d < 0 || d > 9) break;
          timestamp = timestamp * 10 + d;
        }
        const next = body[pos];
        if (pos === digitsStart || pos - digitsStart > MAX_TIMESTAMP_DIGITS || next === 0x2e || next === 0x65 || next === 0x45) return -1;
        timestampStart = digitsStart;
        timestampEnd = pos;
      } else if (field === FIELD_VALUE) {
        const start = pos;
        pos = numberWordEnd(body, start);
        if (pos < 0) return -1;
        // a plain integer stays a number (slot.float) until it is pushed, no bigint
        const plain = readPlainNumber(body, start, pos, this.slot);
        if (plain === NOT_PLAIN) return -1;
        this.safeInt = plain === INT;
        valueStart = start;
        valueEnd = pos;
      } else if (guess !== undefined && sameWordsAt(body, this.view, pos, guess.bytes, guess.view, guess.at + guess.firstLength + 1, guess.at + guess.length)) {
        // the guess's tag object, byte for byte: an object ends where its bytes do, so tagsEnd would end here too
        tagsStart = pos;
        pos += guess.length - guess.firstLength - 1;
        tagsStop = pos;
        guessed |= FIELD_TAGS;
      } else {
        tagsStart = pos;
        pos = tagsEnd(body, pos);
        if (pos < 0) return -1;
        tagsStop = pos;
      }
      pos = skipSpace(body, pos);
      const c = body[pos];
      pos++;
      if (c === COMMA) continue;
      if (c !== CLOSE_BRACE) return -1;
      break;
    }
    if (seen !== ALL_FIELDS) return -1;
    const slot = this.slot;
    let series: CachedSeries | undefined;
    if (guessed === (FIELD_METRIC | FIELD_TAGS)) {
      series = guess!;
      this.cache.follow(series);
    } else {
      series = this.cache.lookup(body, metricStart, metricEnd, tagsStart, tagsStop);
    }
    if (series === undefined) {
      series = this.newSeries(body, hashRanges(body, metricStart, metricEnd, tagsStart, tagsStop), metricStart, metricEnd, tagsStart, tagsStop, timestamp);
      if (series === undefined) return -1;
    } else if ((slot.kind === FLOAT && !Number.isFinite(slot.float)) || !timestampInRange(timestamp)) {
      return -1;
    }
    const index = this.cache.indexIn(series, batch);
    if (this.safeInt) batch.pushSafeInt(index, toMilliseconds(timestamp), slot.float);
    else batch.push(index, toMilliseconds(timestamp), slot.kind, slot.float, slot.int, undefined);
    // this shape is the series' template: when it has none, or its own did not fit this point
    if (timestampStart < valueStart && (series.template === undefined || series === candidate)) {
      const bytes = Buffer.from(body.subarray(objectStart, pos));
      series.template = {
        bytes,
        view: new DataView(bytes.buffer, bytes.byteOffset, bytes.length),
        timestampStart: timestampStart - objectStart,
        timestampEnd: timestampEnd - objectStart,
        valueStart: valueStart - objectStart,
        valueEnd: valueEnd - objectStart,
      };
    }
    return pos;
  }

  /**
   * A point of `series` in the shape of its template (`pos` is after the point's `{`): the
   * bytes before, between and after the timestamp and the value equal the template's, and
   * both numbers are read with readPoint's rules. Such a point is the one readPoint would
   * read (the same keys, metric string and tag object, and numbers it takes) for the
   * template's series, so it is pushed without the field walk. The position after its `}`,
   * or NOT_TEMPLATED (nothing pushed) for any other point, which readPoint then reads.
   */
  private readTemplated(body: Buffer, pos: number, series: CachedSeries, template: PointTemplate, batch: BatchBuilder): number {
    const known = template.bytes;
    const knownView = template.view;
    const view = this.view;
    const n = body.length;
    if (!sameWordsAt(body, view, pos, known, knownView, 0, template.timestampStart)) return NOT_TEMPLATED;
    let i = pos + template.timestampStart;
    // the timestamp: readPoint's plain integer; the template's next byte ends it (not a digit, `.`, `e` or `E`)
    if (body[i] === 0x30) return NOT_TEMPLATED;
    const digitsStart = i;
    let timestamp = 0;
    for (; i < n; i++) {
      const d = body[i]! - 0x30;
      if (d < 0 || d > 9) break;
      timestamp = timestamp * 10 + d;
    }
    // (no digit count check: a number without a leading zero that timestampInRange takes below has at most 13)
    if (i === digitsStart || !sameWordsAt(body, view, i, known, knownView, template.timestampEnd, template.valueStart)) return NOT_TEMPLATED;
    i += template.valueStart - template.timestampEnd;
    // the value: readPoint's word, ended by the template's next byte (`,`, `}` or a space)
    const start = i;
    i = numberWordEnd(body, start);
    if (i < 0) return NOT_TEMPLATED;
    const slot = this.slot;
    const plain = readPlainNumber(body, start, i, slot);
    if (plain === NOT_PLAIN) return NOT_TEMPLATED;
    if (!sameWordsAt(body, view, i, known, knownView, template.valueEnd, known.length)) return NOT_TEMPLATED;
    if ((slot.kind === FLOAT && !Number.isFinite(slot.float)) || !timestampInRange(timestamp)) return NOT_TEMPLATED;
    this.cache.follow(series);
    const index = this.cache.indexIn(series, batch);
    if (plain === INT) batch.pushSafeInt(index, toMilliseconds(timestamp), slot.float);
    else batch.push(index, toMilliseconds(timestamp), slot.kind, slot.float, slot.int, undefined);
    return i + (known.length - template.valueEnd);
  }

  /** A series not seen in these bytes before: its tags parsed and checked as the exact reader checks them. */
  private newSeries(body: Buffer, hash: number, metricStart: number, metricEnd: number, tagsStart: number, tagsStop: number, timestamp: number): CachedSeries | undefined {
    const metric = body.toString('utf8', metricStart, metricEnd);
    const tags = Object.create(null) as Record<string, string>;
    let tagCount = 0;
    // tagsEnd checked the object's shape: each key, a colon, each value, commas
    let pos = tagsStart + 1;
    for (;;) {
      pos = skipSpace(body, pos);
      if (body[pos] === CLOSE_BRACE) break;
      const keyEnd = stringEnd(body, pos);
      const key = body.toString('utf8', pos + 1, keyEnd);
      const valueStart = skipSpace(body, skipSpace(body, keyEnd + 1) + 1);
      const valueEnd = stringEnd(body, valueStart);
      // a key given twice: Jackson's last-wins tree, left to the exact reader
      if (key in tags) return undefined;
      tags[key] = body.toString('utf8', valueStart + 1, valueEnd);
      tagCount++;
      pos = skipSpace(body, valueEnd + 1);
      if (body[pos] === COMMA) pos++;
    }
    if (tagCount === 0) return undefined;
    // the checks name the value's encoding: they need the int64 that readPlainNumber left out
    if (this.safeInt) this.slot.int = BigInt(this.slot.float);
    const invalid = validateDataPoint({ metric, timestamp, timestampText: String(timestamp), tags, tagCount }, this.slot);
    if (invalid) return undefined;
    const bytes = Buffer.allocUnsafe(metricEnd - metricStart + 1 + (tagsStop - tagsStart));
    body.copy(bytes, 0, metricStart, metricEnd);
    bytes[metricEnd - metricStart] = 0x20;
    body.copy(bytes, metricEnd - metricStart + 1, tagsStart, tagsStop);
    const plain = plainTags(tags);
    return this.cache.add(hash, bytes, metric, plain, seriesKeyString(metric, plain), metricEnd - metricStart);
  }
}

/** Whether `body[at, at + (knownEnd - knownStart))` holds `known[knownStart, knownEnd)` (false when the body ends first). */
function sameAt(body: Buffer, at: number, known: Buffer, knownStart: number, knownEnd: number): boolean {
  if (at + (knownEnd - knownStart) > body.length) return false;
  for (let j = knownStart; j < knownEnd; j++, at++) if (body[at] !== known[j]) return false;
  return true;
}

/** sameAt over DataViews of both (`view` of `body`, `knownView` of `known`): four bytes at a time (sameRun). */
function sameWordsAt(body: Buffer, view: DataView<ArrayBufferLike>, at: number, known: Uint8Array, knownView: DataView<ArrayBufferLike>, knownStart: number, knownEnd: number): boolean {
  return at + (knownEnd - knownStart) <= body.length && sameRun(view, body, at, knownView, known, knownStart, knownEnd);
}

/** Each point field's key as it stands in the body, quotes included, by its flag. */
const FIELD_KEYS: Buffer[] = [];
FIELD_KEYS[FIELD_METRIC] = Buffer.from('"metric"');
FIELD_KEYS[FIELD_TIMESTAMP] = Buffer.from('"timestamp"');
FIELD_KEYS[FIELD_VALUE] = Buffer.from('"value"');
FIELD_KEYS[FIELD_TAGS] = Buffer.from('"tags"');

/**
 * Which of the four point fields the key at `pos` (its opening quote) names: told by its
 * first letters, then its bytes compared whole, closing quote included (one pass, no scan
 * for the quote first). 0 for any other key, or a key with escapes (the exact reader's).
 */
function fieldAt(body: Buffer, pos: number): number {
  if (body[pos] !== QUOTE) return 0;
  const first = body[pos + 1];
  const field = first === 0x6d ? FIELD_METRIC : first === 0x76 ? FIELD_VALUE : first !== 0x74 ? 0 : body[pos + 2] === 0x61 ? FIELD_TAGS : FIELD_TIMESTAMP;
  if (field === 0) return 0;
  const key = FIELD_KEYS[field]!;
  return sameAt(body, pos, key, 0, key.length) ? field : 0;
}
