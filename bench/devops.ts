/**
 * A deterministic devops dataset in the shape of TSBS's `cpu-only` use case: each host
 * has the ten TSBS host tags and ten `cpu.usage_*` metrics, sampled every 10 s, each a
 * bounded random walk in [0, 100]. Batches come in time-major order, as an ingest path
 * sees them: every series at `timestampsPerBatch` consecutive instants.
 */
import { seriesKeyString, ValueKind, type PointBatch, type SeriesKey } from '../core';
import { xorshift32 } from './lib/random';

const FIELDS = ['user', 'system', 'idle', 'nice', 'iowait', 'irq', 'softirq', 'steal', 'guest', 'guest_nice'];
const REGIONS = ['us-east-1', 'us-west-1', 'us-west-2', 'eu-west-1', 'eu-central-1', 'ap-southeast-1', 'ap-southeast-2', 'ap-northeast-1', 'sa-east-1'];

export interface DevopsOptions {
  hosts: number;
  /** samples per series */
  samples: number;
  timestampsPerBatch: number;
  intervalMs?: number;
  start?: number;
}

export function devopsSeries(hosts: number): SeriesKey[] {
  const out: SeriesKey[] = [];
  for (let h = 0; h < hosts; h++) {
    const region = REGIONS[h % REGIONS.length]!;
    const tags = {
      hostname: `host_${h}`,
      region,
      datacenter: `${region}${String.fromCharCode(97 + (h % 3))}`,
      rack: String(h % 100),
      os: ['Ubuntu16.10', 'Ubuntu16.04LTS', 'Ubuntu15.10'][h % 3]!,
      arch: ['x64', 'x86'][h % 2]!,
      team: ['SF', 'NYC', 'LON', 'CHI'][h % 4]!,
      service: String(h % 20),
      service_version: String(h % 2),
      service_environment: ['production', 'staging', 'test'][h % 3]!,
    };
    for (const field of FIELDS) out.push({ metric: `cpu.usage_${field}`, tags });
  }
  return out;
}

export function devopsPoints(options: DevopsOptions): number {
  return options.hosts * FIELDS.length * options.samples;
}

/** Yields the dataset as batches; the columns are reused between batches. */
export function* devopsBatches(options: DevopsOptions): Generator<PointBatch> {
  const series = devopsSeries(options.hosts);
  const keys = series.map((s) => seriesKeyString(s.metric, s.tags));
  const interval = options.intervalMs ?? 10_000;
  const start = options.start ?? Date.UTC(2026, 0, 1);
  const random = xorshift32(42);
  const values = new Float64Array(series.length).map(() => random() * 100);
  const capacity = series.length * options.timestampsPerBatch;
  const batch: PointBatch = {
    length: 0,
    series,
    seriesKeys: keys,
    seriesIndex: new Uint32Array(capacity),
    timestamps: new Float64Array(capacity),
    kinds: new Uint8Array(capacity).fill(ValueKind.Float),
    floats: new Float64Array(capacity),
    ints: new BigInt64Array(capacity),
    texts: new Array(capacity).fill(undefined),
  };
  for (let t0 = 0; t0 < options.samples; t0 += options.timestampsPerBatch) {
    let n = 0;
    for (let t = t0; t < Math.min(options.samples, t0 + options.timestampsPerBatch); t++) {
      for (let s = 0; s < series.length; s++) {
        // TSBS-like walk, rounded to 2 decimals as agents report it.
        const v = Math.min(100, Math.max(0, values[s]! + (random() - 0.5) * 2));
        values[s] = v;
        batch.seriesIndex[n] = s;
        batch.timestamps[n] = start + t * interval;
        batch.floats[n++] = Math.round(v * 100) / 100;
      }
    }
    batch.length = n;
    yield batch;
  }
}
