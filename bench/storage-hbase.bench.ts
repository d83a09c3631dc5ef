/**
 * `npm run bench -- storage-hbase`: ingest of the devops dataset (bench/devops.ts) into
 * the `hbase` engine on a private standalone HBase + REST gateway (scripts/hbase.sh; or
 * the one at DSDB_HBASE_REST_PORT), booted by a real kernel. Prints points/s, bytes per
 * point in HBase (cells' key + qualifier + value, as written and after compaction; and,
 * on a private server, the tables' files on disk after HBase flushed them at stop), and
 * the p50 / p95 of a one-series, whole-range read.
 * Flags: --hosts=200 --samples=720 --batch-ts=5 (timestamps per batch) --queries=50
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Kernel, resolveConfig, type StorageEngine } from '../core';
import type { HBaseEngine } from '../plugins/storage-hbase/engine';
import { devopsBatches, devopsPoints, devopsSeries, type DevopsOptions } from './devops';
import { CODEC_PLUGINS, du, fmt, PLUGINS, ROOT } from './lib/engine';
import { numberFlag } from './lib/flags';
import { startHBase, type StartedServer } from './lib/servers';

export async function run(flags: string[]): Promise<void> {
  const data: DevopsOptions = { hosts: numberFlag(flags, 'hosts', 200), samples: numberFlag(flags, 'samples', 720), timestampsPerBatch: numberFlag(flags, 'batch-ts', 5) };
  const queries = numberFlag(flags, 'queries', 50);
  const points = devopsPoints(data);
  process.stdout.write(`devops: ${data.hosts} hosts × 10 metrics × ${data.samples} samples = ${fmt(points)} points, ${data.hosts * 10 * data.timestampsPerBatch} points per batch (time-major)\n`);
  process.stdout.write(`host: ${os.cpus().length} cores, Node ${process.version}\n`);
  const ownServer = !process.env.DSDB_HBASE_REST_PORT;
  fs.mkdirSync(path.join(ROOT, '.test-data'), { recursive: true });
  const dir = fs.mkdtempSync(path.join(ROOT, '.test-data', 'bench-hbase-'));
  let server: StartedServer | undefined;
  let port = Number(process.env.DSDB_HBASE_REST_PORT);
  try {
    if (ownServer) {
      const t0 = Date.now();
      const started = startHBase(dir);
      server = started;
      port = started.port;
      process.stdout.write(`HBase standalone + REST up in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
    }
    const prefix = `bench_${process.pid}_`;
    const config = resolveConfig({ port: 0, logLevel: 'silent', plugins: [...CODEC_PLUGINS, ['storage-hbase', { port, tablePrefix: prefix, compactIntervalMs: 0 }]] }, '(bench)', dir);
    const kernel = new Kernel(config, { builtinDirs: [PLUGINS] });
    await kernel.start();
    const storage = kernel.container.resolve('storage') as StorageEngine & HBaseEngine;
    const started = process.hrtime.bigint();
    for (const batch of devopsBatches(data)) await storage.write(batch);
    await storage.flush();
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const written = await storage.scanTotals();
    process.stdout.write(
      `hbase     ingest ${fmt(points / seconds).padStart(10)} points/s (${seconds.toFixed(2)} s, ${fmt(written.cells)} fragment cells in ${fmt(written.rows)} rows)   ` +
        `${((written.keyBytes + written.valueBytes) / points).toFixed(2)} B/point in cells (key+qualifier ${(written.keyBytes / points).toFixed(2)}, chunk ${(written.valueBytes / points).toFixed(2)})\n`,
    );
    const c0 = process.hrtime.bigint();
    const rows = await storage.compact(true);
    const compactSeconds = Number(process.hrtime.bigint() - c0) / 1e9;
    const compacted = await storage.scanTotals();
    process.stdout.write(
      `hbase     compaction of ${fmt(rows)} rows in ${compactSeconds.toFixed(2)} s → ${fmt(compacted.cells)} cells: ` +
        `${((compacted.keyBytes + compacted.valueBytes) / points).toFixed(2)} B/point in cells (chunk ${(compacted.valueBytes / points).toFixed(2)}); points counted ${fmt(compacted.points)}\n`,
    );
    // one series, whole range: the query of a dashboard panel for one host
    const series = devopsSeries(data.hosts);
    const times: number[] = [];
    for (let q = 0; q < queries; q++) {
      const s = series[(q * 7919) % series.length]!;
      const predicates = Object.entries(s.tags).map(([key, value]) => ({ key, literals: [value], test: (v: string | undefined) => v === value }));
      const t0 = process.hrtime.bigint();
      let n = 0;
      for await (const d of storage.read({ metric: s.metric, predicates }, { start: -8.64e15, end: 8.64e15 })) n += d.points.length;
      times.push(Number(process.hrtime.bigint() - t0) / 1e6);
      if (n !== data.samples) throw new Error(`read ${n} points of ${s.metric}, expected ${data.samples}`);
    }
    times.sort((a, b) => a - b);
    process.stdout.write(`hbase     query one series × ${data.samples} points: p50 ${times[Math.floor(times.length / 2)]!.toFixed(1)} ms, p95 ${times[Math.floor(times.length * 0.95)]!.toFixed(1)} ms (${queries} queries)\n`);
    await kernel.stop();
    if (ownServer) {
      // SIGTERM makes HBase flush its memstores: the table folders then hold the HFiles
      server!.stop();
      const tables = path.join(dir, 'data', 'hbase', 'data', 'default');
      const dataBytes = du(path.join(tables, `${prefix}data`));
      const uidBytes = du(path.join(tables, `${prefix}uid`));
      process.stdout.write(`hbase     on disk after flush: data table ${(dataBytes / points).toFixed(2)} B/point, uid table ${fmt(uidBytes)} B (WAL not counted)\n`);
    } else await storage.dropTables();
  } finally {
    server?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
