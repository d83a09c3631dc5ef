/**
 * DSDB side by side with VictoriaMetrics and InfluxDB, in one run: the same generated
 * dataset loaded over telnet (1 and 4 connections) and HTTP /api/put into each system,
 * timed until every point is queryable; then bytes on disk per point, peak RSS and
 * query latency p50/p99. Figures are reported as ratios to VictoriaMetrics, and DSDB's
 * ingest as a fraction of the Node ceilings measured in the same run.
 *
 *   npm run bench -- compare --small            (about two minutes)
 *   npm run bench -- compare                    (10M points)
 *   npm run bench -- compare --systems=dsdb,vm  (a subset)
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { DATASET_SIZES, jsonBatches, pointCount, telnetChunks, type DatasetOptions } from './lib/dataset';
import { discardCeiling } from './lib/ceilings';
import { sendHttp, sendTelnet } from './lib/load';
import { machineInfo, toMarkdown, writeResults, type RunResult, type SystemResult } from './lib/report';
import { Dsdb } from './systems/dsdb';
import { embeddedVariant, mysqlVariant } from './systems/dsdb-variants';
import { parseOnlyRate } from './lib/parse-only';
import { InfluxDb } from './systems/influxdb';
import type { QueryName, SystemUnderTest } from './systems/system';
import { VictoriaMetrics } from './systems/victoria-metrics';

const REPO_ROOT = path.resolve(__dirname, '..', '..');
const RESULTS_DIR = path.join(REPO_ROOT, 'bench', 'results');
const QUERIES: QueryName[] = ['raw-series', 'sum-1m-avg', 'rate-by-dc'];
const QUERY_RUNS = 20;
/** a query slower than this runs fewer times (at least 5), to bound the run's length */
const QUERY_BUDGET_MS = 20_000;


type LoadMode = { name: string; send(system: SystemUnderTest): Promise<void> };

const progress = (text: string) => {
  if (process.stdout.isTTY) process.stdout.write(`\r\x1b[K${text}`);
  else process.stdout.write(`${text}\n`);
};

async function waitQueryable(system: SystemUnderTest, dataset: DatasetOptions, expected: number, started: number, timeoutMs: number): Promise<number | null> {
  const deadline = Date.now() + timeoutMs;
  let seen = 0;
  while (Date.now() < deadline) {
    seen = await system.countPoints(dataset).catch(() => seen);
    progress(`  ${system.name}: ${seen.toLocaleString()} / ${expected.toLocaleString()} points queryable (${((Date.now() - started) / 1000).toFixed(1)} s)`);
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

async function measureSystem(system: SystemUnderTest, modes: LoadMode[], dataset: DatasetOptions, timeoutMs: number): Promise<SystemResult> {
  const expected = pointCount(dataset);
  const result: SystemResult = { name: system.name, ingest: {}, bytesPerPoint: null, peakRssMiB: null, queries: {}, notes: [] };
  if (system.firstModeOnly) result.notes.push('loaded once (telnet ×1) to keep the run short');
  for (const [i, mode] of modes.entries()) {
    if (i > 0 && system.firstModeOnly) {
      result.ingest[mode.name] = null;
      continue;
    }
    await system.start();
    try {
      const started = Date.now();
      await mode.send(system);
      const ms = await waitQueryable(system, dataset, expected, started, timeoutMs);
      result.ingest[mode.name] = ms ? expected / (ms / 1000) : null;
      if (ms === null) result.notes.push(`${mode.name}: not every point was queryable within ${timeoutMs / 1000} s`);
      if (i === 0) {
        result.peakRssMiB = system.peakRssBytes() / 2 ** 20;
        await system.flush();
        result.bytesPerPoint = system.diskBytes() / expected;
        for (const q of QUERIES) {
          const times: number[] = [];
          await system.query(q, dataset); // warm-up
          const warmStart = process.hrtime.bigint();
          await system.query(q, dataset);
          const oneMs = Number(process.hrtime.bigint() - warmStart) / 1e6;
          const runs = Math.max(5, Math.min(QUERY_RUNS, Math.floor(QUERY_BUDGET_MS / Math.max(oneMs, 1))));
          for (let r = 0; r < runs; r++) {
            const t0 = process.hrtime.bigint();
            await system.query(q, dataset);
            times.push(Number(process.hrtime.bigint() - t0) / 1e6);
          }
          times.sort((a, b) => a - b);
          result.queries[q] = { p50: percentile(times, 50), p99: percentile(times, 99) };
        }
      }
    } catch (err) {
      result.notes.push(`${mode.name}: ${(err as Error).message}`);
    } finally {
      await system.stop();
    }
  }
  return result;
}

export async function run(flags: string[]): Promise<void> {
  const size = flags.includes('--small') ? 'small' : 'default';
  const systemsFlag = flags.find((f) => f.startsWith('--systems='))?.split('=')[1]?.split(',') ?? ['dsdb', 'dsdb-mysql', 'vm', 'influx'];
  const dataset = DATASET_SIZES[size];
  const expected = pointCount(dataset);
  const workDir = path.join(RESULTS_DIR, 'work');
  execFileSync(path.join(REPO_ROOT, 'scripts', 'install-bench-servers.sh'), { stdio: 'inherit' });

  progress(`generating ${expected.toLocaleString()} points (${size})…`);
  const chunks = telnetChunks(dataset);
  const bodies = jsonBatches(dataset);
  progress(`generated ${(chunks.reduce((n, c) => n + c.length, 0) / 2 ** 20).toFixed(0)} MiB of telnet lines, ${bodies.length} JSON batches\n`);

  const ceilings: Record<string, number> = {};
  for (const connections of [1, 4]) {
    const seconds = await discardCeiling(chunks, connections);
    ceilings[`read-and-discard, ${connections} connection(s)`] = expected / seconds;
  }
  // Best of three: the first pass also pays for JIT warm-up.
  ceilings['telnet put parser, parse only (one thread)'] = Math.max(parseOnlyRate(chunks), parseOnlyRate(chunks), parseOnlyRate(chunks));
  progress(`ceilings: ${Object.entries(ceilings).map(([k, v]) => `${k} ${Math.round(v).toLocaleString()} lines/s`).join('; ')}\n`);

  const modes: LoadMode[] = [
    { name: 'telnet ×1', send: (s) => sendTelnet(s.telnetPort, chunks, 1) },
    { name: 'telnet ×4', send: (s) => sendTelnet(s.telnetPort, chunks, 4) },
    { name: 'HTTP /api/put', send: (s) => sendHttp(s.putUrl, bodies, 4) },
  ];
  const systems: SystemUnderTest[] = [];
  if (systemsFlag.includes('dsdb')) systems.push(new Dsdb(workDir, embeddedVariant));
  if (systemsFlag.includes('dsdb-mysql')) systems.push(new Dsdb(workDir, mysqlVariant()));
  if (systemsFlag.includes('vm')) systems.push(new VictoriaMetrics(workDir));
  if (systemsFlag.includes('influx')) systems.push(new InfluxDb(workDir));

  const results: SystemResult[] = [];
  for (const system of systems) {
    progress(`== ${system.name}\n`);
    results.push(await measureSystem(system, modes, dataset, size === 'small' ? 120_000 : 600_000));
    if (system instanceof Dsdb) await system.teardown();
  }
  const runResult: RunResult = {
    date: new Date().toISOString(),
    machine: machineInfo(),
    dataset: { ...dataset },
    points: expected,
    ceilings,
    systems: results,
    baseline: 'VictoriaMetrics',
  };
  const markdown = toMarkdown(runResult);
  process.stdout.write(`\n${markdown}\n`);
  const files = writeResults(runResult, RESULTS_DIR);
  process.stdout.write(`\nwritten: ${files.json}\n         ${files.markdown}\n`);
}
