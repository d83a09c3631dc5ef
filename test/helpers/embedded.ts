/** Builds embedded engines over scratch directories, with the real codec plugins registered through the real hook. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { createKernelHooks, Registry, type Codec, type Logger } from '../../core';
import compactJson from '../../plugins/codec-compact-json';
import decimalFloat from '../../plugins/codec-decimal-float';
import deltaOfDelta from '../../plugins/codec-delta-of-delta';
import dictString from '../../plugins/codec-dict-string';
import xorFloat from '../../plugins/codec-xor-float';
import zigzagInt from '../../plugins/codec-zigzag-int';
import { EmbeddedEngine, type EmbeddedEngineOptions } from '../../plugins/storage-embedded/engine';
import { DEFAULT_CODECS } from '../../plugins/storage-embedded/codec-set';

export const CODEC_PLUGINS = [deltaOfDelta, xorFloat, decimalFloat, zigzagInt, dictString, compactJson];

/** The codecs registry as the kernel fills it: each codec plugin taps hooks.codec.codecs. */
export async function codecRegistry(): Promise<Registry<Codec>> {
  const hooks = createKernelHooks();
  for (const plugin of CODEC_PLUGINS) await plugin.register({ hooks } as never, {} as never);
  const registry = new Registry<Codec>('codec');
  hooks.codec.codecs.call(registry);
  return registry;
}

const madeDirs: string[] = [];
// Scratch data dirs go when the test process ends (kept while it runs, for reopen checks).
process.once('exit', () => {
  for (const dir of madeDirs) fs.rmSync(dir, { recursive: true, force: true });
});

export function tempDataDir(name: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `dsdb-${name}-`));
  madeDirs.push(dir);
  return dir;
}

export interface TestLog {
  logger: Logger;
  lines: () => Record<string, unknown>[];
}

/** A real pino logger writing into memory, so tests can check what was reported. */
export function memoryLogger(): TestLog {
  const lines: Record<string, unknown>[] = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) });
  return { logger, lines: () => lines };
}

export async function embeddedEngine(dataDir: string, options: Partial<EmbeddedEngineOptions> = {}, logger: Logger = pino({ level: 'silent' })): Promise<EmbeddedEngine> {
  return new EmbeddedEngine(
    { dataDir, flushIntervalMs: 1000, headMaxPoints: 2_000_000, blockDurationMs: 7_200_000, chunkMaxPoints: 4096, compactBlocks: 4, compactIdleMs: 10_000, idleCompactMaxPoints: 20_000_000, slicePoints: 100_000, retentionMs: 0, codecs: DEFAULT_CODECS, ...options },
    await codecRegistry(),
    logger,
  );
}

/**
 * Makes the next write to the file `ino` fail part-way, as on a disk filling up: half its
 * bytes land, then ENOSPC. `torn()` counts such writes (at most one); `restore()` puts
 * fs.writeSync back.
 */
export function tearNextWrite(ino: number): { torn(): number; restore(): void } {
  const realWrite = fs.writeSync;
  let torn = 0;
  (fs as { writeSync: unknown }).writeSync = (fd: number, buf: Uint8Array, ...rest: unknown[]): number => {
    if (torn > 0 || fs.fstatSync(fd).ino !== ino) return (realWrite as (...a: unknown[]) => number)(fd, buf, ...rest);
    torn++;
    realWrite(fd, buf, 0, Math.floor(buf.length / 2));
    throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
  };
  return { torn: () => torn, restore: () => void (fs.writeSync = realWrite) };
}
