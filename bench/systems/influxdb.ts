/** InfluxDB 1.x (Debian's `influxdb`), with its OpenTSDB input (telnet and HTTP /api/put). */
import fs from 'node:fs';
import path from 'node:path';
import { METRICS, type DatasetOptions } from '../lib/dataset';
import { getJson } from '../lib/load';
import { longSeriesEnd, type LongSeriesOptions } from '../lib/long-series';
import type { CheckedQuery } from '../lib/query-checks';
import { cpuSeconds, diskBytes, freePort, peakRssBytes, startProcess, stopProcess, waitForPort, type ServerProcess } from '../lib/process';
import type { BenchData, QueryName, SystemUnderTest } from './system';

export class InfluxDb implements SystemUnderTest {
  readonly name = 'InfluxDB';
  telnetPort = 0;
  putUrl = '';
  private httpPort = 0;
  private server?: ServerProcess;

  /** the server process' id while it runs (bench/memory.bench.ts samples its RSS) */
  get pid(): number | undefined {
    return this.server?.pid;
  }
  private peak = 0;

  constructor(private readonly workDir: string) {}

  private get dataDir(): string {
    return path.join(this.workDir, 'influx-data');
  }

  async start(): Promise<void> {
    // the peak of this start's server process (a system is started once a load mode, and again each round)
    this.peak = 0;
    fs.rmSync(this.dataDir, { recursive: true, force: true });
    fs.mkdirSync(this.dataDir, { recursive: true });
    this.httpPort = await freePort();
    this.telnetPort = await freePort();
    this.putUrl = `http://127.0.0.1:${this.telnetPort}/api/put`; // the OpenTSDB input serves both on one port
    const config = `
reporting-disabled = true
bind-address = "127.0.0.1:${await freePort()}"
[meta]
  dir = "${this.dataDir}/meta"
[data]
  dir = "${this.dataDir}/data"
  wal-dir = "${this.dataDir}/wal"
  query-log-enabled = false
[http]
  enabled = true
  bind-address = "127.0.0.1:${this.httpPort}"
  log-enabled = false
[[opentsdb]]
  enabled = true
  bind-address = "127.0.0.1:${this.telnetPort}"
  database = "opentsdb"
  batch-size = 5000
  batch-pending = 20
  batch-timeout = "1s"
  log-point-errors = false
[monitor]
  store-enabled = false
`;
    const configFile = path.join(this.workDir, 'influxdb.conf');
    fs.writeFileSync(configFile, config);
    this.server = startProcess('influxd', ['-config', configFile], { logFile: path.join(this.workDir, 'influx.log') });
    await Promise.all([waitForPort(this.httpPort), waitForPort(this.telnetPort)]);
    // The OpenTSDB input creates its database lazily; a fast first HTTP batch would fail.
    await fetch(`http://127.0.0.1:${this.httpPort}/query`, { method: 'POST', body: new URLSearchParams({ q: 'CREATE DATABASE opentsdb' }) });
  }

  async stop(): Promise<void> {
    if (this.server) await stopProcess(this.server);
  }

  private async influxql(q: string): Promise<unknown> {
    return getJson(`http://127.0.0.1:${this.httpPort}/query?${new URLSearchParams({ db: 'opentsdb', q, epoch: 's' })}`);
  }

  private timeRange(dataset: DatasetOptions): string {
    const end = dataset.start + dataset.steps * dataset.intervalSec;
    return `time >= ${dataset.start}s AND time <= ${end}s`;
  }

  async countPoints(dataset: DatasetOptions): Promise<number> {
    this.peak = Math.max(this.peak, peakRssBytes(this.server!.pid));
    let total = 0;
    try {
      const body = (await this.influxql(`SELECT count(value) FROM ${METRICS.map((m) => `"${m.name}"`).join(',')} WHERE ${this.timeRange(dataset)}`)) as {
        results: { series?: { values: [number, number][] }[] }[];
      };
      for (const series of body.results[0]?.series ?? []) total += series.values[0]?.[1] ?? 0;
    } catch {
      return 0; // the database appears with the first batch
    }
    return total;
  }

  async countLongPoints(long: LongSeriesOptions): Promise<number> {
    try {
      const body = (await this.influxql(`SELECT count(value) FROM "${long.metric}" WHERE time >= ${long.start}s AND time < ${longSeriesEnd(long)}s`)) as {
        results: { series?: { values: [number, number][] }[] }[];
      };
      return body.results[0]?.series?.[0]?.values[0]?.[1] ?? 0;
    } catch {
      return 0;
    }
  }

  async flush(): Promise<void> {
    // InfluxDB compacts its WAL into TSM files on its own schedule; nothing to trigger.
  }

  diskBytes(): number {
    return diskBytes(this.dataDir);
  }

  peakRssBytes(): number {
    return Math.max(this.peak, peakRssBytes(this.server!.pid));
  }

  cpuSeconds(): number {
    return cpuSeconds(this.server!.pid);
  }

  async query(name: QueryName, data: BenchData): Promise<unknown> {
    const range = this.timeRange(data.main);
    switch (name) {
      case 'raw-series':
        return this.influxql(`SELECT value FROM "cpu.user" WHERE host='host_0' AND ${range}`);
      case 'sum-1m-avg':
        return this.influxql(`SELECT sum(v) FROM (SELECT mean(value) AS v FROM "cpu.user" WHERE ${range} GROUP BY time(1m), host) WHERE ${range} GROUP BY time(1m)`);
      case 'rate-by-dc':
        return this.influxql(
          `SELECT sum(r) FROM (SELECT non_negative_derivative(mean(value), 1s) AS r FROM "net.rx_bytes" WHERE ${range} GROUP BY time(1m), host, dc) WHERE ${range} GROUP BY time(1m), dc`,
        );
      case 'day-0all-sum':
        return this.influxql(`SELECT sum(value) FROM "cpu.user" WHERE time >= ${data.main.start}s AND time < ${data.main.start + 86_400}s`);
      case 'long-1h-avg': {
        const { long } = data;
        return this.influxql(`SELECT mean(value) FROM "${long.metric}" WHERE host='${long.tags.host}' AND time >= ${long.start}s AND time < ${longSeriesEnd(long)}s GROUP BY time(1h)`);
      }
    }
  }

  values(_name: CheckedQuery, answer: unknown): number[] {
    const series = (answer as { results: { series?: { values: [number, number | null][] }[] }[] }).results[0]?.series ?? [];
    return series.flatMap((s) => s.values.map(([, v]) => (v === null ? NaN : v)));
  }
}
