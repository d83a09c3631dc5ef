/**
 * The OpenAPI descriptions of read-api's routes (OpenTSDB 2.4's documentation of each).
 * Descriptive only: the handlers check their input and answer OpenTSDB's errors.
 */
import { annotation, annotationIn, nonJsonResponse, searchTag, seriesRef, statPoint, withErrors, type JsonSchema, type RouteSchema } from '../../lib/http';

const strings: JsonSchema = { type: 'array', items: { type: 'string' } };

export const SUGGEST_SCHEMA: RouteSchema = {
  summary: 'Names by prefix: metrics, tag keys or tag values (OpenTSDB /api/suggest)',
  tags: ['search'],
  querystring: {
    type: 'object',
    properties: { type: { type: 'string', enum: ['metrics', 'tagk', 'tagv'] }, q: { type: 'string', description: 'prefix (empty: all)' }, max: { type: 'string', pattern: '^-?[0-9]+$', description: 'most names answered (25)' } },
  },
  body: { type: 'object', required: ['type'], properties: { type: { type: 'string', enum: ['metrics', 'tagk', 'tagv'] }, q: { type: 'string' }, max: { type: ['integer', 'string'] } } },
  response: withErrors({ 200: { description: 'the names, byte-sorted', ...strings } }),
};

export const LOOKUP_SCHEMA: RouteSchema = {
  summary: 'Series by metric and tag pairs (OpenTSDB /api/search/lookup)',
  description: '`k=*` or `k=`: has tag k; `*=v` or `=v`: some tag has value v. An unknown name is a 404 `Unable to resolve one or more UIDs`.',
  tags: ['search'],
  querystring: { type: 'object', properties: { m: { type: 'string', description: '`metric{k=v,k2=*,*=v3}`' }, limit: { type: 'string', description: 'most series (25); 0 or less: no limit; totalResults counts at most this many' } } },
  body: { type: 'object', properties: { metric: { type: ['string', 'null'], description: 'default `*`: every metric' }, tags: { type: 'array', items: searchTag }, limit: { type: ['integer', 'string'], description: 'most series (25); 0 or less: no limit' }, startIndex: { type: 'integer', description: 'echoed, not applied (as OpenTSDB)' } } },
  response: withErrors({
    200: {
      type: 'object',
      required: ['type', 'limit', 'time', 'results', 'startIndex', 'totalResults'],
      properties: {
        type: { const: 'LOOKUP' },
        metric: { type: 'string', description: 'left out for a GET `m={…}` without a metric' },
        tags: { type: 'array', items: searchTag, description: 'left out when a POST has none' },
        limit: { type: 'number' },
        time: { type: 'number', description: 'ms' },
        results: { type: 'array', items: seriesRef },
        startIndex: { type: 'integer' },
        totalResults: { type: 'integer' },
      },
    },
  }),
};

export const LOOKUP_OTHER_METHODS_SCHEMA: RouteSchema = {
  summary: 'Any method but GET and POST: 400 `Unsupported method: <METHOD>` (OpenTSDB SearchRpc)',
  tags: ['search'],
  response: withErrors({}),
};

export const CONFIG_SCHEMA: RouteSchema = {
  summary: "The daemon's configuration as OpenTSDB's flat key → string map, passwords masked (OpenTSDB /api/config)",
  tags: ['meta'],
  response: withErrors({ 200: { type: 'object', additionalProperties: { type: 'string' } } }),
};

export const STATS_SCHEMA: RouteSchema = {
  summary: "The daemon's figures as OpenTSDB data points (OpenTSDB /api/stats)",
  tags: ['stats'],
  response: withErrors({ 200: { type: 'array', items: statPoint } }),
};

export const METRICS_SCHEMA: RouteSchema = {
  summary: 'The same figures in Prometheus text format',
  tags: ['stats'],
  response: { 200: nonJsonResponse('text/plain', 'Prometheus exposition format 0.0.4') },
};

const annotationQuery: JsonSchema = {
  type: 'object',
  properties: {
    start_time: { type: 'string', description: 'epoch seconds (ms when longer than 10 digits)' },
    end_time: { type: 'string' },
    tsuid: { type: 'string', description: 'absent: a global annotation' },
    description: { type: 'string' },
    notes: { type: 'string' },
    method_override: { type: 'string', enum: ['GET', 'POST', 'PUT', 'DELETE', 'get', 'post', 'put', 'delete'], description: 'act as this method (needs admin unless GET)' },
  },
};

export const ANNOTATION_SCHEMA: RouteSchema = {
  summary: 'One annotation: GET reads, POST merges, PUT replaces, DELETE removes (OpenTSDB /api/annotation)',
  tags: ['annotation'],
  querystring: annotationQuery,
  body: annotationIn,
  response: withErrors({ 200: annotation, 204: { description: 'deleted', type: 'null' }, 304: { description: 'nothing to change: the note sets no field (OpenTSDB: No changes detected)', type: 'null' } }),
};

export const ANNOTATIONS_SCHEMA: RouteSchema = {
  summary: 'GET lists the global annotations whose start lies in [start_time, end_time] (end_time: now by default); POST, PUT and DELETE as /api/annotation (OpenTSDB /api/annotations)',
  tags: ['annotation'],
  querystring: annotationQuery,
  body: annotationIn,
  response: withErrors({ 200: { anyOf: [annotation, { type: 'array', items: annotation }] }, 204: { description: 'deleted', type: 'null' }, 304: { description: 'nothing to change: the note sets no field (OpenTSDB: No changes detected)', type: 'null' } }),
};

export const ANNOTATION_BULK_SCHEMA: RouteSchema = {
  summary: 'Store several annotations (OpenTSDB /api/annotation/bulk)',
  tags: ['annotation'],
  body: { type: 'array', items: annotationIn },
  response: withErrors({ 200: { type: 'array', items: annotation } }),
};

const bulkDelete: JsonSchema = {
  type: 'object',
  properties: {
    tsuids: { type: ['array', 'null'], items: { type: 'string' }, description: 'the series whose annotations go' },
    global: { type: 'boolean', description: 'the global annotations go too' },
    startTime: { type: ['string', 'integer'], description: 'OpenTSDB time (epoch s or ms, `1h-ago`, `yyyy/MM/dd-HH:mm:ss`)' },
    endTime: { type: ['string', 'integer'], description: 'default: now' },
    totalDeleted: { type: 'integer' },
  },
};

export const ANNOTATION_BULK_DELETE_SCHEMA: RouteSchema = {
  summary: 'Delete the annotations of series (or the global ones) whose start time is in a range (OpenTSDB /api/annotation/bulk, DELETE)',
  tags: ['annotation'],
  querystring: {
    type: 'object',
    properties: {
      start_time: { type: 'string' },
      end_time: { type: 'string' },
      tsuids: { type: 'string', description: 'comma-separated' },
      global: { type: 'string', description: 'present: the global annotations too' },
    },
  },
  body: bulkDelete,
  response: withErrors({ 200: { ...bulkDelete, description: 'the request as read, times in ms, with totalDeleted' } }),
};

export const AGGREGATORS_SCHEMA: RouteSchema = {
  summary: 'The names of the loaded aggregators (OpenTSDB /api/aggregators)',
  tags: ['query'],
  response: withErrors({ 200: strings }),
};

export const DROPCACHES_SCHEMA: RouteSchema = {
  summary: 'Drop the caches (OpenTSDB /api/dropcaches; DSDB keeps none that need it)',
  tags: ['meta'],
  response: withErrors({ 200: { type: 'object', properties: { message: { type: 'string' }, status: { type: 'string' } } } }),
};

export const SERIALIZERS_SCHEMA: RouteSchema = {
  summary: "The serializers (OpenTSDB 2.3's /api/serializers: JSON only)",
  tags: ['meta'],
  response: withErrors({ 200: { type: 'array', items: { type: 'object', properties: { serializer: { type: 'string' }, formatters: strings, parsers: strings, class: { type: 'string' } } } } }),
};

