/**
 * Fixed vectors for /api/query/gexp (OpenTSDB 2.4.1's expression functions): small data
 * where the series line up (and where they do not), every function, the errors OpenTSDB
 * answers, and the quirks the real server showed (docs/opentsdb-compat.md).
 */
import type { OracleRequest, Point } from './generate';
import type { FixedVectors } from './vectors';

export function expressionVectors(prefix: string): FixedVectors {
  const T = Date.UTC(2025, 5, 2) / 1000; // seconds, hour-aligned
  const m = (name: string) => `${prefix}.${name}`;
  const points: Point[] = [];
  const add = (metric: string, timestamp: number, value: string, tags: Record<string, string>) => points.push({ metric: m(metric), timestamp, value, tags });
  const aInts = ['1', '-2', '3', '-4', '5', '6'];
  const bDoubles = ['0.5', '1.5', '0', '2', '-2.5', '3.25'];
  const xa = ['10', '0', '30', '0', '50', '60'];
  for (let i = 0; i < 6; i++) {
    add('exa', T + 600 + i * 10, aInts[i]!, { host: 'a' });
    add('exa', T + 600 + i * 10 + 5, bDoubles[i]!, { host: 'b' });
    add('exb', T + 600 + i * 10 + 2, xa[i]!, { host: 'a' });
    if (i < 4) add('exb', T + 600 + i * 10 + 7, String(i * 3), { host: 'web01' });
  }
  const start = T + 600;
  const end = T + 700;
  const g = (exp: string, extra = '', s = start, e = end): OracleRequest => ({
    kind: 'fixed-gexp',
    method: 'GET',
    path: `/api/query/gexp?start=${s}&end=${e}${extra}&exp=${encodeURIComponent(exp)}`,
  });
  const A = `sum:${m('exa')}{host=*}`;
  const B = `sum:${m('exb')}{host=*}`;
  const requests: OracleRequest[] = [
    // series arithmetic: joined by tag set, a missing input counts 0, lock step, x/0 = 0
    g(`sum(${A},${B})`),
    g(`sumSeries(${A},${B})`, '&ms=true'),
    g(`difference(${B},${A})`),
    g(`diffSeries(${A},${B})`),
    g(`divide(${A},${B})`),
    g(`divideSeries(${B},${A})`),
    g(`multiply(sum:${m('exa')}{host=a},max:${m('exa')}{host=a},min:${m('exa')}{host=a})`),
    g(`multiplySeries(${A},max:${m('exa')}{host=*})`),
    g(`sum(${A},${B})`, '', start + 15, start + 45),
    // inputs of unequal length: `No more elements`; one input; a repeated metric query
    g(`sum(sum:${m('exa')},sum:${m('exb')})`),
    g(`sum(${A})`),
    g(`multiply(${A},${B},${B})`),
    // per series
    g(`scale(${A},2)`),
    g(`scale(${A},0.5)`),
    g(`scale(${A},-3)`),
    g(`scale(${A},abc)`),
    g(`scale(sum(${A},${B}),2)`),
    g(`absolute(${A})`),
    g(`absolute(difference(${B},${A}))`),
    g(`alias(${A},x@host)`),
    g(`alias(${A},one,two)`),
    g(`alias(sum(${A},${B}),x)`),
    // an alias joins series arithmetic by its input's tags (getTagUids), though it writes
    // none: {host=web01} sorts after {host=a}, whose unequal lengths fail first (seed 10300)
    g(`diffSeries(sum(sum:${m('exa')}{host=a},sum:rate:${m('exa')}{host=a}),alias(sum:${m('exb')}{host=web01},w))`),
    g(`sum(alias(sum:${m('exb')}{host=web01},w),sum:${m('exb')}{host=web01})`),
    g(`movingAverage(${A},2)`),
    g(`movingAverage(${A},'20sec')`),
    g(`movingAverage(${A},3)`, '', start + 15),
    g(`movingAverage(${A},0)`),
    g(`movingAverage(${A},'5x')`),
    g(`highestCurrent(${A},1)`),
    g(`highestCurrent(${B},2)`),
    g(`highestMax(${A},1)`),
    g(`highestMax(${B},5)`),
    g(`highestMax(${A},0)`),
    // no point in range: OpenTSDB's NullPointerException messages
    g(`highestMax(${A},1)`, '', end, end + 100),
    g(`highestCurrent(sum:${m('exa')},1)`, '', end, end + 100),
    g(`timeShift(${A},'10min')`),
    g(`shift(${A},10min)`),
    // the m= sub-queries come first: the expression's metric index points at them
    g(`scale(${A},2)`, `&m=${encodeURIComponent(B)}`),
    g(`absolute(${A})`, '&show_query=true'),
    // m= alone: the answer holds expressions only; POST: OpenTSDB runs the body, then fails
    { kind: 'fixed-gexp', method: 'GET', path: `/api/query/gexp?start=${start}&end=${end}&m=${encodeURIComponent(A)}` },
    { kind: 'fixed-gexp', method: 'POST', path: '/api/query/gexp', body: { start, end, queries: [{ aggregator: 'sum', metric: m('exa') }] } },
    { kind: 'fixed-gexp', method: 'POST', path: '/api/query/gexp', body: { start, end, queries: [{ aggregator: 'sum', metric: m('nosuch') }] } },
    // errors before any data
    g(`nosuch(${A})`),
    g(`scale(${A}`),
  ];
  return { points, metrics: [...new Set(points.map((p) => p.metric))], requests, start, end };
}
