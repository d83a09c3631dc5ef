/**
 * Ingest benchmark: points/s of telnet `put` and `POST /api/put` into the configured
 * engine (memory) through a real daemon, and the parse-only rate of the telnet put
 * parser, each as a ratio to a plain loop that only reads the same bytes from a socket.
 * Each figure is the best of 2-3 runs after a warm-up (the machine may be shared).
 * Flags: --lines=N (default 1000000), --series=N (default 1000), --engine=memory|embedded.
 */
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { DEFAULT_PLUGINS, Kernel, resolveConfig, BatchBuilder } from '../core';
import { PutLineParser } from '../lib/opentsdb';
import { WriteRequest } from '../plugins/protobuf/schema';
import { numberFlag } from './lib/flags';

const BUILTIN = path.join(__dirname, '..', 'plugins');

/** `put` lines like collectd's: seconds, ints and floats, 2 tags. */
function putLines(lines: number, series: number): Buffer {
  const parts: string[] = [];
  for (let i = 0; i < lines; i++) {
    const s = i % series;
    const value = i % 2 === 0 ? String(i) : (i / 7).toFixed(3);
    parts.push(`put sys.cpu.user${s % 10} ${1356998400 + Math.floor(i / series)} ${value} host=web${s} cpu=${s % 8}\n`);
  }
  return Buffer.from(parts.join(''));
}

const rate = (n: number, ms: number) => (n / ms) * 1000;
const fmt = (r: number) => `${(r / 1e6).toFixed(2)}M/s`;

/** Sends `bytes` to `port` and resolves once `done()` says the receiver has everything. */
async function pushBytes(port: number, bytes: Buffer): Promise<void> {
  const socket = net.connect({ port, host: '127.0.0.1' });
  await new Promise<void>((resolve) => socket.once('connect', resolve));
  const chunk = 64 * 1024;
  for (let i = 0; i < bytes.length; i += chunk) {
    if (!socket.write(bytes.subarray(i, i + chunk))) await new Promise((r) => socket.once('drain', r));
  }
  await new Promise<void>((resolve) => socket.end(resolve));
}

/** Baseline: a server that only reads the bytes (and counts newlines). */
async function socketReadOnly(bytes: Buffer, lines: number): Promise<number> {
  let seen = 0;
  let finish!: () => void;
  const finished = new Promise<void>((r) => (finish = r));
  const server = net.createServer((socket) => {
    socket.on('data', (chunk: Buffer) => {
      for (let i = chunk.indexOf(0x0a); i >= 0; i = chunk.indexOf(0x0a, i + 1)) seen++;
      if (seen === lines) finish();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as net.AddressInfo).port;
  const start = performance.now();
  await pushBytes(port, bytes);
  await finished;
  const ms = performance.now() - start;
  server.close();
  return rate(lines, ms);
}

/** The put parser alone over the same bytes, batches taken as the session would per packet. */
function parseOnly(bytes: Buffer, lines: number): number {
  const parser = new PutLineParser();
  const batch = new BatchBuilder(1024);
  const start = performance.now();
  let pos = 0;
  let errors = 0;
  for (let n = 0; n < lines; n++) {
    const end = bytes.indexOf(0x0a, pos);
    if (parser.parse(bytes, pos, end, batch) !== undefined) errors++;
    pos = end + 1;
    if (batch.length === 1024) batch.take();
  }
  const ms = performance.now() - start;
  if (errors) throw new Error(`${errors} lines failed to parse`);
  return rate(lines, ms);
}

const CODECS = DEFAULT_PLUGINS.filter((p): p is string => typeof p === 'string' && p.startsWith('codec-'));
/** `--engine=memory` (default) or `--engine=embedded` (in a temporary folder, removed after) */
let engineName = 'memory';

async function startKernel(): Promise<Kernel> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'dsdb-ingest-bench-'));
  const storage = engineName === 'embedded' ? ['storage-embedded', ...CODECS] : ['storage-memory'];
  const plugins = ['http', 'telnet', ...storage, 'put-telnet', 'put-http', 'protobuf'];
  const kernel = new Kernel(resolveConfig({ port: 0, logLevel: 'silent', plugins }, '(bench)', dataDir), { builtinDirs: [BUILTIN] });
  await kernel.start();
  const stop = kernel.stop.bind(kernel);
  kernel.stop = () => stop().finally(() => fs.rmSync(dataDir, { recursive: true, force: true }));
  return kernel;
}

async function storedPoints(kernel: Kernel): Promise<number> {
  return (await kernel.container.resolve('storage').stats()).points ?? 0;
}

async function waitForPoints(kernel: Kernel, count: number): Promise<void> {
  while ((await storedPoints(kernel)) < count) await new Promise((r) => setTimeout(r, 5));
}

async function telnetIngest(bytes: Buffer, lines: number): Promise<number> {
  const kernel = await startKernel();
  const start = performance.now();
  await pushBytes(kernel.listenAddress!.port, bytes);
  await waitForPoints(kernel, lines);
  const ms = performance.now() - start;
  await kernel.stop();
  return rate(lines, ms);
}

async function httpIngest(points: number, series: number): Promise<number> {
  const kernel = await startKernel();
  const url = `http://127.0.0.1:${kernel.listenAddress!.port}/api/put`;
  const perRequest = 5000;
  const bodies: string[] = [];
  for (let r = 0; r * perRequest < points; r++) {
    const batch: string[] = [];
    for (let i = r * perRequest; i < Math.min(points, (r + 1) * perRequest); i++) {
      const s = i % series;
      batch.push(`{"metric":"sys.cpu.user${s % 10}","timestamp":${1356998400 + Math.floor(i / series)},"value":${i % 2 === 0 ? i : (i / 7).toFixed(3)},"tags":{"host":"web${s}","cpu":"${s % 8}"}}`);
    }
    bodies.push(`[${batch.join(',')}]`);
  }
  const start = performance.now();
  const concurrency = 4;
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < bodies.length) {
        const body = bodies[next++]!;
        const res = await fetch(url, { method: 'POST', body, headers: { 'content-type': 'application/json' } });
        if (res.status !== 204) throw new Error(`HTTP ${res.status}: ${await res.text()}`);
      }
    }),
  );
  const ms = performance.now() - start;
  const stored = await storedPoints(kernel);
  await kernel.stop();
  if (stored !== points) throw new Error(`stored ${stored} of ${points}`);
  return rate(points, ms);
}

/** Raw TCP protobuf: WriteRequests of 5000 points, pipelined, until every ack is in. */
async function protobufIngest(points: number, series: number): Promise<number> {
  const kernel = await startKernel();
  const perRequest = 5000;
  const frames: Buffer[] = [Buffer.from([0x00, 0x44, 0x53, 0x42])];
  for (let r = 0; r * perRequest < points; r++) {
    const batch = [];
    for (let i = r * perRequest; i < Math.min(points, (r + 1) * perRequest); i++) {
      const s = i % series;
      const value = i % 2 === 0 ? { intValue: i } : { doubleValue: i / 7 };
      batch.push({ metric: `sys.cpu.user${s % 10}`, timestamp: 1356998400 + Math.floor(i / series), tags: { host: `web${s}`, cpu: String(s % 8) }, ...value });
    }
    const payload = WriteRequest.encode(WriteRequest.fromObject({ id: r, points: batch })).finish();
    const header = Buffer.alloc(4);
    header.writeUInt32BE(payload.length, 0);
    frames.push(header, Buffer.from(payload));
  }
  const expectedAcks = (frames.length - 1) / 2; // preamble, then header + payload per request
  const socket = net.connect({ port: kernel.listenAddress!.port, host: '127.0.0.1' });
  await new Promise<void>((resolve) => socket.once('connect', resolve));
  const start = performance.now();
  let acked = 0;
  let pending = Buffer.alloc(0);
  const done = new Promise<void>((resolve) =>
    socket.on('data', (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk]);
      while (pending.length >= 4 && pending.length >= 4 + pending.readUInt32BE(0)) {
        pending = pending.subarray(4 + pending.readUInt32BE(0));
        if (++acked === expectedAcks) resolve();
      }
    }),
  );
  for (const f of frames) if (!socket.write(f)) await new Promise((r) => socket.once('drain', r));
  await done;
  const ms = performance.now() - start;
  socket.destroy();
  const stored = await storedPoints(kernel);
  await kernel.stop();
  if (stored !== points) throw new Error(`stored ${stored} of ${points}`);
  return rate(points, ms);
}

export async function run(flags: string[]): Promise<void> {
  const lines = numberFlag(flags, 'lines', 1_000_000);
  const series = numberFlag(flags, 'series', 1000);
  engineName = flags.find((f) => f.startsWith('--engine='))?.split('=')[1] ?? 'memory';
  const bytes = putLines(lines, series);
  process.stdout.write(`${lines} put lines (${(bytes.length / 1e6).toFixed(1)} MB), ${series} series, engine ${engineName}\n`);
  // The machine is shared: warm the JIT, then keep the best of a few runs of each.
  parseOnly(bytes, lines);
  const best = async (runs: number, measure: () => number | Promise<number>) => {
    let top = 0;
    for (let r = 0; r < runs; r++) top = Math.max(top, await measure());
    return top;
  };
  const baseline = await best(3, () => socketReadOnly(bytes, lines));
  const parse = await best(3, () => parseOnly(bytes, lines));
  const telnet = await best(2, () => telnetIngest(bytes, lines));
  const httpPoints = Math.min(lines, 500_000);
  const http = await best(2, () => httpIngest(httpPoints, series));
  const row = (name: string, r: number) => process.stdout.write(`${name.padEnd(48)} ${fmt(r).padStart(10)}   ${(r / baseline).toFixed(2)}x socket read\n`);
  row('socket read only (baseline, lines/s)', baseline);
  row('telnet put parser, parse only (lines/s)', parse);
  row(`telnet put → ${engineName} engine (points/s)`, telnet);
  row(`HTTP /api/put JSON → ${engineName} engine (points/s)`, http);
  row(`raw TCP protobuf → ${engineName} engine (points/s)`, await best(2, () => protobufIngest(httpPoints, series)));
}
