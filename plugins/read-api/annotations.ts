/**
 * `/api/annotation` and `/api/annotation/bulk`: one annotation by GET (start_time, tsuid),
 * POST/PUT (JSON body), DELETE (204). Times are seconds, or milliseconds when longer than
 * 10 digits; storage keeps milliseconds. `/api/annotations` takes POST, PUT and DELETE as
 * `/api/annotation` does, but its GET lists the global annotations in a time range, as
 * OpenTSDB 2.4.1's AnnotationRpc answers it (Annotation.getGlobalAnnotations).
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { type Annotation, type StorageEngine } from '../../core';
import { allows } from '../../lib/auth';
import { annotationJson, ApiError, hexBinaryUid, jsonText, parseDateTime } from '../../lib/opentsdb';
import { routeWithBody } from '../../lib/http';
import { jsonBody } from './json-body';
import { ANNOTATION_BULK_SCHEMA, ANNOTATION_SCHEMA, ANNOTATIONS_SCHEMA } from './schemas';

/** The most a time in seconds can be (10 digits); longer is milliseconds, as OpenTSDB tells them. */
const MAX_SECONDS = 9_999_999_999;

/**
 * A body's time as Jackson binds it to Annotation's `long` fields (measured on OpenTSDB
 * 2.4.1): a number is truncated toward zero (`1700000500.5` is 1700000500, `1.7e9` is
 * 1700000000), a string must be a whole number (Jackson's `not a valid Long value` is its
 * 500, a 400 here); then seconds, or milliseconds past 10 digits. Returns ms.
 */
function bodyTimeMs(value: unknown, field: string): number {
  let n: number;
  if (typeof value === 'number' && Number.isFinite(value)) n = Math.trunc(value);
  else if (typeof value === 'string' && (value.trim() === '' || value.trim() === 'null')) return 0; // Jackson: an empty (or "null") string is a primitive's 0
  else if (typeof value === 'string' && /^[+-]?\d+$/.test(value.trim())) n = Number(value.trim());
  else throw new ApiError(400, `Invalid ${field}: ${jsonText(value, field)}`);
  // a Java long: Jackson refuses what lies past it (its 500; a 400 here)
  if (Math.abs(n) > LONG_LIMIT) throw new ApiError(400, 'Unable to parse the given JSON', `Numeric value (${jsonText(value, field)}) out of range of long (${field})`);
  return Math.abs(n) <= MAX_SECONDS ? n * 1000 : n;
}

/** 2^63: past a Java long (a double cannot tell 2^63 - 1, the largest, from it: both are taken) */
const LONG_LIMIT = 2 ** 63;

/** Annotation.syncToStorage's and delete's refusal of a body without a start time. */
const NO_START = 'The start timestamp has not been set';

/**
 * A query string's time as AnnotationRpc.parseQS reads it: DateTime.parseDateTimeString
 * (`1h-ago`, dates, seconds or ms), then divided by 1000 — its "TODO - fix for ms support":
 * a query-string note is always named to the second. Returns ms; -1 when absent.
 */
function queryTimeMs(text: string | undefined): number {
  if (text === undefined || text === '') return -1;
  return Math.trunc(parseDateTime(text, 'UTC', Date.now()) / 1000) * 1000;
}

/**
 * The annotation a request names. A TSUID that is not hex is refused as OpenTSDB's
 * Annotation.getRowKey refuses it (UniqueId.stringToUid): 400 "contains illegal character
 * for hexBinary: <the TSUID, padded to an even length>". An empty one is a global note.
 */
function annotationIn(json: Record<string, unknown> | null): Annotation {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new ApiError(400, 'Unable to parse the given JSON', 'Expected an annotation object');
  // Jackson binds every field before syncToStorage looks at the start: a bad field is refused first
  const startTime = json.startTime === undefined || json.startTime === null ? 0 : bodyTimeMs(json.startTime, 'startTime');
  const a: Annotation = { startTime };
  if (json.endTime !== undefined && json.endTime !== null) {
    const endTime = bodyTimeMs(json.endTime, 'endTime');
    if (endTime !== 0) a.endTime = endTime;
  }
  if (json.tsuid) a.tsuid = jsonText(json.tsuid, 'tsuid');
  if (a.tsuid) hexBinaryUid(a.tsuid);
  if (json.description !== undefined) a.description = jsonText(json.description, 'description');
  if (json.notes !== undefined) a.notes = jsonText(json.notes, 'notes');
  if (json.custom !== undefined && json.custom !== null) {
    // Annotation.custom is a HashMap<String,String>: Jackson refuses a string, number or array there (its 500, a 400 here)
    if (typeof json.custom !== 'object' || Array.isArray(json.custom)) throw new ApiError(400, 'Unable to parse the given JSON', `"custom" must be an object of strings, not ${Array.isArray(json.custom) ? 'an array' : JSON.stringify(json.custom)}`);
    // a null value stays null (Jackson's HashMap<String,String>); numbers and booleans become their text
    a.custom = Object.fromEntries(Object.entries(json.custom).map(([k, v]) => [k, v === null ? null : jsonText(v, `custom.${k}`)]));
  }
  return a;
}

/** AnnotationRpc.parseQS: the note a query string names (GET and DELETE without a body). */
function annotationFromQuery(qs: Record<string, string | string[] | undefined>): Annotation {
  // a repeated parameter: the first counts (getQueryStringParam)
  const one = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);
  const startTime = queryTimeMs(one(qs.start_time));
  if (startTime < 1) throw new ApiError(400, 'Missing start time');
  const a: Annotation = { startTime };
  const endTime = queryTimeMs(one(qs.end_time));
  if (endTime > 0) a.endTime = endTime;
  const tsuid = one(qs.tsuid);
  if (tsuid) {
    a.tsuid = tsuid;
    hexBinaryUid(tsuid);
  }
  const description = one(qs.description);
  if (description !== undefined) a.description = description;
  const notes = one(qs.notes);
  if (notes !== undefined) a.notes = notes;
  return a;
}

/**
 * Whether a POST/PUT sets anything: OpenTSDB's Annotation marks a field changed when its
 * setter gets a value other than the field's default (description and notes "", endTime 0,
 * custom null), and syncToStorage refuses a note with no change (`No changes detected`): the
 * RPC answers 304 and stores nothing, and bulk leaves such notes out of its answer.
 */
function setsSomething(a: Annotation): boolean {
  return !!a.description || !!a.notes || a.custom !== undefined || (a.endTime !== undefined && a.endTime !== 0);
}

/**
 * The note a request names: its JSON body when it has one (any method), else its query
 * string (AnnotationRpc: `query.hasContent() ? parseAnnotationV1() : parseQS()`). A body
 * without a start time is refused as the method's OpenTSDB call refuses it.
 */
function requested(request: FastifyRequest, method: string): Annotation {
  const hasBody = Buffer.isBuffer(request.body) && request.body.length > 0;
  if (!hasBody) return annotationFromQuery(request.query as Record<string, string | string[] | undefined>);
  const note = annotationIn(jsonBody(request.body));
  if (note.startTime < 1) {
    if (method === 'DELETE') throw new ApiError(400, 'Unable to delete Annotation information', NO_START);
    // Annotation.getAnnotation's refusal is OpenTSDB's 500 naming the exception: a 400 here (divergence 10)
    if (method === 'GET') throw new ApiError(400, `java.lang.IllegalArgumentException: ${NO_START}`);
    throw new ApiError(400, NO_START, NO_START);
  }
  return note;
}

async function find(storage: StorageEngine, startTime: number, tsuid: string | undefined): Promise<Annotation | undefined> {
  const found = await storage.annotations({ start: startTime, end: startTime }, tsuid ? [tsuid] : 'global');
  return found.find((a) => a.startTime === startTime && (a.tsuid ?? undefined) === (tsuid || undefined));
}

/**
 * GET /api/annotations: the global annotations whose start lies in [start_time, end_time]
 * (end_time defaults to now), in time order. Times as /api/query reads them (`1h-ago`,
 * seconds, ms, dates): OpenTSDB's parse errors are its 500s, 400s here (divergence 10), as
 * is its `The end timestamp cannot be less than the start timestamp`.
 */
async function globalAnnotationsIn(storage: StorageEngine, qs: Record<string, string | string[] | undefined>): Promise<Record<string, unknown>[]> {
  const last = (v: string | string[] | undefined) => (Array.isArray(v) ? v[v.length - 1] : v);
  const startText = last(qs.start_time);
  if (startText === undefined || startText === '') throw new ApiError(400, 'Missing start time');
  const now = Date.now();
  const start = parseDateTime(startText, 'UTC', now);
  const endText = last(qs.end_time);
  const end = endText === undefined || endText === '' ? now : parseDateTime(endText, 'UTC', now);
  if (end < start) throw new ApiError(400, 'java.lang.IllegalArgumentException: The end timestamp cannot be less than the start timestamp');
  const found = await storage.annotations({ start, end }, 'global');
  return found
    .filter((a) => !a.tsuid && a.startTime >= start && a.startTime <= end)
    .sort((a, b) => a.startTime - b.startTime)
    .map(annotationJson);
}

/** Annotation.toString() of a note as sent: what OpenTSDB's bulk error names it by. */
function bulkNoteText(json: Record<string, unknown>): string {
  return `TSUID: ${String(json.tsuid)} Start: ${String(json.startTime)}  Description: ${String(json.description ?? '')}`;
}

export function registerAnnotations(app: FastifyInstance, storage: () => StorageEngine): void {
  for (const url of ['/api/annotation', '/api/annotations']) {
    routeWithBody(app, {
      method: ['GET', 'POST', 'PUT', 'DELETE'],
      url,
      config: { scope: { GET: 'read', POST: 'admin', PUT: 'admin', DELETE: 'admin' } },
      schema: url === '/api/annotation' ? ANNOTATION_SCHEMA : ANNOTATIONS_SCHEMA,
      handler: async (request, reply) => {
        const qs = request.query as Record<string, string | string[] | undefined>;
        // a repeated parameter is an array: the first counts (as OpenTSDB's getQueryStringParam)
        const override = Array.isArray(qs.method_override) ? qs.method_override[0] : qs.method_override;
        const method = (override ?? request.method).toUpperCase();
        // ?method_override=DELETE on a GET changes data: the scope follows the method it names
        if (method !== 'GET' && !allows(request.principal, 'admin')) throw new ApiError(403, 'Forbidden', 'changing annotations needs the admin scope');
        const engine = storage();
        if (method === 'GET' && url === '/api/annotations') return globalAnnotationsIn(engine, qs);
        let wanted: Annotation;
        try {
          wanted = requested(request, method);
        } catch (err) {
          if (err instanceof ApiError && err.message.startsWith('contains illegal character')) {
            // AnnotationRpc's delete answers its own message with the cause as the details;
            // its GET fails with a 500 naming the exception: a 400 here (divergence 10)
            if (method === 'DELETE') throw new ApiError(400, 'Unable to delete Annotation information', err.message);
            if (method === 'GET') throw new ApiError(400, `java.lang.IllegalArgumentException: ${err.message}`);
          }
          throw err;
        }
        if (method === 'GET') {
          const found = await find(engine, wanted.startTime, wanted.tsuid);
          if (!found) throw new ApiError(404, 'Unable to locate annotation in storage');
          return annotationJson(found);
        }
        if (method === 'DELETE') {
          await engine.deleteAnnotation({ startTime: wanted.startTime, tsuid: wanted.tsuid });
          reply.code(204);
          return reply.send();
        }
        if (!setsSomething(wanted)) {
          reply.code(304);
          return reply.send();
        }
        // POST merges into an existing note; PUT replaces it.
        const existing = method === 'POST' ? await find(engine, wanted.startTime, wanted.tsuid) : undefined;
        const merged: Annotation = { ...existing, ...wanted };
        await engine.putAnnotation(merged);
        return annotationJson(merged);
      },
    });
  }
  app.route({
    method: ['POST', 'PUT'],
    url: '/api/annotation/bulk',
    config: { scope: 'admin' },
    schema: ANNOTATION_BULK_SCHEMA,
    handler: async (request) => {
      const body = jsonBody(request.body, true);
      if (!Array.isArray(body)) throw new ApiError(400, 'Expected an array of annotations');
      // every note is checked before any is stored (OpenTSDB's writes of the notes before a bad one may have gone out)
      const list = (body as Record<string, unknown>[]).map((json) => {
        try {
          const note = annotationIn(json);
          // the note as Jackson bound it: tsuid "" when absent, the start 0
          if (note.startTime < 1) throw new ApiError(400, NO_START, `Annotation error: TSUID: ${note.tsuid ?? ''} Start: ${note.startTime / 1000}  Description: ${note.description ?? ''}`);
          return note;
        } catch (err) {
          if (err instanceof ApiError && err.message.startsWith('contains illegal character')) throw new ApiError(400, err.message, `Annotation error: ${bulkNoteText(json)}`);
          throw err;
        }
      });
      const changing = list.filter(setsSomething);
      for (const a of changing) await storage().putAnnotation(a);
      return changing.map(annotationJson);
    },
  });
}
