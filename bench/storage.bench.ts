/**
 * Storage benchmark on a generated devops-like dataset: 1,000 hosts × 10 metrics at a
 * 10 s interval (10,000 series), 500 intervals = 5M float points by default
 * (`--intervals=N`, `--hosts=N`). Reports, for the embedded engine through its batch API:
 * write points/s (WAL + head, including the block cuts that happen meanwhile), bytes on
 * disk per point after compaction, scan (decode) points/s, sync-write throughput, and
 * RSS; each as a ratio to the target, and compression as a ratio to raw 16-byte
 * (timestamp + double) points.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { createKernelHooks, Registry, seriesKeyString, ValueKind, type Codec, type PointBatch, type SeriesKey } from '../core';
import compactJson from '../plugins/codec-compact-json';
import decimalFloat from '../plugins/codec-decimal-float';
import deltaOfDelta from '../plugins/codec-delta-of-delta';
import dictString from '../plugins/codec-dict-string';
import xorFloat from '../plugins/codec-xor-float';
import zigzagInt from '../plugins/codec-zigzag-int';
import { DEFAULT_CODECS } from '../plugins/storage-embedded/codec-set';
import { EmbeddedEngine } from '../plugins/storage-embedded/engine';
import { numberFlag } from './lib/flags';
import { xorshift32 } from './lib/random';

/** TSBS's devops cpu-only shape: ten CPU usage percentages per host. */
const CPU_METRICS = ['usage_user', 'usage_system', 'usage_idle', 'usage_nice', 'usage_iowait', 'usage_irq', 'usage_softirq', 'usage_steal', 'usage_guest', 'usage_guest_nice'].map((f) => `cpu.${f}`);
/** A harder mix: CPU, memory bytes, load, byte counters with random increments, temperature. */
const MIXED_METRICS = ['cpu.user', 'cpu.system', 'cpu.iowait', 'mem.used', 'load.1', 'disk.read_bytes', 'disk.write_bytes', 'net.rx_bytes', 'net.tx_bytes', 'temp.cpu'];
let METRICS = CPU_METRICS;
let mixed = false;
const INTERVAL_MS = 10_000;
const START_MS = 1_700_000_000_000;

/** Next value of metric m for a host: gauges as bounded random walks at their usual precision, counters increasing. */
function step(m: number, prev: number, r: () => number): number {
  // cpu dataset: clamped random walk, one decimal, as telegraf/collectd report percentages
  if (!mixed) return Math.min(100, Math.max(0, Math.round((prev + (r() - 0.5) * 2) * 10) / 10));
  switch (m) {
    case 0:
    case 1:
    case 2: // CPU percentages, one decimal
      return Math.min(100, Math.max(0, Math.round((prev + (r() - 0.5) * 4) * 10) / 10));
    case 3: // memory in bytes, pages of 4 KiB
      return Math.max(0, prev + Math.round((r() - 0.5) * 64) * 4096);
    case 4: // load average, two decimals
      return Math.max(0, Math.round((prev + (r() - 0.5) * 0.2) * 100) / 100);
    case 9: // temperature, one decimal
      return Math.round((prev + (r() - 0.5)) * 10) / 10;
    default: // byte counters
      return prev + Math.floor(r() * 200_000);
  }
}

function makeBatches(hosts: number, intervals: number): PointBatch[] {
  const series: SeriesKey[] = [];
  for (let h = 0; h < hosts; h++) for (const metric of METRICS) series.push({ metric, tags: { host: `host_${h}`, region: `eu-${h % 3}`, rack: `r${h % 50}` } });
  const seriesKeys = series.map((s) => seriesKeyString(s.metric, s.tags));
  const n = series.length;
  const seriesIndex = new Uint32Array(n).map((_, i) => i);
  const kinds = new Uint8Array(n).fill(ValueKind.Float);
  const r = xorshift32(42);
  const state = new Float64Array(n).map((_, i) => (mixed ? [20, 5, 1, 8e9, 1.5, 1e9, 1e9, 5e9, 5e9, 45][i % 10]! : [20, 5, 70, 0.5, 1, 0.2, 0.5, 0, 0, 0][i % 10]!));
  const batches: PointBatch[] = [];
  for (let t = 0; t < intervals; t++) {
    const floats = new Float64Array(n);
    for (let i = 0; i < n; i++) floats[i] = state[i] = step(i % 10, state[i]!, r);
    // one batch per interval across all series, as a collector fleet sends them
    batches.push({ length: n, series, seriesKeys, seriesIndex, timestamps: new Float64Array(n).fill(START_MS + t * INTERVAL_MS), kinds, floats, ints: new BigInt64Array(n), texts: [] });
  }
  return batches;
}

async function codecs(): Promise<Registry<Codec>> {
  const hooks = createKernelHooks();
  for (const plugin of [deltaOfDelta, xorFloat, decimalFloat, zigzagInt, dictString, compactJson]) await plugin.register({ hooks } as never, {} as never);
  const registry = new Registry<Codec>('codec');
  hooks.codec.codecs.call(registry);
  return registry;
}

function engineAt(dir: string, registry: Registry<Codec>, floatCodecs = DEFAULT_CODECS.float): EmbeddedEngine {
  return new EmbeddedEngine(
    { dataDir: dir, flushIntervalMs: 1000, headMaxPoints: 2_000_000, blockDurationMs: 7_200_000, chunkMaxPoints: 4096, compactBlocks: 100, compactIdleMs: 10_000, idleCompactMaxPoints: 0, slicePoints: 100_000, retentionMs: 0, codecs: { ...DEFAULT_CODECS, float: floatCodecs } },
    registry,
    pino({ level: 'silent' }),
  );
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const ratio = (value: number, target: number) => `${(value / target).toFixed(2)}× target`;

export async function run(flags: string[]): Promise<void> {
  const hosts = numberFlag(flags, 'hosts', 1000);
  const intervals = numberFlag(flags, 'intervals', 500);
  mixed = flags.includes('--mixed');
  METRICS = mixed ? MIXED_METRICS : CPU_METRICS;
  const registry = await codecs();
  process.stdout.write(`dataset: ${mixed ? 'mixed (cpu, memory, load, byte counters, temperature)' : 'TSBS-like cpu (10 usage percentages, one decimal)'}: ${hosts} hosts × ${METRICS.length} metrics every 10 s, ${intervals} intervals\n`);
  const batches = makeBatches(hosts, intervals);
  const total = batches.reduce((n, b) => n + b.length, 0);
  process.stdout.write(`points: ${fmt(total)} floats in ${batches.length} batches of ${fmt(batches[0]!.length)}\n`);

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dsdb-bench-'));
  try {
    const engine = engineAt(dir, registry);
    await engine.open();
    const t0 = process.hrtime.bigint();
    for (let b = 0; b < batches.length; b++) {
      await engine.write(batches[b]!);
      // one batch per event-loop turn, as network reads arrive in a daemon, so background block cuts interleave
      await new Promise((resolve) => setImmediate(resolve));
    }
    await engine.flush();
    // the timed window ends once the cuts the writes started are done
    while ((await engine.stats()).cutInProgress) await new Promise((resolve) => setImmediate(resolve));
    const writeS = Number(process.hrtime.bigint() - t0) / 1e9;
    const cuts = await engine.stats();
    const writeRate = total / writeS;
    process.stdout.write(`write: ${fmt(writeRate)} points/s through write(batch) incl. WAL fsync and block cuts (${writeS.toFixed(2)} s) — ${ratio(writeRate, 1e6)} (1M/s)\n`);
    process.stdout.write(`block cuts during writes: ${cuts.checkpoints} (background, in slices of ~100k points), the last took ${cuts.lastCheckpointMs} ms end to end\n`);

    const t1 = process.hrtime.bigint();
    engine.checkpoint();
    engine.compact();
    const compactS = Number(process.hrtime.bigint() - t1) / 1e9;
    const stats = await engine.stats();
    const bytesPerPoint = stats.blockBytes! / total;
    process.stdout.write(`compaction: ${compactS.toFixed(2)} s to one block; blocks=${stats.blocks}\n`);
    process.stdout.write(`disk: ${(bytesPerPoint).toFixed(3)} bytes/point in blocks (${fmt(stats.blockBytes!)} B), ${(stats.bytesOnDisk! / total).toFixed(3)} with WAL + series index — ${(bytesPerPoint / 1.5).toFixed(2)}× the 1.5 B target, ${(16 / bytesPerPoint).toFixed(1)}× smaller than raw 16 B points\n`);

    for (const pass of ['cold', 'warm']) {
      const t2 = process.hrtime.bigint();
      let scanned = 0;
      for (const metric of METRICS) for await (const data of engine.read({ metric }, { start: 0, end: 8.64e15 })) scanned += data.points.length;
      const scanS = Number(process.hrtime.bigint() - t2) / 1e9;
      if (scanned !== total) throw new Error(`scan found ${scanned} points, wrote ${total}`);
      process.stdout.write(`scan (${pass}): ${fmt(scanned / scanS)} points/s decoded via read() (${scanS.toFixed(2)} s) — ${ratio(scanned / scanS, 1e7)} (10M/s)\n`);
    }
    process.stdout.write(`rss: ${fmt(process.memoryUsage().rss / 2 ** 20)} MiB (includes the ${fmt((total * 17) / 2 ** 20)} MiB of generated batches)\n`);

    // Sync writes: 8 concurrent writers of 100-point batches, each acknowledged after fsync (group commit).
    const small = batches.slice(0, 50).map((b) => ({ ...b, length: 100 }));
    const t3 = process.hrtime.bigint();
    let acks = 0;
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        for (const b of small) {
          await engine.write(b, { sync: true });
          acks++;
        }
      }),
    );
    const syncS = Number(process.hrtime.bigint() - t3) / 1e9;
    process.stdout.write(`sync writes: ${fmt(acks / syncS)} acknowledged batches/s, ${fmt((acks * 100) / syncS)} points/s (8 writers × 100-point batches, group commit)\n`);
    await engine.close();

    // Start-up over the compacted data: series index, postings and block indexes are rebuilt.
    const t4 = process.hrtime.bigint();
    const reopened = engineAt(dir, registry);
    await reopened.open();
    const openMs = Number(process.hrtime.bigint() - t4) / 1e6;
    process.stdout.write(`reopen: ${openMs.toFixed(0)} ms for ${fmt((await reopened.stats()).series)} series (index, postings, block indexes, WAL replay of the sync-write phase)\n`);
    await reopened.close();

    // The XOR codec alone on the same data (the Gorilla baseline), for the codec ratio.
    const xorDir = fs.mkdtempSync(path.join(os.tmpdir(), 'dsdb-bench-xor-'));
    try {
      const xor = engineAt(xorDir, registry, ['xor-float']);
      await xor.open();
      for (const b of batches) await xor.write(b);
      xor.checkpoint();
      xor.compact();
      const xs = await xor.stats();
      process.stdout.write(`baseline xor-float only: ${(xs.blockBytes! / total).toFixed(3)} bytes/point; decimal-float is ${((xs.blockBytes! / total) / bytesPerPoint).toFixed(2)}× smaller\n`);
      await xor.close();
    } finally {
      fs.rmSync(xorDir, { recursive: true, force: true });
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
