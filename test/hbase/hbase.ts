/**
 * The private HBase (standalone + REST gateway) of the storage-hbase tests.
 * `npm test` (scripts/test.sh) starts it in the background at the beginning of the run
 * (it takes half a minute) with DSDB_HBASE_DIR set and DSDB_HBASE_MANAGED=1: the suites
 * here wait for its `env` file. A bare `mocha` run starts one here and stops it after.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { Value } from '@sinclair/typebox/value';
import { createKernelHooks, Registry, type Codec } from '../../core';
import { createLogger } from '../../core/logger';
import { HBaseOptions } from '../../plugins/storage-hbase';
import { HBaseEngine, type HBaseEngineOptions } from '../../plugins/storage-hbase/engine';
import { REPO_ROOT } from '../helpers/daemon';
import { CODEC_PLUGINS } from '../helpers/embedded';

const run = promisify(execFile);
const SCRIPT = path.join(REPO_ROOT, 'scripts', 'hbase.sh');
const managed = process.env.DSDB_HBASE_MANAGED === '1';
const DIR = process.env.DSDB_HBASE_DIR ?? path.join(REPO_ROOT, '.test-data', `hbase-mocha-${process.pid}`);

export const hbaseServer = { port: 0 };

function env(): NodeJS.ProcessEnv {
  return { ...process.env, DSDB_HBASE_DIR: DIR };
}

function readPort(): number | undefined {
  const file = path.join(DIR, 'env');
  if (!fs.existsSync(file)) return undefined;
  const m = /DSDB_HBASE_REST_PORT=(\d+)/.exec(fs.readFileSync(file, 'utf8'));
  return m ? Number(m[1]) : undefined;
}

/** Starts (again) the test HBase on its ports and data; resolves once REST answers. */
export async function startHBase(): Promise<void> {
  await run('bash', [SCRIPT, 'start'], { env: env(), maxBuffer: 1 << 24 });
  hbaseServer.port = readPort()!;
}

/** Stops master and gateway by PID (data kept). */
export async function stopHBase(): Promise<void> {
  await run('bash', [SCRIPT, 'stop'], { env: env(), maxBuffer: 1 << 24 });
}

let ready: Promise<void> | undefined;
let startedHere = false;

/** Waits for scripts/test.sh's server, or starts one for this mocha run. */
async function ensure(): Promise<void> {
  if (managed) {
    const deadline = Date.now() + 900_000;
    for (;;) {
      const port = readPort();
      if (port) {
        hbaseServer.port = port;
        return;
      }
      if (fs.existsSync(path.join(DIR, 'failed'))) throw new Error(`the test HBase failed to start: see ${DIR}.log`);
      if (Date.now() > deadline) throw new Error(`the test HBase did not start in 15 minutes: see ${DIR}.log`);
      await sleep(500);
    }
  }
  startedHere = true;
  await startHBase();
}

/** Hooks for a suite that needs HBase: waited for (or started) once per run. */
export function useHBase(): void {
  before(async function () {
    this.timeout(900_000); // a fresh machine installs Java, Maven and the jars first
    ready ??= ensure();
    await ready;
  });
}

// A root hook: runs once after every suite, so no suite finds the server gone.
after(async function () {
  this.timeout(120_000);
  if (startedHere) {
    await stopHBase();
    fs.rmSync(DIR, { recursive: true, force: true });
  }
});

let codecs: Registry<Codec> | undefined;

/** The codecs registry as the kernel fills it from the codec plugins. */
export function testCodecs(): Registry<Codec> {
  if (!codecs) {
    const hooks = createKernelHooks();
    for (const plugin of CODEC_PLUGINS) void plugin.register({ hooks } as never, {} as never);
    codecs = new Registry<Codec>('codec');
    hooks.codec.codecs.call(codecs);
  }
  return codecs;
}

let counter = 0;

/** A table prefix unique to this run: each engine gets tables of its own. */
export function freshPrefix(label: string): string {
  return `t_${label}_${process.pid}_${++counter}_`;
}

export function engineOptions(tablePrefix: string, extra: Partial<HBaseEngineOptions> = {}): HBaseEngineOptions {
  return Value.Default(HBaseOptions, { port: hbaseServer.port, tablePrefix, compactIntervalMs: 0, ...extra }) as HBaseEngineOptions;
}

const created = new Set<string>();

/** An `hbase` engine (not yet opened) on tables of its own; pass `tablePrefix` again to reopen. */
export function createTestEngine(extra: Partial<HBaseEngineOptions> = {}): HBaseEngine {
  const prefix = extra.tablePrefix ?? freshPrefix('conf');
  created.add(prefix);
  return new HBaseEngine(engineOptions(prefix, { ...extra, tablePrefix: prefix }), createLogger('silent'), testCodecs());
}

/** Drops the tables of every engine made by createTestEngine. */
export async function dropTestTables(): Promise<void> {
  for (const prefix of created) await createTestEngine({ tablePrefix: prefix }).dropTables().catch(() => undefined);
  created.clear();
}
