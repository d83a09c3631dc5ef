/**
 * The OpenAPI descriptions of the query plugin's routes (OpenTSDB 2.4's /api/query
 * documentation). Descriptive only: the parsers check the input and answer OpenTSDB's errors.
 */
import { flag, lastPoint, queryAnswer, querySeries, tagMap, timeSpec, withErrors, type JsonSchema, type RouteSchema } from '../../../lib/http';

const strings = (description: string): JsonSchema => ({ type: 'array', items: { type: 'string' }, description });

/** The GET flags of /api/query (presence turns them on), shared with /api/query/gexp. */
const queryFlags: Record<string, JsonSchema> = {
  ms: flag,
  show_tsuids: flag,
  show_query: flag,
  no_annotations: flag,
  global_annotations: flag,
  arrays: { ...flag, description: 'dps as [[ts, value], …] (DSDB; OpenTSDB 2.4 POST only)' },
  exact: { ...flag, description: 'integers exact to 64 bits in POST answers (DSDB)' },
  timezone: { type: 'string', description: 'IANA zone for calendar downsampling' },
  jsonp: { type: 'string', description: 'wrap the answer in fn(...) when the query plugin allows jsonp' },
};

const queryString: JsonSchema = {
  type: 'object',
  required: ['start'],
  properties: {
    start: timeSpec,
    end: timeSpec,
    m: { ...strings('sub-queries `agg:[interval-agg[-fill]:][rate[{counter,max,reset}]:]metric[{tagk=filter,…}][{group-by filters}]`; repeatable'), examples: [['sum:sys.cpu.user{host=*}'], ['avg:1m-avg-zero:rate:sys.cpu.user{host=web01|web02}']] },
    tsuid: strings('sub-queries `agg:tsuid[,tsuid…]`; repeatable'),
    ...queryFlags,
  },
};

const filter: JsonSchema = {
  type: 'object',
  required: ['type', 'tagk', 'filter'],
  properties: { type: { type: 'string', description: 'literal_or, iliteral_or, not_literal_or, not_iliteral_or, wildcard, iwildcard, regexp' }, tagk: { type: 'string' }, filter: { type: 'string' }, groupBy: { type: 'boolean' } },
};

const subQuery: JsonSchema = {
  type: 'object',
  required: ['aggregator'],
  properties: {
    aggregator: { type: 'string' },
    metric: { type: 'string' },
    tsuids: { type: 'array', items: { type: 'string' } },
    downsample: { type: 'string', description: '`interval-aggregator[-fill policy]`, e.g. `1m-avg-zero`' },
    rate: { type: 'boolean' },
    rateOptions: { type: 'object', properties: { counter: { type: 'boolean' }, counterMax: { type: ['integer', 'string'] }, resetValue: { type: ['integer', 'string'] }, dropResets: { type: 'boolean' } } },
    filters: { type: 'array', items: filter },
    tags: tagMap,
    explicitTags: { type: 'boolean' },
    jsonPath: { type: 'string', description: 'DSDB: read a field of JSON values' },
  },
};

const queryBody: JsonSchema = {
  type: 'object',
  examples: [{ start: '1h-ago', queries: [{ aggregator: 'sum', metric: 'sys.cpu.user', downsample: '1m-avg', filters: [{ type: 'wildcard', tagk: 'host', filter: '*', groupBy: true }] }] }],
  required: ['start', 'queries'],
  properties: {
    start: { type: ['string', 'integer'] },
    end: { type: ['string', 'integer'] },
    queries: { type: 'array', items: subQuery },
    timezone: { type: 'string' },
    useCalendar: { type: 'boolean' },
    msResolution: { type: 'boolean' },
    showTSUIDs: { type: 'boolean' },
    showQuery: { type: 'boolean' },
    noAnnotations: { type: 'boolean' },
    globalAnnotations: { type: 'boolean' },
    delete: { type: 'boolean', description: "also delete the points read (the query plugin's allowDelete)" },
  },
};

const queryAnswers = withErrors({ 200: { ...queryAnswer, items: querySeries, description: 'one object per output series' } });

export const QUERY_SCHEMA: RouteSchema = {
  summary: 'Query data points (OpenTSDB /api/query): GET with m=/tsuid=, POST with a JSON body; DELETE also deletes (allowDelete)',
  description: 'See docs/query.md. A query that matches nothing answers []; an unknown metric or tag 400.',
  tags: ['query'],
  querystring: { ...queryString, required: [] },
  body: queryBody,
  response: queryAnswers,
};

export const GEXP_GET_SCHEMA: RouteSchema = {
  summary: 'Graphite-style expressions over m=-like metric queries (OpenTSDB /api/query/gexp)',
  tags: ['query'],
  querystring: { ...queryString, properties: { ...(queryString.properties as object), exp: strings('expressions, e.g. `scale(sum:sys.cpu{host=*},2)`; repeatable') } },
  response: queryAnswers,
};

export const GEXP_POST_SCHEMA: RouteSchema = {
  summary: "OpenTSDB 2.4.1's answer to a POSTed gexp: the body is run as /api/query's, then refused (2.4.1 has no POST expressions)",
  tags: ['query'],
  querystring: { type: 'object', properties: { arrays: flag } },
  body: queryBody,
  response: withErrors({}),
};

export const EXP_SCHEMA: RouteSchema = {
  summary: "OpenTSDB 2.4's JSON expression query (/api/query/exp)",
  description: 'time, filters, metrics, expressions (JEXL), outputs: docs/http-api.md',
  tags: ['query'],
  body: {
    type: 'object',
    required: ['time', 'metrics'],
    properties: {
      time: { type: 'object', required: ['start', 'aggregator'], properties: { start: { type: ['string', 'integer'] }, end: { type: ['string', 'integer', 'null'] }, timezone: { type: ['string', 'null'] }, aggregator: { type: 'string' }, rate: { type: 'boolean' }, downsampler: { type: ['object', 'null'] } } },
      filters: { type: 'array', items: { type: 'object', properties: { id: { type: 'string' }, tags: { type: 'array', items: filter }, explicitTags: { type: 'boolean' } } } },
      metrics: { type: 'array', items: { type: 'object', required: ['id', 'metric'], properties: { id: { type: 'string' }, metric: { type: 'string' }, filter: { type: 'string' }, aggregator: { type: 'string' }, fillPolicy: { type: 'object' } } } },
      expressions: { type: 'array', items: { type: 'object', required: ['id', 'expr'], properties: { id: { type: 'string' }, expr: { type: 'string' }, join: { type: 'object' }, fillPolicy: { type: 'object' } } } },
      outputs: { type: 'array', items: { type: 'object', required: ['id'], properties: { id: { type: 'string' }, alias: { type: 'string' } } } },
    },
  },
  response: withErrors({
    200: {
      type: 'object',
      required: ['outputs', 'query'],
      properties: {
        outputs: { type: 'array', items: { type: 'object', required: ['id', 'dps', 'dpsMeta', 'meta'], properties: { id: { type: 'string' }, alias: { type: 'string' }, dps: { type: 'array' }, dpsMeta: { type: 'object' }, meta: { type: 'array' } } } },
        query: { type: 'object' },
      },
    },
  }),
};

export const LAST_SCHEMA: RouteSchema = {
  summary: 'The latest point of each matching series (OpenTSDB /api/query/last)',
  tags: ['query'],
  querystring: {
    type: 'object',
    properties: {
      timeseries: strings('`metric{tagk=v,…}`; repeatable'),
      tsuids: strings('comma-separated TSUIDs; repeatable'),
      resolve: flag,
      back_scan: { type: 'string', pattern: '^[0-9]+$', description: 'hours back to look (0: every series)' },
      jsonp: { type: 'string' },
    },
  },
  body: {
    type: 'object',
    required: ['queries'],
    properties: {
      queries: { type: 'array', items: { type: 'object', properties: { metric: { type: 'string' }, tags: tagMap, tsuids: { type: 'array', items: { type: 'string' } } } } },
      resolveNames: { type: 'boolean' },
      backScan: { type: 'integer' },
    },
  },
  response: withErrors({ 200: { type: 'array', items: lastPoint } }),
};

export const FILTERS_SCHEMA: RouteSchema = {
  summary: 'The tag value filter types /api/query knows (OpenTSDB /api/config/filters)',
  tags: ['query'],
  response: withErrors({ 200: { type: 'object', additionalProperties: { type: 'object', properties: { description: { type: 'string' }, examples: { type: 'string' } } } } }),
};

