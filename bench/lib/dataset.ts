/**
 * A deterministic devops-like dataset: hosts × metrics × timestamps at a fixed interval,
 * tags host/dc/rack, floats and integers, a share of counters. The same options always
 * give the same bytes, so every system in a run loads exactly the same points.
 */
import { mulberry32 } from '../../core/testing/random';

export interface DatasetOptions {
  hosts: number;
  /** timestamps per series */
  steps: number;
  intervalSec: number;
  /** first timestamp, UNIX seconds */
  start: number;
}

export const DATASET_SIZES = {
  /** ~360k points: a whole comparison in about two minutes */
  small: { hosts: 100, steps: 360, intervalSec: 10, start: 1767225600 },
  /** 10M points (1,000 hosts × 10 metrics × 1,000 steps of 10 s) */
  default: { hosts: 1000, steps: 1000, intervalSec: 10, start: 1767225600 },
} satisfies Record<string, DatasetOptions>;

type MetricKind = 'gauge-float' | 'gauge-int' | 'counter';
export const METRICS: readonly { name: string; kind: MetricKind }[] = [
  { name: 'cpu.user', kind: 'gauge-float' },
  { name: 'cpu.system', kind: 'gauge-float' },
  { name: 'load.1m', kind: 'gauge-float' },
  { name: 'disk.used_pct', kind: 'gauge-float' },
  { name: 'temperature', kind: 'gauge-float' },
  { name: 'mem.used', kind: 'gauge-int' },
  { name: 'procs.running', kind: 'gauge-int' },
  { name: 'net.rx_bytes', kind: 'counter' },
  { name: 'net.tx_bytes', kind: 'counter' },
  { name: 'disk.read_bytes', kind: 'counter' },
];

export function pointCount(options: DatasetOptions): number {
  return options.hosts * METRICS.length * options.steps;
}


export interface SeriesState {
  metric: string;
  kind: MetricKind;
  tags: { host: string; dc: string; rack: string };
  /** the tag part of a telnet line, prebuilt */
  tagText: string;
  value: number;
}

export function makeSeries(options: DatasetOptions): SeriesState[] {
  const random = mulberry32(42);
  const series: SeriesState[] = [];
  for (let h = 0; h < options.hosts; h++) {
    const tags = { host: `host_${h}`, dc: `dc_${h % 4}`, rack: `rack_${h % 32}` };
    for (const metric of METRICS) {
      const start = metric.kind === 'gauge-float' ? random() * 50 : metric.kind === 'gauge-int' ? Math.floor(random() * 1e9) : Math.floor(random() * 1e6);
      series.push({ metric: metric.name, kind: metric.kind, tags, tagText: `host=${tags.host} dc=${tags.dc} rack=${tags.rack}`, value: start });
    }
  }
  return series;
}

/** Advances a series one step and returns its value's text (what a collector would send). */
export function nextValue(state: SeriesState, random: () => number): string {
  switch (state.kind) {
    case 'gauge-float':
      // A bounded random walk with two decimals, like a real gauge.
      state.value = Math.min(100, Math.max(0, state.value + (random() - 0.5) * 4));
      return state.value.toFixed(2);
    case 'gauge-int':
      state.value = Math.max(0, state.value + Math.floor((random() - 0.5) * 1e6));
      return String(state.value);
    case 'counter':
      state.value += Math.floor(random() * 10000);
      return String(state.value);
  }
}

export interface DatasetPoint {
  metric: string;
  timestamp: number;
  value: string;
  tags: SeriesState['tags'];
  tagText: string;
  kind: MetricKind;
}

/** Every point, in time order (as collectors send them): for each step, every series. */
export function* points(options: DatasetOptions): Generator<DatasetPoint> {
  const series = makeSeries(options);
  const random = mulberry32(7);
  for (let step = 0; step < options.steps; step++) {
    const timestamp = options.start + step * options.intervalSec;
    for (const state of series) {
      yield { metric: state.metric, timestamp, value: nextValue(state, random), tags: state.tags, tagText: state.tagText, kind: state.kind };
    }
  }
}

/** The dataset as OpenTSDB telnet `put` lines, in chunks of about `chunkBytes`. */
export function telnetChunks(options: DatasetOptions, chunkBytes = 1 << 20): Buffer[] {
  const chunks: Buffer[] = [];
  let text = '';
  for (const p of points(options)) {
    text += `put ${p.metric} ${p.timestamp} ${p.value} ${p.tagText}\n`;
    if (text.length >= chunkBytes) {
      chunks.push(Buffer.from(text));
      text = '';
    }
  }
  if (text) chunks.push(Buffer.from(text));
  return chunks;
}

/** The dataset as `/api/put` JSON array bodies of `batchSize` points. */
export function jsonBatches(options: DatasetOptions, batchSize = 5000): Buffer[] {
  const batches: Buffer[] = [];
  let batch: string[] = [];
  for (const p of points(options)) {
    batch.push(`{"metric":"${p.metric}","timestamp":${p.timestamp},"value":${p.value},"tags":{"host":"${p.tags.host}","dc":"${p.tags.dc}","rack":"${p.tags.rack}"}}`);
    if (batch.length === batchSize) {
      batches.push(Buffer.from(`[${batch.join(',')}]`));
      batch = [];
    }
  }
  if (batch.length) batches.push(Buffer.from(`[${batch.join(',')}]`));
  return batches;
}

/** Splits chunks into `n` interleaved shares, one per connection. */
export function share<T>(items: T[], n: number): T[][] {
  const out: T[][] = Array.from({ length: n }, () => []);
  items.forEach((item, i) => out[i % n]!.push(item));
  return out;
}
