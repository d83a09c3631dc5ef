/**
 * Grammar-based generators, one per input language DSDB reads, modelled on the grammar
 * each parser implements: OpenTSDB's telnet `put` line (PutDataPointRpc), the
 * `/api/put` JSON body (IncomingDataPoint), the `/api/query` TSQuery body and the GET
 * `m=` sub-query syntax (QueryRpc.parseMTypeSubQuery), dsdb.proto's WriteRequest,
 * prometheus.WriteRequest under snappy, and the first bytes of a connection. Each has a
 * valid form (for round-trip properties and as a mutation base) and a loose form whose
 * tokens are drawn from the edges of the grammar (odd numbers, Unicode, quotes, braces).
 */
import fc from 'fast-check';
import protobuf from 'protobufjs';
import path from 'node:path';
import snappy from 'snappyjs';
import { REPO_ROOT } from '../helpers/daemon';

// ---- tokens -------------------------------------------------------------------------

const NAME_CHARS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./';
/** A name OpenTSDB accepts (metric, tag key, tag value). */
export const validName = fc.uint8Array({ minLength: 1, maxLength: 24 }).map((bytes) => {
  let name = '';
  for (const b of bytes) name += NAME_CHARS[b % NAME_CHARS.length];
  return name;
});
/** A name from the edges: empty, Unicode letters, spaces, `=`, quotes, braces, control bytes. */
export const looseName = fc.oneof(
  validName,
  fc.string({ maxLength: 12 }),
  fc.string({ unit: 'grapheme', maxLength: 8 }),
  fc.constantFrom('', '=', 'a=b', 'a b', '"', '{', '}', '\\', '\u0000', 'ü', '日本', 'a\tb', '..', '/', 'x'.repeat(300)),
);

/** A number's text as clients write it, and as they should not. */
export const looseNumberText = fc.oneof(
  fc.integer().map(String),
  fc.bigInt({ min: -(2n ** 70n), max: 2n ** 70n }).map(String),
  fc.double().map(String),
  fc.double({ noNaN: true, noDefaultInfinity: true }).map((d) => d.toExponential()),
  fc.constantFrom('NaN', 'Infinity', '-Infinity', '-0', '0', '1e309', '-1e-400', '0x10', '1_000', '+1', '1.', '.5', '1e', 'e5', '9223372036854775807', '9223372036854775808', '-9223372036854775809', '00000000000000000001', '1.7976931348623157e308', '4.9e-324', ''),
);

/** A timestamp's text: seconds, milliseconds, fractional seconds, and bad forms. */
export const looseTimestampText = fc.oneof(
  fc.integer({ min: 1, max: 2 ** 32 - 1 }).map(String),
  fc.integer({ min: 2 ** 32, max: 9_999_999_999_999 }).map(String),
  fc.tuple(fc.integer({ min: 1, max: 2 ** 31 }), fc.integer({ min: 0, max: 999 })).map(([s, ms]) => `${s}.${String(ms).padStart(3, '0')}`),
  fc.constantFrom('0', '-1', '1.2.3', '99999999999999999999', '1e9', 'now', '', '.', '4294967296', '4294967295'),
);

/** DSDB's string and JSON value tokens (docs/write.md), well formed or not. */
export const valueToken = fc.oneof(
  fc.string({ maxLength: 16 }).map((s) => JSON.stringify(s)),
  fc.jsonValue({ maxDepth: 2 }).map((v) => (typeof v === 'object' && v !== null && !Array.isArray(v) ? JSON.stringify(v) : `{"v":${JSON.stringify(v)}}`)),
  fc.constantFrom('"', '"abc', '"a\\"', '{', '{"a":', '{"a":1', '{}', '[]', '"\\u00"', '"\\ud800"', 'true', 'null'),
);

// ---- telnet put ---------------------------------------------------------------------

export interface ValidPut {
  metric: string;
  /** as written on the line */
  timestamp: number;
  /** integer or plain decimal text */
  value: string;
  tags: Record<string, string>;
}

const validTags = fc.array(fc.tuple(validName, validName), { minLength: 1, maxLength: 8 }).map((pairs) => Object.fromEntries(pairs) as Record<string, string>);

/** A put line OpenTSDB and DSDB both accept, with a numeric value. */
export const validPut: fc.Arbitrary<ValidPut> = fc.record({
  metric: validName,
  timestamp: fc.oneof(fc.integer({ min: 1, max: 2 ** 32 - 1 }), fc.integer({ min: 2 ** 32, max: 9_999_999_999_999 })),
  value: fc.oneof(
    fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }).map(String),
    fc.tuple(fc.integer({ min: -1e6, max: 1e6 }), fc.integer({ min: 0, max: 999999 })).map(([i, f]) => `${i}.${String(f).padStart(6, '0')}`),
  ),
  tags: validTags,
});

export function putLine(p: ValidPut): string {
  return `put ${p.metric} ${p.timestamp} ${p.value} ${Object.entries(p.tags).map(([k, v]) => `${k}=${v}`).join(' ')}`;
}

const spaces = fc.constantFrom(' ', '  ', '\t', '');
/** A put line assembled from loose tokens and odd spacing. */
export const loosePutLine: fc.Arbitrary<string> = fc
  .tuple(
    fc.constantFrom('put', 'put', 'put', 'PUT', 'put\t', 'pu'),
    spaces,
    looseName,
    spaces,
    looseTimestampText,
    spaces,
    fc.oneof(looseNumberText, valueToken),
    fc.array(fc.tuple(looseName, fc.constantFrom('=', '==', ''), looseName), { maxLength: 10 }),
  )
  .map(([put, s1, metric, s2, ts, s3, value, tags]) => `${put} ${s1}${metric} ${s2}${ts} ${s3}${value} ${tags.map(([k, eq, v]) => `${k}${eq}${v}`).join(' ')}`);

// ---- /api/put JSON ------------------------------------------------------------------

const looseJsonScalar = fc.oneof(
  looseName,
  fc.double(),
  fc.integer(),
  fc.boolean(),
  fc.constant(null),
  fc.jsonValue({ maxDepth: 2 }),
);

/** One `/api/put` point object, loose: fields missing, mistyped, duplicated, extra. */
export const loosePutPoint = fc.record(
  {
    metric: fc.oneof(looseName, looseJsonScalar),
    timestamp: fc.oneof(looseTimestampText, fc.integer(), fc.double(), looseJsonScalar),
    value: fc.oneof(looseNumberText, fc.double(), fc.integer(), valueToken, looseJsonScalar, fc.object({ maxDepth: 2 })),
    tags: fc.oneof(fc.dictionary(looseName, fc.oneof(looseName, looseJsonScalar), { maxKeys: 9 }), looseJsonScalar),
    extra: looseJsonScalar,
  },
  { requiredKeys: [] },
);

/** JSON text of a point or an array of points; number texts are spliced in raw (no quotes). */
export const loosePutJson: fc.Arbitrary<string> = fc
  .tuple(fc.boolean(), fc.array(fc.oneof(loosePutPoint, looseJsonScalar), { minLength: 0, maxLength: 6 }), fc.array(looseNumberText, { minLength: 6, maxLength: 6 }))
  .map(([single, points, raws]) => {
    let text = JSON.stringify(single && points.length > 0 ? points[0] : points) ?? 'null';
    // a numeric field given as raw number text (the JSON grammar's edges: 1e309, -0, 9223372036854775808)
    raws.forEach((raw, i) => {
      if (/^-?\d/.test(raw)) text = text.replace(i % 2 ? /"value":"[^"]*"/ : /"timestamp":"[^"]*"/, (m) => `${m.slice(0, m.indexOf(':') + 1)}${raw}`);
    });
    return text;
  });

export function putJson(points: ValidPut[]): string {
  // the value as its own number text, so int64 values stay exact
  return `[${points.map((p) => `{"metric":${JSON.stringify(p.metric)},"timestamp":${p.timestamp},"value":${p.value},"tags":${JSON.stringify(p.tags)}}`).join(',')}]`;
}

// ---- /api/query ---------------------------------------------------------------------

const AGGREGATORS = ['sum', 'avg', 'min', 'max', 'count', 'dev', 'zimsum', 'mimmin', 'mimmax', 'p99', 'p50', 'ep99r7', 'first', 'last', 'none', 'median', 'diff', 'multiply', 'squareSum', 'bogus', ''];
const FILLS = ['none', 'nan', 'null', 'zero', 'bogus'];
const FILTERS = ['literal_or', 'iliteral_or', 'not_literal_or', 'not_iliteral_or', 'wildcard', 'iwildcard', 'regexp', 'bogus'];
const timeText = fc.oneof(
  looseTimestampText,
  fc.tuple(fc.integer({ min: 0, max: 1000 }), fc.constantFrom('ms', 's', 'm', 'h', 'd', 'w', 'n', 'y', 'x', '')).map(([n, u]) => `${n}${u}-ago`),
  fc.constantFrom('2024/01/01', '2024/01/01-12:00', '2024/01/01-12:00:00', '2024/13/45-99:99:99', '2024/01/01 12:00:00', 'now', '1h-ago', '-ago', 'ago'),
);
const interval = fc.tuple(fc.integer({ min: 0, max: 100000 }), fc.constantFrom('ms', 's', 'm', 'h', 'd', 'w', 'n', 'y', 'all', 'x', '')).map(([n, u]) => (u === 'all' ? '0all' : `${n}${u}`));
const downsample = fc.oneof(
  fc.tuple(interval, fc.constantFrom(...AGGREGATORS), fc.option(fc.constantFrom(...FILLS), { nil: undefined }), fc.option(fc.constantFrom('c', 'u', 'x'), { nil: undefined })).map(
    ([i, a, f, cal]) => `${i}${cal ? `-${cal}` : ''}-${a}${f ? `-${f}` : ''}`,
  ),
  fc.constantFrom('', '-', '1m', '1m-', 'avg', '1m-avg-', '0all-sum', '1m-avg-nan-extra'),
);
const filterText = fc.oneof(
  fc.tuple(fc.constantFrom(...FILTERS, ''), fc.constantFrom('(', ''), looseName, fc.constantFrom(')', '')).map(([t, o, v, c]) => (t ? `${t}${o}${v}${c}` : v)),
  fc.constantFrom('*', 'a|b', 'a*b', 'regexp(.*)', 'regexp([)', 'regexp((a+)+$)', 'literal_or()', '|', ''),
);
const tagFilterBraces = fc
  .array(fc.tuple(looseName, fc.constantFrom('=', '==', ''), filterText), { maxLength: 4 })
  .map((fs) => `{${fs.map(([k, eq, f]) => `${k}${eq}${f}`).join(',')}}`);
const rateSpec = fc.oneof(
  fc.constant('rate'),
  fc.tuple(fc.constantFrom('counter', 'dropcounter', ''), looseNumberText, looseNumberText).map(([c, m, r]) => `rate{${c},${m},${r}}`),
  fc.constantFrom('rate{', 'rate{}', 'rate{counter', 'rate{,,,}', 'rate{counter,,}'),
);

/** A GET `m=` sub-query: agg:[interval-agg[-fill]:][rate[{…}]:][explicit_tags:]metric[{tags}][{filters}]. */
export const mText: fc.Arbitrary<string> = fc
  .tuple(
    fc.constantFrom(...AGGREGATORS),
    fc.option(downsample, { nil: undefined }),
    fc.option(rateSpec, { nil: undefined }),
    fc.boolean(),
    looseName,
    fc.option(tagFilterBraces, { nil: undefined }),
    fc.option(tagFilterBraces, { nil: undefined }),
  )
  .map(([agg, ds, rate, explicit, metric, g, f]) => [agg, ds, rate, explicit ? 'explicit_tags' : undefined, `${metric}${g ?? ''}${f ?? ''}`].filter((x) => x !== undefined).join(':'));

/** A GET /api/query query string (values as fastify hands them: a string or a list). */
export const looseQueryString: fc.Arbitrary<Record<string, string | string[]>> = fc
  .record(
    {
      start: timeText,
      end: timeText,
      m: fc.oneof(mText, fc.array(mText, { minLength: 1, maxLength: 3 })),
      tsuid: fc.oneof(fc.string({ unit: fc.constantFrom(...'0123456789ABCDEFabcdef'), maxLength: 24 }), fc.constantFrom('sum:000001000001000001', 'sum:', 'zz')),
      timezone: fc.constantFrom('UTC', 'Europe/Berlin', 'Not/AZone', ''),
      ms: fc.constant(''),
      show_tsuids: fc.constantFrom('true', 'false', ''),
      use_calendar: fc.constantFrom('true', ''),
    },
    { requiredKeys: ['start'] },
  )
  .map((qs) => qs as Record<string, string | string[]>);

/** A TSQuery JSON body with loose fields. */
export const looseQueryJson: fc.Arbitrary<string> = fc
  .record(
    {
      start: fc.oneof(timeText, fc.integer(), fc.double(), looseJsonScalar),
      end: fc.oneof(timeText, fc.integer(), looseJsonScalar),
      timezone: fc.oneof(fc.constantFrom('UTC', 'Asia/Tokyo', 'Nope'), looseJsonScalar),
      useCalendar: looseJsonScalar,
      msResolution: fc.boolean(),
      showTSUIDs: looseJsonScalar,
      delete: fc.boolean(),
      queries: fc.oneof(
        fc.array(
          fc.record(
            {
              aggregator: fc.oneof(fc.constantFrom(...AGGREGATORS), looseJsonScalar),
              metric: fc.oneof(looseName, looseJsonScalar),
              downsample: fc.oneof(downsample, looseJsonScalar),
              rate: looseJsonScalar,
              rateOptions: fc.oneof(fc.record({ counter: looseJsonScalar, counterMax: fc.oneof(looseNumberText, looseJsonScalar), resetValue: looseJsonScalar, dropResets: looseJsonScalar }, { requiredKeys: [] }), looseJsonScalar),
              tags: fc.oneof(fc.dictionary(looseName, filterText, { maxKeys: 4 }), looseJsonScalar),
              filters: fc.oneof(
                fc.array(fc.record({ type: fc.oneof(fc.constantFrom(...FILTERS), looseJsonScalar), tagk: fc.oneof(looseName, looseJsonScalar), filter: fc.oneof(filterText, looseJsonScalar), groupBy: looseJsonScalar }, { requiredKeys: [] }), { maxLength: 4 }),
                looseJsonScalar,
              ),
              tsuids: fc.oneof(fc.array(fc.string({ unit: fc.constantFrom(...'0123456789ABCDEFabcdef'), maxLength: 24 }), { maxLength: 3 }), looseJsonScalar),
              explicitTags: looseJsonScalar,
              percentiles: fc.oneof(fc.array(fc.oneof(fc.double(), looseJsonScalar), { maxLength: 3 }), looseJsonScalar),
            },
            { requiredKeys: [] },
          ),
          { maxLength: 3 },
        ),
        looseJsonScalar,
      ),
    },
    { requiredKeys: ['queries'] },
  )
  .map((q) => JSON.stringify(q));

// ---- dsdb.proto WriteRequest -----------------------------------------------------------

const dsdbRoot = protobuf.loadSync(path.join(REPO_ROOT, 'dsdb.proto'));
const DsdbWriteRequest = dsdbRoot.lookupType('dsdb.WriteRequest');

const protoPoint = fc.record(
  {
    metric: looseName,
    timestamp: fc.oneof(fc.integer({ min: 1, max: 2 ** 32 - 1 }), fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }).map(String)),
    tags: fc.dictionary(looseName, looseName, { maxKeys: 9 }),
    value: fc.oneof(
      fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }).map((v) => ({ intValue: String(v) })),
      fc.double().map((v) => ({ doubleValue: v })),
      fc.string({ maxLength: 20 }).map((v) => ({ stringValue: v })),
      fc.oneof(fc.jsonValue({ maxDepth: 2 }).map((v) => JSON.stringify(v)), fc.string({ maxLength: 10 })).map((v) => ({ jsonValue: v })),
      fc.constant({}),
    ),
  },
  { requiredKeys: ['value'] },
);

/** An encoded dsdb.WriteRequest whose fields range over the loose tokens (always decodable). */
export const protoWriteRequest: fc.Arbitrary<Buffer> = fc
  .record({ points: fc.array(protoPoint, { maxLength: 6 }), sync: fc.constant(false), id: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }).map(String) })
  .map(({ points, sync, id }) => Buffer.from(DsdbWriteRequest.encode(DsdbWriteRequest.fromObject({ sync, id, points: points.map(({ value, ...p }) => ({ ...p, ...value })) })).finish()));

// ---- prometheus.WriteRequest ---------------------------------------------------------

const promRoot = protobuf.loadSync(path.join(REPO_ROOT, 'test', 'fixtures', 'clients', 'prompb-remote.proto'));
const PromWriteRequest = promRoot.lookupType('prometheus.WriteRequest');

const promSeries = fc.record({
  labels: fc.array(fc.record({ name: fc.oneof(fc.constant('__name__'), looseName), value: looseName }), { maxLength: 20 }),
  samples: fc.array(fc.record({ value: fc.double(), timestamp: fc.oneof(fc.integer({ min: 0, max: 2 ** 47 }), fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }).map(String)) }), { maxLength: 5 }),
});

/** prometheus.WriteRequest bytes (uncompressed). */
export const promWriteRequest: fc.Arbitrary<Buffer> = fc
  .array(promSeries, { maxLength: 5 })
  .map((timeseries) => Buffer.from(PromWriteRequest.encode(PromWriteRequest.fromObject({ timeseries })).finish()));

export function snappyCompress(bytes: Uint8Array): Buffer {
  return Buffer.from(snappy.compress(bytes));
}

// ---- connection heads ----------------------------------------------------------------

/** The first bytes of a connection: each protocol's opening, cut short or run on. */
export const connectionHead: fc.Arbitrary<Buffer> = fc
  .tuple(
    fc.constantFrom(
      Buffer.from('GET / HTTP/1.1\r\n'),
      Buffer.from('POST /api/put HTTP/1.1\r\n'),
      Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'),
      Buffer.from('put a 1 1 b=c\n'),
      Buffer.from('version\n'),
      Buffer.from([0x00, 0x44, 0x53, 0x42]),
      Buffer.from([0x16, 0x03, 0x01, 0x00, 0xa5, 0x01, 0x00, 0x00]),
      Buffer.from([0x80, 0x2e, 0x01, 0x03, 0x01]),
      Buffer.alloc(0),
    ),
    fc.nat({ max: 64 }),
    fc.uint8Array({ maxLength: 80 }),
  )
  .map(([prefix, cut, tail]) => Buffer.concat([prefix.subarray(0, cut), Buffer.from(tail)]));
