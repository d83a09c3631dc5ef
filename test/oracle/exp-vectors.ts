/**
 * Fixed vectors for /api/query/exp (OpenTSDB 2.4.1's JSON expressions): small data, each
 * join and fill behaviour, and every difference the random requests showed once (the
 * expression's fill policy read as the POJO builds it, constant expressions failing before
 * the query runs, a nested expression's copy without a fill policy, the nested iterator
 * printed in `No intersections found`). docs/opentsdb-compat.md describes them.
 */
import type { OracleRequest, Point } from './generate';
import type { FixedVectors } from './vectors';

export function expVectors(prefix: string): FixedVectors {
  const T = Date.UTC(2025, 5, 3) / 1000; // seconds, hour-aligned
  const m = (name: string) => `${prefix}.${name}`;
  const points: Point[] = [];
  const add = (metric: string, timestamp: number, value: string, tags: Record<string, string>) => points.push({ metric: m(metric), timestamp, value, tags });
  for (let i = 0; i < 6; i++) {
    add('xa', T + 600 + i * 60, String(i + 1), { host: 'a', dc: 'x' });
    add('xa', T + 600 + i * 60 + 30, String(10 * i), { host: 'b', dc: 'x' });
    if (i % 2 === 0) add('xb', T + 600 + i * 60, String(100 + i), { host: 'a', dc: 'y' });
    add('xb', T + 600 + i * 60, '7.5', { host: 'c', dc: 'y' });
  }
  // xw: hosts whose names the wildcards `a*` and `*a` tell apart
  for (let i = 0; i < 4; i++) for (const [host, v] of [['ab', 1], ['ba', 20], ['bb', 300]] as const) add('xw', T + 600 + i * 60, String(v * (i + 1)), { host });
  // xn: a point long before the queried range only (a metric without data there)
  add('xn', T - 86400, '1', { host: 'a' });
  // xe: host b's only point is in the hour row an explicitTags scan reads past the end: its
  // group has no span, and a metric output of it is MetaSerializer's 400 (no metric UID)
  add('xe', T + 700, '1', { host: 'a' });
  add('xe', T + 3700, '2', { host: 'b' });
  const start = T + 600;
  const end = T + 1000;
  const time = { start: String(start), end: String(end), aggregator: 'sum' };
  const byHost = [{ id: 'f1', tags: [{ type: 'wildcard', tagk: 'host', filter: '*', groupBy: true }] }];
  const ab = [
    { id: 'a', metric: m('xa'), filter: 'f1' },
    { id: 'b', metric: m('xb'), filter: 'f1', fillPolicy: { policy: 'zero' } },
  ];
  const exp = (body: Record<string, unknown>): OracleRequest => ({ kind: 'fixed-exp', method: 'POST', path: '/api/query/exp', body: { time, filters: byHost, metrics: ab, ...body } });
  const e = (expr: string, join?: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({ id: 'e', expr, ...(join ? { join } : {}), ...extra });
  const requests: OracleRequest[] = [
    // union (the default): rows at every timestamp of any input, gaps filled per metric
    exp({ expressions: [e('a + b * 2')] }),
    exp({ expressions: [e('a + b * 2', { operator: 'union', useQueryTags: true, includeAggTags: false })] }),
    exp({ expressions: [e('a - b', { operator: 'intersection' })] }),
    exp({ expressions: [e('a * b', { operator: 'intersection', useQueryTags: true, includeAggTags: true })] }),
    // x and q are equal sub-queries (TSSubQuery.equals): q's results come with x's, before
    // a's, so q is the join's first input and the a-only set's commonTags are {}
    exp({ metrics: [{ id: 'a', metric: m('xa') }, { id: 'x', metric: m('xb'), filter: 'f1' }, { id: 'q', metric: m('xb'), filter: 'f1', fillPolicy: { policy: 'scalar', value: 2.5 } }], expressions: [e('a / (0 + q)')] }),
    // TSSubQuery.equals ignores groupBy (TagVFilter.equals never compares it): sub-queries
    // that differ only there all get the series of the last one in run order (seed
    // 640612942). Ids c, x run x then c: x shows c's series by host; a, b run a then b: a
    // shows b's one aggregated series
    ...[
      ['c', 'x'],
      ['a', 'b'],
    ].map(([grouped, merged]) =>
      exp({
        filters: [
          { id: 'f1', tags: [{ type: 'wildcard', tagk: 'host', filter: '*', groupBy: true }] },
          { id: 'f2', tags: [{ type: 'wildcard', tagk: 'host', filter: '*', groupBy: false }] },
        ],
        metrics: [
          { id: grouped, metric: m('xw'), filter: 'f1' },
          { id: merged, metric: m('xw'), filter: 'f2', fillPolicy: { policy: 'zero' } },
        ],
        expressions: [e(`${merged} * 2`)],
        outputs: [{ id: grouped }, { id: merged }, { id: 'e' }],
      }),
    ),
    // a wildcard's equals compares only the pattern between its outer `*`s (`a*` equals `*a`);
    // literal_or compares its literals as a set
    ...[
      ['a*', '*a', 'wildcard'],
      ['ab|bb', 'bb|ab', 'literal_or'],
      ['a*', 'b*', 'wildcard'],
    ].map(([f1, f2, type]) =>
      exp({
        filters: [
          { id: 'f1', tags: [{ type, tagk: 'host', filter: f1, groupBy: true }] },
          { id: 'f2', tags: [{ type, tagk: 'host', filter: f2, groupBy: false }] },
        ],
        metrics: [
          { id: 'a', metric: m('xw'), filter: 'f1' },
          { id: 'b', metric: m('xw'), filter: 'f2' },
        ],
        expressions: [e('a + b')],
        outputs: [{ id: 'a' }, { id: 'b' }, { id: 'e' }],
      }),
    ),
    ...['b', 'a|b', 'a'].map((hosts) =>
      exp({
        filters: [{ id: 'f1', explicitTags: true, tags: [{ type: 'literal_or', tagk: 'host', filter: hosts, groupBy: true }] }],
        metrics: [{ id: 'a', metric: m('xe'), filter: 'f1' }],
        expressions: [],
        outputs: [{ id: 'a' }],
      }),
    ),
    // no series in common: `No intersections found` lists the inputs
    exp({ expressions: [e('a / b', { operator: 'intersection' })], filters: [{ id: 'f1', tags: [{ type: 'literal_or', tagk: 'host', filter: 'b', groupBy: true }] }] }),
    // JEXL: x/0 and x%0 are 0, comparisons are 1 or 0, literals with a point are doubles
    exp({ expressions: [e('a / 0 + a % 0 + (a > 3) + a * 0.1')] }),
    // fill policies per metric: scalar, nan (NaN values take the fill again), none
    exp({ metrics: [ab[0], { ...ab[1], fillPolicy: { policy: 'scalar', value: 2.5 } }], expressions: [e('a + b')] }),
    exp({ metrics: [{ ...ab[0], fillPolicy: { policy: 'nan' } }, ab[1]], expressions: [e('a + b')] }),
    // the expression's own fill policy: echoed as built (NaN), never used
    exp({ expressions: [e('a + b', undefined, { fillPolicy: { policy: 'null' } })] }),
    // nested: a copy of e1 in e2, stepping once per e2 step; its copy has no fill policy
    exp({ expressions: [{ id: 'e1', expr: 'a * 2' }, { id: 'e2', expr: 'e1 + a' }], outputs: [{ id: 'e2' }, { id: 'e1', alias: 'double' }] }),
    exp({ expressions: [{ id: 'e1', expr: 'a + b' }, { id: 'e2', expr: 'e1 + a' }] }),
    exp({ metrics: [{ ...ab[0], fillPolicy: { policy: 'nan' } }, ab[1]], expressions: [{ id: 'e1', expr: 'a + b' }, { id: 'e2', expr: 'e1 * 2' }] }),
    exp({
      expressions: [
        { id: 'e1', expr: 'a', join: { operator: 'union' } },
        { id: 'e2', expr: 'b + e1', join: { operator: 'intersection' } },
      ],
      filters: [{ id: 'f1', tags: [{ type: 'literal_or', tagk: 'host', filter: 'c', groupBy: true }] }],
    }),
    // two joins fail: the error names the first in compile order, jgrapht's topological
    // order (e2, e3, e1: e2 uses e1) walked from the end, so e1 (seed 563513920)
    ...[
      [{ id: 'e1', expr: 'a / b', join: { operator: 'intersection' } }, { id: 'e2', expr: 'e1 + a' }, { id: 'e3', expr: 'b - a', join: { operator: 'intersection' } }],
      [{ id: 'e3', expr: 'b - a', join: { operator: 'intersection' } }, { id: 'e2', expr: 'e3 + a' }, { id: 'e1', expr: 'a / b', join: { operator: 'intersection' } }],
    ].map((expressions) => exp({ expressions, filters: [{ id: 'f1', tags: [{ type: 'literal_or', tagk: 'host', filter: 'b', groupBy: true }] }] })),
    exp({ expressions: [{ id: 'e1', expr: 'e1 + a' }] }),
    exp({ expressions: [{ id: 'e1', expr: 'e2 + a' }, { id: 'e2', expr: 'e1 + b' }] }),
    // outputs: a metric's own series (not cut to the range, gaps as 0), aliases, unknown ids
    exp({ expressions: [e('a')], outputs: [{ id: 'b', alias: 'raw b' }, { id: 'e' }, { id: 'nosuch' }] }),
    exp({ expressions: [e('a')], outputs: [{ id: 'nosuch' }] }),
    // a metric without data in the range; an unknown metric
    exp({ metrics: [ab[0], { id: 'n', metric: m('xn') }], expressions: [e('a + n')] }),
    exp({ metrics: [{ id: 'n', metric: m('xn') }], expressions: [e('n * 2', { operator: 'intersection' })] }),
    exp({ metrics: [ab[0], { id: 'n', metric: m('nosuch') }], expressions: [e('a + n')] }),
    // one row in range: lastTimestamp stays 0
    exp({ time: { ...time, end: String(start + 10) }, expressions: [e('a * 1')] }),
    // downsampled, rate, a metric's own aggregator
    exp({ time: { ...time, downsampler: { interval: '2m', aggregator: 'avg' } }, expressions: [e('a - b')] }),
    exp({ time: { ...time, rate: true }, expressions: [e('a + b')] }),
    exp({ metrics: [{ ...ab[0], aggregator: 'max' }, ab[1]], expressions: [e('a + b', { operator: 'union', includeAggTags: false })] }),
    // errors before the query runs: 500 with the message
    exp({ expressions: [e('3 + 4')] }),
    exp({ expressions: [e('a +')] }),
    exp({ expressions: [e('(a * b')] }),
    exp({ expressions: [e('a # b')] }),
    exp({ expressions: [e('')] }),
    exp({ expressions: [e('a + zz')] }),
    exp({ expressions: [e('A + b')] }),
    exp({ metrics: [ab[0], { ...ab[1], id: 'a' }], expressions: [e('a')] }),
    exp({ metrics: [{ ...ab[0], filter: 'f9' }], expressions: [e('a')] }),
    exp({ filters: undefined, expressions: [e('a + b')] }),
    exp({ time: { start: String(start), aggregator: 'nosuch' }, expressions: [e('a')] }),
    exp({ metrics: [], expressions: [e('a')] }),
  ];
  return { points, metrics: ['xa', 'xb', 'xn', 'xw'].map(m), requests, start: (T - 86400) * 1000, end: (T + 3600) * 1000 };
}
