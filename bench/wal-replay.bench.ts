/**
 * WAL replay after a crash: N points (default 1,000,000 floats: 1,000 series × 1,000
 * intervals) are written without a block cut (the head holds them all), the data
 * directory is copied while the engine is open (what a SIGKILL leaves: WAL only), and
 * the copy's open() — the replay — is timed. Prints ms per million points. Flags:
 * --series N --intervals N.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { createKernelHooks, Registry, seriesKeyString, ValueKind, type Codec, type PointBatch } from '../core';
import compactJson from '../plugins/codec-compact-json';
import decimalFloat from '../plugins/codec-decimal-float';
import deltaOfDelta from '../plugins/codec-delta-of-delta';
import dictString from '../plugins/codec-dict-string';
import xorFloat from '../plugins/codec-xor-float';
import zigzagInt from '../plugins/codec-zigzag-int';
import { DEFAULT_CODECS } from '../plugins/storage-embedded/codec-set';
import { EmbeddedEngine } from '../plugins/storage-embedded/engine';
import { numberFlag } from './lib/flags';

async function codecs(): Promise<Registry<Codec>> {
  const hooks = createKernelHooks();
  for (const plugin of [deltaOfDelta, xorFloat, decimalFloat, zigzagInt, dictString, compactJson]) await plugin.register({ hooks } as never, {} as never);
  const registry = new Registry<Codec>('codec');
  hooks.codec.codecs.call(registry);
  return registry;
}

function engineAt(dir: string, registry: Registry<Codec>, headMaxPoints: number): EmbeddedEngine {
  return new EmbeddedEngine(
    { dataDir: dir, flushIntervalMs: 1000, headMaxPoints, blockDurationMs: 7_200_000, chunkMaxPoints: 4096, compactBlocks: 100, compactIdleMs: 10_000, idleCompactMaxPoints: 0, slicePoints: 100_000, retentionMs: 0, codecs: DEFAULT_CODECS },
    registry,
    pino({ level: 'silent' }),
  );
}

export async function run(flags: string[]): Promise<void> {
  const seriesCount = numberFlag(flags, 'series', 1000);
  const intervals = numberFlag(flags, 'intervals', 1000);
  const total = seriesCount * intervals;
  const registry = await codecs();
  const series = Array.from({ length: seriesCount }, (_, i) => ({ metric: 'replay.m', tags: { host: `h${i}` } }));
  const seriesKeys = series.map((s) => seriesKeyString(s.metric, s.tags));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dsdb-bench-replay-'));
  const copy = `${dir}-crashed`;
  try {
    const engine = engineAt(dir, registry, total * 2);
    await engine.open();
    for (let t = 0; t < intervals; t++) {
      const batch: PointBatch = {
        length: seriesCount,
        series,
        seriesKeys,
        seriesIndex: new Uint32Array(seriesCount).map((_, i) => i),
        timestamps: new Float64Array(seriesCount).fill(1_700_000_000_000 + t * 10_000),
        kinds: new Uint8Array(seriesCount).fill(ValueKind.Float),
        floats: new Float64Array(seriesCount).map((_, i) => Math.round((i * 7 + t) % 1000) / 10),
        ints: new BigInt64Array(seriesCount),
        texts: [],
      };
      await engine.write(batch, { sync: t === intervals - 1 });
    }
    fs.cpSync(dir, copy, { recursive: true });
    fs.rmSync(path.join(copy, 'LOCK'), { force: true });
    await engine.close();
    const walBytes = fs.readdirSync(path.join(copy, 'wal')).reduce((n, f) => n + fs.statSync(path.join(copy, 'wal', f)).size, 0);
    const replayed = engineAt(copy, registry, total * 2);
    const t0 = process.hrtime.bigint();
    await replayed.open();
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    const stats = await replayed.stats();
    await replayed.close();
    process.stdout.write(`WAL replay: ${total.toLocaleString('en-US')} points (${(walBytes / 1e6).toFixed(1)} MB of WAL, ${stats.series} series) in ${ms.toFixed(0)} ms — ${((ms * 1e6) / total).toFixed(0)} ms per million points\n`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
    fs.rmSync(copy, { recursive: true, force: true });
  }
}
