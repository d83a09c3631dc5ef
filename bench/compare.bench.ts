/**
 * DSDB side by side with VictoriaMetrics and InfluxDB, in one run: the same generated
 * dataset loaded over telnet (1 and 4 connections) and HTTP /api/put into each system,
 * timed until every point is queryable; then bytes on disk per point, peak RSS and
 * query latency p50/p99 plus each query's first (cold) run. After the first mode's timed
 * ingest a second data set, one long series (bench/lib/long-series.ts), is loaded for the
 * `long-1h-avg` query; the answers of `day-0all-sum` and `long-1h-avg` are checked against
 * the generated data and the baseline. Figures are reported as ratios to VictoriaMetrics,
 * and DSDB's ingest as a fraction of the Node ceilings measured in the same run.
 *
 *   npm run bench -- compare --small            (about two minutes)
 *   npm run bench -- compare                    (10M points)
 *   npm run bench -- compare --systems=dsdb,vm  (a subset)
 *   npm run bench -- compare --rounds=3         (each system three times, in alternating
 *                                                order; medians, and each round's ratios)
 *   npm run bench -- compare --warm-ingest      (adds telnet ×1, ×4 and /api/put loads timed
 *                                                after an untimed load of the same size)
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { DATASET_SIZES, jsonBatches, pointCount, telnetChunks, type DatasetOptions } from './lib/dataset';
import { discardCeiling } from './lib/ceilings';
import { sendHttp, sendTelnet } from './lib/load';
import { protobufBodies, remoteWriteBodies } from './lib/wire-bodies';
import { LONG_SERIES_SIZES, longSeriesTelnetChunks } from './lib/long-series';
import { CHECKED_QUERIES, checkAnswer, describeCheck, expectedAnswers, type AnswerCheck, type CheckedQuery } from './lib/query-checks';
import { machineInfo, PROTOBUF_PUT_MODE, toMarkdown, writeResults, type RunResult, type SystemResult } from './lib/report';
import { mergeRounds, roundOrder, roundRatios } from './lib/rounds';
import { Dsdb } from './systems/dsdb';
import { embeddedVariant, mysqlVariant } from './systems/dsdb-variants';
import { jobParseRate, parseOnlyRate } from './lib/parse-only';
import { InfluxDb } from './systems/influxdb';
import type { BenchData, QueryName, SystemUnderTest } from './systems/system';
import { VictoriaMetrics } from './systems/victoria-metrics';

const REPO_ROOT = path.resolve(__dirname, '..', '..');
const RESULTS_DIR = path.join(REPO_ROOT, 'bench', 'results');
const QUERIES: QueryName[] = ['raw-series', 'sum-1m-avg', 'rate-by-dc', 'day-0all-sum', 'long-1h-avg'];
const QUERY_RUNS = 20;
/**
 * Untimed runs before the timed ones, at most this many and for at most WARM_UP_MS: the
 * steady state a long-running server reaches (V8 optimizes DSDB's query and serializer
 * code over its first hundred or so requests), the same rule for every system.
 */
const WARM_UP_RUNS = 100;
const WARM_UP_MS = 2_000;
/** a query slower than this runs fewer times (at least 5), to bound the run's length */
const QUERY_BUDGET_MS = 20_000;


/**
 * A way to load the dataset; `send` is undefined for a system that does not take the form.
 * `warmUp`: an untimed load of the same size and form, sent after the start and waited for
 * until queryable, before the timed load (the steady state of a server that has been
 * ingesting; `--warm-ingest`). The warm-up takes the dataset's window and the timed load
 * the same points one window later (`dataset`), so both stay in one day, month and week:
 * a system partitioned by time (VictoriaMetrics by month and day, InfluxDB by week) then
 * opens no new partition in the timed load, and no point is older than the ones before it.
 */
type LoadMode = {
  name: string;
  send(system: SystemUnderTest): Promise<void> | undefined;
  /** the timed load's window when it is not the dataset's (a warm mode's) */
  dataset?: DatasetOptions;
  warmUp?: { dataset: DatasetOptions; send(system: SystemUnderTest): Promise<void> };
};

const progress = (text: string) => {
  if (process.stdout.isTTY) process.stdout.write(`\r\x1b[K${text}`);
  else process.stdout.write(`${text}\n`);
};

/** Polls `count` until it reaches `expected`; resolves to the ms since `started`, or null at the timeout. */
async function waitQueryable(system: SystemUnderTest, count: () => Promise<number>, expected: number, started: number, timeoutMs: number, what = 'points'): Promise<number | null> {
  const deadline = Date.now() + timeoutMs;
  let seen = 0;
  while (Date.now() < deadline) {
    seen = await count().catch(() => seen);
    progress(`  ${system.name}: ${seen.toLocaleString()} / ${expected.toLocaleString()} ${what} queryable (${((Date.now() - started) / 1000).toFixed(1)} s)`);
    if (seen >= expected) {
      if (process.stdout.isTTY) process.stdout.write('\n');
      return Date.now() - started;
    }
    await sleep(250);
  }
  if (process.stdout.isTTY) process.stdout.write('\n');
  return null;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/** What a system's run yields besides its figures: the answers of the checked queries. */
type Measured = { result: SystemResult; answers: Partial<Record<CheckedQuery, number[]>> };

async function timeQuery(system: SystemUnderTest, q: QueryName, data: BenchData): Promise<{ ms: number; answer: unknown }> {
  const t0 = process.hrtime.bigint();
  const answer = await system.query(q, data);
  return { ms: Number(process.hrtime.bigint() - t0) / 1e6, answer };
}

async function measureSystem(system: SystemUnderTest, modes: LoadMode[], data: BenchData, longChunks: Buffer[], timeoutMs: number, ingestOnly: boolean): Promise<Measured> {
  const dataset = data.main;
  const expected = pointCount(dataset);
  const result: SystemResult = { name: system.name, ingest: {}, ingestCpu: {}, bytesPerPoint: null, peakRssMiB: null, queries: {}, notes: [] };
  const answers: Measured['answers'] = {};
  if (system.firstModeOnly) result.notes.push('loaded once (telnet ×1) to keep the run short');
  for (const [i, mode] of modes.entries()) {
    if (i > 0 && system.firstModeOnly) {
      result.ingest[mode.name] = result.ingestCpu[mode.name] = null;
      continue;
    }
    await system.start();
    try {
      let storedBefore = 0;
      if (mode.warmUp) {
        const warmStarted = Date.now();
        await mode.warmUp.send(system);
        const warmMs = await waitQueryable(system, () => system.countPoints(mode.warmUp!.dataset), pointCount(mode.warmUp.dataset), warmStarted, timeoutMs, 'warm-up points');
        if (warmMs === null) throw new Error('the untimed warm-up load was not queryable in time');
        storedBefore = pointCount(mode.warmUp.dataset);
      }
      const timed = mode.dataset ?? dataset;
      const started = Date.now();
      const cpuBefore = system.cpuSeconds();
      const sending = mode.send(system);
      if (sending === undefined) {
        result.ingest[mode.name] = result.ingestCpu[mode.name] = null;
        continue;
      }
      await sending;
      const sentMs = Date.now() - started;
      const ms = await waitQueryable(system, () => system.countPoints(timed, storedBefore), expected, started, timeoutMs);
      // where the figure's time went: sending (the system's acks and backpressure) and then
      // waiting until the last point answers a query
      if (ms !== null) progress(`  ${system.name} ${mode.name}: sent in ${(sentMs / 1000).toFixed(1)} s, every point queryable ${((ms - sentMs) / 1000).toFixed(1)} s later\n`);
      result.ingest[mode.name] = ms ? expected / (ms / 1000) : null;
      // the server's CPU over the same span (its count queries included, as in the rate)
      const cpu = system.cpuSeconds() - cpuBefore;
      result.ingestCpu[mode.name] = ms && Number.isFinite(cpu) ? cpu / (expected / 1e6) : null;
      if (ms === null) result.notes.push(`${mode.name}: not every point was queryable within ${timeoutMs / 1000} s`);
      if (i === 0) {
        result.peakRssMiB = system.peakRssBytes() / 2 ** 20;
        if (ingestOnly) {
          await system.flush();
          result.bytesPerPoint = system.diskBytes() / expected;
          continue;
        }
        // The long series, after the ingest figure and the peak RSS are taken, before the flush.
        const longStarted = Date.now();
        await sendTelnet(system.telnetPort, longChunks, 1);
        const longMs = await waitQueryable(system, () => system.countLongPoints(data.long), data.long.steps, longStarted, timeoutMs, 'long series points');
        if (longMs === null) result.notes.push(`long series: not every point was queryable within ${timeoutMs / 1000} s`);
        await system.flush();
        result.bytesPerPoint = system.diskBytes() / (expected + data.long.steps);
        for (const q of QUERIES) {
          try {
            // The first run after load and flush: the cold figure, and the answer checked.
            const cold = await timeQuery(system, q, data);
            if ((CHECKED_QUERIES as readonly string[]).includes(q)) answers[q as CheckedQuery] = system.values(q as CheckedQuery, cold.answer);
            // Warm-up, untimed, the same for every system: a JIT (DSDB's V8) compiles the
            // query path over the first runs; the cold cost is the first-run row above.
            let second = await timeQuery(system, q, data);
            const warmUntil = Date.now() + WARM_UP_MS;
            for (let w = 1; w < WARM_UP_RUNS && Date.now() < warmUntil; w++) second = await timeQuery(system, q, data);
            const runs = Math.max(5, Math.min(QUERY_RUNS, Math.floor(QUERY_BUDGET_MS / Math.max(second.ms, 1))));
            const times: number[] = [];
            for (let r = 0; r < runs; r++) times.push((await timeQuery(system, q, data)).ms);
            times.sort((a, b) => a - b);
            result.queries[q] = { p50: percentile(times, 50), p99: percentile(times, 99), first: cold.ms };
          } catch (err) {
            result.queries[q] = null;
            result.notes.push(`query ${q}: ${(err as Error).message.slice(0, 300)}`);
          }
        }
      }
    } catch (err) {
      result.ingest[mode.name] ??= null;
      result.ingestCpu[mode.name] ??= null;
      result.notes.push(`${mode.name}: ${(err as Error).message}`);
    } finally {
      await system.stop();
    }
  }
  return { result, answers };
}

/** Each system's checked answers against the generated data, and against the baseline's. */
function checkAnswers(measured: Measured[], expectedValues: Record<CheckedQuery, number[]>, baseline: string): AnswerCheck[] {
  const checks: AnswerCheck[] = [];
  const base = measured.find((m) => m.result.name === baseline);
  for (const q of CHECKED_QUERIES) {
    for (const m of measured) {
      // A query that failed has no answer: checked as none, so it shows as a WARNING too.
      const got = m.answers[q] ?? [];
      checks.push(checkAnswer(q, m.result.name, got, 'data', expectedValues[q]));
      const baseGot = base?.answers[q];
      if (baseGot && m !== base) checks.push(checkAnswer(q, m.result.name, got, baseline, baseGot));
    }
  }
  return checks;
}

export async function run(flags: string[]): Promise<void> {
  const size = flags.includes('--small') ? 'small' : 'default';
  const ingestOnly = flags.includes('--ingest-only');
  const systemsFlag = flags.find((f) => f.startsWith('--systems='))?.split('=')[1]?.split(',') ?? ['dsdb', 'dsdb-mysql', 'vm', 'vm-cached', 'influx'];
  const dataset = DATASET_SIZES[size];
  const long = LONG_SERIES_SIZES[size];
  const data: BenchData = { main: dataset, long };
  const expected = pointCount(dataset);
  const workDir = path.join(RESULTS_DIR, 'work');
  execFileSync(path.join(REPO_ROOT, 'scripts', 'install-bench-servers.sh'), { stdio: 'inherit' });

  progress(`generating ${expected.toLocaleString()} points (${size})…`);
  const chunks = telnetChunks(dataset);
  const bodies = jsonBatches(dataset);
  const remoteWrite = remoteWriteBodies(dataset);
  const protobufPut = protobufBodies(dataset);
  const longChunks = longSeriesTelnetChunks(long);
  const longDays = (long.steps * long.intervalSec) / 86_400;
  progress(`generated ${(chunks.reduce((n, c) => n + c.length, 0) / 2 ** 20).toFixed(0)} MiB of telnet lines, ${bodies.length} JSON batches\n`);
  progress(`long series ${long.metric}: ${longDays} days, ${long.steps.toLocaleString()} points${size === 'small' ? ' (shortened from 30 days for --small)' : ''}\n`);
  const expectedValues = expectedAnswers(dataset, long);

  const ceilings: Record<string, number> = {};
  for (const connections of [1, 4]) {
    const seconds = await discardCeiling(chunks, connections);
    ceilings[`read-and-discard, ${connections} connection(s)`] = expected / seconds;
  }
  // Best of three: the first pass also pays for JIT warm-up.
  ceilings['telnet put parser, parse only (one thread)'] = Math.max(parseOnlyRate(chunks), parseOnlyRate(chunks), parseOnlyRate(chunks));
  // what the daemon's parse thread runs (a bulk reader over 256 KiB jobs): the parse ceiling of one connection
  ceilings["telnet put, the parse thread's jobs (one thread)"] = Math.max(jobParseRate(chunks), jobParseRate(chunks), jobParseRate(chunks));
  progress(`ceilings: ${Object.entries(ceilings).map(([k, v]) => `${k} ${Math.round(v).toLocaleString()} lines/s`).join('; ')}\n`);

  const modes: LoadMode[] = [
    { name: 'telnet ×1', send: (s) => sendTelnet(s.telnetPort, chunks, 1) },
    { name: 'telnet ×4', send: (s) => sendTelnet(s.telnetPort, chunks, 4) },
    { name: 'HTTP /api/put', send: (s) => sendHttp(s.putUrl, bodies, 4) },
    { name: 'remote_write ×4', send: (s) => (s.remoteWriteUrl ? sendHttp(s.remoteWriteUrl, remoteWrite, 4, 'application/x-protobuf') : undefined) },
    { name: PROTOBUF_PUT_MODE, send: (s) => (s.protobufUrl ? sendHttp(s.protobufUrl, protobufPut, 4, 'application/x-protobuf') : undefined) },
  ];
  if (flags.includes('--warm-ingest')) {
    // a load timed on a server that has just taken one as large (the dataset, untimed): without
    // it the figures include what a fresh server pays once, such as V8 compiling DSDB's ingest
    // path (docs/performance.md, "Forty-third session"). The timed points are the same series
    // one window (and one interval) after the dataset's.
    const later: DatasetOptions = { ...dataset, start: dataset.start + (dataset.steps + 1) * dataset.intervalSec };
    // generated now: not inside a timed send
    const laterChunks = telnetChunks(later);
    const laterBodies = jsonBatches(later);
    const warmUp = (send: (s: SystemUnderTest) => Promise<void>) => ({ dataset, send });
    modes.push(
      { name: 'telnet ×1, warm', dataset: later, send: (s) => sendTelnet(s.telnetPort, laterChunks, 1), warmUp: warmUp((s) => sendTelnet(s.telnetPort, chunks, 1)) },
      { name: 'telnet ×4, warm', dataset: later, send: (s) => sendTelnet(s.telnetPort, laterChunks, 4), warmUp: warmUp((s) => sendTelnet(s.telnetPort, chunks, 4)) },
      { name: 'HTTP /api/put, warm', dataset: later, send: (s) => sendHttp(s.putUrl, laterBodies, 4), warmUp: warmUp((s) => sendHttp(s.putUrl, bodies, 4)) },
    );
  }
  const systems: SystemUnderTest[] = [];
  if (systemsFlag.includes('dsdb')) systems.push(new Dsdb(workDir, embeddedVariant));
  if (systemsFlag.includes('dsdb-mysql')) systems.push(new Dsdb(workDir, mysqlVariant()));
  if (systemsFlag.includes('vm')) systems.push(new VictoriaMetrics(workDir));
  if (systemsFlag.includes('vm-cached')) systems.push(new VictoriaMetrics(workDir, true));
  if (systemsFlag.includes('influx')) systems.push(new InfluxDb(workDir));

  const rounds = Math.max(1, Number(flags.find((f) => f.startsWith('--rounds='))?.split('=')[1] ?? 1) || 1);
  // by system, one Measured a round
  const byRound = new Map<SystemUnderTest, Measured[]>(systems.map((system) => [system, []]));
  for (let round = 0; round < rounds; round++) {
    for (const system of roundOrder(systems, round)) {
      progress(`== ${system.name}${rounds > 1 ? ` (round ${round + 1} of ${rounds})` : ''}\n`);
      byRound.get(system)!.push(await measureSystem(system, modes, data, longChunks, size === 'small' ? 120_000 : 600_000, ingestOnly));
    }
  }
  for (const system of systems) if (system instanceof Dsdb) await system.teardown();
  // the answers checked are the first round's
  const measured: Measured[] = systems.map((system) => ({ result: mergeRounds(byRound.get(system)!.map((m) => m.result)), answers: byRound.get(system)![0]!.answers }));
  const baseline = 'VictoriaMetrics';
  const checks = ingestOnly ? [] : checkAnswers(measured, expectedValues, baseline);
  for (const c of checks) process.stdout.write(`${describeCheck(c)}\n`);
  const runResult: RunResult = {
    date: new Date().toISOString(),
    machine: machineInfo(),
    dataset: { ...dataset },
    points: expected,
    longSeries: { metric: long.metric, tags: { ...long.tags }, start: long.start, steps: long.steps, intervalSec: long.intervalSec, days: longDays },
    pointsOnDisk: ingestOnly ? expected : expected + long.steps,
    checks,
    ceilings,
    systems: measured.map((m) => m.result),
    baseline,
  };
  const baselineSystem = systems.find((system) => system.name === baseline);
  if (rounds > 1 && baselineSystem) {
    const baseRounds = byRound.get(baselineSystem)!.map((m) => m.result);
    runResult.rounds = {
      count: rounds,
      ratios: Object.fromEntries(systems.filter((system) => system !== baselineSystem).map((system) => [system.name, roundRatios(byRound.get(system)!.map((m) => m.result), baseRounds)])),
    };
  }
  const markdown = toMarkdown(runResult);
  process.stdout.write(`\n${markdown}\n`);
  const files = writeResults(runResult, RESULTS_DIR);
  process.stdout.write(`\nwritten: ${files.json}\n         ${files.markdown}\n`);
}
