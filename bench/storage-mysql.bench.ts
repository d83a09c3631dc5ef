/**
 * `npm run bench -- storage-mysql`: ingest of the devops dataset (bench/devops.ts)
 * through each storage engine plugin found in dist/plugins (memory as the baseline, the
 * embedded engine when present, mysql on a private MariaDB started by
 * scripts/mariadb.sh), each booted by a real kernel. Prints points/s and bytes per point
 * on disk (for mysql: InnoDB data + index, after ANALYZE, before and after compaction).
 * Flags: --hosts=200 --samples=720 --batch-ts=5 (timestamps per batch) --only=mysql
 * --compact-ms=0 (mysql: background compaction interval during ingest; 0 = after it)
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import mysql from 'mysql2/promise';
import { devopsPoints, type DevopsOptions } from './devops';
import { bootEngine as boot, du, fmt, ingestDevops as ingest, PLUGINS } from './lib/engine';
import { startMariadb } from './lib/servers';
import { numberFlag } from './lib/flags';

export async function run(flags: string[]): Promise<void> {
  const data: DevopsOptions = { hosts: numberFlag(flags, 'hosts', 200), samples: numberFlag(flags, 'samples', 720), timestampsPerBatch: numberFlag(flags, 'batch-ts', 5) };
  const points = devopsPoints(data);
  const only = flags.find((f) => f.startsWith('--only='))?.slice(7);
  // storage-hbase, storage-riak and storage-couchdb need their own servers and have their own benches
  // (storage-hbase.bench.ts, storage-riak.bench.ts, storage-couchdb.bench.ts)
  const storagePlugins = fs.readdirSync(PLUGINS).filter((d) => d.startsWith('storage-') && d !== 'storage-hbase' && d !== 'storage-riak' && d !== 'storage-couchdb' && (!only || d === `storage-${only}`));
  process.stdout.write(`devops: ${data.hosts} hosts × 10 metrics × ${data.samples} samples = ${fmt(points)} points, ${data.hosts * 10 * data.timestampsPerBatch} points per batch (time-major)\n`);
  process.stdout.write(`host: ${os.cpus().length} cores, Node ${process.version}\n`);
  for (const plugin of storagePlugins.sort()) {
    const baseDir = fs.mkdtempSync(path.join(os.tmpdir(), `dsdb-bench-${plugin}-`));
    try {
      if (plugin === 'storage-mysql') await benchMysql(data, points, baseDir, numberFlag(flags, 'compact-ms', 0));
      else {
        const { kernel, storage } = await boot(plugin, {}, baseDir);
        const seconds = await ingest(storage, data);
        const stats = await storage.stats();
        await kernel.stop();
        const bytes = stats.bytesOnDisk ?? du(baseDir);
        process.stdout.write(`${storage.name.padEnd(9)} ingest ${fmt(points / seconds).padStart(10)} points/s (${seconds.toFixed(2)} s)` + (bytes > 0 ? `   ${(bytes / points).toFixed(2)} B/point on disk` : '') + '\n');
      }
    } catch (err) {
      process.stdout.write(`${plugin}: not measured (${(err as Error).message})\n`);
    } finally {
      fs.rmSync(baseDir, { recursive: true, force: true });
    }
  }
}

async function benchMysql(data: DevopsOptions, points: number, baseDir: string, compactIntervalMs: number): Promise<void> {
  // DSDB_MARIADB_PORT: a running server (user/password dsdb) instead of a private one
  const server = process.env.DSDB_MARIADB_PORT ? undefined : await startMariadb(path.join(baseDir, 'mariadb'));
  const port = server?.port ?? Number(process.env.DSDB_MARIADB_PORT);
  const database = `dsdb_bench_${process.pid}`;
  try {
    const { kernel, storage } = await boot('storage-mysql', { port, user: 'dsdb', password: 'dsdb', database, compactIntervalMs }, baseDir);
    const seconds = await ingest(storage, data);
    const conn = await mysql.createConnection({ host: '127.0.0.1', port, user: 'dsdb', password: 'dsdb', database });
    const bytes = async () => {
      await conn.query('ANALYZE TABLE dsdb_series, dsdb_series_tags, dsdb_names, dsdb_chunks');
      const [[row]] = (await conn.query('SELECT COUNT(*) AS n, SUM(LENGTH(data)) AS payload FROM (SELECT data FROM dsdb_chunks) x')) as unknown as [[{ n: number; payload: string }]];
      const [[chunks]] = (await conn.query("SELECT SUM(data_length + index_length) AS bytes FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name IN ('dsdb_chunks')")) as unknown as [[{ bytes: string }]];
      return { disk: (await storage.stats()).bytesOnDisk!, chunks: Number(chunks.bytes), rows: Number(row.n), payload: Number(row.payload) };
    };
    const before = await bytes();
    const compactStarted = process.hrtime.bigint();
    const windows = await (storage as unknown as { compact(force: boolean): Promise<number> }).compact(true);
    const compactSeconds = Number(process.hrtime.bigint() - compactStarted) / 1e9;
    await conn.query('OPTIMIZE TABLE dsdb_chunks');
    const after = await bytes();
    await conn.end();
    await kernel.stop();
    process.stdout.write(
      `mysql     ingest ${fmt(points / seconds).padStart(10)} points/s (${seconds.toFixed(2)} s, ${fmt(before.rows)} fragment rows)   ${(before.disk / points).toFixed(2)} B/point InnoDB data+index as written, all tables (chunks ${(before.chunks / points).toFixed(2)}, payload ${(before.payload / points).toFixed(2)})\n` +
        `mysql     compaction of ${fmt(windows)} windows in ${compactSeconds.toFixed(2)} s (${fmt(points / compactSeconds)} points/s) → ${fmt(after.rows)} chunks: ` +
        `${(after.disk / points).toFixed(2)} B/point InnoDB data+index, all tables (chunks ${(after.chunks / points).toFixed(2)}, payload ${(after.payload / points).toFixed(2)})\n`,
    );
  } finally {
    server?.stop();
  }
}
