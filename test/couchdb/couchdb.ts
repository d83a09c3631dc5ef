/**
 * The private CouchDB-API server of the CouchDB tests (pouchdb-server, scripts/couchdb.sh).
 * `npm test` (scripts/test.sh) starts it and exports DSDB_COUCHDB_PORT; a bare `mocha`
 * run starts it here on a free port and stops it after.
 */
import { execFile } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import { Value } from '@sinclair/typebox/value';
import { createKernelHooks, Registry, type Codec } from '../../core';
import { createLogger } from '../../core/logger';
import { CouchOptions } from '../../plugins/storage-couchdb';
import { CouchEngine, type CouchEngineOptions } from '../../plugins/storage-couchdb/engine';
import { REPO_ROOT } from '../helpers/daemon';
import { CODEC_PLUGINS } from '../helpers/embedded';

const run = promisify(execFile);
const SCRIPT = path.join(REPO_ROOT, 'scripts', 'couchdb.sh');

export const couchdb = {
  port: Number(process.env.DSDB_COUCHDB_PORT ?? 0),
  /** started by these tests (so stopped by them) */
  ownServer: process.env.DSDB_COUCHDB_PORT === undefined,
  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  },
};

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

function env(): NodeJS.ProcessEnv {
  return { ...process.env, DSDB_COUCHDB_PORT: String(couchdb.port) };
}

export async function startCouchDb(): Promise<void> {
  if (couchdb.port === 0) couchdb.port = await freePort();
  await run(SCRIPT, ['start'], { env: env() });
}

/** Stops the server: SIGTERM, or SIGKILL with `crash` (a crash mid-write). */
export async function stopCouchDb(crash = false): Promise<void> {
  await run(SCRIPT, [crash ? 'kill' : 'stop'], { env: env() });
}

let startedHere = false;

/** Hooks for a suite that needs the server: started once, stopped after the whole run. */
export function useCouchDb(): void {
  before(async function () {
    this.timeout(60000);
    await startCouchDb();
    startedHere = true;
  });
}

// A root hook (outside any describe): runs once, after every suite's own cleanup.
after(async function () {
  this.timeout(30000);
  if (couchdb.ownServer && startedHere) {
    await stopCouchDb();
    await run('rm', ['-rf', path.join(REPO_ROOT, '.test-data', `couchdb-${couchdb.port}`)]);
  }
});

let codecs: Registry<Codec> | undefined;

/** The codecs registry as the kernel fills it from the codec plugins (what the engine's factory context gets). */
export function testCodecs(): Registry<Codec> {
  if (!codecs) {
    const hooks = createKernelHooks();
    for (const plugin of CODEC_PLUGINS) void plugin.register({ hooks } as never, {} as never);
    codecs = new Registry<Codec>('codec');
    hooks.codec.codecs.call(codecs);
  }
  return codecs;
}

let dbCounter = 0;

/** A database name unique to this run (CouchDB: lower case, starts with a letter). */
export function freshDatabase(label: string): string {
  return `dsdb_t_${label}_${process.pid}_${++dbCounter}`;
}

/** Engine options for the test server, with the plugin's defaults. */
export function engineOptions(database: string, extra: Partial<CouchEngineOptions> = {}): CouchEngineOptions {
  return Value.Default(CouchOptions, { url: couchdb.url, database, ...extra }) as CouchEngineOptions;
}

export function createTestEngine(database: string, extra: Partial<CouchEngineOptions> = {}): CouchEngine {
  return new CouchEngine(engineOptions(database, extra), createLogger('silent'), testCodecs());
}

/** One request to the test server, behind the engine's back. */
export async function couchRequest<T>(method: string, urlPath: string, body?: unknown): Promise<{ status: number; body: T }> {
  const res = await fetch(`${couchdb.url}/${urlPath}`, { method, headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as T };
}

export async function dropDatabase(database: string): Promise<void> {
  await couchRequest('DELETE', database).catch(() => undefined);
}
