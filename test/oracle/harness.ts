/**
 * The differential test: the same data written to DSDB (the repo's built daemon, default
 * embedded engine, in a scratch folder) and to a real OpenTSDB 2.4.1 (scripts/oracle/oracle.sh),
 * then the same requests sent to both and the answers compared (compare.ts). A difference is
 * shrunk to the smallest query that still shows it.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { REPO_ROOT, spawnDaemon, type SpawnedDaemon } from '../helpers/daemon';
import { compareAnswers, type Answer } from './compare';
import { expressionVectors } from './expression-vectors';
import { expVectors } from './exp-vectors';
import { randomExp } from './generate-exp';
import { fixedVectors, realtimeVectors } from './vectors';
import { generateData, TAG_KEYS, TAG_VALUES, putDetailsRequest, randomGexp, randomOther, randomQuery, Rng, toGet, type Dataset, type OracleRequest, type Point } from './generate';

export interface Difference {
  kind: string;
  request: OracleRequest;
  diff: string;
  /** the smallest request found that still differs */
  smallest?: OracleRequest;
  smallestDiff?: string;
}

export interface RunResult {
  seed: number;
  total: number;
  agreed: number;
  allowed: number;
  differences: Difference[];
  byKind: Record<string, { total: number; agreed: number }>;
}

/** Where the oracle runs: env DSDB_ORACLE_URL, or the env file oracle.sh start wrote. */
export function oracleUrl(): string | undefined {
  if (process.env.DSDB_ORACLE_URL) return process.env.DSDB_ORACLE_URL;
  const dir = process.env.DSDB_ORACLE_DIR ?? path.join(REPO_ROOT, '.test-data', 'oracle');
  const file = path.join(dir, 'env');
  if (!fs.existsSync(file)) return undefined;
  const m = /DSDB_ORACLE_URL=(\S+)/.exec(fs.readFileSync(file, 'utf8'));
  return m?.[1];
}

export async function waitForOracle(url: string, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      const res = await fetch(`${url}/api/version`);
      if (res.ok) return true;
    } catch {
      /* not yet */
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
  return false;
}

export interface DsdbUnderTest {
  url: string;
  telnetPort: number;
  daemon: SpawnedDaemon;
  dir: string;
  stop(): Promise<void>;
}

/** The repo's built daemon, default config (`dsdb init`), embedded engine in a scratch folder. */
export async function startDsdb(): Promise<DsdbUnderTest> {
  // No config file in a fresh temp folder: DSDB runs on DEFAULT_PLUGINS, data in ./data there.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dsdb-oracle-'));
  const daemon = await spawnDaemon(['--port', '0'], dir);
  return {
    url: `http://127.0.0.1:${daemon.port}`,
    telnetPort: daemon.port,
    daemon,
    dir,
    async stop() {
      daemon.child.kill('SIGTERM');
      await daemon.exited;
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * `{TSUID:metric{tags}}` in a request stands for that series' TSUID on the server it goes
 * to (each names series its own way), looked up with /api/search/lookup.
 */
async function resolveTsuids(base: string, req: OracleRequest): Promise<OracleRequest> {
  const text = JSON.stringify(req);
  const wanted = [...new Set(text.match(/\{TSUID:[^}]*\}\}/g) ?? [])];
  if (wanted.length === 0) return req;
  let out = text;
  for (const w of wanted) {
    const series = w.slice('{TSUID:'.length, -1);
    const res = await fetch(`${base}/api/search/lookup?m=${encodeURIComponent(series)}&limit=1000`);
    const body = (await res.json()) as { results?: { tsuid: string; tags: Record<string, string> }[] };
    const tags = /\{(.*)\}$/.exec(series)?.[1] ?? '';
    const want = Object.fromEntries(tags.split(',').filter(Boolean).map((p) => p.split('=') as [string, string]));
    const exact = (body.results ?? []).find((r) => Object.keys(r.tags).length === Object.keys(want).length && Object.entries(want).every(([k, v]) => r.tags[k] === v));
    out = out.split(w).join(exact?.tsuid ?? 'FFFFFFFF');
  }
  return JSON.parse(out) as OracleRequest;
}

export async function send(base: string, original: OracleRequest): Promise<Answer> {
  const req = await resolveTsuids(base, original);
  for (let attempt = 0; ; attempt++) {
    try {
      const res = await fetch(base + req.path, {
        method: req.method,
        headers: req.body !== undefined ? { 'content-type': 'application/json' } : {},
        // a string body is sent as written (a number's text matters: `1748736000.0`)
        body: req.body === undefined ? undefined : typeof req.body === 'string' ? req.body : JSON.stringify(req.body),
        signal: AbortSignal.timeout(60_000),
      });
      return { status: res.status, text: await res.text() };
    } catch (err) {
      if (attempt >= 2) return { status: 0, text: String(err) };
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}

function putBody(points: Point[]): string {
  // values as raw JSON text so 64-bit integers travel exactly
  return `[${points.map((p) => `{"metric":${JSON.stringify(p.metric)},"timestamp":${p.timestamp},"value":${p.value},"tags":${JSON.stringify(p.tags)}}`).join(',')}]`;
}

/** Writes points to one server in batches (OpenTSDB refuses big unchunked bodies). */
export async function writePoints(base: string, points: Point[]): Promise<void> {
  for (let i = 0; i < points.length; i += 50) {
    const res = await fetch(`${base}/api/put?details`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: putBody(points.slice(i, i + 50)) });
    const text = await res.text();
    if (res.status !== 200 && res.status !== 204) throw new Error(`put to ${base} failed: ${res.status} ${text.slice(0, 500)}`);
  }
}

/** Polls until both servers hold every point of the dataset's metrics (OpenTSDB buffers writes ~1 s). */
export async function writeBoth(dsdb: string, oracle: string, data: Dataset | Point[], metrics: string[], start: number, end: number): Promise<void> {
  const points = Array.isArray(data) ? data : data.points;
  await Promise.all([writePoints(dsdb, points), writePoints(oracle, points)]);
  const want = new Map<string, number>();
  for (const p of points) want.set(p.metric, (want.get(p.metric) ?? 0) + 1);
  for (const base of [dsdb, oracle]) {
    for (const metric of metrics) {
      const deadline = Date.now() + 20_000;
      for (;;) {
        const res = await send(base, { kind: 'count', method: 'GET', path: `/api/query?start=${start}&end=${end}&ms=true&m=none:${metric}` });
        let got = 0;
        if (res.status === 200) for (const s of JSON.parse(res.text) as { dps: object }[]) got += Object.keys(s.dps).length;
        if (got >= (want.get(metric) ?? 0)) break;
        if (Date.now() > deadline) throw new Error(`${base}: ${metric} holds ${got} of ${want.get(metric)} points`);
        await new Promise((r) => setTimeout(r, 500));
      }
    }
  }
}

/**
 * OpenTSDB orders series (and aggregateTags, and the members first/last/diff see) by UID,
 * i.e. by the order names were first written; DSDB by name. Assigning the tag names their
 * UIDs in name order before any write makes the two orders the same, so the harness can
 * compare order too (docs/opentsdb-compat.md). Done on both servers, so that they also
 * agree where DSDB orders by UID (the join keys of /api/query/exp).
 */
export async function assignUidsInNameOrder(oracle: string, tagks: string[], tagvs: string[], metrics: string[] = []): Promise<void> {
  for (const [type, names] of [['tagk', tagks], ['tagv', tagvs], ['metric', metrics]] as const) {
    for (const name of [...new Set(names)].sort()) {
      await fetch(`${oracle}/api/uid/assign`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ [type]: [name] }) }).then((r) => r.text());
    }
  }
}

/**
 * OpenTSDB's names (UIDs) are global: once assigned, a tag value is known to every query.
 * DSDB knows a name once a series has it. So that `No such name` answers agree, both get
 * one series per tag key and value under a metric of its own.
 */
async function writeNames(dsdb: string, oracle: string): Promise<void> {
  const metric = 'oracle.names';
  const points: Point[] = [];
  for (const k of TAG_KEYS) for (const v of TAG_VALUES) points.push({ metric, timestamp: 1500000000, value: '1', tags: { [k]: v } });
  await writeBoth(dsdb, oracle, points, [metric], 1499990000000, 1500010000000);
}

/** Simpler forms of a POST query: one sub-query, fewer filters, no downsample/rate/options. */
function simplifications(req: OracleRequest): OracleRequest[] {
  if (req.method !== 'POST' || req.path !== '/api/query' || typeof req.body !== 'object') return [];
  const body = req.body as Record<string, unknown>;
  const subs = body.queries as Record<string, unknown>[];
  const out: Record<string, unknown>[] = [];
  if (subs.length > 1) for (const s of subs) out.push({ ...body, queries: [s] });
  for (const k of ['showQuery', 'showTSUIDs', 'timezone', 'msResolution']) {
    if (k in body) {
      const b = { ...body };
      delete b[k];
      out.push(b);
    }
  }
  subs.forEach((s, i) => {
    const variants: Record<string, unknown>[] = [];
    const filters = (s.filters as unknown[] | undefined) ?? [];
    for (let j = 0; j < filters.length; j++) variants.push({ ...s, filters: filters.filter((_, x) => x !== j) });
    for (const k of ['downsample', 'rateOptions', 'explicitTags']) {
      if (k in s) {
        const v = { ...s };
        delete v[k];
        variants.push(v);
      }
    }
    if (s.rate) {
      const v = { ...s };
      delete v.rate;
      delete v.rateOptions;
      variants.push(v);
    }
    if (s.aggregator !== 'sum') variants.push({ ...s, aggregator: 'sum' });
    if (typeof s.downsample === 'string' && !String(s.downsample).endsWith('-sum')) variants.push({ ...s, downsample: String(s.downsample).replace(/-[a-zA-Z0-9]+(-(none|nan|null|zero))?$/, '-sum$1') });
    for (const v of variants) out.push({ ...body, queries: subs.map((x, y) => (y === i ? v : x)) });
  });
  return out.map((b) => ({ ...req, body: b }));
}

async function differs(dsdb: string, oracle: string, req: OracleRequest): Promise<string | undefined> {
  const [a, b] = await Promise.all([send(dsdb, req), send(oracle, req)]);
  return compareAnswers(req.kind, a, b);
}

/** Greedy shrink: apply any simplification that still differs, until none does (bounded). */
export async function shrink(dsdb: string, oracle: string, req: OracleRequest, diff: string): Promise<{ request: OracleRequest; diff: string }> {
  let current = { request: req, diff };
  for (let round = 0; round < 12; round++) {
    let moved = false;
    for (const candidate of simplifications(current.request)) {
      const d = await differs(dsdb, oracle, candidate);
      if (d) {
        current = { request: candidate, diff: d };
        moved = true;
        break;
      }
    }
    if (!moved) break;
  }
  return current;
}

export interface Allowance {
  id: string;
  kind: RegExp;
  diff: RegExp;
}

/** The deliberate divergences: the `oracle-allow` block of docs/opentsdb-compat.md. */
export function loadAllowances(): Allowance[] {
  const doc = fs.readFileSync(path.join(REPO_ROOT, 'docs', 'opentsdb-compat.md'), 'utf8');
  const block = /```oracle-allow\n([\s\S]*?)```/.exec(doc);
  if (!block) return [];
  return block[1]!
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => {
      // `kind | regexp on the difference` (the regexp may hold more `|`)
      const cut = l.indexOf(' | ');
      const kind = l.slice(0, cut).trim();
      return { id: kind, kind: new RegExp(`^(?:${kind})$`), diff: new RegExp(l.slice(cut + 3).trim()) };
    });
}

export function describe(req: OracleRequest): string {
  return req.body !== undefined ? `${req.method} ${req.path} ${JSON.stringify(req.body)}` : `${req.method} ${req.path}`;
}

export interface RunOptions {
  seed: number;
  queries: number;
  dsdb: string;
  oracle: string;
  /** shrink each difference to a smaller query (slower) */
  shrink?: boolean;
  allowances?: Allowance[];
  log?: (line: string) => void;
  /** already written (a second run over the same data) */
  written?: boolean;
}

/** One seed: data written to both, `queries` requests compared. */
export async function runSeed(o: RunOptions): Promise<RunResult> {
  const data = generateData(o.seed);
  // both servers give the names the same UIDs (DSDB's /api/query/exp joins by them)
  for (const base of [o.oracle, o.dsdb]) await assignUidsInNameOrder(base, TAG_KEYS, TAG_VALUES);
  // an expression's series is named after its members' first metric in UID order: DSDB's name order
  const fixed = fixedVectors(`fx${o.seed.toString(36)}`);
  const expressions = expressionVectors(`ex${o.seed.toString(36)}`);
  const jsonExpressions = expVectors(`ej${o.seed.toString(36)}`);
  for (const base of [o.oracle, o.dsdb]) await assignUidsInNameOrder(base, ['dc', 'host'], ['a', 'b', 'c', 'x', 'y'], [...data.metrics, ...expressions.metrics, ...jsonExpressions.metrics]);
  if (!o.written) await writeNames(o.dsdb, o.oracle);
  const realtime = realtimeVectors(`rt${o.seed.toString(36)}x${Date.now().toString(36)}`, Date.now());
  if (!o.written) {
    await writeBoth(o.dsdb, o.oracle, data, data.metrics, data.t0 - 3_600_000, data.t1 + 3_600_000);
    await writeBoth(o.dsdb, o.oracle, fixed.points, fixed.metrics, fixed.start, fixed.end);
    await writeBoth(o.dsdb, o.oracle, expressions.points, expressions.metrics, expressions.start - 3600, expressions.end + 3600);
    await writeBoth(o.dsdb, o.oracle, jsonExpressions.points, jsonExpressions.metrics, jsonExpressions.start, jsonExpressions.end);
    await writeBoth(o.dsdb, o.oracle, realtime.points, realtime.metrics, realtime.start, realtime.end);
  }
  const rng = new Rng(o.seed ^ 0x5eed);
  const requests: OracleRequest[] = [...fixed.requests, ...expressions.requests, ...jsonExpressions.requests, ...realtime.requests];
  for (let i = 0; i < o.queries; i++) {
    const r = rng.next();
    requests.push(r < 0.82 ? randomQuery(rng, data) : r < 0.98 ? randomOther(rng, data) : putDetailsRequest(rng, data));
  }
  // expressions (/api/query/gexp): a quarter more, from a generator of their own
  const expRng = new Rng(o.seed ^ 0xe4b);
  for (let i = 0; i < Math.ceil(o.queries / 4); i++) requests.push(randomGexp(expRng, data));
  // and as many /api/query/exp requests (JSON expressions), from a third generator
  const jsonExpRng = new Rng(o.seed ^ 0xe4c);
  for (let i = 0; i < Math.ceil(o.queries / 4); i++) requests.push(randomExp(jsonExpRng, data));
  const result: RunResult = { seed: o.seed, total: 0, agreed: 0, allowed: 0, differences: [], byKind: {} };
  const allow = o.allowances ?? [];
  // two requests in flight: the oracle is the slow side
  let next = 0;
  const worker = async () => {
    while (next < requests.length) {
      const req = requests[next++]!;
      const [a, b] = await Promise.all([send(o.dsdb, req), send(o.oracle, req)]);
      const diff = compareAnswers(req.kind, a, b);
      const k = (result.byKind[req.kind] ??= { total: 0, agreed: 0 });
      result.total++;
      k.total++;
      if (!diff) {
        result.agreed++;
        k.agreed++;
        continue;
      }
      if (allow.some((x) => x.kind.test(req.kind) && x.diff.test(diff))) {
        result.allowed++;
        result.agreed++;
        k.agreed++;
        continue;
      }
      const d: Difference = { kind: req.kind, request: req, diff };
      if (o.shrink) {
        const s = await shrink(o.dsdb, o.oracle, req, diff);
        if (s.request !== req) {
          d.smallest = s.request;
          d.smallestDiff = s.diff;
        }
      }
      result.differences.push(d);
      o.log?.(`DIFF [${req.kind}] ${describe(d.smallest ?? req)}\n    ${d.smallestDiff ?? diff}`);
    }
  };
  // writes (put-details) last and alone: a suggest running beside one would race it
  const writes = requests.filter((r) => r.kind === 'put-details');
  requests.splice(0, requests.length, ...requests.filter((r) => r.kind !== 'put-details'));
  await Promise.all([worker(), worker()]);
  requests.push(...writes);
  await worker();
  return result;
}

export { toGet };
