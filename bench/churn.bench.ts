/**
 * `npm run bench -- churn`: how fast a fresh server takes a fleet of series it has never
 * seen — every series new, two points each (the comparison's hosts and metrics, 10,000
 * hosts × 10 metrics = 100,000 series; `--small` 1,000 hosts), telnet, one connection,
 * DSDB beside VictoriaMetrics in the same run, `--rounds=N` (3 by default) alternating.
 * Why: the comparison's 10M points name 10,000 series, made in its first fraction of a
 * second; a fleet that restarts its pods, or a new collector, brings series faster than
 * points (Prometheus calls it churn), and a new series costs a daemon far more than a
 * point: an id, an index entry, a log record, its UIDs and its TSMeta here.
 *
 * Per round and system: ms from the first byte until every point is queryable, the
 * server's CPU seconds over that time (`/proc/PID/stat`), its peak RSS. Prints the
 * medians with ratios to VictoriaMetrics' (series a second: higher is better; CPU a series
 * and peak RSS: lower is better), and writes JSON under bench/results/.
 */
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { DATASET_SIZES, pointCount, telnetChunks, type DatasetOptions } from './lib/dataset';
import { numberFlag } from './lib/flags';
import { sendTelnet } from './lib/load';
import { cpuSeconds, peakRssBytes } from './lib/process';
import { Dsdb } from './systems/dsdb';
import { embeddedVariant } from './systems/dsdb-variants';
import type { SystemUnderTest } from './systems/system';
import { VictoriaMetrics } from './systems/victoria-metrics';

const REPO_ROOT = path.resolve(__dirname, '..', '..');
const RESULTS_DIR = path.join(REPO_ROOT, 'bench', 'results');
const MIB = 1024 * 1024;

/** The fleet: every series new to a fresh server, two points each (the comparison's metrics and tags). */
function fleet(small: boolean): DatasetOptions {
  return { ...DATASET_SIZES.default, hosts: small ? 1_000 : 10_000, steps: 2 };
}

/** One system's load of the fleet. */
interface ChurnRun {
  system: string;
  round: number;
  /** ms from the first byte sent until every point was queryable */
  loadMs: number;
  /** the server's CPU seconds over the load */
  cpuSeconds: number;
  peakRssBytes: number;
}

async function measure(system: SystemUnderTest, dataset: DatasetOptions, chunks: Buffer[], round: number): Promise<ChurnRun> {
  const expected = pointCount(dataset);
  await system.start();
  try {
    const pid = system.pid;
    if (pid === undefined) throw new Error(`${system.name}: no server process to measure`);
    const cpuBefore = cpuSeconds(pid);
    const started = Date.now();
    await sendTelnet(system.telnetPort, chunks, 1);
    const deadline = Date.now() + 600_000;
    while ((await system.countPoints(dataset).catch(() => 0)) < expected) {
      if (Date.now() > deadline) throw new Error(`${system.name}: not every point queryable after 10 minutes`);
      await sleep(50);
    }
    const loadMs = Date.now() - started;
    return { system: system.name, round, loadMs, cpuSeconds: cpuSeconds(pid) - cpuBefore, peakRssBytes: peakRssBytes(pid) };
  } finally {
    await system.stop();
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

export async function run(flags: string[]): Promise<void> {
  const small = flags.includes('--small');
  const dataset = fleet(small);
  const series = pointCount(dataset) / dataset.steps;
  const rounds = numberFlag(flags, 'rounds', 3);
  const names = flags.find((f) => f.startsWith('--systems='))?.split('=')[1]?.split(',') ?? ['dsdb', 'vm'];
  const workDir = path.join(RESULTS_DIR, 'work');
  fs.mkdirSync(workDir, { recursive: true });
  if (names.includes('vm')) execFileSync(path.join(REPO_ROOT, 'scripts', 'install-bench-servers.sh'), { stdio: 'inherit' });
  const systems: SystemUnderTest[] = names.map((name) => {
    if (name === 'dsdb') return new Dsdb(workDir, embeddedVariant);
    if (name === 'vm') return new VictoriaMetrics(workDir);
    throw new Error(`unknown system ${name} (dsdb, vm)`);
  });
  const chunks = telnetChunks(dataset);
  process.stdout.write(`${series.toLocaleString()} new series, ${pointCount(dataset).toLocaleString()} points, telnet ×1, ${rounds} rounds\n\n`);
  process.stdout.write('| round | system | loaded in ms | new series a second | CPU µs a series | peak RSS MiB |\n|---:|---|---:|---:|---:|---:|\n');
  const runs: ChurnRun[] = [];
  for (let round = 1; round <= rounds; round++) {
    // alternating which system goes first: a noisy minute falls on both
    const order = round % 2 === 1 ? systems : [...systems].reverse();
    for (const system of order) {
      const r = await measure(system, dataset, chunks, round);
      runs.push(r);
      process.stdout.write(`| ${round} | ${r.system} | ${r.loadMs} | ${Math.round((series * 1000) / r.loadMs).toLocaleString()} | ${((r.cpuSeconds * 1e6) / series).toFixed(1)} | ${(r.peakRssBytes / MIB).toFixed(0)} |\n`);
    }
  }
  const medians = systems.map((s) => {
    const mine = runs.filter((r) => r.system === s.name);
    return { system: s.name, loadMs: median(mine.map((r) => r.loadMs)), cpuSeconds: median(mine.map((r) => r.cpuSeconds)), peakRssBytes: median(mine.map((r) => r.peakRssBytes)) };
  });
  // the baseline is VictoriaMetrics', as in the comparison, when it ran
  const base = medians.find((m) => m.system === 'VictoriaMetrics') ?? medians[0]!;
  process.stdout.write(`\n| system (medians) | new series a second | CPU µs a series | peak RSS MiB | series a second / ${base.system} | CPU a series / ${base.system} | peak RSS / ${base.system} |\n|---|---:|---:|---:|---:|---:|---:|\n`);
  for (const m of medians) {
    process.stdout.write(
      `| ${m.system} | ${Math.round((series * 1000) / m.loadMs).toLocaleString()} | ${((m.cpuSeconds * 1e6) / series).toFixed(1)} | ${(m.peakRssBytes / MIB).toFixed(0)} | ${(base.loadMs / m.loadMs).toFixed(2)}× | ${(m.cpuSeconds / base.cpuSeconds).toFixed(2)}× | ${(m.peakRssBytes / base.peakRssBytes).toFixed(2)}× |\n`,
    );
  }
  fs.mkdirSync(RESULTS_DIR, { recursive: true });
  const file = path.join(RESULTS_DIR, `churn-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  fs.writeFileSync(file, JSON.stringify({ small, series, points: pointCount(dataset), rounds, runs, medians }, null, 2));
  process.stdout.write(`\nwritten: ${path.relative(REPO_ROOT, file)}\n`);
}
