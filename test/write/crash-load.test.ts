/**
 * kill -9 in the middle of a 4-connection telnet load with `/api/put?sync` writes beside it
 * (issue #17): after the restart every sync-acknowledged point is there, and each telnet
 * connection's points form an unbroken prefix of what it sent that holds at least every line
 * handed to the socket more than the WAL flush interval (plus a margin for lines still in the
 * socket buffers or the parse pipeline) before the kill.
 */
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { expect } from 'chai';
import { scratchDir, spawnDaemon, type SpawnedDaemon } from '../helpers/daemon';
import { CODEC_PLUGINS } from '../helpers/plugins';

const FLUSH_MS = 200;
/** lines still in the kernel's socket buffers or being parsed when the process died */
const MARGIN_MS = 800;
const CONNECTIONS = 4;
const T0 = 1356998400000;

/** Streams `put crash.t <T0 + seq ms> <seq> c=<id>` until stopped; records when each chunk was handed to the kernel. */
function streamer(port: number, id: number) {
  const socket = net.connect(port, '127.0.0.1');
  socket.on('error', () => undefined);
  const handed: { at: number; lastSeq: number }[] = [];
  let stopped = false;
  let seq = 0;
  const done = (async () => {
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    while (!stopped && !socket.destroyed) {
      let text = '';
      for (let i = 0; i < 500; i++, seq++) text += `put crash.t ${T0 + seq} ${seq} c=${id}\n`;
      const last = seq - 1;
      await new Promise<void>((resolve) => socket.write(text, () => resolve()));
      handed.push({ at: Date.now(), lastSeq: last });
      await sleep(2);
    }
  })().catch(() => undefined);
  return {
    handed,
    stop: async () => {
      stopped = true;
      socket.destroy();
      await done;
    },
  };
}

async function killHard(daemon: SpawnedDaemon): Promise<void> {
  daemon.child.kill('SIGKILL');
  await daemon.exited;
}

async function query(port: number, m: string): Promise<Record<string, number>> {
  const res = await fetch(`http://127.0.0.1:${port}/api/query?start=${T0 - 1000}&end=${T0 + 100_000_000}&ms=true&m=${encodeURIComponent(m)}`);
  const out: Record<string, number> = {};
  for (const r of (await res.json()) as { tags: Record<string, string>; dps: Record<string, number> }[]) out[r.tags.c ?? r.tags.k!] = Object.values(r.dps)[0]!;
  return out;
}

describe('kill -9 during a 4-connection telnet load (embedded engine, real process) @integration', function () {
  this.timeout(120_000);
  let dir: string;
  before(() => {
    dir = scratchDir('crash-load');
    const plugins = ['http', 'telnet', 'put-telnet', 'put-http', ['storage-embedded', { flushIntervalMs: FLUSH_MS }], ...CODEC_PLUGINS, 'aggregators-opentsdb', 'query'];
    fs.writeFileSync(path.join(dir, 'dsdb.config.cjs'), `module.exports = ${JSON.stringify({ port: 0, host: '127.0.0.1', logLevel: 'info', plugins })};\n`);
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('loses no sync-acknowledged point and no telnet line older than the flush interval', async () => {
    let daemon = await spawnDaemon([], dir);
    try {
      const streams = Array.from({ length: CONNECTIONS }, (_, c) => streamer(daemon.port, c));
      // sync /api/put writes beside the load, one after another: each acknowledged one must survive
      let acked = 0;
      let syncing = true;
      const syncer = (async () => {
        for (let n = 0; syncing; n++) {
          const body = JSON.stringify({ metric: 'crash.sync', timestamp: T0 + n, value: n, tags: { k: 'sync' } });
          const res = await fetch(`http://127.0.0.1:${daemon.port}/api/put?sync`, { method: 'POST', body }).catch(() => undefined);
          if (res?.status !== 204) break;
          acked = n + 1;
        }
      })();
      await sleep(2500);
      const killedAt = Date.now();
      await killHard(daemon);
      syncing = false;
      await Promise.all(streams.map((s) => s.stop()));
      await syncer;

      daemon = await spawnDaemon([], dir);
      const counts = await query(daemon.port, 'sum:0all-count:crash.t{c=*}');
      const maxima = await query(daemon.port, 'sum:0all-max:crash.t{c=*}');
      const report: string[] = [];
      for (let c = 0; c < CONNECTIONS; c++) {
        const old = streams[c]!.handed.filter((h) => h.at <= killedAt - FLUSH_MS - MARGIN_MS);
        const mustHave = old.length > 0 ? old[old.length - 1]!.lastSeq + 1 : 0;
        const count = counts[String(c)] ?? 0;
        const sent = streams[c]!.handed.at(-1)?.lastSeq ?? -1;
        report.push(`#${c}: handed ${sent + 1}, of them ${mustHave} over ${FLUSH_MS + MARGIN_MS} ms before the kill, kept ${count}`);
        expect(mustHave, `connection ${c} sent lines early enough to count`).to.be.greaterThan(1000);
        // values are the sequence numbers: count = max + 1 means no line is missing before the last kept
        expect(count, `connection ${c}: ${count} points kept, the last ${maxima[String(c)]}`).to.equal((maxima[String(c)] ?? -1) + 1);
        expect(count, `connection ${c} kept every line handed over ${FLUSH_MS + MARGIN_MS} ms before the kill`).to.be.at.least(mustHave);
      }
      console.log(`      telnet ${report.join('; ')}; /api/put?sync acknowledged ${acked}`);
      expect(acked, 'sync writes acknowledged during the load').to.be.greaterThan(0);
      const synced = await query(daemon.port, 'sum:0all-count:crash.sync{k=*}');
      expect(synced.sync ?? 0, 'every acknowledged sync point').to.be.at.least(acked);
    } finally {
      if (daemon.child.exitCode === null) await killHard(daemon);
    }
  });
});
