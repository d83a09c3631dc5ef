/**
 * The crash loop: a real daemon (bin/dsdb.js) on the embedded engine under sustained load
 * — 4 telnet connections, `/api/put?sync`, raw-TCP protobuf with `sync` — is SIGKILLed at
 * seeded random moments and restarted, and after each kill the data directory is read
 * back. The promise checked (docs/reliability.md):
 *  - every point acknowledged with sync (HTTP 200 to `?sync`, a protobuf ack with
 *    `written`) is there;
 *  - a telnet point is there if its line was known read before `kill - flushIntervalMs -
 *    COMMIT_SLACK_MS`. "Known read": a later line on the same connection was answered
 *    (a `mark<n>` unknown command: the session runs lines in order and hands each packet's
 *    puts to storage as soon as it has read it); from then on the WAL's timer commit
 *    (every flushIntervalMs) writes it to the segment file, which a SIGKILL does not undo.
 * Run as a script for the long form: `node dist/test/storage/crash-loop.js --cycles 50 [--seed N]`.
 */
import { mulberry32 } from '../../core/testing/random';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import protobuf from 'protobufjs';
import { REPO_ROOT, spawnDaemon, type SpawnedDaemon } from '../helpers/daemon';
import { embeddedEngine, tempDataDir } from '../helpers/embedded';
import { CODEC_PLUGINS } from '../helpers/plugins';

/** storage-embedded's default, set explicitly in the config below */
export const FLUSH_INTERVAL_MS = 1000;
/** allowance for the timer's lateness on a loaded event loop and the commit's writev */
export const COMMIT_SLACK_MS = 250;
const TELNET_CONNECTIONS = 4;
const LINES_PER_PACKET = 50;
const POINTS_PER_REQUEST = 20;
const BASE_TS = 1_700_000_000_000;

const proto = protobuf.loadSync(path.join(REPO_ROOT, 'dsdb.proto'));
const WriteRequest = proto.lookupType('dsdb.WriteRequest');
const WriteAck = proto.lookupType('dsdb.WriteAck');

/** mulberry32 (core/testing): a seed replays the same kill moments. */
export const prng = mulberry32;

export interface CycleResult {
  killAfterMs: number;
  syncAcked: number;
  protobufAcked: number;
  telnetRead: number;
  /** telnet points read early enough that they must survive */
  telnetDue: number;
  missingSync: number;
  missingProtobuf: number;
  missingTelnetDue: number;
  /** telnet points read inside the flush window and not found: the documented loss */
  telnetLostInWindow: number;
  /** engine.open() after the kill: WAL replay */
  replayMs: number;
  pointsStored: number;
}

interface Acked {
  ts: number;
  /** when the client learned it was acknowledged / read */
  at: number;
}

function writeConfig(dir: string): void {
  const config = {
    port: 0,
    host: '127.0.0.1',
    logLevel: 'info',
    plugins: ['http', 'telnet', 'put-telnet', 'put-http', 'protobuf', ['storage-embedded', { flushIntervalMs: FLUSH_INTERVAL_MS }], ...CODEC_PLUGINS],
  };
  fs.writeFileSync(path.join(dir, 'dsdb.config.cjs'), `module.exports = ${JSON.stringify(config, null, 2)};\n`);
}

class Load {
  stopped = false;
  readonly telnet: Acked[] = [];
  readonly sync: Acked[] = [];
  readonly protobuf: Acked[] = [];
  unexpected: string[] = [];
  private tasks: Promise<void>[] = [];
  constructor(
    private readonly port: number,
    private readonly next: { telnet: number; sync: number; protobuf: number },
  ) {}

  start(): void {
    for (let c = 0; c < TELNET_CONNECTIONS; c++) this.tasks.push(this.telnetClient(c).catch(() => undefined));
    this.tasks.push(this.syncClient().catch(() => undefined));
    this.tasks.push(this.protobufClient().catch(() => undefined));
  }

  async finish(): Promise<void> {
    this.stopped = true;
    await Promise.all(this.tasks);
  }

  private async telnetClient(c: number): Promise<void> {
    const socket = net.connect({ port: this.port, host: '127.0.0.1' });
    socket.on('error', () => undefined);
    let received = '';
    let wake: (() => void) | undefined;
    socket.on('data', (d) => ((received += d.toString()), wake?.()));
    socket.on('close', () => ((this.stopped = true), wake?.()));
    let mark = 0;
    try {
      while (!this.stopped) {
        const ts: number[] = [];
        let lines = '';
        for (let i = 0; i < LINES_PER_PACKET; i++) {
          const t = BASE_TS + this.next.telnet++;
          ts.push(t);
          lines += `put crash.telnet ${t} ${t % 1000003} c=${c}\n`;
        }
        const token = `mark${c}x${++mark}`;
        socket.write(`${lines}${token}\n`);
        while (!received.includes(`unknown command: ${token}.`) && !socket.destroyed && !this.stopped) await new Promise<void>((r) => (wake = r));
        if (!received.includes(`unknown command: ${token}.`)) return;
        const at = Date.now();
        if (/put: /.test(received)) this.unexpected.push(received.slice(0, 200));
        received = '';
        for (const t of ts) this.telnet.push({ ts: t, at });
      }
    } finally {
      socket.destroy();
    }
  }

  private async syncClient(): Promise<void> {
    while (!this.stopped) {
      const ts: number[] = [];
      for (let i = 0; i < POINTS_PER_REQUEST; i++) ts.push(BASE_TS + this.next.sync++);
      const body = JSON.stringify(ts.map((t) => ({ metric: 'crash.sync', timestamp: t, value: t % 1000003, tags: { w: 'http' } })));
      let res: Response;
      try {
        res = await fetch(`http://127.0.0.1:${this.port}/api/put?sync`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      } catch {
        return; // the daemon is gone: this request was never acknowledged
      }
      const at = Date.now();
      if (res.status === 204 || res.status === 200) for (const t of ts) this.sync.push({ ts: t, at });
      else this.unexpected.push(`sync put: ${res.status} ${await res.text()}`);
    }
  }

  private async protobufClient(): Promise<void> {
    const socket = net.connect({ port: this.port, host: '127.0.0.1' });
    socket.setNoDelay(true);
    socket.on('error', () => undefined);
    let data = Buffer.alloc(0);
    let wake: (() => void) | undefined;
    let closed = false;
    socket.on('data', (d: Buffer) => ((data = Buffer.concat([data, d])), wake?.()));
    socket.on('close', () => ((closed = true), wake?.()));
    socket.write(Buffer.from([0x00, 0x44, 0x53, 0x42]));
    let id = 0;
    try {
      while (!this.stopped && !closed) {
        const ts: number[] = [];
        for (let i = 0; i < POINTS_PER_REQUEST; i++) ts.push(BASE_TS + this.next.protobuf++);
        const payload = WriteRequest.encode(
          WriteRequest.fromObject({ id: ++id, sync: true, points: ts.map((t) => ({ metric: 'crash.proto', timestamp: t, tags: { w: 'pb' }, intValue: t % 1000003 })) }),
        ).finish();
        const head = Buffer.alloc(4);
        head.writeUInt32BE(payload.length, 0);
        socket.write(Buffer.concat([head, payload]));
        while (!closed && !(data.length >= 4 && data.length >= 4 + data.readUInt32BE(0))) await new Promise<void>((r) => (wake = r));
        if (closed && !(data.length >= 4 && data.length >= 4 + data.readUInt32BE(0))) return;
        const length = data.readUInt32BE(0);
        const ack = WriteAck.toObject(WriteAck.decode(data.subarray(4, 4 + length)), { longs: Number, defaults: true }) as { id: number; written: number; error: string };
        data = data.subarray(4 + length);
        const at = Date.now();
        if (ack.id === id && ack.written === ts.length && !ack.error) for (const t of ts) this.protobuf.push({ ts: t, at });
        else this.unexpected.push(`protobuf ack ${JSON.stringify(ack)}`);
      }
    } finally {
      socket.destroy();
    }
  }
}

async function storedTimestamps(dataDir: string): Promise<{ sets: Record<string, Set<number>>; replayMs: number; points: number }> {
  const engine = await embeddedEngine(dataDir);
  const started = performance.now();
  await engine.open();
  const replayMs = performance.now() - started;
  const sets: Record<string, Set<number>> = {};
  let points = 0;
  try {
    for (const metric of ['crash.telnet', 'crash.sync', 'crash.proto']) {
      const set = (sets[metric] = new Set<number>());
      for await (const data of engine.read({ metric }, { start: 0, end: 8.64e15 })) {
        for (let i = 0; i < data.points.length; i++) set.add(data.points.timestamps[i]!);
        points += data.points.length;
      }
    }
  } finally {
    await engine.close();
  }
  return { sets, replayMs, points };
}

/** Runs `cycles` kill cycles in a fresh data directory; one result per cycle. */
export async function crashLoop(options: { cycles: number; seed: number; log?: (line: string) => void }): Promise<CycleResult[]> {
  const rng = prng(options.seed);
  const dir = tempDataDir('crashloop');
  writeConfig(dir);
  const next = { telnet: 0, sync: 0, protobuf: 0 };
  // every point acknowledged in any cycle must be there after every later kill too
  const allSync: number[] = [];
  const allProto: number[] = [];
  const allTelnetDue: number[] = [];
  const results: CycleResult[] = [];
  try {
    for (let cycle = 0; cycle < options.cycles; cycle++) {
      const daemon: SpawnedDaemon = await spawnDaemon([], dir);
      const load = new Load(daemon.port, next);
      load.start();
      const killAfterMs = Math.round(1500 + rng() * 2500);
      await sleep(killAfterMs);
      const killAt = Date.now();
      daemon.child.kill('SIGKILL');
      await daemon.exited;
      await load.finish();
      if (load.unexpected.length > 0) throw new Error(`unexpected answers: ${load.unexpected.slice(0, 3).join(' | ')}`);

      const dueBefore = killAt - FLUSH_INTERVAL_MS - COMMIT_SLACK_MS;
      const due = load.telnet.filter((p) => p.at < dueBefore).map((p) => p.ts);
      // loops, not push(...xs): a cycle on an idle machine reads a few hundred thousand telnet points
      for (const p of load.sync) allSync.push(p.ts);
      for (const p of load.protobuf) allProto.push(p.ts);
      for (const t of due) allTelnetDue.push(t);

      const { sets, replayMs, points } = await storedTimestamps(path.join(dir, 'data'));
      const result: CycleResult = {
        killAfterMs,
        syncAcked: load.sync.length,
        protobufAcked: load.protobuf.length,
        telnetRead: load.telnet.length,
        telnetDue: due.length,
        missingSync: allSync.filter((t) => !sets['crash.sync']!.has(t)).length,
        missingProtobuf: allProto.filter((t) => !sets['crash.proto']!.has(t)).length,
        missingTelnetDue: allTelnetDue.filter((t) => !sets['crash.telnet']!.has(t)).length,
        telnetLostInWindow: load.telnet.filter((p) => p.at >= dueBefore && !sets['crash.telnet']!.has(p.ts)).length,
        replayMs: Math.round(replayMs),
        pointsStored: points,
      };
      results.push(result);
      options.log?.(
        `cycle ${cycle + 1}/${options.cycles}: kill after ${killAfterMs} ms; acked sync ${result.syncAcked}, protobuf ${result.protobufAcked}; telnet read ${result.telnetRead} (due ${result.telnetDue}, lost in the flush window ${result.telnetLostInWindow}); missing: sync ${result.missingSync}, protobuf ${result.missingProtobuf}, telnet due ${result.missingTelnetDue}; replay ${result.replayMs} ms for ${points} points stored`,
      );
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return results;
}

if (require.main === module) {
  const flag = (name: string) => {
    const i = process.argv.indexOf(name);
    return i >= 0 ? process.argv[i + 1] : undefined;
  };
  const seed = Number(flag('--seed') ?? process.env.DSDB_CRASH_SEED ?? Math.floor(Math.random() * 2 ** 31));
  const cycles = Number(flag('--cycles') ?? 50);
  console.log(`crash loop: ${cycles} cycles, seed ${seed} (replay: --seed ${seed})`);
  const started = Date.now();
  crashLoop({ cycles, seed, log: (l) => console.log(l) }).then(
    (results) => {
      const sum = (k: keyof CycleResult) => results.reduce((s, r) => s + r[k], 0);
      const last = results.at(-1)!;
      console.log(
        `total: ${cycles} cycles in ${Math.round((Date.now() - started) / 1000)} s; acked sync ${sum('syncAcked')}, protobuf ${sum('protobufAcked')}; telnet read ${sum('telnetRead')}, due ${sum('telnetDue')}, lost in the flush window ${sum('telnetLostInWindow')}; missing after the last kill: sync ${last.missingSync}, protobuf ${last.missingProtobuf}, telnet due ${last.missingTelnetDue}; max replay ${results.reduce((m, r) => Math.max(m, r.replayMs), 0)} ms`,
      );
      process.exitCode = results.some((r) => r.missingSync + r.missingProtobuf + r.missingTelnetDue > 0) ? 1 : 0;
    },
    (err) => {
      console.error(err);
      process.exitCode = 2;
    },
  );
}
