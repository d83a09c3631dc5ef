/**
 * The private Riak node of the Riak tests. `npm test` (scripts/test.sh) starts it in the
 * background and exports DSDB_RIAK_PORT; the suites wait for it here. A bare `mocha` run
 * starts it here (about 15 s) and stops it after the whole run.
 * Riak comes from a prebuilt release tarball (scripts/riak.sh), not a registry: when it is
 * missing the suites say so loudly and are skipped, except under CI=true, where a missing
 * release fails the run.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { Value } from '@sinclair/typebox/value';
import { REPO_ROOT } from '../helpers/daemon';
import { RiakOptions } from '../../plugins/storage-riak';
import { RiakEngine, type RiakEngineOptions } from '../../plugins/storage-riak/engine';
import { createLogger } from '../../core/logger';
import { createKernelHooks, Registry, type Codec } from '../../core';
import { CODEC_PLUGINS } from '../helpers/embedded';

const run = promisify(execFile);
const SCRIPT = path.join(REPO_ROOT, 'scripts', 'riak.sh');

export const riak = {
  port: Number(process.env.DSDB_RIAK_PORT ?? 0),
  /** started by these tests (so stopped by them) */
  ownServer: process.env.DSDB_RIAK_PORT === undefined,
  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  },
};

/** The release tarball scripts/riak.sh uses, by the same rule. */
export function riakRelease(env: NodeJS.ProcessEnv = process.env): string {
  return env.DSDB_RIAK_RELEASE ?? path.join(REPO_ROOT, '..', 'shared', 'research', 'riak', 'riak-3.2.2p1-rel-debian12-amd64.tgz');
}

/** What to do without Riak: run, skip (a developer's machine), or fail (CI must not skip in silence). */
export function riakAvailability(env: NodeJS.ProcessEnv = process.env, exists = fs.existsSync): { run: true } | { run: false; fail: boolean; message: string } {
  const release = riakRelease(env);
  if (exists(release)) return { run: true };
  const fail = env.CI === 'true';
  return { run: false, fail, message: `the Riak release is missing (${release}; set DSDB_RIAK_RELEASE): the Riak tests ${fail ? 'FAIL under CI=true' : 'are SKIPPED'}` };
}

function env(): NodeJS.ProcessEnv {
  return { ...process.env, DSDB_RIAK_PORT: String(riak.port) };
}

export async function startRiak(): Promise<void> {
  await run(SCRIPT, ['start'], { env: env() });
}

export async function stopRiak(): Promise<void> {
  await run(SCRIPT, ['stop'], { env: env() });
}

async function answers(): Promise<boolean> {
  try {
    return (await fetch(`${riak.url}/ping`, { signal: AbortSignal.timeout(2000) })).status === 200;
  } catch {
    return false;
  }
}

let startedHere = false;
let ready: Promise<void> | undefined;

async function whenReady(): Promise<void> {
  if (riak.ownServer) {
    riak.port = Number((await run(SCRIPT, ['port'])).stdout.trim());
    await startRiak();
    startedHere = true;
    return;
  }
  // scripts/test.sh boots it in the background and marks the end of the boot (ready or failed):
  // /ping alone answers before the vnodes serve.
  const dir = process.env.DSDB_RIAK_DIR ?? path.join(REPO_ROOT, '.test-data', `riak-${riak.port}`);
  for (let i = 0; i < 480; i++) {
    if (fs.existsSync(`${dir}.ready`) && (await answers())) return;
    if (fs.existsSync(`${dir}.failed`)) break;
    await sleep(500);
  }
  const log = fs.existsSync(`${dir}.log`) ? fs.readFileSync(`${dir}.log`, 'utf8').slice(-2000) : '(no log)';
  throw new Error(`Riak did not start on ${riak.url}: ${log}`);
}

/** Hooks for a suite that needs Riak: started (or waited for) once, stopped after the whole run. */
export function useRiak(): void {
  before(async function () {
    this.timeout(300_000);
    const availability = riakAvailability();
    if (!availability.run) {
      console.warn(`\n      !!! ${availability.message}\n`);
      if (availability.fail) throw new Error(availability.message);
      this.skip();
    }
    ready ??= whenReady();
    await ready;
  });
}

// A root hook (outside any describe): runs once, after every suite's own cleanup.
after(async function () {
  this.timeout(60_000);
  if (riak.ownServer && startedHere) await stopRiak();
});

let codecs: Registry<Codec> | undefined;

/** The codecs registry as the kernel fills it from the codec plugins (the engine factory's context). */
export function testCodecs(): Registry<Codec> {
  if (!codecs) {
    const hooks = createKernelHooks();
    for (const plugin of CODEC_PLUGINS) void plugin.register({ hooks } as never, {} as never);
    codecs = new Registry<Codec>('codec');
    hooks.codec.codecs.call(codecs);
  }
  return codecs;
}

let prefixCounter = 0;

/** A bucket prefix unique to this run: each engine on its own starts empty. */
export function freshPrefix(label: string): string {
  return `t_${label}_${process.pid}_${++prefixCounter}_`;
}

/** Engine options for the test node, with the plugin's defaults. */
export function engineOptions(bucketPrefix: string, extra: Partial<RiakEngineOptions> = {}): RiakEngineOptions {
  return Value.Default(RiakOptions, { url: riak.url, bucketPrefix, ...extra }) as RiakEngineOptions;
}

/** A `riak` engine (not yet opened) on buckets of its own; pass `bucketPrefix` again to reopen them. */
export function createTestEngine(bucketPrefix = freshPrefix('engine'), extra: Partial<RiakEngineOptions> = {}): RiakEngine {
  return new RiakEngine(engineOptions(bucketPrefix, extra), createLogger('silent'), testCodecs());
}
