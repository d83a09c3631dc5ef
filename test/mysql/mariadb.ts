/**
 * The private MariaDB of the MySQL tests. `npm test` (scripts/test.sh) starts it and
 * exports DSDB_MARIADB_PORT; a bare `mocha` run starts it here and stops it after.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import path from 'node:path';
import { Value } from '@sinclair/typebox/value';
import mysql from 'mysql2/promise';
import { REPO_ROOT } from '../helpers/daemon';
import { MysqlOptions } from '../../plugins/storage-mysql';
import { MysqlEngine, type MysqlEngineOptions } from '../../plugins/storage-mysql/engine';
import { createLogger } from '../../core/logger';
import { createKernelHooks, Registry, type Codec } from '../../core';
import { CODEC_PLUGINS } from '../helpers/embedded';

const run = promisify(execFile);
const SCRIPT = path.join(REPO_ROOT, 'scripts', 'mariadb.sh');

export const mariadb = {
  port: Number(process.env.DSDB_MARIADB_PORT ?? 3307),
  /** started by these tests (so stopped by them) */
  ownServer: process.env.DSDB_MARIADB_PORT === undefined,
};

function env(): NodeJS.ProcessEnv {
  return { ...process.env, DSDB_MARIADB_PORT: String(mariadb.port) };
}

export async function startMariaDb(): Promise<void> {
  await run(SCRIPT, ['start'], { env: env() });
}

export async function stopMariaDb(): Promise<void> {
  await run(SCRIPT, ['stop'], { env: env() });
}

let startedHere = false;

/** Hooks for a suite that needs the server: started once, stopped after the whole run. */
export function useMariaDb(): void {
  before(async function () {
    this.timeout(180000); // a fresh machine installs MariaDB first
    await startMariaDb();
    startedHere = true;
  });
}

// A root hook (outside any describe): runs once, after every suite's own cleanup, so no
// suite finds the server gone. scripts/test.sh owns the server when it set the port.
after(async function () {
  this.timeout(30000);
  if (mariadb.ownServer && startedHere) await stopMariaDb();
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

/** A database name unique to this run. */
export function freshDatabase(label: string): string {
  return `dsdb_t_${label}_${process.pid}_${++dbCounter}`;
}

/** Engine options for the test server, with the plugin's defaults. */
export function engineOptions(database: string, extra: Partial<MysqlEngineOptions> = {}): MysqlEngineOptions {
  return Value.Default(MysqlOptions, { port: mariadb.port, user: 'dsdb', password: 'dsdb', database, compactIntervalMs: 0, ...extra }) as MysqlEngineOptions;
}

export async function dropDatabase(database: string): Promise<void> {
  const conn = await mysql.createConnection({ host: '127.0.0.1', port: mariadb.port, user: 'dsdb', password: 'dsdb' });
  try {
    await conn.query(`DROP DATABASE IF EXISTS \`${database}\``);
  } finally {
    await conn.end();
  }
}

/** One query on the test server, for checks behind the engine's back. */
export async function sql<T>(database: string, query: string, params: unknown[] = []): Promise<T[]> {
  const conn = await mysql.createConnection({ host: '127.0.0.1', port: mariadb.port, user: 'dsdb', password: 'dsdb', database });
  try {
    const [rows] = await conn.query(query, params);
    return rows as T[];
  } finally {
    await conn.end();
  }
}

const created: string[] = [];

/**
 * For the shared conformance suite: a `mysql` engine (not yet opened) on a database of
 * its own, so each engine starts empty; pass `extra.database` again to reopen one.
 * `dropTestEngines()` removes their databases.
 */
export function createTestEngine(extra: Partial<MysqlEngineOptions> = {}): MysqlEngine {
  const database = extra.database ?? freshDatabase('conformance');
  if (!created.includes(database)) created.push(database);
  return new MysqlEngine(engineOptions(database, { ...extra, database }), createLogger('silent'), testCodecs());
}

export async function dropTestEngines(): Promise<void> {
  for (const database of created.splice(0)) await dropDatabase(database);
}
