/**
 * `npm run bench -- backends`: the five storage engines side by side on one devops
 * dataset (bench/devops.ts) in one run — embedded, mysql (MariaDB), hbase (standalone
 * HBase + REST), couchdb (pouchdb-server) and riak (single-node Riak KV) — each booted by
 * a real kernel, its server started by the project's script (bench/lib/servers.ts) and
 * stopped by PID as soon as the engine is measured (also on error). Prints one table:
 * ingest points/s, bytes per point on the server (settled after the engine's compaction
 * where it has one; see BYTES below for what each engine counts), and the p50 of two
 * queries over the data's whole time range (one series: cpu.usage_user of host_1; one
 * metric: cpu.usage_user of every host), each with its ratio to the embedded engine and
 * to MariaDB measured in the same run.
 * Flags: --hosts=20 --samples=360 --batch-ts=30 (timestamps per batch) --queries=20
 * --only=embedded,mysql,hbase,couchdb,riak
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import mysql from 'mysql2/promise';
import type { StorageEngine } from '../core';
import type { HBaseEngine } from '../plugins/storage-hbase/engine';
import { devopsPoints, type DevopsOptions } from './devops';
import { bootEngine, drain, du, fmt, ingestDevops, quantile, ROOT, timedMs } from './lib/engine';
import { numberFlag } from './lib/flags';
import { startCouchdb, startHBase, startMariadb, startRiak, stopOnSignals, type StartedServer } from './lib/servers';

/** bench/devops.ts starts at 2026-01-01 and samples every 10 s */
const DATA_START = Date.UTC(2026, 0, 1);

const ENGINES = ['embedded', 'mysql', 'hbase', 'couchdb', 'riak'] as const;
type EngineName = (typeof ENGINES)[number];

/** What each engine's bytes-per-point figure counts (the same measure as its own bench). */
const BYTES: Record<EngineName, string> = {
  embedded: 'data directory (blocks + WAL + series log) after a checkpoint and a compaction to one block (storage.bench.ts)',
  mysql: 'InnoDB data + index of all dsdb tables after the engine compaction (fragments → chunks), OPTIMIZE and ANALYZE (storage-mysql.bench.ts)',
  hbase: "cells' row key + qualifier + value in the data table after the engine compaction (storage-hbase.bench.ts); HFiles, WAL and HBase's own overhead not counted",
  couchdb: "the database file as pouchdb-server reports it (GET /db sizes) after _compact, once the size stops changing (storage-couchdb.bench.ts)",
  riak: "growth of the node's leveled data directory during the ingest (storage-riak.bench.ts); no compaction run: the journal keeps every chunk rewrite",
};

interface Row {
  engine: EngineName;
  ingest: number; // points/s
  bytesPerPoint: number;
  oneSeriesP50: number; // ms
  oneMetricP50: number; // ms
  note: string;
}

/** An engine's server (if any), its plugin options, and how to settle and count its bytes after the ingest. */
interface Setup {
  plugin: string;
  options: Record<string, unknown>;
  server?: StartedServer;
  /** bytes on the server for the dataset, after the engine's compaction where it has one */
  settledBytes(storage: StorageEngine): Promise<{ bytes: number; note: string }>;
}

async function setUp(engine: EngineName, dir: string): Promise<Setup> {
  const prefix = `bench_${process.pid}_`;
  switch (engine) {
    case 'embedded':
      return {
        plugin: 'storage-embedded',
        options: {},
        async settledBytes(storage) {
          const e = storage as unknown as { checkpoint(): void; compact(): void };
          const busy = async () => {
            const s = await storage.stats();
            return s.cutInProgress || s.compactionInProgress;
          };
          while (await busy()) await new Promise((resolve) => setImmediate(resolve));
          e.checkpoint();
          e.compact();
          while (await busy()) await new Promise((resolve) => setImmediate(resolve));
          const s = await storage.stats();
          return { bytes: s.bytesOnDisk!, note: `${s.blocks} block(s), ${fmt(s.blockBytes ?? 0)} B in blocks` };
        },
      };
    case 'mysql': {
      const server = await startMariadb(path.join(dir, 'mariadb'));
      const database = `dsdb_bench_${process.pid}`;
      return {
        plugin: 'storage-mysql',
        options: { port: server.port, user: 'dsdb', password: 'dsdb', database, compactIntervalMs: 0 },
        server,
        async settledBytes(storage) {
          const windows = await (storage as unknown as { compact(force: boolean): Promise<number> }).compact(true);
          const conn = await mysql.createConnection({ host: '127.0.0.1', port: server.port, user: 'dsdb', password: 'dsdb', database });
          try {
            await conn.query('OPTIMIZE TABLE dsdb_chunks');
            await conn.query('ANALYZE TABLE dsdb_series, dsdb_series_tags, dsdb_names, dsdb_chunks');
          } finally {
            await conn.end();
          }
          return { bytes: (await storage.stats()).bytesOnDisk!, note: `${fmt(windows)} windows compacted` };
        },
      };
    }
    case 'hbase': {
      const server = startHBase(path.join(dir, 'hbase'));
      return {
        plugin: 'storage-hbase',
        options: { port: server.port, tablePrefix: prefix, compactIntervalMs: 0 },
        server,
        async settledBytes(storage) {
          const hbase = storage as unknown as HBaseEngine;
          const rows = await hbase.compact(true);
          const t = await hbase.scanTotals();
          return { bytes: t.keyBytes + t.valueBytes, note: `${fmt(rows)} rows compacted → ${fmt(t.cells)} cells` };
        },
      };
    }
    case 'couchdb': {
      const server = await startCouchdb(path.join(dir, 'couchdb'));
      return {
        plugin: 'storage-couchdb',
        options: { url: server.url, database: 'bench' },
        server,
        async settledBytes(storage) {
          const written = (await storage.stats()).bytesOnDisk ?? 0;
          await fetch(`${server.url}/bench/_compact`, { method: 'POST', headers: { 'content-type': 'application/json' } });
          // _compact runs in the background: wait until the file stops shrinking
          let bytes = written;
          for (let i = 0; i < 60; i++) {
            await new Promise((resolve) => setTimeout(resolve, 500));
            const now = (await storage.stats()).bytesOnDisk ?? 0;
            if (now === bytes && i > 2) break;
            bytes = now;
          }
          return { bytes, note: `${fmt(written)} B as written (every revision)` };
        },
      };
    }
    case 'riak': {
      const server = startRiak(path.join(dir, 'riak'));
      const before = du(server.dataDir);
      return {
        plugin: 'storage-riak',
        options: { url: server.url, bucketPrefix: prefix },
        server,
        async settledBytes() {
          return { bytes: du(server.dataDir) - before, note: 'leveled journal + ledger, uncompacted' };
        },
      };
    }
  }
}

/** The scratch directory of the engine being measured, removed on Ctrl-C too. */
let scratch: string | undefined;

async function measure(engine: EngineName, data: DevopsOptions, queries: number): Promise<Row> {
  const dir = fs.mkdtempSync(path.join(ROOT, '.test-data', `bench-backends-${engine}-`));
  scratch = dir;
  let setup: Setup | undefined;
  try {
    setup = await setUp(engine, dir);
    const { kernel, storage } = await bootEngine(setup.plugin, setup.options, dir);
    try {
      const points = devopsPoints(data);
      const seconds = await ingestDevops(storage, data);
      const settled = await setup.settledBytes(storage);
      const range = { start: DATA_START, end: DATA_START + data.samples * 10_000 };
      const oneSeries = { metric: 'cpu.usage_user', predicates: [{ key: 'hostname', literals: ['host_1'], test: (v: string | undefined) => v === 'host_1' }] };
      const one: number[] = [];
      const metric: number[] = [];
      let got = 0;
      for (let i = 0; i < queries; i++) one.push(await timedMs(async () => (got = await drain(storage.read(oneSeries, range)))));
      if (got !== data.samples) throw new Error(`one series read ${got} points, expected ${data.samples}`);
      for (let i = 0; i < queries; i++) metric.push(await timedMs(async () => (got = await drain(storage.read({ metric: 'cpu.usage_user' }, range)))));
      if (got !== data.samples * data.hosts) throw new Error(`one metric read ${got} points, expected ${data.samples * data.hosts}`);
      const row = { engine, ingest: points / seconds, bytesPerPoint: settled.bytes / points, oneSeriesP50: quantile(one, 0.5), oneMetricP50: quantile(metric, 0.5), note: `${seconds.toFixed(2)} s ingest; ${settled.note}` };
      process.stdout.write(`${engine.padEnd(9)} ${fmt(row.ingest).padStart(9)} points/s, ${row.bytesPerPoint.toFixed(2)} B/point, p50 ${row.oneSeriesP50.toFixed(2)} / ${row.oneMetricP50.toFixed(2)} ms (${row.note}; load ${os.loadavg()[0]!.toFixed(1)})\n`);
      return row;
    } finally {
      await kernel.stop();
    }
  } finally {
    setup?.server?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const ratio = (value: number, base: number | undefined) => (base ? `${(value / base).toFixed(2)}×` : '—');
const num = (n: number, digits: number) => n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

/** The Markdown table: each figure, then its ratio to embedded and to mysql (MariaDB). */
export function table(rows: Row[]): string {
  const embedded = rows.find((r) => r.engine === 'embedded');
  const maria = rows.find((r) => r.engine === 'mysql');
  const cells = (value: number, digits: number, pick: (r: Row) => number) => `${num(value, digits)} | ${ratio(value, embedded && pick(embedded))} | ${ratio(value, maria && pick(maria))}`;
  return [
    '| engine | ingest points/s | ÷ embedded | ÷ MariaDB | bytes/point | ÷ embedded | ÷ MariaDB | one series p50 ms | ÷ embedded | ÷ MariaDB | one metric p50 ms | ÷ embedded | ÷ MariaDB |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...rows.map(
      (r) =>
        `| ${r.engine === 'mysql' ? 'mysql (MariaDB)' : r.engine === 'couchdb' ? 'couchdb (pouchdb-server)' : r.engine} | ${cells(r.ingest, 0, (x) => x.ingest)} | ${cells(r.bytesPerPoint, 2, (x) => x.bytesPerPoint)} | ${cells(r.oneSeriesP50, 2, (x) => x.oneSeriesP50)} | ${cells(r.oneMetricP50, 2, (x) => x.oneMetricP50)} |`,
    ),
  ].join('\n');
}

export async function run(flags: string[]): Promise<void> {
  const data: DevopsOptions = { hosts: numberFlag(flags, 'hosts', 20), samples: numberFlag(flags, 'samples', 360), timestampsPerBatch: numberFlag(flags, 'batch-ts', 30) };
  const queries = numberFlag(flags, 'queries', 20);
  const only = flags.find((f) => f.startsWith('--only='))?.slice(7).split(',');
  const unknown = only?.filter((e) => !(ENGINES as readonly string[]).includes(e)) ?? [];
  if (unknown.length > 0) throw new Error(`--only: unknown engine ${unknown.join(', ')} (known: ${ENGINES.join(', ')})`);
  const engines = ENGINES.filter((e) => !only || only.includes(e));
  stopOnSignals(() => scratch && fs.rmSync(scratch, { recursive: true, force: true }));
  const started = new Date();
  process.stdout.write(`devops: ${data.hosts} hosts × 10 metrics × ${data.samples} samples = ${fmt(devopsPoints(data))} points, ${data.hosts * 10 * data.timestampsPerBatch} points per batch (time-major); ${queries} runs of each query\n`);
  process.stdout.write(`host: ${os.cpus().length} × ${os.cpus()[0]?.model ?? '?'}, Node ${process.version}, load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')} at ${started.toISOString()}\n`);
  fs.mkdirSync(path.join(ROOT, '.test-data'), { recursive: true });
  const rows: Row[] = [];
  for (const engine of engines) {
    try {
      rows.push(await measure(engine, data, queries));
    } catch (err) {
      process.stdout.write(`${engine}: not measured (${(err as Error).message.split('\n')[0]})\n`);
    }
  }
  process.stdout.write(`\nload average at the end ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}, ${((Date.now() - started.getTime()) / 1000).toFixed(0)} s in all\n\n${table(rows)}\n\nbytes per point:\n`);
  for (const r of rows) process.stdout.write(`- ${r.engine}: ${BYTES[r.engine]}\n`);
}
