/**
 * `DELETE /api/annotation/bulk` (OpenTSDB 2.1+, AnnotationRpc.executeBulkDelete): removes
 * the annotations of the `tsuids` given, and with `global` the global ones, whose start
 * time lies in [startTime, endTime] (ms; endTime defaults to now). The request comes as a
 * JSON body `{"tsuids":[…],"global":false,"startTime":"1h-ago","endTime":…}` or as the
 * query string `?start_time=…&end_time=…&tsuids=a,b&global`. The answer is the request as
 * read (AnnotationBulkDelete: times parsed to ms) with `totalDeleted`.
 *
 * Errors, OpenTSDB's: no start time 400 `Missing the start time value` (query string:
 * `Missing parameter <code>start_time</code>`); neither tsuids nor global 400 `Missing the
 * TSUIDs or global annotations flag`; an end before the start 400 `The end timestamp
 * cannot be less than the start timestamp` (Annotation.deleteRange); times as
 * DateTime.parseDateTimeString refuses them.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { StorageEngine } from '../../core';
import { ApiError, hexBinaryUid, parseDateTime } from '../../lib/opentsdb';
import { jsonBody } from './json-body';
import { ANNOTATION_BULK_DELETE_SCHEMA } from './schemas';

interface BulkDelete {
  tsuids: string[] | null;
  global: boolean;
  startTime: string | undefined;
  endTime: string | undefined;
}

/** Jackson's String field from a JSON value: a number or a string as written, null as absent. */
function timeText(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'number' || typeof value === 'string') return String(value);
  throw new ApiError(400, 'Unable to parse the given JSON', 'a time must be a string or a number');
}

function fromBody(body: Record<string, unknown>): BulkDelete {
  const { tsuids, global } = body;
  if (tsuids !== undefined && tsuids !== null && (!Array.isArray(tsuids) || tsuids.some((t) => typeof t !== 'string'))) {
    throw new ApiError(400, 'Unable to parse the given JSON', '"tsuids" must be a list of strings');
  }
  if (global !== undefined && global !== null && typeof global !== 'boolean') throw new ApiError(400, 'Unable to parse the given JSON', '"global" must be true or false');
  return { tsuids: (tsuids as string[] | null | undefined) ?? null, global: global === true, startTime: timeText(body.startTime), endTime: timeText(body.endTime) };
}

function fromQuery(request: FastifyRequest): BulkDelete {
  const qs = request.query as Record<string, string | string[] | undefined>;
  const first = (name: string): string | undefined => (Array.isArray(qs[name]) ? qs[name]![0] : (qs[name] as string | undefined));
  const start = first('start_time');
  if (start === undefined) throw new ApiError(400, 'Missing parameter <code>start_time</code>');
  const tsuids = first('tsuids');
  return { tsuids: tsuids === undefined ? null : tsuids.split(',').map((t) => t.trim()), global: qs.global !== undefined, startTime: start, endTime: first('end_time') };
}

export function registerAnnotationBulkDelete(app: FastifyInstance, storage: () => StorageEngine): void {
  app.route({
    method: 'DELETE',
    url: '/api/annotation/bulk',
    config: { scope: 'admin' },
    schema: ANNOTATION_BULK_DELETE_SCHEMA,
    handler: async (request) => {
      const hasBody = Buffer.isBuffer(request.body) && request.body.length > 0;
      const wanted = hasBody ? fromBody(jsonBody(request.body)) : fromQuery(request);
      if (wanted.startTime === undefined || wanted.startTime === '') throw new ApiError(400, 'Missing the start time value');
      if (!wanted.global && (wanted.tsuids === null || wanted.tsuids.length === 0)) throw new ApiError(400, 'Missing the TSUIDs or global annotations flag');
      const start = parseDateTime(wanted.startTime);
      const end = wanted.endTime === undefined || wanted.endTime === '' ? Date.now() : parseDateTime(wanted.endTime);
      // Annotation.deleteRange's IllegalArgumentExceptions: the message is the details too
      const invalid = end < 1 ? 'The end timestamp has not been set' : end < start ? 'The end timestamp cannot be less than the start timestamp' : undefined;
      // OpenTSDB's order: the global notes' deleteRange, then each TSUID's stringToUid and
      // deleteRange; the first failure answers (checked here before anything is deleted)
      if (invalid && wanted.global) throw new ApiError(400, invalid, invalid);
      for (const t of wanted.tsuids ?? []) {
        hexBinaryUid(t);
        if (invalid) throw new ApiError(400, invalid, invalid);
      }
      const engine = storage();
      let totalDeleted = 0;
      const owners: (readonly string[] | 'global')[] = [...(wanted.global ? ['global' as const] : []), ...(wanted.tsuids ?? []).map((t) => [t])];
      for (const owner of owners) {
        for (const a of await engine.annotations({ start, end }, owner)) {
          if (a.startTime < start || a.startTime > end) continue;
          if (await engine.deleteAnnotation({ startTime: a.startTime, tsuid: a.tsuid })) totalDeleted++;
        }
      }
      return { tsuids: wanted.tsuids, global: wanted.global, startTime: start, endTime: end, totalDeleted };
    },
  });
}
