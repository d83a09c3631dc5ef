/** VictoriaMetrics (Debian's `victoria-metrics`), with its OpenTSDB telnet and HTTP listeners. */
import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { METRICS, type DatasetOptions } from '../lib/dataset';
import { getJson } from '../lib/load';
import { longSeriesEnd, type LongSeriesOptions } from '../lib/long-series';
import type { CheckedQuery } from '../lib/query-checks';
import { cpuSeconds, diskBytes, freePort, peakRssBytes, startProcess, stopProcess, waitForPort, type ServerProcess } from '../lib/process';
import type { BenchData, QueryName, SystemUnderTest } from './system';

/**
 * `resultCache: false` (the baseline, as issue #18 measured it) runs it with
 * `-search.disableCache`: every query computed. `true` is VictoriaMetrics as its users run
 * it, repeated range queries answered from its rollup result cache.
 */
export class VictoriaMetrics implements SystemUnderTest {
  readonly name: string;
  telnetPort = 0;
  putUrl = '';
  remoteWriteUrl = '';
  private httpPort = 0;
  private server?: ServerProcess;

  /** the server process' id while it runs (bench/memory.bench.ts samples its RSS) */
  get pid(): number | undefined {
    return this.server?.pid;
  }
  private peak = 0;

  constructor(
    private readonly workDir: string,
    private readonly resultCache = false,
  ) {
    this.name = resultCache ? 'VictoriaMetrics (result cache on)' : 'VictoriaMetrics';
  }

  async start(): Promise<void> {
    // the peak of this start's server process (a system is started once a load mode, and again each round)
    this.peak = 0;
    const dataDir = path.join(this.workDir, 'vm-data');
    fs.rmSync(dataDir, { recursive: true, force: true });
    this.httpPort = await freePort();
    this.telnetPort = await freePort();
    const putPort = await freePort();
    this.putUrl = `http://127.0.0.1:${putPort}/api/put`;
    this.remoteWriteUrl = `http://127.0.0.1:${this.httpPort}/api/v1/write`;
    this.remoteWriteUrl = `http://127.0.0.1:${this.httpPort}/api/v1/write`;
    this.server = startProcess(
      'victoria-metrics',
      [
        `-storageDataPath=${dataDir}`,
        `-httpListenAddr=127.0.0.1:${this.httpPort}`,
        `-opentsdbListenAddr=127.0.0.1:${this.telnetPort}`,
        `-opentsdbHTTPListenAddr=127.0.0.1:${putPort}`,
        '-retentionPeriod=100y',
        '-search.latencyOffset=0s',
        ...(this.resultCache ? [] : ['-search.disableCache']),
      ],
      { logFile: path.join(this.workDir, 'vm.log') },
    );
    await Promise.all([waitForPort(this.httpPort), waitForPort(this.telnetPort), waitForPort(putPort)]);
  }

  async stop(): Promise<void> {
    if (this.server) await stopProcess(this.server);
  }

  private async promql(query: string, dataset: DatasetOptions, step: number): Promise<unknown> {
    const end = dataset.start + dataset.steps * dataset.intervalSec;
    return this.queryRange(query, dataset.start, end, step);
  }

  private async queryRange(query: string, start: number, end: number, step: number): Promise<unknown> {
    const params = new URLSearchParams({ query, start: String(start), end: String(end), step: `${step}s` });
    return getJson(`http://127.0.0.1:${this.httpPort}/api/v1/query_range?${params}`);
  }

  private async instant(query: string, time: number): Promise<unknown> {
    return getJson(`http://127.0.0.1:${this.httpPort}/api/v1/query?${new URLSearchParams({ query, time: String(time) })}`);
  }

  async countPoints(dataset: DatasetOptions): Promise<number> {
    this.peak = Math.max(this.peak, peakRssBytes(this.server!.pid));
    // Recent rows become searchable after VictoriaMetrics' periodic flush (seconds);
    // force it, as a user who needs the data now would.
    await fetch(`http://127.0.0.1:${this.httpPort}/internal/force_flush`).catch(() => undefined);
    const end = dataset.start + dataset.steps * dataset.intervalSec;
    const window = end - dataset.start + dataset.intervalSec;
    const names = METRICS.map((m) => m.name.replace(/\./g, '\\\\.')).join('|');
    const params = new URLSearchParams({ query: `sum(count_over_time({__name__=~"${names}"}[${window}s]))`, time: String(end) });
    const body = (await getJson(`http://127.0.0.1:${this.httpPort}/api/v1/query?${params}`)) as { data: { result: { value: [number, string] }[] } };
    return Number(body.data.result[0]?.value[1] ?? 0);
  }

  async countLongPoints(long: LongSeriesOptions): Promise<number> {
    await fetch(`http://127.0.0.1:${this.httpPort}/internal/force_flush`).catch(() => undefined);
    const end = longSeriesEnd(long);
    const window = end - long.start + long.intervalSec;
    const body = (await this.instant(`sum(count_over_time({__name__="${long.metric}"}[${window}s]))`, end)) as { data: { result: { value: [number, string] }[] } };
    return Number(body.data.result[0]?.value[1] ?? 0);
  }

  /**
   * force_flush and force_merge, then waits until the data dir stops changing (3 polls a
   * second apart, at most a minute): both only start work in the background, and measured
   * at once the dir missed what was still being written (on the --small data 176 KB right
   * after the calls, 934 KB settled; on the 10M points 1.35 bytes a point, below the 1.49
   * bytes of entropy of the dataset's value deltas).
   */
  async flush(): Promise<void> {
    await fetch(`http://127.0.0.1:${this.httpPort}/internal/force_flush`).catch(() => undefined);
    await fetch(`http://127.0.0.1:${this.httpPort}/internal/force_merge`).catch(() => undefined);
    let last = -1;
    let same = 0;
    for (let i = 0; i < 60 && same < 3; i++) {
      await sleep(1000);
      const now = this.diskBytes();
      same = now === last ? same + 1 : 0;
      last = now;
    }
  }

  diskBytes(): number {
    return diskBytes(path.join(this.workDir, 'vm-data'));
  }

  peakRssBytes(): number {
    return Math.max(this.peak, peakRssBytes(this.server!.pid));
  }

  cpuSeconds(): number {
    return cpuSeconds(this.server!.pid);
  }

  async query(name: QueryName, data: BenchData): Promise<unknown> {
    const dataset = data.main;
    switch (name) {
      case 'raw-series':
        return this.promql('{__name__="cpu.user",host="host_0"}', dataset, dataset.intervalSec);
      case 'sum-1m-avg':
        return this.promql('sum(avg_over_time({__name__="cpu.user"}[1m]))', dataset, 60);
      case 'rate-by-dc':
        return this.promql('sum by (dc) (rate({__name__="net.rx_bytes"}[1m]))', dataset, 60);
      case 'day-0all-sum':
        // A PromQL window is (t − 1d, t]: evaluated 1 s before the day's end it holds
        // exactly the points of [day start, day end), DSDB's one 0all bucket. At the
        // day's end itself it would miss the day's first timestamp.
        return this.instant('sum(sum_over_time({__name__="cpu.user"}[1d]))', dataset.start + 86_400 - 1);
      case 'long-1h-avg': {
        // Hourly steps on whole hours (VictoriaMetrics' result cache rounds start and end to
        // the step), each window moved 3,599 s later by a negative offset: at T it holds
        // (T − 1 s, T + 3599 s], the points of [T, T + 1h) — DSDB's 1h-avg bucket T.
        const { long } = data;
        return this.queryRange(`avg_over_time({__name__="${long.metric}",host="${long.tags.host}"}[1h] offset -3599s)`, long.start, longSeriesEnd(long) - 3600, 3600);
      }
    }
  }

  values(_name: CheckedQuery, answer: unknown): number[] {
    // Instant vectors carry `value`, range matrices `values`; values are strings.
    const result = (answer as { data: { result: { value?: [number, string]; values?: [number, string][] }[] } }).data.result;
    return result.flatMap((series) => (series.values ?? (series.value ? [series.value] : [])).map(([, v]) => Number(v)));
  }
}
