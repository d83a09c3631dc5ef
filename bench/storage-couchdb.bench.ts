/**
 * `npm run bench -- storage-couchdb`: ingest of the devops dataset (bench/devops.ts)
 * through the couchdb engine on a private CouchDB-API server (pouchdb-server, started by
 * scripts/couchdb.sh on a free port, in a scratch directory), booted by a real kernel;
 * the memory engine in the same run is the baseline. Prints ingest points/s, bytes per
 * point on the server (the database file as written, then after `_compact`), and the
 * p50/p90 of a query (one metric, every host, the whole range; and one host by tag).
 * pouchdb-server is one Node process on LevelDB: its figures say nothing of Apache
 * CouchDB's speed (docs/storage-couchdb.md). Flags: --hosts=50 --samples=360 --batch-ts=5 --queries=20
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { StorageEngine } from '../core';
import { devopsPoints, type DevopsOptions } from './devops';
import { bootEngine as boot, fmt, ingestDevops as ingest } from './lib/engine';
import { startCouchdb } from './lib/servers';
import { numberFlag } from './lib/flags';

/** Milliseconds of each run of `query`, sorted. */
async function timings(runs: number, query: () => Promise<number>): Promise<{ ms: number[]; points: number }> {
  const ms: number[] = [];
  let points = 0;
  for (let i = 0; i < runs; i++) {
    const started = process.hrtime.bigint();
    points = await query();
    ms.push(Number(process.hrtime.bigint() - started) / 1e6);
  }
  return { ms: ms.sort((a, b) => a - b), points };
}

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!;

/** the dataset's own time range (bench/devops.ts starts at 2026-01-01, every 10 s) */
const DATA_START = Date.UTC(2026, 0, 1);

async function readAll(storage: StorageEngine, selector: Parameters<StorageEngine['read']>[0], range = { start: 0, end: Number.MAX_SAFE_INTEGER }): Promise<number> {
  let n = 0;
  for await (const data of storage.read(selector, range)) n += data.points.length;
  return n;
}

export async function run(flags: string[]): Promise<void> {
  const data: DevopsOptions = { hosts: numberFlag(flags, 'hosts', 50), samples: numberFlag(flags, 'samples', 360), timestampsPerBatch: numberFlag(flags, 'batch-ts', 5) };
  const queries = numberFlag(flags, 'queries', 20);
  const points = devopsPoints(data);
  process.stdout.write(`devops: ${data.hosts} hosts × 10 metrics × ${data.samples} samples = ${fmt(points)} points, ${data.hosts * 10 * data.timestampsPerBatch} points per batch (time-major)\n`);
  process.stdout.write(`host: ${os.cpus().length} cores, Node ${process.version}; server: pouchdb-server (CouchDB API on LevelDB), not Apache CouchDB\n`);

  const memoryDir = fs.mkdtempSync(path.join(os.tmpdir(), 'dsdb-bench-memory-'));
  try {
    const { kernel, storage } = await boot('storage-memory', {}, memoryDir);
    const seconds = await ingest(storage, data);
    await kernel.stop();
    process.stdout.write(`memory    ingest ${fmt(points / seconds).padStart(10)} points/s (baseline)\n`);
  } finally {
    fs.rmSync(memoryDir, { recursive: true, force: true });
  }

  const baseDir = fs.mkdtempSync(path.join(os.tmpdir(), 'dsdb-bench-couchdb-'));
  const server = await startCouchdb(path.join(baseDir, 'couchdb'));
  const { url } = server;
  try {
    const { kernel, storage } = await boot('storage-couchdb', { url, database: 'bench' }, baseDir);
    const seconds = await ingest(storage, data);
    const written = await storage.stats();
    process.stdout.write(
      `couchdb   ingest ${fmt(points / seconds).padStart(10)} points/s (${seconds.toFixed(2)} s; ${fmt(written.chunks ?? 0)} window documents, ${fmt(written.windowConflicts ?? 0)} 409s)   ` +
        `${((written.bytesOnDisk ?? 0) / points).toFixed(2)} B/point on the server as written (every revision)\n`,
    );
    await fetch(`${url}/bench/_compact`, { method: 'POST', headers: { 'content-type': 'application/json' } });
    // _compact runs in the background: wait until the file stops shrinking
    let bytes = written.bytesOnDisk ?? 0;
    for (let i = 0; i < 60; i++) {
      await new Promise((resolve) => setTimeout(resolve, 500));
      const now = (await storage.stats()).bytesOnDisk ?? 0;
      if (now === bytes && i > 2) break;
      bytes = now;
    }
    process.stdout.write(`couchdb   after _compact: ${(bytes / points).toFixed(2)} B/point on the server\n`);
    const dataRange = { start: DATA_START, end: DATA_START + data.samples * 10_000 };
    const bounded = await timings(queries, () => readAll(storage, { metric: 'cpu.usage_user' }, dataRange));
    process.stdout.write(`couchdb   query one metric, ${data.hosts} hosts, the data's time range (windows by id: ${fmt(bounded.points)} points): p50 ${bounded.ms[Math.floor(bounded.ms.length / 2)]!.toFixed(1)} ms, p90 ${pct(bounded.ms, 0.9).toFixed(1)} ms\n`);
    const metric = await timings(queries, () => readAll(storage, { metric: 'cpu.usage_user' }));
    process.stdout.write(`couchdb   query one metric, ${data.hosts} hosts, unbounded range (an id range per series: ${fmt(metric.points)} points): p50 ${metric.ms[Math.floor(metric.ms.length / 2)]!.toFixed(1)} ms, p90 ${pct(metric.ms, 0.9).toFixed(1)} ms\n`);
    const one = await timings(queries, () => readAll(storage, { metric: 'cpu.usage_user', predicates: [{ key: 'hostname', literals: ['host_1'], test: (v) => v === 'host_1' }] }, dataRange));
    process.stdout.write(`couchdb   query one host by tag (the tag view; its first build is in p90), the data's time range (${fmt(one.points)} points): p50 ${one.ms[Math.floor(one.ms.length / 2)]!.toFixed(1)} ms, p90 ${pct(one.ms, 0.9).toFixed(1)} ms\n`);
    await kernel.stop();
  } catch (err) {
    process.stdout.write(`couchdb: not measured (${(err as Error).message})\n`);
  } finally {
    server.stop();
    fs.rmSync(baseDir, { recursive: true, force: true });
  }
}
