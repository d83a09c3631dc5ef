/**
 * OpenTSDB's JSON body of `/api/put` (HttpJsonSerializer.parsePutV1): one point object
 * or an array of them. Numbers keep their source text, so int64 values stay exact and
 * `42` (integer) stays apart from `42.0` (float). A `value` that is a JSON object is
 * DSDB's JSON value. A string value that OpenTSDB reads as a number (`"42"`, `"1.5e3"`)
 * stays that number, a string starting with `"` or `{` is read as a telnet value token
 * (`"\"42\""` stores the string `42`), and any other string is stored as a string value
 * (docs/write.md).
 */
import { isUtf8 } from 'node:buffer';
import { ValueKind } from '../../core/types';
import { ApiError } from './api-error';
import { JsonNumber, JsonSyntaxError, canonicalJson, isJsonObject, isNonNumericNumber, parseExactJson, MAX_JSON_DEPTH, type ExactJson } from './json-text';
import type { PutCollector, ReceivedPoint } from './put-collector';
import { decodeBytesFirst, type PutFormat } from './put-format';
import { loneSurrogateAt, newValueSlot, parseValueText } from './value-text';
import { PutJsonBytesReader } from './put-json-bytes';

/** The byte-level reader of the common body; its series cache serves every request (decode is synchronous). */
const bytesReader = new PutJsonBytesReader();

function readCommonBody(body: Buffer, batch: PutCollector['batch']): number | undefined {
  const read = bytesReader.read(body, batch);
  return read > 0 ? read : undefined;
}

export const jsonFormat: PutFormat = {
  contentType: 'application/json',
  decode(body, collector) {
    decodeBytesFirst(body, collector, readCommonBody, decodeExact);
  },
};

/** The exact reader: every body, OpenTSDB's answer for each (the byte reader's reference). */
export function decodeExact(body: Buffer, collector: PutCollector): void {
  const text = body.toString('utf8').trim();
  if (text.length === 0) throw new ApiError(400, 'Missing request content');
  // JSON is UTF-8 (RFC 8259), as Jackson reads it: other bytes would become U+FFFD in a value
  if (text.includes('\uFFFD') && !isUtf8(body)) throw new ApiError(400, 'Unable to parse the given JSON', 'the body is not UTF-8');
  if (text[0] !== '{' && text[0] !== '[') throw new ApiError(400, 'The JSON must start as an object or an array');
  let parsed: ExactJson;
  try {
    // bare NaN and Infinity parse, as Jackson reads them for OpenTSDB; each such point is
    // then refused alone ("Unable to parse value to a number"), not the whole body
    parsed = parseExactJson(text, MAX_JSON_DEPTH, true);
  } catch (err) {
    if (err instanceof JsonSyntaxError) throw new ApiError(400, 'Unable to parse the given JSON', err.message);
    throw err;
  }
  const points = Array.isArray(parsed) ? parsed : [parsed];
  if (points.length === 0) throw new ApiError(400, 'No datapoints found in content');
  // Shapes Jackson cannot bind fail the whole body, before any point is written.
  for (const point of points) {
    if (point !== null && !isJsonObject(point)) throw new ApiError(400, 'Unable to parse the given JSON', `Cannot deserialize a data point from ${canonicalJson(point)}`);
  }
  for (const point of points) {
    if (point === null) collector.rejectRaw('Unexpected null datapoint encountered in set.', undefined);
    else admitJsonPoint(point as { [key: string]: ExactJson }, collector);
  }
}

function admitJsonPoint(point: { [key: string]: ExactJson }, collector: PutCollector): void {
  const received: ReceivedPoint = {
    metric: scalarText(point.metric),
    timestamp: timestampOf(point.timestamp),
    tags: tagsOf(point.tags),
    value: undefined,
  };
  const nullTag = nullTagKey(point.tags);
  if (nullTag !== undefined) received.nullTagKey = nullTag;
  const value = point.value;
  if (isJsonObject(value ?? null)) {
    if (holdsNonNumeric(value!)) {
      received.value = '(a JSON object holding NaN or Infinity)';
      collector.rejectRaw('Unable to parse value: a JSON value cannot hold NaN or Infinity (JSON has no such numbers)', received);
      return;
    }
    const slot = newValueSlot();
    slot.kind = ValueKind.Json;
    slot.text = canonicalJson(value!);
    received.value = slot;
  } else if (typeof value === 'boolean') {
    // Jackson binds a boolean to IncomingDataPoint's String value as its text, which is no number
    received.value = String(value);
    collector.rejectRaw('Unable to parse value to a number', received);
    return;
  } else if (Array.isArray(value)) {
    received.value = canonicalJson(value);
    collector.rejectRaw(`${VALUE_FORMS}, not an array`, received);
    return;
  } else if (typeof value === 'string') {
    received.value = stringValue(value);
  } else {
    received.value = scalarText(value);
  }
  collector.admit(received);
}

/** Whether a parsed JSON value holds a bare NaN or Infinity anywhere (stored, it would not be JSON). */
function holdsNonNumeric(value: ExactJson, depth = 0): boolean {
  if (value instanceof JsonNumber) return isNonNumericNumber(value);
  if (value === null || typeof value !== 'object' || depth > MAX_JSON_DEPTH) return false;
  const children = Array.isArray(value) ? value : Object.values(value);
  return children.some((child) => holdsNonNumeric(child, depth + 1));
}

/** What `/api/put` takes as a value; the message for the forms it refuses. */
export const VALUE_FORMS =
  'Unable to parse value: a value is a number (42, 1.5e3 or the same as a string, "42"), a string ("deploy started"; "\\"42\\"" stores the string 42) or a JSON object ({"a":1})';

const probe = newValueSlot();

/**
 * A string `value`: the text OpenTSDB would read (a number, or DSDB's `"…"`/`{…}` token),
 * or else a string value. NaN, Infinity and integers past int64 stay numbers, refused as
 * OpenTSDB refuses them.
 */
function stringValue(text: string): ReceivedPoint['value'] {
  if (text === '' || parseValueText(text, probe)?.kind !== 'number' || /^\s*[+-]?(NaN|Infinity)[fFdD]?\s*$/.test(text)) return text;
  // an integer past int64 is a number OpenTSDB cannot read, not text: refused as it refuses it
  // (a uint64 counter sent as a string must not turn its series into strings)
  if (/^[+-]?\d+$/.test(text)) return text;
  // as its string token: refused there, with the telnet path's message
  if (loneSurrogateAt(text) >= 0) return JSON.stringify(text);
  const slot = newValueSlot();
  slot.kind = ValueKind.String;
  slot.text = text;
  return slot;
}

/** Jackson binds scalars to String fields by their text. */
function scalarText(value: ExactJson | undefined): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return value;
  if (value instanceof JsonNumber) return value.text;
  if (typeof value === 'boolean') return String(value);
  return undefined;
}

function timestampOf(value: ExactJson | undefined): number | string | undefined {
  if (value instanceof JsonNumber) return /^-?\d+$/.test(value.text) ? value.text : Math.trunc(Number(value.text));
  if (typeof value === 'string') return value;
  return undefined;
}

/** The first tag key whose value is JSON null, if any (OpenTSDB refuses the point naming it). */
function nullTagKey(value: ExactJson | undefined): string | undefined {
  if (!isJsonObject(value ?? null)) return undefined;
  const source = value as { [key: string]: ExactJson };
  for (const key in source) if (source[key] === null) return key;
  return undefined;
}

function tagsOf(value: ExactJson | undefined): Record<string, string> | undefined {
  if (!isJsonObject(value ?? null)) return undefined;
  // A plain object (fast properties); `__proto__` is defined, not assigned.
  const source = value as { [key: string]: ExactJson };
  const tags: Record<string, string> = {};
  for (const key in source) {
    const text = scalarText(source[key]);
    if (text === undefined) continue;
    if (key === '__proto__') Object.defineProperty(tags, key, { value: text, enumerable: true, writable: true, configurable: true });
    else tags[key] = text;
  }
  return tags;
}
