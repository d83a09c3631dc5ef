/**
 * Rollups and pre-aggregates against the real OpenTSDB 2.4.1 (scripts/oracle/oracle.sh runs
 * it with test/fixtures/rollups.json): the same /api/rollup points and telnet `rollup`
 * lines go to both servers, then /api/query answers (several intervals and aggregators,
 * every rollupUsage, downsamples that do and do not match a rollup, pre-aggregates) and
 * the /api/rollup and telnet error replies must agree. DSDB runs the `rollup` plugin with
 * the same config file. Plus DSDB's own promise: its internal rollup series never show in
 * raw queries, /api/suggest or /api/search/lookup.
 *
 * It writes tag names of its own (rhost, rdc, _aggregate) into the shared oracle, so it runs
 * after oracle.test.ts (mocha's file order), whose /api/suggest?type=tagk answers list
 * every tag key the oracle holds.
 */
import { expect } from 'chai';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { DEFAULT_PLUGINS } from '../../core';
import { REPO_ROOT, scratchDir, startDaemon, type RunningDaemon } from '../helpers/daemon';
import { oracleUrl, waitForOracle } from './harness';

const ORACLE_DIR = process.env.DSDB_ORACLE_DIR ?? path.join(REPO_ROOT, '.test-data', 'oracle');
const CONFIG = path.join(REPO_ROOT, 'test', 'fixtures', 'rollups.json');

async function awaitOracle(timeoutMs: number): Promise<string | undefined> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const url = oracleUrl();
    if (url) return (await waitForOracle(url, 30_000)) ? url : undefined;
    if (fs.existsSync(path.join(ORACLE_DIR, 'failed'))) throw new Error('the oracle did not start');
    if (!process.env.DSDB_ORACLE_REQUIRED || Date.now() > deadline) return undefined;
    await new Promise((r) => setTimeout(r, 2000));
  }
}

interface Answer {
  status: number;
  body: unknown;
}

async function call(base: string, method: string, pathAndQuery: string, body?: unknown): Promise<Answer> {
  const res = await fetch(base + pathAndQuery, {
    method,
    headers: body !== undefined ? { 'content-type': 'application/json' } : {},
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text === '' ? '' : JSON.parse(text);
  } catch {
    /* keep the text */
  }
  return { status: res.status, body: parsed };
}

/** Series in a stable order (OpenTSDB orders by UID, which earlier runs on the same oracle assigned). */
function normalized(a: Answer): Answer {
  if (!Array.isArray(a.body)) return a;
  // showQuery's filterTagKs are OpenTSDB's UIDs (DSDB has none; test/oracle/compare.ts leaves them out too)
  const body = (a.body as Record<string, unknown>[]).map((s) => (s.query ? { ...s, query: { ...(s.query as object), filterTagKs: undefined } } : s));
  const sorted = body.sort((x, y) => (JSON.stringify(x.tags) < JSON.stringify(y.tags) ? -1 : 1));
  return { status: a.status, body: sorted };
}

/** Sends lines over telnet; the reply lines (the server is silent on success), ended by a `version` probe. */
function telnet(port: number, lines: string[]): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    let out = '';
    socket.on('data', (d) => (out += d.toString()));
    socket.on('error', reject);
    socket.on('connect', async () => {
      for (const line of lines) {
        socket.write(`${line}\n`);
        await new Promise((r) => setTimeout(r, 60)); // one reply per line, in order
      }
      await new Promise((r) => setTimeout(r, 800));
      socket.destroy();
      resolve(out.split('\n').filter((l) => l.startsWith('rollup')));
    });
  });
}

describe('rollups and pre-aggregates vs OpenTSDB 2.4.1 (oracle) @integration', function () {
  this.timeout(5 * 60_000);
  let oracle: string | undefined;
  let oracleTelnet = 0;
  let daemon: RunningDaemon | undefined;
  let dsdb = '';
  // fresh names per run: the oracle keeps what earlier runs wrote
  const run = `t${Date.now().toString(36)}`;
  const M = `rollup.${run}.cpu`;
  const P = `rollup.${run}.pre`;
  const T = `rollup.${run}.tel`;
  const R = `rollup.${run}.onlyraw`;
  const E = `rollup.${run}.dayend`;
  // an hour into a UTC day: every 11m point of the data falls in a full interval of its row
  const T0 = 1_700_010_000;
  const DAY = T0 - 3600;
  // tag names of their own: the oracle orders series by UID, and the random test
  // (test/oracle/generate.ts) assigns its names' UIDs in name order on the same oracle

  before(async function () {
    oracle = await awaitOracle(10 * 60_000);
    if (!oracle) {
      if (process.env.DSDB_ORACLE_REQUIRED) throw new Error('DSDB_ORACLE_REQUIRED is set but no oracle answered (scripts/oracle/oracle.sh start)');
      this.skip();
    }
    oracleTelnet = Number(new URL(oracle).port);
    const dir = scratchDir('rollup-oracle');
    daemon = await startDaemon({ plugins: [...DEFAULT_PLUGINS, ['rollup', { configFile: CONFIG }]] }, dir);
    dsdb = `http://127.0.0.1:${daemon.port}`;

    // raw points and rollups of the same metric, two hosts; 22m rollups for host a only
    const raw: unknown[] = [];
    const rollups: Record<string, unknown>[] = [];
    for (let i = 0; i < 30; i++) {
      const ts = T0 + i * 300;
      for (const host of ['ra', 'rb']) raw.push({ metric: M, timestamp: ts, value: i + (host === 'ra' ? 0 : 100), tags: { rhost: host } });
    }
    raw.push({ metric: R, timestamp: T0, value: 5, tags: { rhost: 'ra' } }, { metric: R, timestamp: T0 + 900, value: 7, tags: { rhost: 'ra' } });
    for (let i = 0; i < 14; i++) {
      const ts = T0 + i * 660 + 17;
      for (const host of ['ra', 'rb']) {
        const k = host === 'ra' ? 1 : 3;
        rollups.push({ metric: M, timestamp: ts, value: 10 * k + i, tags: { rhost: host }, interval: '11m', aggregator: 'sum' });
        rollups.push({ metric: M, timestamp: ts, value: 2 + (i % 3), tags: { rhost: host }, interval: '11m', aggregator: 'count' });
        rollups.push({ metric: M, timestamp: ts, value: i - k, tags: { rhost: host }, interval: '11m', aggregator: 'min' });
        rollups.push({ metric: M, timestamp: ts, value: `${i * k}.5`, tags: { rhost: host }, interval: '11m', aggregator: 'max' });
      }
      if (i % 2 === 0) {
        rollups.push({ metric: M, timestamp: ts, value: 40 + i, tags: { rhost: 'ra' }, interval: '22m', aggregator: 'sum' });
        rollups.push({ metric: M, timestamp: ts, value: 5, tags: { rhost: 'ra' }, interval: '22m', aggregator: 'count' });
      }
      // pre-aggregates: with an interval (the pre-aggregation table of 11m) and without (the default's)
      rollups.push({ metric: P, timestamp: ts, value: 100 + i, tags: { rdc: 'rx' }, interval: '11m', aggregator: 'sum', groupByAggregator: 'sum' });
      rollups.push({ metric: P, timestamp: ts, value: 7 + i, tags: { rdc: 'rx' }, groupByAggregator: 'max' });
    }
    rollups.push({ metric: R, timestamp: T0, value: 1, tags: { rhost: 'ra' }, interval: '11h', aggregator: 'sum' });
    // around the start of T0's UTC day (DAY): 130 × 11m fill 85,800 s of a 1d row, so the
    // scan's stop row (end + 1 s + 85,800 s) reaches that day's row only from 00:09:59 on
    for (const [at, value, rhost] of [[-1200, 1, 'ra'], [120, 2, 'ra'], [700, 4, 'ra'], [-1800, 8, 'rb'], [400, 16, 'rb']] as const) {
      rollups.push({ metric: E, timestamp: DAY + at, value, tags: { rhost }, interval: '11m', aggregator: 'sum' });
    }
    for (const base of [dsdb, oracle!]) {
      const put = await call(base, 'POST', '/api/put?details', raw);
      expect(put.status, `${base} /api/put ${JSON.stringify(put.body)}`).to.equal(200);
      for (let i = 0; i < rollups.length; i += 50) {
        const res = await call(base, 'POST', '/api/rollup?details', rollups.slice(i, i + 50));
        expect(res.status, `${base} /api/rollup ${JSON.stringify(res.body)}`).to.equal(200);
        expect((res.body as { success: number }).success).to.equal(rollups.slice(i, i + 50).length);
      }
    }
    const lines = [`rollup 11m-sum ${T} ${T0} 4 rhost=ra`, `rollup 11m-count ${T} ${T0} 2 rhost=ra`, `rollup 11m-sum ${T} ${T0 + 700} 6 rhost=ra`, `rollup 11m-count ${T} ${T0 + 700} 3 rhost=ra`, `rollup sum ${T} ${T0} 9 rhost=ra`, `rollup 22m-max:max ${T} ${T0} 8 rhost=ra`];
    for (const port of [daemon.port, oracleTelnet]) expect(await telnet(port, lines)).to.deep.equal([]);
    // OpenTSDB buffers writes about a second
    const probe = { start: T0 - 3600, end: T0 + 3 * 3600, queries: [{ aggregator: 'sum', metric: T, downsample: '11m-sum' }] };
    for (let i = 0; i < 40; i++) {
      const a = await call(oracle!, 'POST', '/api/query', probe);
      if (Array.isArray(a.body) && a.body.length > 0) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    await new Promise((r) => setTimeout(r, 1500));
  });

  after(async () => {
    await daemon?.stop();
  });

  const q = (metric: string, sub: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({ start: T0 - 3600, end: T0 + 3 * 3600, ...extra, queries: [{ aggregator: 'sum', metric, ...sub }] });
  const queries: [string, unknown][] = [
    ['11m-sum reads the 11m table', q(M, { downsample: '11m-sum' })],
    ['11m-avg: sum / count', q(M, { downsample: '11m-avg' })],
    ['11m-count sums the counts', q(M, { downsample: '11m-count' })],
    ['11m-min', q(M, { downsample: '11m-min', aggregator: 'min' })],
    ['11m-max', q(M, { downsample: '11m-max', aggregator: 'max' })],
    ['11m-zimsum reads sum', q(M, { downsample: '11m-zimsum' })],
    ['per host', q(M, { downsample: '11m-avg', aggregator: 'none' })],
    ['group by host', q(M, { downsample: '11m-sum', filters: [{ type: 'wildcard', tagk: 'rhost', filter: '*', groupBy: true }] })],
    ['literal filter', q(M, { downsample: '11m-max', filters: [{ type: 'literal_or', tagk: 'rhost', filter: 'rb', groupBy: false }] })],
    ['22m-sum reads the 22m table', q(M, { downsample: '22m-sum' })],
    ['22m-avg', q(M, { downsample: '22m-avg' })],
    ['33m-sum: the 11m table, downsampled', q(M, { downsample: '33m-sum' })],
    ['33m-avg: Σsum/Σcount per bucket', q(M, { downsample: '33m-avg' })],
    ['33m-count', q(M, { downsample: '33m-count' })],
    ['44m-sum: the 22m table', q(M, { downsample: '44m-sum' })],
    ['44m-sum with fill', q(M, { downsample: '44m-sum-zero' })],
    ['rate over rollups', q(M, { downsample: '11m-sum', rate: true })],
    ['ROLLUP_RAW', q(M, { downsample: '11m-sum', rollupUsage: 'ROLLUP_RAW' })],
    ['ROLLUP_NOFALLBACK, empty table', q(R, { downsample: '22m-sum', rollupUsage: 'ROLLUP_NOFALLBACK' })],
    ['ROLLUP_FALLBACK: 22m → 11m → raw', q(R, { downsample: '22m-sum', rollupUsage: 'ROLLUP_FALLBACK' })],
    ['ROLLUP_FALLBACK_RAW', q(R, { downsample: '44m-avg', rollupUsage: 'ROLLUP_FALLBACK_RAW' })],
    ['ROLLUP_FALLBACK finds the 11m table', q(T, { downsample: '22m-sum', rollupUsage: 'ROLLUP_FALLBACK' })],
    ['an unknown rollupUsage is NOFALLBACK', q(R, { downsample: '22m-sum', rollupUsage: 'bogus' })],
    ['11h-sum, metric with one rollup', q(R, { downsample: '11h-sum' }, { start: T0 - 86_400, end: T0 + 86_400 })],
    ['no match: 5m-sum reads raw', q(M, { downsample: '5m-sum' })],
    ['the default interval: 1m-avg reads raw', q(M, { downsample: '1m-avg' })],
    ['no downsample reads raw', q(M, {})],
    ['downsample all reads raw', q(M, { downsample: '0all-sum' })],
    ['no aggregation ID: 11m-dev', q(M, { downsample: '11m-dev' })],
    ['no aggregation ID: 11m-last', q(M, { downsample: '11m-last' })],
    ['pre-aggregate, 11m', q(P, { downsample: '11m-sum', filters: [{ type: 'literal_or', tagk: '_aggregate', filter: 'SUM', groupBy: false }] })],
    ['pre-aggregate without interval', q(P, { filters: [{ type: 'literal_or', tagk: '_aggregate', filter: 'MAX', groupBy: false }] })],
    ['the raw aggregate value reads raw data', q(M, { downsample: '11m-sum', filters: [{ type: 'literal_or', tagk: '_aggregate', filter: 'RAW', groupBy: false }] })],
    ['telnet rollups, avg', q(T, { downsample: '11m-avg' })],
    ['showQuery echoes rollupUsage and rollupTable', q(M, { downsample: '22m-sum', rollupUsage: 'rollup_fallback' }, { showQuery: true })],
    ['showQuery after a fallback to the 11m table', q(T, { downsample: '22m-avg', rollupUsage: 'ROLLUP_FALLBACK' }, { showQuery: true })],
    ['showQuery after a fallback to raw', q(R, { downsample: '22m-sum', rollupUsage: 'ROLLUP_FALLBACK_RAW' }, { showQuery: true })],
    ['showQuery of an unknown rollupUsage', q(M, { downsample: '11m-sum', rollupUsage: 'bogus' }, { showQuery: true })],
    // the scan's end gets one second more, as every OpenTSDB scan's (row-time.ts rollupScanRange)
    ['11m rows: an end at 00:09:59 reads the day it is in', q(E, { downsample: '11m-sum' }, { start: DAY - 3600, end: DAY + 599 })],
    ['11m rows: an end at 00:09:58 does not (OpenTSDB 2.4.1 as well)', q(E, { downsample: '11m-sum' }, { start: DAY - 3600, end: DAY + 598 })],
    ['telnet pre-aggregate with interval', q(T, { downsample: '22m-max', filters: [{ type: 'literal_or', tagk: '_aggregate', filter: 'MAX', groupBy: false }] })],
  ];
  for (const [name, body] of queries) {
    it(`/api/query: ${name}`, async () => {
      const [a, b] = await Promise.all([call(dsdb, 'POST', '/api/query', body), call(oracle!, 'POST', '/api/query', body)]);
      expect(normalized(a), JSON.stringify(body)).to.deep.equal(normalized(b));
    });
  }

  it('/api/query GET with rollup_raw and a matching downsample', async () => {
    for (const m of [`sum:11m-sum:rollup_raw:${M}`, `sum:11m-avg:${M}{rhost=ra}`, `sum:22m-sum:rollup_fallback:${R}`]) {
      const url = `/api/query?start=${T0 - 3600}&end=${T0 + 3 * 3600}&m=${encodeURIComponent(m)}`;
      const [a, b] = await Promise.all([call(dsdb, 'GET', url), call(oracle!, 'GET', url)]);
      expect(normalized(a), url).to.deep.equal(normalized(b));
    }
  });

  const p = (o: Record<string, unknown>) => ({ metric: M, timestamp: T0, value: 1, tags: { rhost: 'ra' }, ...o });
  const writes: [string, string, unknown][] = [
    ['missing interval', '?details', [p({ aggregator: 'sum' })]],
    ['missing aggregator', '?details', [p({ interval: '11m' })]],
    ['unknown interval', '?details', [p({ interval: '5m', aggregator: 'sum' })]],
    ['aggregator without an ID', '?details', [p({ interval: '11m', aggregator: 'dev' })]],
    ['avg is derived', '?details', [p({ interval: '11m', aggregator: 'avg' })]],
    ['the last, partial interval of a row', '?details', [p({ interval: '11m', aggregator: 'sum', timestamp: 1_700_005_957 })]],
    ['milliseconds', '?details', [p({ interval: '11m', aggregator: 'sum', timestamp: T0 * 1000 + 123 })]],
    ['unknown group-by aggregator', '?details', [p({ groupByAggregator: 'nope' })]],
    ['group-by with interval, no aggregator', '?details', [p({ groupByAggregator: 'sum', interval: '11m' })]],
    ['aggregate tag mismatch', '?details', [p({ groupByAggregator: 'sum', tags: { rhost: 'ra', _aggregate: 'MAX' } })]],
    ['derived group-by', '?details', [p({ groupByAggregator: 'avg' })]],
    ['bad value', '?details', [p({ interval: '11m', aggregator: 'sum', value: 'abc' })]],
    ['no tags', '?details', [p({ interval: '11m', aggregator: 'sum', tags: {} })]],
    ['bad metric', '?details', [p({ interval: '11m', aggregator: 'sum', metric: 'bad!m' })]],
    ['mixed, summary', '?summary', [p({ interval: '11m', aggregator: 'sum' }), p({ interval: '11m', aggregator: 'dev' })]],
    ['failure without details', '', [p({ interval: '11m', aggregator: 'dev' })]],
    ['empty array', '', []],
    ['not JSON', '', 'nope'],
  ];
  for (const [name, qs, body] of writes) {
    it(`/api/rollup error reply: ${name}`, async () => {
      const [a, b] = await Promise.all([call(dsdb, 'POST', `/api/rollup${qs}`, body), call(oracle!, 'POST', `/api/rollup${qs}`, body)]);
      expect(a, JSON.stringify(body)).to.deep.equal(b);
    });
  }

  it('/api/rollup answers GET with 405 as OpenTSDB', async () => {
    const [a, b] = await Promise.all([call(dsdb, 'GET', '/api/rollup'), call(oracle!, 'GET', '/api/rollup')]);
    expect(a).to.deep.equal(b);
    expect(a.status).to.equal(405);
  });

  it('telnet rollup error lines', async () => {
    const lines = [
      'rollup',
      `rollup 11m-sum ${T} ${T0}`,
      `rollup 5m-sum ${T} ${T0} 5 rhost=ra`,
      `rollup 11m-dev ${T} ${T0} 5 rhost=ra`,
      `rollup 11m-sum ${T} ${T0}123 5 rhost=ra`,
      `rollup 11m-sum ${T} abc 5 rhost=ra`,
      `rollup nope ${T} ${T0} 5 rhost=ra`,
      `rollup 11m-sum ${T} ${T0} 5 rhost`,
      `rollup 11m-sum ${T} 0 5 rhost=ra`,
      `rollup 11m-sum bad!m ${T0} 5 rhost=ra`,
    ];
    const [a, b] = await Promise.all([telnet(daemon!.port, lines), telnet(oracleTelnet, lines)]);
    expect(a).to.deep.equal(b);
    expect(a.length).to.equal(lines.length);
  });

  it('keeps rollups out of raw queries, /api/suggest and /api/search/lookup (DSDB)', async () => {
    // raw: the 11m downsample with ROLLUP_RAW sees the raw points only
    const raw = await call(dsdb, 'POST', '/api/query', q(M, { downsample: '5m-count', aggregator: 'none' }));
    const total = (raw.body as { dps: Record<string, number> }[]).reduce((n, s) => n + Object.values(s.dps).reduce((x, y) => x + y, 0), 0);
    expect(total).to.equal(60);
    const suggest = await call(dsdb, 'GET', `/api/suggest?type=metrics&max=1000`);
    expect(suggest.body as string[]).to.include(M);
    expect((suggest.body as string[]).filter((n) => n.startsWith(':'))).to.deep.equal([]);
    const lookup = await call(dsdb, 'GET', `/api/search/lookup?m=*{rhost=ra}&limit=1000`);
    const metrics = (lookup.body as { results: { metric: string }[] }).results.map((r) => r.metric);
    expect(metrics).to.include(M);
    expect(metrics.filter((n) => n.startsWith(':'))).to.deep.equal([]);
    const internal = await call(dsdb, 'GET', `/api/query?start=${T0}&m=sum:${encodeURIComponent(`:rollup:tsdb-rollup-11m:sum:${M}`)}`);
    expect(internal.status).to.equal(400);
  });
});
