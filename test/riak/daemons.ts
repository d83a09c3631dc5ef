/**
 * Real `dsdb` processes on the `riak` engine, driven through the test-only storage routes
 * (test/fixtures/storage-routes), like test/mysql/daemons.ts.
 */
import fs from 'node:fs';
import path from 'node:path';
import { REPO_ROOT, scratchDir, spawnDaemon, type SpawnedDaemon } from '../helpers/daemon';
import { CODEC_PLUGINS } from '../helpers/plugins';
import { riak } from './riak';

const ROUTES = path.join(REPO_ROOT, 'dist', 'test', 'fixtures', 'storage-routes', 'index.js');

export interface WirePoint {
  metric: string;
  tags: Record<string, string>;
  timestamp: number;
  kind: number;
  value: string | number;
}

export class Daemon {
  constructor(
    readonly spawned: SpawnedDaemon,
    private readonly dir: string,
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.spawned.port}`;
  }

  get alive(): boolean {
    return this.spawned.child.exitCode === null && this.spawned.child.signalCode === null;
  }

  /** Resolves with the HTTP status and body: 200 = acknowledged, 503 = refused. */
  async write(points: WirePoint[], sync = false): Promise<{ status: number; body: any }> {
    const res = await fetch(`${this.url}/test/write`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ points, sync }) });
    return { status: res.status, body: await res.json() };
  }

  async get(route: string, query: Record<string, string | number>): Promise<any> {
    const qs = new URLSearchParams(Object.entries(query).map(([k, v]): [string, string] => [k, String(v)]));
    const res = await fetch(`${this.url}/test/${route}?${qs}`);
    const body = await res.json();
    if (res.status !== 200) throw new Error(`GET /test/${route} answered ${res.status}: ${JSON.stringify(body)}`);
    return body;
  }

  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    if (this.alive) {
      this.spawned.child.kill(signal);
      await this.spawned.exited;
    }
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Spawns `dsdb` with http, the test routes, the codec plugins and storage-riak on `bucketPrefix`. */
export async function spawnRiakDaemon(bucketPrefix: string, options: Record<string, unknown> = {}): Promise<Daemon> {
  const dir = scratchDir('riak-daemon');
  const config = {
    port: 0,
    logLevel: 'info',
    plugins: ['http', ROUTES, ...CODEC_PLUGINS, ['storage-riak', { url: riak.url, bucketPrefix, ...options }]],
  };
  fs.writeFileSync(path.join(dir, 'dsdb.config.json'), JSON.stringify(config, null, 2));
  return new Daemon(await spawnDaemon([], dir), dir);
}
