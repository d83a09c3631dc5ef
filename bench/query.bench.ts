/**
 * Query latency (p50/p99) over real HTTP against a daemon on the memory engine:
 *  1. one raw series over a day (8,640 points, one every 10 s);
 *  2. sum of 1,000 series downsampled 1m-avg over a day (1.44 M points);
 *  3. rate of 200 counters grouped by one tag (4 groups) over a day.
 * Each figure is also given as a ratio to a baseline measured in the same run: reading the
 * same series straight from the storage engine (no HTTP, no aggregation).
 * `--quick` uses a tenth of the series and fewer runs.
 */
import { ValueKind, type DataPoint, type StorageEngine } from '../core';
import { batchOf } from '../test/helpers/batch';
import { startDaemon } from '../test/helpers/daemon';

const DAY_S = 86_400;
const START = 1_700_000_000 - (1_700_000_000 % DAY_S);

async function writeSeries(storage: StorageEngine, metric: string, count: number, stepS: number, value: (series: number, i: number) => number, tags: (series: number) => Record<string, string>): Promise<void> {
  for (let s = 0; s < count; s++) {
    const points: DataPoint[] = [];
    const t = tags(s);
    for (let i = 0; i * stepS < DAY_S; i++) {
      points.push({ metric, tags: t, timestamp: (START + i * stepS) * 1000, value: { kind: ValueKind.Float, value: value(s, i) } });
    }
    await storage.write(batchOf(points));
  }
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
}

/** p50 of reading every series of `metric` over the day straight from storage. */
async function storageBaseline(storage: StorageEngine, metric: string, runs: number): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    let points = 0;
    for await (const data of storage.read({ metric }, { start: START * 1000, end: (START + DAY_S) * 1000 - 1 })) points += data.points.length;
    times.push(performance.now() - started);
    if (points === 0) throw new Error(`no points for ${metric}`);
  }
  return percentile(times.sort((a, b) => a - b), 0.5);
}

async function measure(label: string, runs: number, url: string, baselineMs: number): Promise<void> {
  let points = 0;
  const times: number[] = [];
  for (let i = 0; i < runs + 2; i++) {
    const started = performance.now();
    const res = await fetch(url);
    const body = (await res.json()) as { dps: Record<string, number> }[];
    const ms = performance.now() - started;
    if (res.status !== 200) throw new Error(`${label}: ${res.status} ${JSON.stringify(body)}`);
    points = body.reduce((n, s) => n + Object.keys(s.dps).length, 0);
    if (i >= 2) times.push(ms); // two warm-up runs
  }
  times.sort((a, b) => a - b);
  const p50 = percentile(times, 0.5);
  process.stdout.write(
    `${label.padEnd(50)} p50 ${p50.toFixed(1).padStart(7)} ms  p99 ${percentile(times, 0.99).toFixed(1).padStart(7)} ms  ` +
      `(${(p50 / baselineMs).toFixed(1)}× a storage read of ${baselineMs.toFixed(1)} ms; ${runs} runs, ${points} points out)\n`,
  );
}

export async function run(flags: string[]): Promise<void> {
  const quick = flags.includes('--quick');
  const daemon = await startDaemon({ plugins: ['http', 'storage-memory', 'aggregators-opentsdb', 'query'], storage: 'memory' });
  try {
    const storage = daemon.kernel.container.resolve('storage');
    const many = quick ? 100 : 1000;
    const counters = quick ? 20 : 200;
    await writeSeries(storage, 'bench.raw', 1, 10, (_s, i) => Math.sin(i / 100) * 100, () => ({ host: 'h0' }));
    await writeSeries(storage, 'bench.many', many, 60, (s, i) => (s * 7 + i) % 100, (s) => ({ host: `h${s}` }));
    await writeSeries(storage, 'bench.counter', counters, 60, (s, i) => (s + 1) * i * 10, (s) => ({ host: `h${s}`, dc: `dc${s % 4}` }));
    const base = `http://127.0.0.1:${daemon.port}/api/query?start=${START}&end=${START + DAY_S - 1}`;
    const runs = quick ? 10 : 50;
    await measure('one raw series over a day (8,640 points)', runs, `${base}&m=sum:bench.raw`, await storageBaseline(storage, 'bench.raw', runs));
    await measure(`sum of ${many} series, 1m-avg, over a day`, quick ? 5 : 20, `${base}&m=sum:1m-avg:bench.many`, await storageBaseline(storage, 'bench.many', 5));
    await measure(`rate of ${counters} counters grouped by dc, over a day`, runs, `${base}&m=sum:rate{counter}:bench.counter{dc=*}`, await storageBaseline(storage, 'bench.counter', runs));
  } finally {
    await daemon.stop();
  }
}
