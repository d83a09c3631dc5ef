/**
 * Shared JSON Schema pieces for route `schema`s (fastify's route option), from which the
 * http plugin generates DSDB's OpenAPI 3.1 description (`GET /api/openapi.json`).
 *
 * House rule: route schemas are DESCRIPTIVE ONLY. fastify neither validates requests nor
 * serializes replies with them (the http plugin installs pass-through compilers), because
 * handlers read raw bodies and answer bad input with OpenTSDB's exact error JSON and
 * status, which the differential tests against OpenTSDB 2.4.1 pin. So a schema must say
 * what the handler accepts and answers; it never changes behaviour.
 *
 * Shapes follow OpenTSDB 2.4's HTTP API documentation (and what OpenTSDB 2.4.1 answers).
 */

/** A JSON Schema object (draft 2020-12, as OpenAPI 3.1 uses). */
export type JsonSchema = Record<string, unknown>;

/**
 * A route's `schema` as the OpenAPI generator reads it: fastify's own keys plus the
 * OpenAPI operation fields. `summary` and `tags` are expected on every route.
 */
export interface RouteSchema {
  summary: string;
  description?: string;
  tags: string[];
  operationId?: string;
  querystring?: JsonSchema;
  params?: JsonSchema;
  headers?: JsonSchema;
  /** a JSON Schema, or `{ content: { '<media type>': { schema } } }` for several media types */
  body?: JsonSchema;
  /** by status (`200`, `204`, `4xx`, `default`); a response may be `{ description, content }` */
  response?: Record<string, JsonSchema>;
  /** OpenAPI's `deprecated`, `externalDocs`, … pass through */
  [key: string]: unknown;
}

/** OpenTSDB's error body (HttpSerializer.formatErrorV1): the HTTP status equals `code`. */
export const errorJson: JsonSchema = {
  description: "OpenTSDB's error JSON; the HTTP status equals error.code",
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message'],
      properties: {
        code: { type: 'integer', minimum: 400, maximum: 599 },
        message: { type: 'string' },
        details: { type: 'string' },
        trace: { type: 'string' },
      },
    },
  },
};

/**
 * The error answers every API route may give, in OpenTSDB's error JSON: 4xx (bad input,
 * 401/403 with the auth plugin, 404, 405, 413 budgets, …) and 5xx (503 no or unreachable
 * storage; the few 500s OpenTSDB 2.4.1 itself answers, listed in docs/opentsdb-compat.md).
 */
export const errorResponses: Record<string, JsonSchema> = {
  '4xx': { ...errorJson, description: "Bad request, refused or not found: OpenTSDB's error JSON" },
  '5xx': { ...errorJson, description: "Server-side failure (503: no or unreachable storage): OpenTSDB's error JSON" },
};

/** `responses` with the shared error answers added. */
export function withErrors(responses: Record<string, JsonSchema>): Record<string, JsonSchema> {
  return { ...responses, ...errorResponses };
}

/** A 204 with no body. */
export const noContent: JsonSchema = { description: 'No content', type: 'null' };

/** Tag pairs: tag key → tag value. */
export const tagMap: JsonSchema = { type: 'object', additionalProperties: { type: 'string' } };

/** A flag given by its presence in the query string (`?summary`, `?ms`): any value, even empty. */
export const flag: JsonSchema = { type: 'string', description: 'a flag: present (any value, even empty) means on' };

/** A time as OpenTSDB reads it: epoch seconds or ms, `1h-ago`, `2024/01/02-03:04:05`, … */
export const timeSpec: JsonSchema = { type: 'string', description: 'epoch seconds or milliseconds, relative (`1h-ago`) or `yyyy/MM/dd-HH:mm:ss`', examples: ['1h-ago', '1700000000'] };

/** A value as stored and answered: a number, or (DSDB's extension) a string or JSON value. */
export const pointValue: JsonSchema = {};

/** One data point as /api/put takes it (OpenTSDB's IncomingDataPoint). */
export const putPoint: JsonSchema = {
  type: 'object',
  examples: [{ metric: 'sys.cpu.user', timestamp: 1700000000, value: 42.5, tags: { host: 'web01' } }],
  required: ['metric', 'timestamp', 'value', 'tags'],
  properties: {
    metric: { type: 'string' },
    timestamp: { description: 'epoch seconds or milliseconds (number or numeric string)', type: ['integer', 'string'] },
    value: { description: 'a number (or numeric string); DSDB also stores strings and JSON values (docs/write.md)' },
    tags: tagMap,
  },
};

/** An annotation as OpenTSDB answers it (Annotation.java). Times in seconds, or ms when not whole seconds. */
export const annotation: JsonSchema = {
  type: 'object',
  properties: {
    tsuid: { type: 'string' },
    description: { type: 'string' },
    notes: { type: 'string' },
    custom: { type: ['object', 'null'], additionalProperties: { type: 'string' } },
    startTime: { type: 'integer' },
    endTime: { type: 'integer' },
  },
};

/** An annotation as a request body gives it (times as numbers or numeric strings). */
export const annotationIn: JsonSchema = {
  type: 'object',
  required: ['startTime'],
  properties: {
    startTime: { type: ['integer', 'string'], description: 'epoch seconds, or ms when longer than 10 digits' },
    endTime: { type: ['integer', 'string'] },
    tsuid: { type: 'string', description: 'absent: a global annotation' },
    description: { type: 'string' },
    notes: { type: 'string' },
    custom: { type: 'object', additionalProperties: { type: 'string' } },
  },
};

/**
 * One output series of /api/query (and /api/query/gexp): OpenTSDB's formatQueryAsyncV1.
 * `dps` is an object keyed by timestamp, or an array of `[ts, value]` with `arrays`.
 */
export const querySeries: JsonSchema = {
  type: 'object',
  required: ['metric', 'tags', 'aggregateTags', 'dps'],
  properties: {
    metric: { type: 'string' },
    tags: tagMap,
    aggregateTags: { type: 'array', items: { type: 'string' } },
    query: { type: 'object', description: 'the sub-query (showQuery)' },
    tsuids: { type: 'array', items: { type: 'string' } },
    annotations: { type: 'array', items: annotation },
    globalAnnotations: { type: 'array', items: annotation },
    stats: { type: 'object' },
    dps: {
      description: 'timestamp (s, or ms with msResolution) → value; with `arrays`, [[ts, value], …]. NaN is "NaN"',
      type: ['object', 'array'],
    },
  },
};

/** The /api/query answer: one object per output series, and with showSummary a summary object last. */
export const queryAnswer: JsonSchema = { type: 'array', items: { type: 'object' }, description: 'output series (see querySeries), then a {statsSummary} with showSummary' };

/** A latest point (/api/query/last): OpenTSDB's IncomingDataPoint with the value as text. */
export const lastPoint: JsonSchema = {
  type: 'object',
  required: ['timestamp', 'value', 'tsuid'],
  properties: {
    metric: { type: 'string' },
    tags: tagMap,
    timestamp: { type: 'integer', description: 'ms' },
    value: { type: 'string' },
    tsuid: { type: 'string' },
  },
};

/** A tag pair of a search (`*` as either side: any). */
export const searchTag: JsonSchema = { type: 'object', properties: { key: { type: ['string', 'null'], description: 'null or `*`: any key' }, value: { type: ['string', 'null'], description: 'null or `*`: any value' } } };

/** A series found by a search: its TSUID, metric and tags. */
export const seriesRef: JsonSchema = {
  type: 'object',
  required: ['tsuid', 'metric', 'tags'],
  properties: { tsuid: { type: 'string' }, metric: { type: 'string' }, tags: tagMap },
};

/** A figure of /api/stats (OpenTSDB's IncomingDataPoint with a string value). */
export const statPoint: JsonSchema = {
  type: 'object',
  required: ['metric', 'timestamp', 'value', 'tags'],
  properties: { metric: { type: 'string' }, timestamp: { type: 'integer' }, value: { type: 'string' }, tags: tagMap },
};

/**
 * A body of raw bytes in `mediaTypes` (formats fastify does not parse: the handler reads
 * them whatever the Content-Type says).
 */
export function rawBody(mediaTypes: string[], description: string): JsonSchema {
  return { content: Object.fromEntries(mediaTypes.map((type) => [type, { schema: { type: 'string', contentMediaType: type, description } }])) };
}

/** An answer that is not JSON (HTML, text, PNG). */
export function nonJsonResponse(mediaType: string, description: string): JsonSchema {
  return { description, content: { [mediaType]: { schema: { type: 'string' } } } };
}
