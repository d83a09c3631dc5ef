/**
 * Real `dsdb` processes on the `couchdb` engine: http, put-http (/api/put), the codec
 * plugins and the test-only storage routes (test/fixtures/storage-routes) for exact reads.
 */
import fs from 'node:fs';
import path from 'node:path';
import { REPO_ROOT, scratchDir, spawnDaemon } from '../helpers/daemon';
import { CODEC_PLUGINS } from '../helpers/plugins';
import { Daemon } from '../mysql/daemons';
import { couchdb } from './couchdb';

export { Daemon, type WirePoint } from '../mysql/daemons';

const ROUTES = path.join(REPO_ROOT, 'dist', 'test', 'fixtures', 'storage-routes', 'index.js');

/** Spawns `dsdb` with storage-couchdb on `database` of the test server. */
export async function spawnCouchDaemon(database: string, options: Record<string, unknown> = {}): Promise<Daemon> {
  const dir = scratchDir('couchdb-daemon');
  const config = {
    port: 0,
    logLevel: 'info',
    plugins: ['http', 'put-http', ROUTES, ...CODEC_PLUGINS, ['storage-couchdb', { url: couchdb.url, database, ...options }]],
  };
  fs.writeFileSync(path.join(dir, 'dsdb.config.json'), JSON.stringify(config, null, 2));
  return new Daemon(await spawnDaemon([], dir), dir);
}
