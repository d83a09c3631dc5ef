/**
 * The private servers of the storage benches, each started by the project's own script
 * (scripts/{mariadb,hbase,couchdb,riak}.sh) in a scratch directory on free loopback
 * ports, and stopped by those scripts, which kill by the PID in their pid files.
 * A start that fails half way is stopped before the error is rethrown.
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { freePort } from './process';
import { ROOT } from './engine';

export interface StartedServer {
  /** stops the server by its PID; safe to call twice */
  stop(): void;
}

function script(name: string): string {
  return path.join(ROOT, 'scripts', `${name}.sh`);
}

/** The stop of every server started and not yet stopped, for stopOnSignals. */
const live = new Set<() => void>();

/**
 * Makes Ctrl-C (SIGINT) and SIGTERM stop every server still running before the bench
 * exits (status 130), since `finally` blocks do not run on a signal; then `cleanUp`
 * (e.g. removing scratch directories).
 */
export function stopOnSignals(cleanUp: () => void = () => {}): void {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      for (const stop of [...live]) {
        try {
          stop();
        } catch {
          // the next server still gets its stop
        }
      }
      cleanUp();
      process.exit(130);
    });
  }
}

function started<T extends object>(stop: () => void, start: () => T): T & StartedServer {
  let stopped = false;
  const once = () => {
    if (stopped) return;
    stopped = true;
    live.delete(once);
    stop();
  };
  live.add(once);
  try {
    return { ...start(), stop: once };
  } catch (err) {
    once();
    throw err;
  }
}

/** MariaDB (scripts/mariadb.sh) with user/password `dsdb`/`dsdb`; its files under `dir`. */
export async function startMariadb(dir: string): Promise<StartedServer & { port: number }> {
  const port = await freePort();
  const env = { ...process.env, DSDB_MARIADB_PORT: String(port), DSDB_MARIADB_DIR: dir };
  return started(
    () => execFileSync(script('mariadb'), ['stop'], { env, stdio: 'ignore' }),
    () => {
      execFileSync(script('mariadb'), ['start'], { env, stdio: 'ignore' });
      return { port };
    },
  );
}

/** Standalone HBase + REST gateway (scripts/hbase.sh, jars from Maven Central into DSDB_ORACLE_CACHE); its files under `dir`. */
export function startHBase(dir: string): StartedServer & { port: number; dir: string } {
  const env = { ...process.env, DSDB_HBASE_DIR: dir };
  return started(
    () => execFileSync('bash', [script('hbase'), 'stop'], { env, stdio: 'ignore' }),
    () => {
      const out = execFileSync('bash', [script('hbase'), 'start'], { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
      return { port: Number(/DSDB_HBASE_REST_PORT=(\d+)/.exec(out)![1]), dir };
    },
  );
}

/** pouchdb-server, the CouchDB API on LevelDB (scripts/couchdb.sh); its files under `dir`. */
export async function startCouchdb(dir: string): Promise<StartedServer & { url: string }> {
  const port = await freePort();
  const env = { ...process.env, DSDB_COUCHDB_PORT: String(port), DSDB_COUCHDB_DIR: dir };
  return started(
    () => execFileSync(script('couchdb'), ['stop'], { env, stdio: 'ignore' }),
    () => {
      execFileSync(script('couchdb'), ['start'], { env, stdio: 'ignore' });
      return { url: `http://127.0.0.1:${port}` };
    },
  );
}

/** A single-node Riak KV from the release tarball (scripts/riak.sh); `dataDir` is its leveled backend's directory. */
export function startRiak(dir: string): StartedServer & { url: string; dataDir: string } {
  const port = execFileSync('bash', [script('riak'), 'port']).toString().trim();
  const env = { ...process.env, DSDB_RIAK_PORT: port, DSDB_RIAK_DIR: dir };
  return started(
    () => execFileSync('bash', [script('riak'), 'stop'], { env, stdio: 'ignore' }),
    () => {
      const url = execFileSync('bash', [script('riak'), 'start'], { env, stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim().split('\n').pop()!;
      return { url, dataDir: path.join(dir, 'riak', 'data', 'leveled') };
    },
  );
}
