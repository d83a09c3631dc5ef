/**
 * Seeded generator of the differential test's data and queries (see docs/opentsdb-compat.md).
 * The same seed gives the same data and the same queries, so a difference can be replayed
 * with DSDB_ORACLE_SEED. Values are kept as text so 64-bit integers travel exactly.
 */

export class Rng {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0 || 1;
  }
  /** mulberry32 */
  next(): number {
    this.s = (this.s + 0x6d2b79f5) >>> 0;
    let t = this.s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)]!;
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  subset<T>(items: readonly T[], min = 1): T[] {
    const out = items.filter(() => this.chance(0.5));
    while (out.length < min) {
      const x = this.pick(items);
      if (!out.includes(x)) out.push(x);
    }
    return out;
  }
}

export interface Point {
  metric: string;
  /** as sent: seconds (10 digits) or milliseconds (13 digits) */
  timestamp: number;
  /** the value as JSON text (exact for 64-bit integers) */
  value: string;
  tags: Record<string, string>;
}

export interface Dataset {
  seed: number;
  prefix: string;
  /** epoch ms of the first possible point */
  t0: number;
  /** epoch ms after the last possible point */
  t1: number;
  metrics: string[];
  points: Point[];
}

export const HOSTS = ['web01', 'web02', 'Web03', 'db1'];
export const DCS = ['lga', 'sjc'];
/** Every tag name the generator and the fixed vectors write (their UIDs are assigned in name order first). */
export const TAG_KEYS = ['host', 'dc', 'uid', 'rack'];
export const TAG_VALUES = [...HOSTS, ...DCS, '1', '2', '3', 'r1', 'a', 'b'];

/** One run's data: int and float gauges, counters with resets and rollover, gaps, late and early series, a missing tag, ms and s timestamps, several points in a second, values near 2^53 and 2^63. */
export function generateData(seed: number): Dataset {
  const rng = new Rng(seed);
  const prefix = `o${seed.toString(36)}`;
  // An hour-aligned base in 2026, varied by the seed (calendar buckets land differently).
  const t0 = Date.UTC(2026, 0, 1) + rng.int(0, 300) * 3_600_000 + rng.pick([0, 0, 1_800_000, 7 * 60_000]);
  const span = 2 * 3_600_000;
  const t1 = t0 + span;
  const kinds = ['gint', 'gfloat', 'counter', 'sparse', 'big'] as const;
  const metrics = kinds.map((k) => `${prefix}.${k}`);
  const points: Point[] = [];
  const seen = new Set<string>();
  for (const kind of kinds) {
    const metric = `${prefix}.${kind}`;
    // Series: hosts × dcs, some lacking dc, some with a uid tag.
    const series: Record<string, string>[] = [];
    for (const host of HOSTS) {
      if (rng.chance(0.25) && series.length > 0) continue;
      const tags: Record<string, string> = { host };
      if (!rng.chance(0.2)) tags.dc = rng.pick(DCS);
      if (rng.chance(0.4)) tags.uid = String(rng.int(1, 3));
      series.push(tags);
    }
    if (rng.chance(0.5)) series.push({ host: rng.pick(HOSTS), dc: 'lga', uid: '2', rack: 'r1' });
    for (const tags of series) {
      const key = JSON.stringify([metric, tags]);
      if (seen.has(key)) continue;
      seen.add(key);
      // late start / early stop
      const from = t0 + (rng.chance(0.3) ? rng.int(10, 3000) * 1000 : rng.int(0, 30) * 1000);
      const to = rng.chance(0.3) ? t1 - rng.int(10, 3000) * 1000 : t1;
      const step = rng.pick([10_000, 15_000, 30_000, 60_000, 45_000]);
      let t = from;
      let counter = BigInt(rng.int(0, 1000));
      let gauge = rng.int(-50, 100);
      const taken = new Set<number>();
      while (t < to) {
        let ts = t;
        if (rng.chance(0.08)) {
          t += step * rng.int(3, 12); // gap
          continue;
        }
        // ms timestamps: some points off the second
        const ms = rng.chance(0.25);
        if (ms) ts += rng.pick([147, 500, 999, 1]);
        const sec = Math.floor(ts / 1000);
        if (!ms && taken.has(ts)) {
          t += step;
          continue;
        }
        let value: string;
        switch (kind) {
          case 'gint':
            gauge += rng.int(-5, 5);
            value = String(gauge);
            break;
          case 'gfloat':
            value = String(Math.round((rng.next() * 200 - 50) * 1000) / 1000);
            if (rng.chance(0.1)) value = String(rng.int(-10, 10)); // ints mixed in
            break;
          case 'counter':
            counter += BigInt(rng.int(0, 500));
            if (rng.chance(0.04)) counter = BigInt(rng.int(0, 20)); // reset
            value = counter.toString();
            break;
          case 'sparse':
            value = rng.chance(0.5) ? String(rng.int(0, 9)) : (rng.next() * 10).toFixed(2);
            break;
          default: {
            const base = rng.pick([2n ** 53n, 2n ** 62n, 2n ** 63n - 1001n]);
            value = (base + BigInt(rng.int(-1000, 1000))).toString();
          }
        }
        taken.add(ts);
        points.push({ metric, timestamp: ms ? ts : sec, value, tags });
        // several points in one second
        if (rng.chance(0.1)) {
          const extra = sec * 1000 + rng.pick([147, 250, 750]);
          if (extra !== ts && !taken.has(extra)) {
            taken.add(extra);
            const v = kind === 'gfloat' ? '1.25' : kind === 'counter' ? (counter += 7n).toString() : kind === 'big' ? value : String(rng.int(0, 9));
            points.push({ metric, timestamp: extra, value: v, tags });
          }
        }
        t += step;
      }
    }
  }
  return { seed, prefix, t0, t1, metrics, points };
}

export const AGGREGATORS = [
  'sum', 'min', 'max', 'avg', 'median', 'none', 'mult', 'dev', 'diff', 'zimsum', 'mimmin', 'mimmax', 'count', 'first', 'last',
  'pfsum', 'squareSum', 'p50', 'p75', 'p90', 'p95', 'p99', 'p999', 'ep50r3', 'ep75r3', 'ep90r3', 'ep95r3', 'ep99r3', 'ep999r3',
  'ep50r7', 'ep75r7', 'ep90r7', 'ep95r7', 'ep99r7', 'ep999r7',
];
export const DS_AGGREGATORS = AGGREGATORS.filter((a) => a !== 'none' && a !== 'mult');
export const FILLS = ['none', 'nan', 'null', 'zero'];
export const INTERVALS = ['1m', '5m', '30s', '15m', '1h', '10m', '90s', '7m', '45m', '2h'];
export const CAL_INTERVALS = ['1dc', '1hc', '1wc', '30mc'];
export const ZONES = ['UTC', 'America/New_York', 'Asia/Kolkata', 'Europe/Berlin', 'America/St_Johns', 'Asia/Kathmandu'];

/** A request to send to both servers. */
export interface OracleRequest {
  /** what it exercises (for the report) */
  kind: string;
  method: 'GET' | 'POST';
  /** path and query string */
  path: string;
  /** JSON, or a string sent as written */
  body?: unknown;
}

interface Filter {
  type: string;
  tagk: string;
  filter: string;
  groupBy: boolean;
}

function randomFilter(rng: Rng): Filter {
  const tagk = rng.pick(['host', 'host', 'dc', 'uid', 'rack']);
  const values = tagk === 'host' ? HOSTS : tagk === 'dc' ? DCS : tagk === 'uid' ? ['1', '2', '3'] : ['r1'];
  const type = rng.pick(['literal_or', 'iliteral_or', 'not_literal_or', 'not_iliteral_or', 'wildcard', 'iwildcard', 'regexp', 'not_key', 'literal_or']);
  let filter: string;
  switch (type) {
    case 'wildcard':
    case 'iwildcard':
      // infix patterns too: OpenTSDB anchors them nowhere (filters.ts wildcardMatcher)
      filter = rng.pick(['*', 'web*', 'WEB*', '*1', 'd*', 'l*', '*0*', '*', 'b*1', 'e*0', 'W*3', 'w*b*1']);
      break;
    case 'regexp':
      filter = rng.pick(['web0[12]', '.*', '^d', '1|3', 'sj.', '[A-Z]']);
      break;
    case 'not_key':
      filter = '';
      break;
    default: {
      const vals = rng.subset(values);
      filter = (type.startsWith('i') || type.startsWith('not_i') ? vals.map((v) => (rng.chance(0.5) ? v.toUpperCase() : v)) : vals).join('|');
    }
  }
  return { type, tagk, filter, groupBy: type !== 'not_key' && rng.chance(0.5) };
}

function downsampleText(rng: Rng): string | undefined {
  if (rng.chance(0.35)) return undefined;
  const agg = rng.pick(DS_AGGREGATORS);
  const r = rng.next();
  const interval = r < 0.1 ? '0all' : r < 0.25 ? rng.pick(CAL_INTERVALS) : rng.pick(INTERVALS);
  const fill = rng.chance(0.5) ? '' : `-${rng.pick(FILLS)}`;
  return `${interval}-${agg}${fill}`;
}

function rateOptions(rng: Rng): Record<string, unknown> | undefined {
  if (rng.chance(0.3)) return undefined;
  const o: Record<string, unknown> = {};
  if (rng.chance(0.7)) o.counter = true;
  if (rng.chance(0.3)) o.counterMax = rng.pick([1000, 65535, 100000]);
  if (rng.chance(0.3)) o.resetValue = rng.pick([1, 50, 1000]);
  if (rng.chance(0.3)) o.dropResets = true;
  return o;
}

/** Start and end of a query: in the data, mid-bucket, ms or s. */
function range(rng: Rng, d: Dataset): { start: number; end?: number } {
  const span = d.t1 - d.t0;
  let start = d.t0 + Math.floor(rng.next() * span * 0.6) - (rng.chance(0.2) ? 600_000 : 0);
  if (rng.chance(0.5)) start = Math.floor(start / 60_000) * 60_000; // aligned sometimes
  else if (rng.chance(0.5)) start = Math.floor(start / 1000) * 1000;
  let end: number | undefined = start + rng.int(5, 120) * 60_000 + (rng.chance(0.5) ? rng.int(0, 59_999) : 0);
  if (end > d.t1 + 600_000) end = d.t1 + 600_000;
  if (rng.chance(0.05)) end = undefined; // to now
  return { start, end };
}

function seconds(rng: Rng, ms: number): number | string {
  if (ms % 1000 === 0 && rng.chance(0.5)) return ms / 1000;
  return rng.chance(0.8) ? ms : String(ms);
}

/** A random /api/query (POST JSON or GET m=). */
export function randomQuery(rng: Rng, d: Dataset): OracleRequest {
  const { start, end } = range(rng, d);
  const nsub = rng.chance(0.85) ? 1 : 2;
  const subs: Record<string, unknown>[] = [];
  for (let i = 0; i < nsub; i++) {
    const metric = rng.pick(d.metrics);
    const sub: Record<string, unknown> = { aggregator: rng.pick(AGGREGATORS), metric };
    const ds = downsampleText(rng);
    if (ds) sub.downsample = ds;
    const useRate = metric.endsWith('.counter') ? rng.chance(0.6) : rng.chance(0.15);
    if (useRate) {
      sub.rate = true;
      const ro = rateOptions(rng);
      if (ro) sub.rateOptions = ro;
    }
    const nf = rng.pick([0, 0, 1, 1, 1, 2, 2, 3]);
    const filters: Filter[] = [];
    for (let j = 0; j < nf; j++) filters.push(randomFilter(rng));
    if (filters.length > 0) sub.filters = filters;
    // the legacy `tags` map (older clients): group-by shortcuts
    if (rng.chance(0.1)) sub.tags = rng.pick([{ host: '*' }, { dc: 'lga|sjc' }, { host: rng.pick(HOSTS) }, { host: 'web*', dc: '*' }]);
    if (rng.chance(0.1)) sub.explicitTags = true;
    subs.push(sub);
  }
  const body: Record<string, unknown> = { start: seconds(rng, start), queries: subs };
  if (end !== undefined) body.end = seconds(rng, end);
  if (rng.chance(0.3)) body.msResolution = true;
  if (rng.chance(0.15)) body.showQuery = true;
  if (rng.chance(0.1)) body.showTSUIDs = false;
  if (subs.some((s) => typeof s.downsample === 'string' && /c-/.test(s.downsample as string)) || rng.chance(0.05)) {
    if (rng.chance(0.7)) body.timezone = rng.pick(ZONES);
  }
  // useCalendar: every downsample interval on the calendar of the time zone
  if (subs.some((s) => typeof s.downsample === 'string' && !(s.downsample as string).startsWith('0all')) && rng.chance(0.08)) {
    body.useCalendar = true;
    if (rng.chance(0.7)) body.timezone = rng.pick(ZONES);
  }
  // explicitTags with filters: OpenTSDB 2.4.1 on HBase 2.6 misses some series (docs/opentsdb-compat.md)
  const explicit = subs.some((s) => s.explicitTags && s.filters) ? '-explicit' : '';
  if (rng.chance(0.3)) return { kind: `query-get${explicit}`, method: 'GET', path: toGet(body) };
  return { kind: `query${explicit}`, method: 'POST', path: '/api/query', body };
}

/** The same query in GET form (m= with {tags}{filters}, rate{…}, downsample). */
export function toGet(body: Record<string, unknown>): string {
  const qs: string[] = [`start=${body.start}`];
  if (body.end !== undefined) qs.push(`end=${body.end}`);
  if (body.msResolution) qs.push('ms=true');
  if (body.showQuery) qs.push('show_query=true');
  if (body.timezone) qs.push(`tz=${encodeURIComponent(String(body.timezone))}`);
  for (const sub of body.queries as Record<string, unknown>[]) {
    let m = `${sub.aggregator}:`;
    // an m= part: QueryRpc 2.4.1 reads no explicit_tags query-string parameter
    if (sub.explicitTags) m += 'explicit_tags:';
    if (sub.rate) {
      const o = sub.rateOptions as Record<string, unknown> | undefined;
      m += o ? `rate{${o.counter ? 'counter' : ''},${o.counterMax ?? ''},${o.resetValue ?? ''}${o.dropResets ? ',dropcounter' : ''}}:` : 'rate:';
    }
    if (sub.downsample) m += `${sub.downsample}:`;
    m += sub.metric;
    const filters = (sub.filters as Filter[] | undefined) ?? [];
    const group = filters.filter((f) => f.groupBy);
    const plain = filters.filter((f) => !f.groupBy);
    const fmt = (f: Filter) => `${f.tagk}=${f.type}(${f.filter})`;
    const tagPairs = Object.entries((sub.tags as Record<string, string> | undefined) ?? {}).map(([k, v]) => `${k}=${v}`);
    if (group.length > 0 || plain.length > 0 || tagPairs.length > 0) m += `{${[...tagPairs, ...group.map(fmt)].join(',')}}`;
    if (plain.length > 0) m += `{${plain.map(fmt).join(',')}}`;
    qs.push(`m=${encodeURIComponent(m)}`);
  }
  return `/api/query?${qs.join('&')}`;
}

/** /api/query/last, /api/suggest, /api/search/lookup, errors. */
export function randomOther(rng: Rng, d: Dataset): OracleRequest {
  const metric = rng.pick(d.metrics);
  switch (rng.int(0, 5)) {
    case 0: {
      const tags = rng.pick(['', `{host=${rng.pick(HOSTS)}}`, `{host=${rng.pick(HOSTS)},dc=${rng.pick(DCS)}}`, '{dc=lga}', '{uid=2}']);
      const scan = rng.chance(0.5) ? rng.pick([0, 1, 24, 1000]) : 0;
      const bs = scan > 0 || rng.chance(0.5) ? `&back_scan=${scan}` : '';
      return { kind: scan > 0 ? 'last' : 'last-meta', method: 'GET', path: `/api/query/last?timeseries=${encodeURIComponent(metric + tags)}${bs}&resolve=true` };
    }
    case 1: {
      const type = rng.pick(['metrics', 'tagk', 'tagv']);
      const q = type === 'metrics' ? d.prefix + rng.pick(['', '.g', '.c', '.x']) : rng.pick(['', 'w', 'W', 'd', 'h', 'l', 'u']);
      const max = rng.chance(0.5) ? `&max=${rng.int(1, 30)}` : '';
      return { kind: 'suggest', method: 'GET', path: `/api/suggest?type=${type}&q=${encodeURIComponent(q)}${max}` };
    }
    case 2: {
      const tags = rng.pick(['', `{host=${rng.pick(HOSTS)}}`, '{host=*}', '{dc=*}', `{uid=2}`, '{host=*,dc=lga}']);
      return { kind: 'lookup', method: 'GET', path: `/api/search/lookup?m=${encodeURIComponent(metric + tags)}&limit=1000` };
    }
    case 3: {
      const backScan = rng.pick([0, 24, 1000]);
      return {
        kind: backScan > 0 ? 'last-post' : 'last-meta',
        method: 'POST',
        path: '/api/query/last',
        body: { queries: [{ metric, tags: rng.chance(0.5) ? { host: rng.pick(HOSTS) } : {} }], resolveNames: true, backScan },
      };
    }
    default: {
      // error answers
      const bad = rng.pick([
        `/api/query?start=${d.t0}&m=nosuchagg:${metric}`,
        `/api/query?start=${d.t0}&m=sum:${d.prefix}.nosuchmetric`,
        `/api/query?start=${d.t0}&m=sum:${metric}{nosuchtagk=x}`,
        `/api/query?m=sum:${metric}`,
        `/api/query?start=${d.t0}&end=${d.t0 - 1000}&m=sum:${metric}`,
        `/api/query?start=${d.t0}&end=${d.t0}&m=sum:${metric}`,
        `/api/query?start=${d.t0}&m=sum:${metric}{host=nosuchvalue}`,
        `/api/query?start=${d.t0}&m=sum:1m-nosuch:${metric}`,
        `/api/query?start=${d.t0}&m=sum:${metric}{host=wildcard(web)}`,
        `/api/query?start=${d.t0}&m=sum:${metric}{host=nosuchfilter(x)}`,
        `/api/query?start=${d.t0}&m=sum:1m-avg-bogus:${metric}`,
        `/api/query?start=${d.t0}`,
        `/api/suggest?type=bogus&q=a`,
        `/api/query/last?timeseries=${d.prefix}.nosuch`,
      ]);
      return { kind: 'error', method: 'GET', path: bad };
    }
  }
}

/** A put body with good and bad points, for /api/put?details. */
export function putDetailsRequest(rng: Rng, d: Dataset): OracleRequest {
  const metric = `${d.prefix}.put`;
  const ts = Math.floor(d.t0 / 1000) + rng.int(0, 1000);
  const body = [
    { metric, timestamp: ts, value: 1, tags: { host: 'a' } },
    { metric, timestamp: ts, value: 'x', tags: { host: 'a' } },
    { metric, timestamp: ts, value: 2 },
    { metric: '', timestamp: ts, value: 3, tags: { host: 'a' } },
    { metric, timestamp: -1, value: 3, tags: { host: 'a' } },
    { metric, timestamp: ts + 1, value: 4, tags: { 'ho st': 'a' } },
    { metric, value: 5, tags: { host: 'a' } },
    // no value, a null value (echoed without `value`), a null tag value (named in the error)
    { metric, timestamp: ts + 2, tags: { host: 'a' } },
    { metric, timestamp: ts + 3, value: null, tags: { host: 'a' } },
    { metric, timestamp: ts + 4, value: 6, tags: { host: null } },
  ].filter(() => rng.chance(0.7));
  return { kind: 'put-details', method: 'POST', path: '/api/put?details', body };
}

/** Aggregators for the metric queries inside expressions (percentiles and the rest are /api/query's business). */
const GEXP_AGGREGATORS = ['sum', 'min', 'max', 'avg', 'count', 'zimsum', 'mimmax', 'dev', 'first', 'last', 'none'];

/** A gexp metric query: agg:[downsample:][rate:]metric[{k=v,…}] (the grammar allows no filter functions). */
function gexpMetric(rng: Rng, d: Dataset, metric = rng.pick(d.metrics), tags = gexpTags(rng), agg = rng.pick(GEXP_AGGREGATORS)): string {
  let m = `${agg}:`;
  if (rng.chance(0.35)) {
    const interval = rng.chance(0.1) ? '0all' : rng.chance(0.15) ? rng.pick(['1hc', '30mc']) : rng.pick(INTERVALS);
    m += `${interval}-${rng.pick(['sum', 'avg', 'max', 'min', 'count'])}${rng.chance(0.5) ? `-${rng.pick(FILLS)}` : ''}:`;
  }
  if (metric.endsWith('.counter') ? rng.chance(0.5) : rng.chance(0.1)) m += 'rate:';
  return `${m}${metric}${tags}`;
}

function gexpTags(rng: Rng): string {
  const pairs: string[] = [];
  if (rng.chance(0.6)) pairs.push(`host=${rng.pick(['*', '*', rng.pick(HOSTS), 'web01|web02', 'db1|Web03'])}`);
  if (rng.chance(0.3)) pairs.push(`dc=${rng.pick(['*', 'lga', 'sjc'])}`);
  return pairs.length > 0 ? `{${pairs.join(',')}}` : '';
}

const SERIES_FUNCTIONS = ['sum', 'sumSeries', 'difference', 'diffSeries', 'multiply', 'multiplySeries', 'divide', 'divideSeries'];

/** One random gexp expression: every function OpenTSDB 2.4.1 documents, nested sometimes. */
export function randomGexpExpression(rng: Rng, d: Dataset, depth = 0): string {
  const input = (): string => (depth < 1 && rng.chance(0.2) ? randomGexpExpression(rng, d, depth + 1) : gexpMetric(rng, d));
  const fn = rng.pick([...SERIES_FUNCTIONS, 'scale', 'scale', 'absolute', 'alias', 'movingAverage', 'movingAverage', 'highestCurrent', 'highestMax', 'timeShift', 'shift']);
  switch (fn) {
    case 'scale':
      return `scale(${input()},${rng.pick(['2', '0.5', '-1', '3', '1.5', '10', '0', '-2.25', 'abc'])})`;
    case 'absolute':
      return `absolute(${input()})`;
    case 'alias':
      return `alias(${input()},${rng.pick(['foo', 'x@host', 'cpu.@dc.@host', 'a,b', 'n@uid'])})`;
    case 'movingAverage':
      return `movingAverage(${input()},${rng.pick(['1', '2', '3', '5', "'1min'", "'5m'", "'90sec'", "'2h'", "'1d'", '0', "'3x'"])})`;
    case 'highestCurrent':
    case 'highestMax':
      return `${fn}(${input()},${rng.pick(['1', '2', '3', '10', '0'])})`;
    case 'timeShift':
    case 'shift':
      return `${fn}(${input()},${rng.pick(["'10min'", "'1hr'", "'1day'", '10min', "'min'"])})`;
    default: {
      // series arithmetic: mostly over series that line up (same metric and tags, another
      // aggregator), else over anything (OpenTSDB fails on inputs of unequal length)
      const n = rng.chance(0.8) ? 2 : 3;
      const args: string[] = [];
      if (rng.chance(0.6)) {
        const metric = rng.pick(d.metrics);
        const tags = gexpTags(rng);
        const aggs = rng.subset(['sum', 'max', 'min', 'avg', 'zimsum', 'first'], n).slice(0, n);
        for (const agg of aggs) args.push(gexpMetric(rng, d, metric, tags, agg).replace(/:(rate:)?(\d\w*-\w+(-\w+)?:)/, ':'));
        while (args.length < n) args.push(input());
      } else {
        for (let i = 0; i < n; i++) args.push(input());
      }
      return `${fn}(${args.join(',')})`;
    }
  }
}

/** A random /api/query/gexp request. */
export function randomGexp(rng: Rng, d: Dataset): OracleRequest {
  const { start, end } = range(rng, d);
  const qs: string[] = [`start=${seconds(rng, start)}`];
  if (end !== undefined) qs.push(`end=${seconds(rng, end)}`);
  if (rng.chance(0.3)) qs.push('ms=true');
  if (rng.chance(0.1)) qs.push('show_query=true');
  if (rng.chance(0.05)) qs.push(`m=${encodeURIComponent(gexpMetric(rng, d))}`);
  const n = rng.chance(0.85) ? 1 : 2;
  for (let i = 0; i < n; i++) qs.push(`exp=${encodeURIComponent(randomGexpExpression(rng, d))}`);
  return { kind: 'gexp', method: 'GET', path: `/api/query/gexp?${qs.join('&')}` };
}
