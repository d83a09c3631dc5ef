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

function toMs(value: unknown, field: string): number {
  const text = jsonText(value, field);
  if (!/^\d+$/.test(text)) throw new ApiError(400, `Invalid ${field}: ${text}`);
  return text.length <= 10 ? Number(text) * 1000 : Number(text);
}

/**
 * The annotation a request names. A TSUID that is not hex is refused as OpenTSDB's
 * Annotation.getRowKey refuses it (UniqueId.stringToUid): 400 "contains illegal character
 * for hexBinary: <the TSUID, padded to an even length>". An empty one is a global note.
 */
function annotationIn(json: Record<string, unknown> | null): Annotation {
  if (typeof json !== 'object' || json === null) throw new ApiError(400, 'Unable to parse the given JSON', 'Expected an annotation object');
  if (json.startTime === undefined || json.startTime === null || json.startTime === 0) throw new ApiError(400, 'Missing start time');
  const a: Annotation = { startTime: toMs(json.startTime, 'startTime') };
  if (json.endTime) a.endTime = toMs(json.endTime, 'endTime');
  if (json.tsuid) a.tsuid = jsonText(json.tsuid, 'tsuid');
  if (a.tsuid) hexBinaryUid(a.tsuid);
  if (json.description !== undefined) a.description = jsonText(json.description, 'description');
  if (json.notes !== undefined) a.notes = jsonText(json.notes, 'notes');
  if (json.custom && typeof json.custom === 'object') a.custom = Object.fromEntries(Object.entries(json.custom).map(([k, v]) => [k, jsonText(v, `custom.${k}`)]));
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

/** GET and DELETE may name the annotation in the query string; POST/PUT in the body. */
function requested(request: FastifyRequest): Record<string, unknown> {
  const qs = request.query as Record<string, string | undefined>;
  const hasBody = Buffer.isBuffer(request.body) && request.body.length > 0;
  if (hasBody) return jsonBody(request.body);
  return { startTime: qs.start_time, endTime: qs.end_time, tsuid: qs.tsuid, description: qs.description, notes: qs.notes };
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
          wanted = annotationIn(requested(request));
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
          return annotationIn(json);
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
