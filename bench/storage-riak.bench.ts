/**
 * `npm run bench -- storage-riak`: ingest of the devops dataset (bench/devops.ts) into the
 * `riak` engine on a private single-node Riak KV (scripts/riak.sh, from the release
 * tarball; --url=http://host:8098 uses a running node instead), booted by a real kernel.
 * Prints points/s, bytes per point on the server (the node's leveled data directory
 * grown by the ingest, and the live chunk values), and query latency p50 (one series over
 * the whole range; one metric over every host).
 * Flags: --hosts=20 --samples=360 --batch-ts=30 (timestamps per batch) --queries=30
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Kernel, resolveConfig, type StorageEngine } from '../core';
import { devopsBatches, devopsPoints, type DevopsOptions } from './devops';
import { CODEC_PLUGINS, drain, du, fmt, PLUGINS, timedMs as timed } from './lib/engine';
import { numberFlag } from './lib/flags';
import { startRiak } from './lib/servers';


function p50(samples: number[]): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/** Live bytes of the chunk values: every key of the chunks bucket, fetched. */
async function chunkPayload(url: string, bucket: string): Promise<{ chunks: number; bytes: number }> {
  const res = await fetch(`${url}/buckets/${bucket}/index/$bucket/${bucket}`);
  const { keys } = (await res.json()) as { keys: string[] };
  let bytes = 0;
  for (let i = 0; i < keys.length; i += 32) {
    const sizes = await Promise.all(keys.slice(i, i + 32).map(async (k) => (await fetch(`${url}/buckets/${bucket}/keys/${encodeURIComponent(k)}`, { headers: { accept: 'multipart/mixed, */*;q=0.5' } }).then((r) => r.arrayBuffer())).byteLength));
    for (const s of sizes) bytes += s;
  }
  return { chunks: keys.length, bytes };
}

export async function run(flags: string[]): Promise<void> {
  const data: DevopsOptions = { hosts: numberFlag(flags, 'hosts', 20), samples: numberFlag(flags, 'samples', 360), timestampsPerBatch: numberFlag(flags, 'batch-ts', 30) };
  const queries = numberFlag(flags, 'queries', 30);
  const points = devopsPoints(data);
  const given = flags.find((f) => f.startsWith('--url='))?.slice(6);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dsdb-bench-riak-'));
  let server: ReturnType<typeof startRiak> | undefined;
  try {
    let url = given;
    if (!url) {
      server = startRiak(path.join(dir, 'node'));
      url = server.url;
    }
    const dataDir = server?.dataDir ?? '';
    process.stdout.write(`devops: ${data.hosts} hosts × 10 metrics × ${data.samples} samples = ${fmt(points)} points, ${data.hosts * 10 * data.timestampsPerBatch} points per batch (time-major); Riak at ${url}\n`);
    process.stdout.write(`host: ${os.cpus().length} cores, Node ${process.version}, load ${os.loadavg()[0]!.toFixed(1)}\n`);
    const bucketPrefix = `bench_${process.pid}_`;
    const config = resolveConfig({ port: 0, logLevel: 'silent', plugins: [...CODEC_PLUGINS, ['storage-riak', { url, bucketPrefix }]] }, '(bench)', dir);
    const kernel = new Kernel(config, { builtinDirs: [PLUGINS] });
    await kernel.start();
    const storage: StorageEngine = kernel.container.resolve('storage');
    const before = dataDir ? du(dataDir) : 0;
    const seconds = (await timed(async () => {
      for (const batch of devopsBatches(data)) await storage.write(batch);
      await storage.flush();
    })) / 1000;
    const grown = dataDir ? du(dataDir) - before : 0;
    const payload = await chunkPayload(url, `${bucketPrefix}chunks`);
    process.stdout.write(
      `riak      ingest ${fmt(points / seconds).padStart(10)} points/s (${seconds.toFixed(2)} s)   ` +
        (dataDir ? `${(grown / points).toFixed(2)} B/point leveled data dir grown (journal keeps every chunk rewrite until its compaction), ` : '') +
        `${(payload.bytes / points).toFixed(2)} B/point live chunk values (${fmt(payload.chunks)} chunks)\n`,
    );
    const hostSelector = { metric: 'cpu.usage_user', predicates: [{ key: 'hostname', literals: ['host_1'], test: (v: string | undefined) => v === 'host_1' }] };
    const all = { start: 0, end: 8.64e15 };
    const one: number[] = [];
    const metric: number[] = [];
    let got = 0;
    for (let i = 0; i < queries; i++) one.push(await timed(async () => (got = await drain(storage.read(hostSelector, all)))));
    if (got !== data.samples) throw new Error(`one series read ${got} points, expected ${data.samples}`);
    for (let i = 0; i < queries; i++) metric.push(await timed(async () => (got = await drain(storage.read({ metric: 'cpu.usage_user' }, all)))));
    if (got !== data.samples * data.hosts) throw new Error(`one metric read ${got} points, expected ${data.samples * data.hosts}`);
    process.stdout.write(`riak      query p50: one series, whole range ${p50(one).toFixed(1)} ms (${data.samples} points); one metric, ${data.hosts} hosts ${p50(metric).toFixed(1)} ms (${fmt(data.samples * data.hosts)} points)\n`);
    await kernel.stop();
  } catch (err) {
    process.stdout.write(`riak: not measured (${(err as Error).message})\n`);
  } finally {
    server?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
