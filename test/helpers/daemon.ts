/**
 * Test helpers: start a real kernel in-process on an ephemeral port, and spawn the real
 * `dsdb` bin as a child process.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Kernel, resolveConfig, type DsdbConfig } from '../../core';

export const REPO_ROOT = path.resolve(__dirname, '..', '..', '..');
export const BIN = path.join(REPO_ROOT, 'bin', 'dsdb.js');
export const BUILTIN_DIR = path.join(REPO_ROOT, 'dist', 'plugins');

export interface RunningDaemon {
  kernel: Kernel;
  port: number;
  stop(): Promise<void>;
}

/** Starts a kernel with `config` (port 0 unless given), as if loaded from `baseDir`. */
export async function startDaemon(config: DsdbConfig, baseDir = REPO_ROOT): Promise<RunningDaemon> {
  const resolved = resolveConfig({ port: 0, logLevel: 'silent', ...config }, '(test config)', baseDir);
  const kernel = new Kernel(resolved, { builtinDirs: [BUILTIN_DIR] });
  const { port } = await kernel.start();
  return { kernel, port, stop: () => kernel.stop() };
}

/** Scratch folders this test process made: removed when it exits (the tests' daemons and children are gone by then). */
const scratchDirs: string[] = [];

/** A scratch folder inside the repo, so a config there can `require('dsdb')`; removed when the test process exits. */
export function scratchDir(name: string): string {
  const dir = path.join(REPO_ROOT, '.test-data', `${name}-${process.pid}-${Date.now()}`);
  fs.mkdirSync(dir, { recursive: true });
  if (scratchDirs.push(dir) === 1) process.once('exit', removeScratchDirs);
  return dir;
}

function removeScratchDirs(): void {
  for (const dir of scratchDirs) fs.rmSync(dir, { recursive: true, force: true });
}

export interface SpawnedDaemon {
  child: ChildProcess;
  port: number;
  output: () => string;
  /** resolves with the exit code */
  exited: Promise<number | null>;
}

/** Runs `dsdb` with args; resolves when it logs that it listens (or rejects when it exits first). */
export function spawnDaemon(args: string[], cwd: string, bin = BIN): Promise<SpawnedDaemon> {
  const child = spawn(process.execPath, [bin, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      const match = /"port":(\d+)[^\n]*DSDB is listening/.exec(out);
      if (match) resolve({ child, port: Number(match[1]), output: () => out, exited });
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    exited.then((code) => reject(new Error(`dsdb exited with ${code} before listening:\n${out}`)));
  });
}

/** Runs `dsdb` with args to completion. */
export function runDsdb(args: string[], cwd: string, timeoutMs = 15000): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [BIN, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (c) => (stdout += c));
  child.stderr!.on('data', (c) => (stderr += c));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  return new Promise((resolve) =>
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    }),
  );
}
