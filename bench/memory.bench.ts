/**
 * `npm run bench -- memory`: each system's resident memory over one telnet load of the
 * comparison's dataset (10M points; `--small` 360k), sampled from `/proc/PID/status`
 * (VmRSS) every `--every` ms (50 by default), DSDB beside VictoriaMetrics in the same run.
 * Why: the comparison gives one peak a round (VmHWM); when in a load the memory rises, and
 * whether it ever comes down, is what tells which part of a daemon sets that peak (a
 * generation of heads, a cut, a collector that has not run yet, an allocator that keeps
 * what was freed; docs/performance.md, "Forty-eighth session").
 *
 * Flags: `--systems=dsdb,vm` (the default; `influx` too), `--connections=N` (1 by
 * default), `--every=MS`, `--stats`: at each sample also DSDB's own figures from
 * `/api/stats` (points in the head, a cut in progress, the storage thread's V8 heap and
 * array buffers). `--stats` costs the daemon an HTTP request a sample, so its load is not
 * the comparison's. Prints a timeline (a row a tenth of each load) and the peak, the mean
 * and the end of each load, with ratios to VictoriaMetrics' (or to the first system's when it did
 * not run); writes JSON
 * under bench/results/.
 */
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { DATASET_SIZES, pointCount, telnetChunks, type DatasetOptions } from './lib/dataset';
import { numberFlag } from './lib/flags';
import { getJson, sendTelnet } from './lib/load';
import { cpuSeconds, rssBytes } from './lib/process';
import { Dsdb } from './systems/dsdb';
import { embeddedVariant } from './systems/dsdb-variants';
import { InfluxDb } from './systems/influxdb';
import type { SystemUnderTest } from './systems/system';
import { VictoriaMetrics } from './systems/victoria-metrics';

const REPO_ROOT = path.resolve(__dirname, '..', '..');
const RESULTS_DIR = path.join(REPO_ROOT, 'bench', 'results');
const MIB = 1024 * 1024;

/** One sample: ms since the load's first byte, RSS in bytes, and DSDB's own figures with `--stats`. */
interface Sample {
  ms: number;
  rss: number;
  headPoints?: number;
  cut?: number;
  heapBytes?: number;
  arrayBufferBytes?: number;
  /** heads whose sealed points a late point decoded back, so far (head-series.ts) */
  lateUnseals?: number;
}

interface MemoryRun {
  system: string;
  /** ms from the first byte sent until every point was queryable */
  loadMs: number;
  /** the server's CPU seconds (all its threads) over the same span: steadier than loadMs on a shared machine */
  cpuSeconds: number;
  samples: Sample[];
  peakRss: number;
  /** ms into the load at which the peak was sampled */
  peakMs: number;
  meanRss: number;
  endRss: number;
}

/** DSDB's own memory figures (`--stats`); empty when the request fails. */
async function dsdbStats(port: number): Promise<Omit<Sample, 'ms' | 'rss'>> {
  try {
    const stats = (await getJson(`http://127.0.0.1:${port}/api/stats`)) as { metric: string; value: string }[];
    const value = (metric: string) => Number(stats.find((s) => s.metric === metric)?.value ?? NaN);
    return {
      headPoints: value('tsd.storage.headPoints'),
      cut: value('tsd.storage.cutInProgress'),
      heapBytes: value('tsd.process.heap_total_bytes'),
      arrayBufferBytes: value('tsd.process.array_buffers_bytes'),
      lateUnseals: value('tsd.storage.headLateUnseals'),
    };
  } catch {
    return {};
  }
}

async function measure(system: SystemUnderTest, dataset: DatasetOptions, chunks: Buffer[], connections: number, everyMs: number, withStats: boolean): Promise<MemoryRun> {
  const expected = pointCount(dataset);
  await system.start();
  try {
    const pid = system.pid;
    if (pid === undefined) throw new Error(`${system.name}: no server process to sample`);
    const samples: Sample[] = [];
    const cpuBefore = cpuSeconds(pid);
    const started = Date.now();
    let loading = true;
    // RSS from /proc at a steady pace, in this process: the server does nothing for it;
    // with --stats each sample also waits for DSDB's /api/stats answer
    const timer = withStats ? undefined : setInterval(() => samples.push({ ms: Date.now() - started, rss: rssBytes(pid) }), everyMs);
    const statsLoop = withStats
      ? (async () => {
          while (loading) {
            const stats = await dsdbStats(system.telnetPort);
            samples.push({ ms: Date.now() - started, rss: rssBytes(pid), ...stats });
            await sleep(everyMs);
          }
        })()
      : undefined;
    await sendTelnet(system.telnetPort, chunks, connections);
    const deadline = Date.now() + 600_000;
    while ((await system.countPoints(dataset).catch(() => 0)) < expected) {
      if (Date.now() > deadline) throw new Error(`${system.name}: not every point queryable after 10 minutes`);
      await sleep(100);
    }
    const loadMs = Date.now() - started;
    const cpu = cpuSeconds(pid) - cpuBefore;
    loading = false;
    if (timer) clearInterval(timer);
    await statsLoop;
    samples.push({ ms: loadMs, rss: rssBytes(pid) });
    const valid = samples.filter((s) => Number.isFinite(s.rss));
    const peak = valid.reduce((best, s) => (s.rss > best.rss ? s : best), valid[0]!);
    return {
      system: system.name,
      loadMs,
      cpuSeconds: cpu,
      samples: valid,
      peakRss: peak.rss,
      peakMs: peak.ms,
      meanRss: valid.reduce((sum, s) => sum + s.rss, 0) / valid.length,
      endRss: valid[valid.length - 1]!.rss,
    };
  } finally {
    await system.stop();
  }
}

/** The sample nearest to each tenth of the load, as table rows. */
function timeline(run: MemoryRun, withStats: boolean): string[] {
  const rows: string[] = [];
  for (let tenth = 0; tenth <= 10; tenth++) {
    const at = (run.loadMs * tenth) / 10;
    const s = run.samples.reduce((best, x) => (Math.abs(x.ms - at) < Math.abs(best.ms - at) ? x : best), run.samples[0]!);
    const cells = [`${tenth * 10}%`, `${s.ms}`, (s.rss / MIB).toFixed(0)];
    if (withStats) {
      cells.push(
        s.headPoints === undefined ? '' : s.headPoints.toLocaleString(),
        s.cut === undefined ? '' : s.cut > 0 ? 'yes' : '',
        s.heapBytes === undefined ? '' : (s.heapBytes / MIB).toFixed(0),
        s.arrayBufferBytes === undefined ? '' : (s.arrayBufferBytes / MIB).toFixed(0),
        s.lateUnseals === undefined || Number.isNaN(s.lateUnseals) ? '' : s.lateUnseals.toLocaleString(),
      );
    }
    rows.push(`| ${cells.join(' | ')} |`);
  }
  return rows;
}

export async function run(flags: string[]): Promise<void> {
  const size = flags.includes('--small') ? 'small' : 'default';
  const dataset = DATASET_SIZES[size];
  const expected = pointCount(dataset);
  const connections = numberFlag(flags, 'connections', 1);
  const everyMs = numberFlag(flags, 'every', 50);
  const withStats = flags.includes('--stats');
  const names = flags.find((f) => f.startsWith('--systems='))?.split('=')[1]?.split(',') ?? ['dsdb', 'vm'];
  const workDir = path.join(RESULTS_DIR, 'work');
  fs.mkdirSync(workDir, { recursive: true });
  if (names.includes('vm') || names.includes('influx')) execFileSync(path.join(REPO_ROOT, 'scripts', 'install-bench-servers.sh'), { stdio: 'inherit' });
  const systems: SystemUnderTest[] = [];
  for (const name of names) {
    if (name === 'dsdb') systems.push(new Dsdb(workDir, embeddedVariant));
    else if (name === 'vm') systems.push(new VictoriaMetrics(workDir));
    else if (name === 'influx') systems.push(new InfluxDb(workDir));
    else throw new Error(`unknown system ${name} (dsdb, vm, influx)`);
  }
  process.stdout.write(`generating ${expected.toLocaleString()} points (${size})…\n`);
  const chunks = telnetChunks(dataset);
  const runs: MemoryRun[] = [];
  for (const system of systems) {
    process.stdout.write(`${system.name}: telnet ×${connections}, RSS every ${everyMs} ms${withStats && system instanceof Dsdb ? ', with /api/stats' : ''}…\n`);
    runs.push(await measure(system, dataset, chunks, connections, everyMs, withStats && system instanceof Dsdb));
  }
  for (const r of runs) {
    const stats = withStats && r.samples.some((s) => s.headPoints !== undefined);
    process.stdout.write(`\n${r.system}, telnet ×${connections}: every point queryable after ${r.loadMs} ms, ${r.cpuSeconds.toFixed(2)} s of the server's CPU\n\n`);
    process.stdout.write(`| load | ms | RSS MiB |${stats ? ' head points | cut | V8 heap MiB | array buffers MiB | late unseals |' : ''}\n`);
    process.stdout.write(`|---|---:|---:|${stats ? '---:|---|---:|---:|---:|' : ''}\n`);
    process.stdout.write(timeline(r, stats).join('\n') + '\n');
  }
  // the baseline is VictoriaMetrics', as in the comparison, when it ran
  const base = runs.find((r) => r.system === 'VictoriaMetrics') ?? runs[0]!;
  process.stdout.write(`\n| system | peak RSS MiB | peak at (of the load) | mean RSS MiB | RSS at the end MiB | peak / ${base.system} | mean / ${base.system} |\n|---|---:|---:|---:|---:|---:|---:|\n`);
  for (const r of runs) {
    process.stdout.write(
      `| ${r.system} | ${(r.peakRss / MIB).toFixed(0)} | ${Math.round((100 * r.peakMs) / r.loadMs)}% | ${(r.meanRss / MIB).toFixed(0)} | ${(r.endRss / MIB).toFixed(0)} | ${(r.peakRss / base.peakRss).toFixed(2)}× | ${(r.meanRss / base.meanRss).toFixed(2)}× |\n`,
    );
  }
  fs.mkdirSync(RESULTS_DIR, { recursive: true });
  const file = path.join(RESULTS_DIR, `memory-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  fs.writeFileSync(file, JSON.stringify({ size, connections, everyMs, withStats, runs }, null, 2));
  process.stdout.write(`\nwritten: ${path.relative(REPO_ROOT, file)}\n`);
}
