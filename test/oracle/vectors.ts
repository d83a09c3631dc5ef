/**
 * Fixed vectors of the differential test: each difference the oracle ever showed became one
 * (small data, the query that showed it). They run with every seed's random queries.
 * `realtime` vectors write points at "now": OpenTSDB's /api/query/last only finds points near
 * the wall clock (back_scan counts hours back from now).
 */
import type { OracleRequest, Point } from './generate';

export interface FixedVectors {
  points: Point[];
  metrics: string[];
  requests: OracleRequest[];
  start: number;
  end: number;
}

const post = (kind: string, body: unknown): OracleRequest => ({ kind, method: 'POST', path: '/api/query', body });
const get = (kind: string, path: string): OracleRequest => ({ kind, method: 'GET', path });

/** Historical data (2025-06-01 UTC), metric names under `prefix`. */
export function fixedVectors(prefix: string): FixedVectors {
  const T = Date.UTC(2025, 5, 1) / 1000; // seconds, hour-aligned
  const m = (name: string) => `${prefix}.${name}`;
  const points: Point[] = [];
  const add = (metric: string, timestamp: number, value: string, tags: Record<string, string>) => points.push({ metric: m(metric), timestamp, value, tags });
  // (a) 1m-avg / 1m-dev of the integers 1 and 2 in one minute: 1.5 and 0.5 (doubles)
  add('ints', T + 60, '1', { host: 'a' });
  add('ints', T + 90, '2', { host: 'a' });
  add('ints', T + 150, '7', { host: 'a' });
  add('ints', T + 75, '4', { host: 'b' });
  add('ints', T + 200, '9', { host: 'b' });
  // (b) (c) (d) filters: series lacking a tag others have
  add('tagged', T + 10, '1', { host: 'a', uid: '1' });
  add('tagged', T + 10, '2', { host: 'b', uid: '2' });
  add('tagged', T + 10, '4', { host: 'a' });
  add('tagged', T + 10, '8', { host: 'web01', dc: 'lga' });
  // findGroupBys: after the first tag key, the last filter of a key decides its values
  add('multi', T + 10, '1', { dc: 'lga', host: 'a' });
  add('multi', T + 10, '2', { dc: 'lga', host: 'b' });
  add('multi', T + 10, '4', { dc: 'sjc', host: 'a' });
  add('multi', T + 10, '8', { host: 'a' });
  // (e) two points in one second (…000 and …147 ms) and one in another series at …500
  add('ms', (T + 5) * 1000, '1', { host: 'a' });
  add('ms', (T + 5) * 1000 + 147, '2', { host: 'a' });
  add('ms', (T + 5) * 1000 + 500, '4', { host: 'b' });
  add('ms', T + 10, '8', { host: 'a' });
  // sum grouped by tag where some series have no point; count across series; rates; buckets
  for (let i = 0; i < 12; i++) {
    add('gaps', T + 3000 + i * 60, String(i * 10), { host: 'a', dc: 'lga' });
    if (i % 3 === 0) add('gaps', T + 3000 + i * 60 + 30, String(100 + i), { host: 'b', dc: 'lga' });
    if (i > 4) add('gaps', T + 3000 + i * 60 + 15, String(1000 - i), { host: 'web01', dc: 'sjc' });
  }
  // a counter crossing the query start (the first rate uses the point before it)
  for (let i = 0; i < 20; i++) add('counter', T + 3500 + i * 20, String(i < 12 ? i * 100 : (i - 12) * 5), { host: 'a' });
  // values as strings OpenTSDB reads with Double.parseDouble (they hold '.', 'e' or 'E'):
  // hexadecimal floats, rounding ties, the largest double, a type suffix (one series each)
  const javaDoubles = ['0x1.8p1', '-0X.8P0', '0x1ep3', '0xEp1', '0x.8ep2', '0x1.fffffffffffffp1023', '0x1.00000000000018p0', '0x1.0000000000000801p0', '0x123456789abcdef0123.8p-70', '5.', '+.5e-1', '1.0E5D', '0x1.8p1f'];
  javaDoubles.forEach((text, i) => add('javadbl', T + 10, JSON.stringify(text), { host: `h${String(i).padStart(2, '0')}` }));
  // values near 2^53 and 2^63
  add('big', T + 100, String(2n ** 53n + 1n), { host: 'a' });
  add('big', T + 160, String(2n ** 53n + 3n), { host: 'a' });
  add('big', T + 130, String(2n ** 62n + 5n), { host: 'b' });
  add('big', T + 190, String(2n ** 62n + 9n), { host: 'b' });
  // explicitTags reads the row of the hour after the scan's end (the fuzzy scan's stop key)
  add('endrow', T + 3500, '1', { host: 'a', dc: 'lga' });
  add('endrow', T + 3590, '2', { host: 'a', dc: 'lga' });
  add('endrow', T + 3700, '4', { host: 'a', dc: 'lga' });
  add('endrow', T + 7300, '8', { host: 'a', dc: 'lga' });
  add('endrow', T + 3550, '16', { host: 'b', dc: 'lga' });
  add('endrow', T + 3595, '32', { host: 'b', dc: 'lga' });
  add('endrow', T + 3595, '64', { host: 'a', dc: 'lga', rack: 'r1' });
  // a span whose first point is past the scan's end (only the explicitTags extra hour row holds
  // it) is left out of its group (SpanGroup.add): `b` makes a group without spans (metric ""),
  // `c` (first point exactly at that end) stays, with no points in range
  add('emptyspan', T + 100, '1', { host: 'a' });
  add('emptyspan', T + 3700, '2', { host: 'b' });
  add('emptyspan', T + 3600, '4', { host: 'c' });
  add('emptyspan', T + 300, '8', { host: 'd' });
  add('emptyspan', T + 3650, '16', { host: 'd' });
  // explicitTags' fuzzy row filter: one template row key (each key's lowest-UID value) and one
  // key per other value, changing only that value — not every combination (seed 810702899)
  for (const [dc, host, v] of [['lga', 'a', 1], ['lga', 'b', 2], ['sjc', 'a', 4], ['sjc', 'b', 8], ['sjc', 'c', 16], ['tyo', 'c', 32]] as const) add('fuzzy', T + 20, String(v), { dc, host });
  add('fuzzy', T + 20, '64', { dc: 'sjc', host: 'b', rack: 'r1' });
  // a calendar 7m grid counts from the day of its anchor: the first row read (May 31) for the
  // fill slots, the first point (June 1) for the values — 86,400 s is no multiple of 420 s
  add('cal7', T + 600, '1', { host: 'a' });
  add('cal7', T + 660, '2', { host: 'a' });
  add('cal7', T + 1200, '4', { host: 'a' });

  const start = T * 1000;
  const end = (T + 10800) * 1000; // endrow has a point past T + 7200
  const requests: OracleRequest[] = [
    // a sub-query field of the wrong JSON type fails the JSON (Jackson), null `tags` too
    // (setTags reads its size); null `filters` clears the filter list
    ...[{ tags: 'x' }, { tags: null }, { tags: [] }, { filters: 'x' }, { filters: {} }, { tags: { host: 'a' }, filters: null }, { tsuids: 'x' }, { rateOptions: 'x' }].map((extra) =>
      post('fixed', { start: T, end: T + 600, queries: [{ aggregator: 'sum', metric: m('ints'), ...extra }] }),
    ),
    post('fixed', { start: T, end: T + 600, queries: [{ aggregator: 'sum', metric: m('ints'), downsample: '1m-avg' }] }),
    post('fixed', { start: T, end: T + 600, queries: [{ aggregator: 'sum', metric: m('ints'), downsample: '1m-dev', filters: [{ type: 'literal_or', tagk: 'host', filter: 'a', groupBy: true }] }] }),
    post('fixed', { start: T, end: T + 600, queries: [{ aggregator: 'sum', metric: m('ints'), downsample: '1m-p50' }] }),
    post('fixed', { start: T, end: T + 600, queries: [{ aggregator: 'count', metric: m('ints') }] }),
    post('fixed', { start: T, end: T + 600, queries: [{ aggregator: 'avg', metric: m('ints') }] }),
    post('fixed', { start: T, end: T + 600, queries: [{ aggregator: 'dev', metric: m('ints') }] }),
    post('fixed', { start: T + 70, end: T + 160, queries: [{ aggregator: 'sum', metric: m('ints') }] }),
    post('fixed', {
      start: T,
      end: T + 600,
      queries: [{ aggregator: 'sum', metric: m('tagged'), filters: [{ type: 'literal_or', tagk: 'host', filter: 'a', groupBy: false }, { type: 'literal_or', tagk: 'host', filter: 'b', groupBy: false }] }],
    }),
    post('fixed', { start: T, end: T + 600, queries: [{ aggregator: 'sum', metric: m('tagged'), filters: [{ type: 'not_literal_or', tagk: 'uid', filter: '2', groupBy: false }] }] }),
    post('fixed', { start: T, end: T + 600, queries: [{ aggregator: 'sum', metric: m('tagged'), explicitTags: true }] }),
    post('fixed', { start: T, end: T + 600, queries: [{ aggregator: 'sum', metric: m('tagged'), explicitTags: true, filters: [{ type: 'wildcard', tagk: 'host', filter: '*', groupBy: true }] }] }),
    post('fixed', { start: T, end: T + 600, queries: [{ aggregator: 'sum', metric: m('ms') }] }),
    post('fixed', { start: T, end: T + 600, queries: [{ aggregator: 'sum', metric: m('multi'), filters: [{ type: 'literal_or', tagk: 'dc', filter: 'lga', groupBy: false }, { type: 'literal_or', tagk: 'host', filter: 'a', groupBy: false }, { type: 'literal_or', tagk: 'host', filter: 'b', groupBy: false }] }] }),
    post('fixed', { start: T, end: T + 600, queries: [{ aggregator: 'sum', metric: m('multi'), filters: [{ type: 'literal_or', tagk: 'dc', filter: 'lga', groupBy: false }, { type: 'literal_or', tagk: 'host', filter: 'a', groupBy: true }, { type: 'wildcard', tagk: 'host', filter: '*', groupBy: false }] }] }),
    post('fixed', { start: T, end: T + 600, queries: [{ aggregator: 'sum', metric: m('multi'), filters: [{ type: 'literal_or', tagk: 'host', filter: 'a', groupBy: false }, { type: 'literal_or', tagk: 'host', filter: 'b', groupBy: true }, { type: 'wildcard', tagk: 'dc', filter: '*', groupBy: true }] }] }),
    get('fixed', `/api/query?start=${T}&end=${T + 600}&m=sum:${m('multi')}{host=a}{dc=literal_or(lga),host=literal_or(b)}`),
    post('fixed', { start: T, end: T + 600, msResolution: true, queries: [{ aggregator: 'sum', metric: m('ms') }] }),
    post('fixed', { start: T + 3000, end: T + 3800, queries: [{ aggregator: 'sum', metric: m('gaps'), filters: [{ type: 'wildcard', tagk: 'dc', filter: '*', groupBy: true }] }] }),
    post('fixed', { start: T + 3000, end: T + 3800, queries: [{ aggregator: 'count', metric: m('gaps') }] }),
    post('fixed', { start: T + 3000, end: T + 3800, queries: [{ aggregator: 'zimsum', metric: m('gaps') }] }),
    post('fixed', { start: T + 3000, end: T + 3690, queries: [{ aggregator: 'sum', metric: m('gaps'), downsample: '5m-avg' }] }),
    post('fixed', { start: T + 3000, end: T + 3690, queries: [{ aggregator: 'sum', metric: m('gaps'), downsample: '2m-sum-zero' }] }),
    post('fixed', { start: T + 3610, end: T + 3900, queries: [{ aggregator: 'sum', metric: m('counter'), rate: true }] }),
    post('fixed', { start: T + 3610, end: T + 3900, queries: [{ aggregator: 'sum', metric: m('counter'), rate: true, rateOptions: { counter: true, counterMax: 2000, resetValue: 100 } }] }),
    post('fixed', { start: T + 3610, end: T + 3900, queries: [{ aggregator: 'sum', metric: m('counter'), rate: true, rateOptions: { counter: true, dropResets: true } }] }),
    // POST sub-queries equal to an earlier one are dropped (HttpJsonSerializer.parseQueryV1's LinkedHashSet)
    ...[
      [{}, {}],
      [{ filters: [{ type: 'wildcard', tagk: 'host', filter: '*', groupBy: true }] }, { filters: [{ type: 'wildcard', tagk: 'host', filter: '*', groupBy: false }] }],
      [{ filters: [{ type: 'wildcard', tagk: 'host', filter: '*', groupBy: false }] }, { filters: [{ type: 'wildcard', tagk: 'host', filter: '*', groupBy: true }] }],
      [{ rate: true, rateOptions: { counter: true } }, { rate: true, rateOptions: { counter: true } }, { rate: true, rateOptions: { counter: true, counterMax: 5 } }],
      [{}, { downsample: '1m-avg' }, {}],
    ].map((extras) => post('fixed', { start: T + 3000, end: T + 3700, showQuery: true, queries: extras.map((x) => ({ aggregator: 'sum', metric: m('gaps'), ...x })) })),
    // booleans as Jackson binds them: integers, "true"/"True", "" (false); "yes" is a 400
    ...[1, 'True', '', 'yes', 0].map((rate) => post('fixed', { start: T + 3610, end: T + 3900, queries: [{ aggregator: 'sum', metric: m('counter'), rate }] })),
    post('fixed', { start: T + 3610, end: T + 3900, msResolution: 1, queries: [{ aggregator: 'sum', metric: m('counter'), rate: true, rateOptions: { counter: 'True', dropResets: 1 } }] }),
    post('fixed', { start: T, end: T + 600, queries: [{ aggregator: 'sum', metric: m('tagged'), filters: [{ type: 'wildcard', tagk: 'host', filter: '*', groupBy: 'yes' }] }] }),
    // m= keywords in any case and by prefix; rate options read leniently (QueryRpc.parseMTypeSubQuery)
    ...['RATE', 'Rate{counter}', 'rates', 'rate{counter}x', 'rate{counter', 'RATE{COUNTER,1000,}', 'rate{x}', 'rate{'].map((rate) =>
      get('fixed', `/api/query?start=${T + 3610}&end=${T + 3900}&show_query&m=${encodeURIComponent(`sum:${rate}:${m('counter')}`)}`),
    ),
    ...['EXPLICIT_TAGS', 'explicit_tagsfoo'].map((flag) => get('fixed', `/api/query?start=${T}&end=${T + 60}&m=${encodeURIComponent(`sum:${flag}:${m('tagged')}{host=*}`)}`)),
    // the downsampler is sought to the first whole bucket of the rows read; earlier buckets are skipped
    post('fixed', { start: T + 3003, end: T + 86400 * 3, timezone: 'Europe/Berlin', queries: [{ aggregator: 'sum', metric: m('gaps'), downsample: '1dc-sum-zero', rate: true }] }),
    post('fixed', { start: T + 3003, end: T + 86400 * 3, timezone: 'Europe/Berlin', queries: [{ aggregator: 'sum', metric: m('gaps'), downsample: '1dc-sum-zero' }] }),
    // a day bucket starting before a mid-day start is dropped whole, though its points are in the range (empty dps)
    get('fixed', `/api/query?start=${T + 3003}&end=${T + 86400 * 2}&m=sum:1d-count:${m('gaps')}`),
    get('fixed', `/api/query?start=${T + 3003}&end=${T + 86400 * 2}&m=sum:6h-count-zero:${m('gaps')}{host=*}`),
    post('fixed', { start: T + 3000, end: T + 7000, timezone: 'Asia/Kolkata', queries: [{ aggregator: 'sum', metric: m('gaps'), downsample: '1hc-sum', rate: true }] }),
    post('fixed', { start: T + 3000, end: T + 4000, queries: [{ aggregator: 'sum', metric: m('gaps'), downsample: '7m-avg', rate: true }] }),
    post('fixed', { start: T + 3000, end: T + 4000, queries: [{ aggregator: 'sum', metric: m('gaps'), downsample: '7m-avg-nan' }] }),
    // calendar minutes not dividing an hour count from local midnight
    post('fixed', { start: T + 3000, end: T + 4000, useCalendar: true, timezone: 'Asia/Kathmandu', queries: [{ aggregator: 'sum', metric: m('gaps'), downsample: '7m-sum' }] }),
    post('fixed', { start: T + 3000, end: T + 4000, timezone: 'America/St_Johns', queries: [{ aggregator: 'sum', metric: m('gaps'), downsample: '20mc-sum-zero' }] }),
    post('fixed', { start: T, end: T + 600, queries: [{ aggregator: 'sum', metric: m('big') }] }),
    post('fixed', { start: T, end: T + 600, queries: [{ aggregator: 'max', metric: m('big'), downsample: '1m-max' }] }),
    get('fixed', `/api/query?start=${T}&end=${T + 600}&m=sum:1m-avg:${m('ints')}{host=*}`),
    get('fixed', `/api/query?start=${T}&end=${T + 600}&m=sum:${m('javadbl')}{host=*}`),
    // times TsdbQuery refuses once the query is valid (its 500, a 400 here; before any name is resolved),
    // times past 2^53 compared as longs, and an ms time past a long
    get('fixed', `/api/query?start=${T}&end=10000000000000&m=sum:${m('ints')}`),
    get('fixed', `/api/query?start=10000000000000&end=10000000000001&m=sum:${m('nosuch')}`),
    get('fixed', `/api/query?start=${T}&end=9223372036854775807&m=sum:${m('nosuch')}`),
    get('fixed', `/api/query?start=9223372036854775806ms&end=9223372036854775807ms&m=sum:${m('ints')}`),
    get('fixed', `/api/query?start=9223372036854775807ms&end=9223372036854775806ms&m=sum:${m('ints')}`),
    get('fixed', `/api/query?start=${T}&end=9223372036854775808ms&m=sum:${m('ints')}`),
    // absolute dates in Java's calendar: year 70 is not 1970, Julian days before 1582-10-15
    get('fixed', `/api/query?start=0070/01/01-00:00:00&m=sum:${m('ints')}`),
    get('fixed', `/api/query?start=1582/10/10-12:00:00&end=${T}&m=sum:${m('ints')}`),
    get('fixed', `/api/query?start=${T}&end=0001/01/01&m=sum:${m('ints')}`),
    post('fixed', { start: T, end: 10000000000000, queries: [{ aggregator: 'sum', metric: m('ints') }] }),
    { kind: 'fixed', method: 'POST', path: '/api/query/exp', body: { time: { start: String(T), end: '10000000000000', aggregator: 'sum' }, metrics: [{ id: 'a', metric: m('ints') }], expressions: [{ id: 'e', expr: 'a * 2' }] } },
    get('fixed', `/api/query/gexp?start=${T}&end=10000000000000&exp=scale(sum:${m('ints')},2)`),
    // malformed TSUIDs: errors while the sub-queries are configured (shorter than a metric UID,
    // metric UIDs that differ: OpenTSDB 500, DSDB 400 with its message, divergence 10), then
    // as each scan parses the UIDs (no hex digit, no tags: 400)
    ...[
      'zz',
      '000001000001000001,000002000001000001',
      '00000g000001000001',
      '000001',
      '00000g',
      '00000100000100000g',
      '0000010000010000g',
      '000001000001000001,00000100000100000g',
      '000001000001000001,00000g000001000001',
      '00000a000001000001,00000A000001000002',
      '0000010000010000100',
    ].map((tsuids) => get('fixed', `/api/query?start=${T}&end=${T + 600}&tsuid=sum:${tsuids}`)),
    get('fixed', `/api/query?start=${T}&end=${T + 600}&tsuid=sum:00000g000001000001&tsuid=sum:zz`),
    post('fixed', { start: T, end: T + 600, queries: [{ aggregator: 'sum', tsuids: ['00000100000g'] }, { aggregator: 'sum', tsuids: ['zz'] }] }),
    // tsuid sub-queries, with each server's own TSUIDs
    { ...post('fixed', { start: T, end: T + 600, queries: [{ aggregator: 'sum', tsuids: [`{TSUID:${m('ints')}{host=a}}`, `{TSUID:${m('ints')}{host=b}}`] }] }), kind: 'fixed-tsuid' },
    get('fixed', `/api/query?start=${T}&end=${T + 600}&m=sum:${m('tagged')}{}{host=literal_or(a),host=literal_or(b)}`),
    get('fixed', `/api/query?start=${T}&end=${T + 600}&m=sum:${m('tagged')}{uid=not_literal_or(2)}`),
    // empty filters and literal lists with trailing pipes (Java's split drops trailing empties)
    ...['host=a|', 'host=|', 'host=literal_or(a||)', 'host=not_literal_or(b|)', 'host=regexp()', 'host=literal_or()', 'host=wildcard()'].map((f) =>
      get('fixed', `/api/query?start=${T}&end=${T + 600}&m=${encodeURIComponent(`sum:${m('tagged')}{${f}}`)}`),
    ),
    get('fixed', `/api/query?start=${T}&end=${T + 600}&m=sum:${m('tagged')}&explicit_tags=true`),
    get('fixed', `/api/query?start=${T}&end=${T + 600}&m=sum:${m('tagged')}{host=not_key()}`),
    // the scan ends an hour after the end plus one second: at hh:59:59 `a` (endrow) lerps towards
    // its point in the next hour's row (66 at T + 3595), at hh:59:58 it has ended there (64)
    ...[3599, 3598].map((e) => get('fixed', `/api/query?start=${T + 3500}&end=${T + e}&m=sum:${m('endrow')}{host=a}`)),
    // explicitTags reads one hour more (the fuzzy scan's stop key): `a` lerps at b's T + 3595,
    // and the calendar 2h bucket holding the end (London is UTC+1 in June) takes its `last`
    // from that row (seed 9203); the same requests without explicitTags do not
    ...[true, false].flatMap((explicitTags) => [
      post('fixed', { start: T + 3500, end: T + 3598, queries: [{ aggregator: 'sum', metric: m('endrow'), explicitTags, filters: [{ type: 'wildcard', tagk: 'host', filter: '*', groupBy: false }, { type: 'literal_or', tagk: 'dc', filter: 'lga', groupBy: false }] }] }),
      post('fixed', { start: T + 3600, end: T + 3695, useCalendar: true, timezone: 'Europe/London', queries: [{ aggregator: 'sum', metric: m('endrow'), downsample: '2h-last', explicitTags, filters: [{ type: 'literal_or', tagk: 'host', filter: 'a', groupBy: false }, { type: 'literal_or', tagk: 'dc', filter: 'lga', groupBy: false }] }] }),
    ]),
    get('fixed', `/api/query?start=${T + 3500}&end=${T + 3598}&m=sum:explicit_tags:${m('endrow')}{dc=lga}{host=*}`),
    ...['sum:explicit_tags:{m}{host=*}', 'sum:explicit_tags:{m}{}{host=*}', 'none:explicit_tags:{m}{host=*}', 'sum:explicit_tags:{m}{host=b}', 'sum:1m-avg:explicit_tags:{m}{host=*}', 'sum:{m}{host=*}'].map((q) =>
      get('fixed', `/api/query?start=${T}&end=${T + 600}&m=${q.replace('{m}', m('emptyspan'))}`),
    ),
    ...['{dc=lga|sjc}{host=literal_or(a|b|c)}', '{dc=lga|sjc,host=a|b|c}', '{dc=sjc|tyo}{host=b|c}', '{dc=*}{host=literal_or(b|c)}', '{dc=lga|sjc,dc=iliteral_or(LGA|sjc)}{host=literal_or(a|b|c)}'].flatMap((tags) => [
      get('fixed', `/api/query?start=${T}&end=${T + 600}&m=sum:explicit_tags:${m('fuzzy')}${tags}`),
      get('fixed', `/api/query?start=${T}&end=${T + 600}&m=sum:${m('fuzzy')}${tags}`),
    ]),
    // relative times as DateTime.parseDuration reads them: `-ago` in any case, the count's
    // digits, then only the last character (any case) as the unit (`2.5y` is 2 y, `30min`
    // 30 months); every start here is before T, so the answer does not depend on "now"
    ...['1000d-Ago', '1000D-AGO', '2.5y-ago', '30min-ago', '1000xd-ago', '-ago', '1000-ago', 'd-ago', '1000x-ago', '99999999999999999999d-ago', '0d-ago', '999999999999y-ago'].map((start) =>
      get('fixed', `/api/query?start=${encodeURIComponent(start)}&end=${T + 600}&m=sum:${m('ints')}`),
    ),
    get('fixed', `/api/query?start=${T}&end=${encodeURIComponent('1d-AGO')}&m=sum:${m('ints')}`),
    post('fixed', { start: '1000d-Ago', end: T + 600, queries: [{ aggregator: 'sum', metric: m('ints') }] }),
    // a repeated parameter is its last value (getQueryStringParam), `m` a list (getQueryStringParams)
    get('fixed', `/api/query?start=1h-ago&start=${T}&end=${T + 600}&m=sum:${m('ints')}`),
    get('fixed', `/api/query?start=${T}&end=${T + 600}&end=${T + 80}&m=sum:${m('ints')}&m=max:${m('ints')}`),
    get('fixed', `/api/query?start=${T}&end=${T + 600}&m=sum:${m('ints')}&timezone=Nowhere/Nope&timezone=UTC`),
    // absolute dates as SimpleDateFormat reads them, lenient: a field past its range rolls into
    // the next, a number may be negative or follow spaces, text after the last field is ignored
    ...['2025/05/31-24:00:00', '2025/06/00-24:01:00', '2025/05/31-23:61:00', '2025/04/61-00:00:00', '2025/-6/01', '2025/06/01- 0:01:00', '2025/06/01-00:01:0x', '2025/06/0x', '2025/06/x1', '2025/06/01-00:0x:00', '2025/06/01x00:01:00'].map((start) =>
      get('fixed', `/api/query?start=${encodeURIComponent(start)}&end=${T + 600}&m=sum:${m('ints')}`),
    ),
    get('fixed', `/api/query?start=${T}&end=${encodeURIComponent('2025/06/01-00:02:-10')}&m=sum:${m('ints')}`),
    // a query's timezone is looked up only where it is used (a Java TimeZone ID, case included):
    // reading an absolute date, and downsampling; elsewhere any text passes
    ...[
      { start: T, end: T + 600, timezone: 'utc' },
      { start: T, end: T + 600, timezone: 'Nowhere/Zone', useCalendar: true },
      { start: '2025/06/01-00:00:00', end: T + 600, timezone: 'utc' },
      { start: T, end: '2025/06/01-00:10:00', timezone: 'GMT+2' },
      { start: '2025/06/01-02:00:00', end: T + 600, timezone: 'Europe/Paris' },
    ].map((times) => post('fixed', { ...times, queries: [{ aggregator: 'sum', metric: m('ints') }] })),
    ...['utc', 'Z'].map((timezone) => post('fixed', { start: T, end: T + 600, timezone, queries: [{ aggregator: 'sum', metric: m('ints'), downsample: '1m-sum' }] })),
    // start and end given as JSON numbers are read as written (Jackson binds their text)
    ...[`{"start":${T}.0,"end":${T + 600},"queries":[{"aggregator":"sum","metric":"${m('ints')}"}]}`, `{"start":${T},"end":${T + 600}.0,"queries":[{"aggregator":"sum","metric":"${m('ints')}"}]}`, `{"start":1.7e9,"end":${T + 600},"queries":[{"aggregator":"sum","metric":"${m('ints')}"}]}`].map((body) =>
      post('fixed', body),
    ),
    // filters of a TSUID sub-query: never grouping, each but a wildcard `*` run on the series' names
    ...[
      { filters: [{ type: 'wildcard', tagk: 'host', filter: '*', groupBy: true }] },
      { tags: { host: '*' } },
      { filters: [{ type: 'wildcard', tagk: 'uid', filter: '*', groupBy: true }] },
      { filters: [{ type: 'literal_or', tagk: 'host', filter: 'a', groupBy: true }] },
      { filters: [{ type: 'not_literal_or', tagk: 'uid', filter: '1', groupBy: true }] },
      { filters: [{ type: 'regexp', tagk: 'host', filter: '^b', groupBy: false }] },
      { filters: [{ type: 'literal_or', tagk: 'nosuchkey', filter: 'a', groupBy: false }] },
      { aggregator: 'none', filters: [{ type: 'wildcard', tagk: 'uid', filter: '*', groupBy: true }] },
    ].map((extra) => ({
      ...post('fixed', { start: T, end: T + 600, queries: [{ aggregator: 'sum', tsuids: [`{TSUID:${m('tagged')}{host=a,uid=1}}`, `{TSUID:${m('tagged')}{host=b,uid=2}}`, `{TSUID:${m('tagged')}{host=a}}`], ...extra }] }),
      kind: 'fixed-tsuid',
    })),
    // a leading `+` on a time (Tags.parseLong): counted in the length, so `+<10 digits>` is ms
    get('fixed', `/api/query?start=${T}&end=%2B${T + 600}&m=sum:${m('ints')}`),
    get('fixed', `/api/query?start=%2B${T * 1000}&end=${T + 600}&m=sum:${m('ints')}`),
    get('fixed', `/api/query?start=%2B&m=sum:${m('ints')}`),
    // text after the body's JSON object: Jackson reads the first value and ignores the rest
    ...[' junk', '}', '{"start":1', '[', '"open', '\n{"start":0}'].map((after) =>
      post('fixed', `{"start":${T},"end":${T + 600},"queries":[{"aggregator":"sum","metric":"${m('ints')}"}]}${after}`),
    ),
    // a sub-query naming TSUIDs and a metric is a TSUID query (TsdbQuery.configureFromQuery)
    { ...post('fixed', { start: T, end: T + 600, queries: [{ aggregator: 'sum', metric: m('tagged'), tsuids: [`{TSUID:${m('ints')}{host=a}}`] }] }), kind: 'fixed-tsuid' },
    // a filter's `group_by` (showQuery's spelling) groups as `groupBy` does; the later key wins
    ...[
      { group_by: true },
      { groupBy: false, group_by: true },
      { group_by: true, groupBy: false },
      { group_by: 'true' },
    ].map((spelling) => post('fixed', { start: T, end: T + 600, queries: [{ aggregator: 'sum', metric: m('multi'), filters: [{ type: 'wildcard', tagk: 'host', filter: '*', ...spelling }] }] })),
    // RateOptions is bound strictly: an unknown field fails the JSON (TSSubQuery ignores them)
    ...[{ interval: '1m' }, { counter: true, Counter: true }].map((rateOptions) =>
      post('fixed', { start: T + 3610, end: T + 3900, queries: [{ aggregator: 'sum', metric: m('counter'), rate: true, rateOptions }] }),
    ),
    // GET: the `tsuid=` sub-queries come before the `m=` ones, whatever the URL's order
    { ...get('fixed', `/api/query?start=${T}&end=${T + 600}&m=sum:${m('tagged')}&tsuid=sum:{TSUID:${m('ints')}{host=a}}&m=sum:${m('multi')}`), kind: 'fixed-tsuid' },
    get('fixed', `/api/query?start=${T}&end=${T + 600}&m=sum:${m('tagged')}&tsuid=000001000001000001`),
    get('fixed', `/api/query?start=${T}&end=${T + 600}&m=sum:${m('tagged')}:x:y:z:w&tsuid=000001000001000001`),
    // so with a fill policy no value bucket starts on a slot: every slot is filled (OpenTSDB's
    // FillingDownsampler); without a fill policy, or with 6m (counted from the hour), the values show
    ...['7m-last-null', '7m-sum-zero', '7m-last', '6m-last-nan'].map((downsample) =>
      post('fixed', { start: T - 300, end: T + 1800, useCalendar: true, timezone: 'UTC', queries: [{ aggregator: 'sum', metric: m('cal7'), downsample }] }),
    ),
  ];
  return { points, metrics: [...new Set(points.map((p) => p.metric))], requests, start, end };
}

/** Points at "now" for /api/query/last (partial tags, no tags, back_scan, resolve). */
export function realtimeVectors(prefix: string, nowMs: number): FixedVectors {
  const metric = `${prefix}.rt`;
  const s = Math.floor(nowMs / 1000);
  const points: Point[] = [
    { metric, timestamp: s - 40, value: '1', tags: { host: 'a' } },
    { metric, timestamp: (s - 30) * 1000 + 250, value: '2.5', tags: { host: 'a' } },
    { metric, timestamp: s - 20, value: '3', tags: { host: 'a', dc: 'lga' } },
    { metric, timestamp: s - 10, value: '4.25', tags: { host: 'b', dc: 'lga' } },
  ];
  const q = (ts: string, extra = '') => get('last', `/api/query/last?timeseries=${encodeURIComponent(ts)}${extra}`);
  const requests: OracleRequest[] = [
    q(`${metric}{host=a}`, '&back_scan=2'),
    q(`${metric}{host=a}`, '&back_scan=2&resolve=true'),
    // the last back_scan counts: 0 reads OpenTSDB's meta table (divergence 5, as the last-meta ones below)
    { ...q(`${metric}{host=a}`, '&back_scan=2&back_scan=0'), kind: 'last-meta' },
    q(`${metric}{host=a}`, '&back_scan=0&back_scan=2&timeseries=' + encodeURIComponent(`${metric}{host=b}`)),
    q(`${metric}{host=a,dc=lga}`, '&back_scan=1&resolve=true'),
    q(`${metric}{dc=lga}`, '&back_scan=2'),
    q(metric, '&back_scan=2'),
    q(`${metric}{host=web01}`, '&back_scan=2'),
    q(`${metric}{host=nosuchvalue}`, '&back_scan=2'),
    { kind: 'last', method: 'POST', path: '/api/query/last', body: { queries: [{ metric, tags: { host: 'b', dc: 'lga' } }], backScan: 3, resolveNames: true } },
    { kind: 'last', method: 'POST', path: '/api/query/last', body: { queries: [{ metric, tags: {} }], backScan: 3 } },
    // backScan as Jackson reads an int: an integer string and a fraction count, text or a boolean fail the JSON
    ...['3', 2.7, 'x', true].map((backScan) => ({ kind: 'last', method: 'POST', path: '/api/query/last', body: { queries: [{ metric, tags: { host: 'b', dc: 'lga' } }], backScan } }) as OracleRequest),
    // past an int: out of range, as a number (its text as sent) or a string
    ...['1e999', '3000000000', '"-3000000000"', '2147483647.9'].map((backScan) => ({ kind: 'last', method: 'POST', path: '/api/query/last', body: `{"queries":[{"metric":"${metric}","tags":{"host":"b","dc":"lga"}}],"backScan":${backScan}}` }) as OracleRequest),
    // a sub-query's tags bind into a Map: text, a number or an array fail the JSON; null is no tags
    ...['"x"', '""', '5', '[]', 'true'].map((tags) => ({ kind: 'last', method: 'POST', path: '/api/query/last', body: `{"queries":[{"metric":"${metric}","tags":${tags}}],"backScan":3}` }) as OracleRequest),
    // the tsuids forms (each server's own TSUID of the series)
    get('last', `/api/query/last?tsuids={TSUID:${metric}{dc=lga,host=a}}&back_scan=2&resolve=true`),
    { kind: 'last', method: 'POST', path: '/api/query/last', body: { queries: [{ tsuids: [`{TSUID:${metric}{host=b,dc=lga}}`] }], backScan: 2 } },
    // back_scan 0: OpenTSDB reads its meta table (see docs/opentsdb-compat.md)
    { ...q(`${metric}{host=a}`), kind: 'last-meta' },
    { ...q(metric), kind: 'last-meta' },
  ];
  return { points, metrics: [metric], requests, start: (s - 3600) * 1000, end: (s + 60) * 1000 };
}
