/** The OpenAPI description of `POST /api/put` (descriptive only: the handler checks its input). */
import { errorJson, flag, putPoint, withErrors, type JsonSchema, type RouteSchema } from '../../lib/http';

/** OpenTSDB's `?summary` / `?details` answer (PutDataPointRpc). */
const putSummary: JsonSchema = {
  type: 'object',
  required: ['success', 'failed'],
  properties: {
    success: { type: 'integer' },
    failed: { type: 'integer' },
    timeouts: { type: 'integer', description: 'with sync and sync_timeout' },
    errors: { type: 'array', description: 'with details: each refused point and why', items: { type: 'object', properties: { datapoint: { type: ['object', 'null'], description: 'the point as sent; null for a null in the array' }, error: { type: 'string' } } } },
  },
};

/** The route's schema; `mediaTypes` are the body formats loaded (JSON, and protobuf etc. from the `formats` hook). */
export function putSchema(mediaTypes: string[]): RouteSchema {
  const content: Record<string, { schema: JsonSchema }> = {};
  for (const type of mediaTypes) {
    content[type] =
      type === 'application/json'
        ? { schema: { description: 'one data point or an array of them', anyOf: [putPoint, { type: 'array', items: putPoint }] } }
        : { schema: { type: 'string', contentMediaType: type, description: `a body in ${type} (docs/write.md)` } };
  }
  return {
    summary: 'Store data points (OpenTSDB /api/put)',
    description: 'The body is read in the format its Content-Type names (JSON when unknown); gzip/deflate Content-Encoding is inflated. Points that fail their checks are refused one by one; the others are stored.',
    tags: ['write'],
    querystring: {
      type: 'object',
      properties: {
        summary: flag,
        details: flag,
        sync: flag,
        sync_timeout: { type: 'string', pattern: '^-?[0-9]+$', description: 'ms to wait for durability with sync (0: as long as it takes)' },
      },
    },
    body: { content },
    response: withErrors({
      200: { description: 'with summary or details, all stored', ...putSummary },
      204: { description: 'every point stored (no summary asked for)', type: 'null' },
      400: { description: "some points refused: the summary with details/summary, else OpenTSDB's error JSON", anyOf: [putSummary, errorJson] },
    }),
  };
}
