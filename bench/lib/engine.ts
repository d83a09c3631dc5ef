/**
 * Booting one storage engine plugin in a real kernel and timing the devops dataset
 * (bench/devops.ts) through it: the pieces every storage bench shares.
 */
import fs from 'node:fs';
import path from 'node:path';
import { DEFAULT_PLUGINS, Kernel, resolveConfig, type StorageEngine } from '../../core';
import { devopsBatches, type DevopsOptions } from '../devops';

export const ROOT = path.resolve(__dirname, '..', '..', '..');
export const PLUGINS = path.join(ROOT, 'dist', 'plugins');
/** The chunk codec plugins of the default config: every chunk-writing engine encodes with them. */
export const CODEC_PLUGINS = DEFAULT_PLUGINS.filter((p): p is string => typeof p === 'string' && p.startsWith('codec-'));

/** Starts a silent kernel on port 0 with the default codecs and `plugin` configured with `options`; `baseDir` resolves relative paths. */
export async function bootEngine(plugin: string, options: Record<string, unknown>, baseDir: string): Promise<{ kernel: Kernel; storage: StorageEngine }> {
  const config = resolveConfig({ port: 0, logLevel: 'silent', plugins: [...CODEC_PLUGINS, [plugin, options]] }, '(bench)', baseDir);
  const kernel = new Kernel(config, { builtinDirs: [PLUGINS] });
  await kernel.start();
  return { kernel, storage: kernel.container.resolve('storage') };
}

/** Seconds to write the whole dataset batch by batch and flush it. */
export async function ingestDevops(storage: StorageEngine, data: DevopsOptions): Promise<number> {
  const started = process.hrtime.bigint();
  for (const batch of devopsBatches(data)) await storage.write(batch);
  await storage.flush();
  return Number(process.hrtime.bigint() - started) / 1e9;
}

/** Apparent size in bytes of every file under `dir` (0 when it does not exist). */
export function du(dir: string): number {
  if (!fs.existsSync(dir)) return 0;
  let total = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    total += entry.isDirectory() ? du(full) : fs.statSync(full).size;
  }
  return total;
}

/** Milliseconds `fn` took. */
export async function timedMs(fn: () => Promise<unknown>): Promise<number> {
  const started = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - started) / 1e6;
}

/** Points in every series `read` yields. */
export async function drain(it: AsyncIterable<{ points: { length: number } }>): Promise<number> {
  let n = 0;
  for await (const d of it) n += d.points.length;
  return n;
}

/** The value at quantile `p` (0–1) of `samples` (not modified). */
export function quantile(samples: number[], p: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!;
}

export const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
