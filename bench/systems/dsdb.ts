/** DSDB itself: the real `dsdb` bin as a child process, on the embedded engine by default. */
import fs from 'node:fs';
import path from 'node:path';
import { METRICS, pointCount, type DatasetOptions } from '../lib/dataset';
import { getJson } from '../lib/load';
import { longSeriesEnd, type LongSeriesOptions } from '../lib/long-series';
import type { CheckedQuery } from '../lib/query-checks';
import { cpuSeconds, diskBytes, freePort, peakRssBytes, startProcess, stopProcess, waitForPort, type ServerProcess } from '../lib/process';
import type { BenchData, QueryName, SystemUnderTest } from './system';

const REPO_ROOT = path.resolve(__dirname, '..', '..', '..');
/** Node flags for the daemon from DSDB_BENCH_NODE_ARGS (space-separated, e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`): for profiling a bench's load. */
function nodeArgs(): string[] {
  return (process.env.DSDB_BENCH_NODE_ARGS ?? '').split(' ').filter((a) => a.length > 0);
}

export interface DsdbVariant {
  /** label in the results, e.g. `DSDB (embedded)` */
  label: string;
  /** builds the config (plugins, storage) for a data dir and port */
  config(dataDir: string, port: number): Record<string, unknown>;
  /** starts what the variant needs (a database server), once per start() */
  setup?(workDir: string): Promise<void>;
  teardown?(): Promise<void>;
  /** load the dataset once (telnet ×1) only: the variant is too slow for three loads */
  firstModeOnly?: boolean;
  /** waits, after the restart that flushes, until the engine's background work is done */
  settle?(daemonUrl: string): Promise<void>;
  /** bytes on disk of the stored data, when not the data dir's size */
  diskBytes?(): Promise<number>;
}

export class Dsdb implements SystemUnderTest {
  telnetPort = 0;
  putUrl = '';
  remoteWriteUrl = '';
  protobufUrl = '';
  private server?: ServerProcess;

  /** the server process' id while it runs (bench/memory.bench.ts samples its RSS) */
  get pid(): number | undefined {
    return this.server?.pid;
  }
  private peak = 0;

  constructor(
    private readonly workDir: string,
    private readonly variant: DsdbVariant,
  ) {}

  get name(): string {
    return this.variant.label;
  }

  get firstModeOnly(): boolean {
    return this.variant.firstModeOnly === true;
  }

  private get dataDir(): string {
    return path.join(this.workDir, `dsdb-data-${this.variant.label.replace(/\W+/g, '-')}`);
  }

  async start(): Promise<void> {
    // the peak of this start's server process (a system is started once a load mode, and again each round)
    this.peak = 0;
    await this.variant.setup?.(this.workDir);
    fs.rmSync(this.dataDir, { recursive: true, force: true });
    fs.mkdirSync(this.dataDir, { recursive: true });
    this.telnetPort = await freePort();
    this.putUrl = `http://127.0.0.1:${this.telnetPort}/api/put`;
    this.protobufUrl = this.putUrl;
    this.remoteWriteUrl = `http://127.0.0.1:${this.telnetPort}/api/v1/write`;
    const configFile = path.join(this.workDir, 'dsdb.config.json');
    fs.writeFileSync(configFile, JSON.stringify({ logLevel: 'warn', ...this.variant.config(this.dataDir, this.telnetPort), port: this.telnetPort }, null, 2));
    this.server = startProcess(process.execPath, [...nodeArgs(), path.join(REPO_ROOT, 'bin', 'dsdb.js'), '--config', configFile], {
      cwd: this.workDir,
      logFile: path.join(this.workDir, 'dsdb.log'),
    });
    await waitForPort(this.telnetPort);
  }

  async stop(): Promise<void> {
    if (this.server) await stopProcess(this.server, 60_000);
    this.server = undefined;
  }

  async teardown(): Promise<void> {
    await this.variant.teardown?.();
  }

  private url(params: Record<string, string>): string {
    return `http://127.0.0.1:${this.telnetPort}/api/query?${new URLSearchParams(params)}`;
  }

  private range(dataset: DatasetOptions): Record<string, string> {
    return { start: String(dataset.start), end: String(dataset.start + dataset.steps * dataset.intervalSec) };
  }

  async countPoints(dataset: DatasetOptions, storedBefore = 0): Promise<number> {
    this.peak = Math.max(this.peak, peakRssBytes(this.server!.pid));
    // A count query reads every point; run while ingest goes on it would steal the CPU it
    // measures. So wait on the engine's own counter (/api/stats), then prove with the query.
    const stats = (await getJson(`http://127.0.0.1:${this.telnetPort}/api/stats`).catch(() => [])) as { metric: string; value: string }[];
    const stored = stats.find((s) => s.metric === 'tsd.storage.points');
    if (stored && Number(stored.value) < storedBefore + pointCount(dataset)) return Math.max(0, Number(stored.value) - storedBefore);
    let total = 0;
    for (const metric of METRICS) {
      try {
        const body = (await getJson(this.url({ ...this.range(dataset), m: `zimsum:0all-count:${metric.name}` }))) as { dps: Record<string, number> }[];
        for (const series of body) for (const v of Object.values(series.dps)) total += v;
      } catch {
        // a metric not written yet is a 400 "No such name"
      }
    }
    return total;
  }

  async countLongPoints(long: LongSeriesOptions): Promise<number> {
    try {
      const body = (await getJson(this.url({ start: String(long.start), end: String(longSeriesEnd(long)), m: `zimsum:0all-count:${long.metric}` }))) as { dps: Record<string, number> }[];
      return body.reduce((n, series) => n + Object.values(series.dps).reduce((a, b) => a + b, 0), 0);
    } catch {
      return 0; // "No such name" until the first line is stored
    }
  }

  private measuredDisk?: number;

  async flush(): Promise<void> {
    // Engines flush and compact on close: stop and restart to measure disk after it.
    await this.stop();
    await this.restartKeepingData();
    await this.variant.settle?.(`http://127.0.0.1:${this.telnetPort}`);
    this.measuredDisk = this.variant.diskBytes ? await this.variant.diskBytes() : undefined;
  }

  private async restartKeepingData(): Promise<void> {
    const configFile = path.join(this.workDir, 'dsdb.config.json');
    this.server = startProcess(process.execPath, [...nodeArgs(), path.join(REPO_ROOT, 'bin', 'dsdb.js'), '--config', configFile], {
      cwd: this.workDir,
      logFile: path.join(this.workDir, 'dsdb-restart.log'),
    });
    await waitForPort(this.telnetPort, 120_000);
  }

  diskBytes(): number {
    return this.measuredDisk ?? diskBytes(this.dataDir);
  }

  peakRssBytes(): number {
    return Math.max(this.peak, peakRssBytes(this.server!.pid));
  }

  cpuSeconds(): number {
    return cpuSeconds(this.server!.pid);
  }

  async query(name: QueryName, data: BenchData): Promise<unknown> {
    const range = this.range(data.main);
    switch (name) {
      case 'raw-series':
        return getJson(this.url({ ...range, m: 'none:cpu.user{host=host_0}' }));
      case 'sum-1m-avg':
        return getJson(this.url({ ...range, m: 'sum:1m-avg:cpu.user' }));
      case 'rate-by-dc':
        return getJson(this.url({ ...range, m: 'sum:1m-avg:rate{counter}:net.rx_bytes{dc=*}' }));
      case 'day-0all-sum':
        // The dataset's whole day: one bucket, stamped with the start.
        return getJson(this.url({ start: String(data.main.start), end: String(data.main.start + 86_400), m: 'sum:0all-sum:cpu.user' }));
      case 'long-1h-avg':
        return getJson(this.url({ start: String(data.long.start), end: String(longSeriesEnd(data.long)), m: `avg:1h-avg:${data.long.metric}{host=${data.long.tags.host}}` }));
    }
  }

  values(_name: CheckedQuery, answer: unknown): number[] {
    // Every series' dps in time order (one series expected: a second one shows as a count mismatch).
    return (answer as { dps: Record<string, number> }[]).flatMap((series) =>
      Object.entries(series.dps)
        .sort(([a], [b]) => Number(a) - Number(b))
        .map(([, v]) => v),
    );
  }
}
