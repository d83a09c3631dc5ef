/**
 * OpenTSDB's JSON body of `/api/put` (HttpJsonSerializer.parsePutV1): one point object
 * or an array of them. Numbers keep their source text, so int64 values stay exact and
 * `42` (integer) stays apart from `42.0` (float). A `value` that is a JSON object is
 * DSDB's JSON value; a string value is read as a telnet value token would be.
 */
import { ValueKind } from '../../core/types';
import { ApiError } from './api-error';
import { JsonNumber, JsonSyntaxError, canonicalJson, isJsonObject, parseExactJson, type ExactJson } from './json-text';
import type { PutCollector, ReceivedPoint } from './put-collector';
import type { PutFormat } from './put-format';
import { newValueSlot } from './value-text';

export const jsonFormat: PutFormat = {
  contentType: 'application/json',
  decode(body, collector) {
    const text = body.toString('utf8').trim();
    if (text.length === 0) throw new ApiError(400, 'Missing request content');
    if (text[0] !== '{' && text[0] !== '[') throw new ApiError(400, 'The JSON must start as an object or an array');
    let parsed: ExactJson;
    try {
      parsed = parseExactJson(text);
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
  },
};

function admitJsonPoint(point: { [key: string]: ExactJson }, collector: PutCollector): void {
  const received: ReceivedPoint = {
    metric: scalarText(point.metric),
    timestamp: timestampOf(point.timestamp),
    tags: tagsOf(point.tags),
    value: undefined,
  };
  const value = point.value;
  if (isJsonObject(value ?? null)) {
    const slot = newValueSlot();
    slot.kind = ValueKind.Json;
    slot.text = canonicalJson(value!);
    received.value = slot;
  } else if (Array.isArray(value) || typeof value === 'boolean') {
    received.value = canonicalJson(value); // not a number: rejected as OpenTSDB does
  } else {
    received.value = scalarText(value);
  }
  collector.admit(received);
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
