/** VictoriaMetrics (Debian's `victoria-metrics`), with its OpenTSDB telnet and HTTP listeners. */
import fs from 'node:fs';
import path from 'node:path';
import { METRICS, type DatasetOptions } from '../lib/dataset';
import { getJson } from '../lib/load';
import { diskBytes, freePort, peakRssBytes, startProcess, stopProcess, waitForPort, type ServerProcess } from '../lib/process';
import type { QueryName, SystemUnderTest } from './system';

export class VictoriaMetrics implements SystemUnderTest {
  readonly name = 'VictoriaMetrics';
  telnetPort = 0;
  putUrl = '';
  private httpPort = 0;
  private server?: ServerProcess;
  private peak = 0;

  constructor(private readonly workDir: string) {}

  async start(): Promise<void> {
    const dataDir = path.join(this.workDir, 'vm-data');
    fs.rmSync(dataDir, { recursive: true, force: true });
    this.httpPort = await freePort();
    this.telnetPort = await freePort();
    const putPort = await freePort();
    this.putUrl = `http://127.0.0.1:${putPort}/api/put`;
    this.server = startProcess(
      'victoria-metrics',
      [
        `-storageDataPath=${dataDir}`,
        `-httpListenAddr=127.0.0.1:${this.httpPort}`,
        `-opentsdbListenAddr=127.0.0.1:${this.telnetPort}`,
        `-opentsdbHTTPListenAddr=127.0.0.1:${putPort}`,
        '-retentionPeriod=100y',
        '-search.latencyOffset=0s',
        '-search.disableCache',
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
    const params = new URLSearchParams({ query, start: String(dataset.start), end: String(end), step: `${step}s` });
    return getJson(`http://127.0.0.1:${this.httpPort}/api/v1/query_range?${params}`);
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

  async flush(): Promise<void> {
    await fetch(`http://127.0.0.1:${this.httpPort}/internal/force_flush`).catch(() => undefined);
    await fetch(`http://127.0.0.1:${this.httpPort}/internal/force_merge`).catch(() => undefined);
  }

  diskBytes(): number {
    return diskBytes(path.join(this.workDir, 'vm-data'));
  }

  peakRssBytes(): number {
    return Math.max(this.peak, peakRssBytes(this.server!.pid));
  }

  async query(name: QueryName, dataset: DatasetOptions): Promise<void> {
    switch (name) {
      case 'raw-series':
        await this.promql('{__name__="cpu.user",host="host_0"}', dataset, dataset.intervalSec);
        return;
      case 'sum-1m-avg':
        await this.promql('sum(avg_over_time({__name__="cpu.user"}[1m]))', dataset, 60);
        return;
      case 'rate-by-dc':
        await this.promql('sum by (dc) (rate({__name__="net.rx_bytes"}[1m]))', dataset, 60);
        return;
    }
  }
}
