/**
 * Issue #19, "unbounded memory": a raw-TCP protobuf client that never reads its acks grew
 * the daemon to 2 GB (≈650 MB per million frames). The `protobuf` plugin stops reading
 * frames while more than `maxPendingAckBytes` of acks wait (connections.test.ts checks
 * the queue); this test checks what the issue measured, the daemon's resident memory, on
 * a real daemon in a child process: while a client writes 3,000,000 frames without
 * reading an ack, and then while it reads them all, the daemon's RSS (VmRSS of
 * /proc/<pid>/status, sampled every 20 ms) stays under its bound, and no ack is lost.
 *
 * The bound: RSS after start-up and a warm-up + RSS_ALLOWANCE. What the daemon may hold for
 * this client is the acks queued in user space (at most maxPendingAckBytes, 1 MiB, plus
 * one read's worth of acks: at most a 64 KiB chunk of frames, each answered), the frames
 * read but not yet handled (one 64 KiB socket read), and the heap's slack before the next
 * collection (V8's young generation is up to 2 × 16 MiB on 64-bit Node, old-space grows by
 * steps before a full GC). The kernel's socket buffers are not in RSS. So a bound of
 * 128 MiB above the start is generous for a correct daemon and far below the unbounded
 * growth (≈1.9 GB for 3M frames before the bound existed).
 */
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { expect } from 'chai';
import { scratchDir, spawnDaemon, type SpawnedDaemon } from '../helpers/daemon';
import { encodeRequest, frame, PREAMBLE } from '../helpers/protobuf-client';

const FRAMES = 3_000_000;
const RSS_ALLOWANCE = 128 * 1024 * 1024;

function rssBytes(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)![1]) * 1024;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * n frames, each a WriteRequest with its id (1…n) and one point the daemon refuses (no
 * metric): each is answered at once with an ack of ~60 bytes naming the error, and no
 * storage is involved, so the daemon's memory can only grow by what it holds for the client.
 */
function framesBuffer(n: number): Buffer {
  const parts: Buffer[] = [];
  for (let id = 1; id <= n; id++) parts.push(frame(encodeRequest({ id, points: [{ metric: '', timestamp: 1, tags: { h: 'a' }, intValue: 1 }] })));
  return Buffer.concat(parts);
}

describe('security: memory stays bounded under unread protobuf acks (#19)', function () {
  this.timeout(300_000);
  let dir: string;
  let daemon: SpawnedDaemon | undefined;
  before(function () {
    if (!fs.existsSync('/proc/self/status')) this.skip(); // RSS is read from Linux's /proc
  });
  after(async () => {
    if (daemon && daemon.child.exitCode === null) {
      daemon.child.kill('SIGTERM');
      await daemon.exited;
    }
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('keeps RSS under start + 128 MiB while a client writes 3M frames without reading acks, then acks every frame once it reads', async () => {
    dir = scratchDir('ack-memory');
    fs.writeFileSync(path.join(dir, 'dsdb.config.json'), JSON.stringify({ port: 0, logLevel: 'info', plugins: ['protobuf', 'storage-memory'], storage: 'memory' }));
    daemon = await spawnDaemon([], dir);
    const pid = daemon.child.pid!;
    const payload = framesBuffer(FRAMES);

    const socket = net.connect(daemon.port, '127.0.0.1');
    await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    socket.pause(); // never read, for now
    socket.write(PREAMBLE);
    // warm-up: code paths compiled, buffers allocated, before the baseline is taken
    socket.write(frame(encodeRequest({ id: 0 })));
    await sleep(500);
    const baseline = rssBytes(pid);
    const bound = baseline + RSS_ALLOWANCE;
    let peak = baseline;
    let samples = 0;
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        const rss = rssBytes(pid);
        peak = Math.max(peak, rss);
        samples++;
        expect(rss, `daemon RSS (baseline ${baseline})`).to.be.below(bound);
        await sleep(20);
      }
    })();

    // Phase 1: write every frame, read nothing, until the daemon has stopped reading: the
    // frames go in 64 KiB writes, and a write's callback runs once the kernel took it, so
    // `taken` stops growing when the daemon no longer reads (its back-pressure).
    let taken = 0;
    for (let at = 0; at < payload.length; at += 65536) {
      const chunk = payload.subarray(at, Math.min(at + 65536, payload.length));
      socket.write(chunk, () => (taken += chunk.length));
    }
    let lastTaken = -1;
    for (let still = 0; still < 40; ) {
      await sleep(50);
      still = taken === lastTaken ? still + 1 : 0;
      lastTaken = taken;
    }
    expect(taken, 'frame bytes the kernel took before the daemon stopped reading').to.be.below(payload.length);
    const peakUnread = peak;

    // Phase 2: read every ack; each frame is answered, in order, none dropped.
    let acks = 0;
    let lastId = -1;
    let pending: Buffer = Buffer.alloc(0);
    await new Promise<void>((resolve, reject) => {
      socket.on('data', (chunk: Buffer) => {
        pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
        let at = 0;
        while (pending.length - at >= 4 && pending.length - at >= 4 + pending.readUInt32BE(at)) {
          const length = pending.readUInt32BE(at);
          // WriteAck field 1 (id), a varint: the ack of frame n carries n
          const ack = pending.subarray(at + 4, at + 4 + length);
          let id = 0;
          if (ack[0] === 0x08) {
            for (let i = 1, shift = 1; i < ack.length; i++, shift *= 128) {
              id += (ack[i]! & 0x7f) * shift;
              if ((ack[i]! & 0x80) === 0) break;
            }
          }
          if (id !== lastId + 1) reject(new Error(`ack ${acks}: id ${id} after ${lastId}`));
          lastId = id;
          acks++;
          at += 4 + length;
        }
        pending = pending.subarray(at);
        if (acks === FRAMES + 1) resolve();
      });
      socket.on('error', reject);
      socket.resume();
    });
    sampling = false;
    await sampler;
    socket.destroy();
    console.log(`      RSS: baseline ${(baseline / 2 ** 20).toFixed(1)} MiB, peak while unread ${(peakUnread / 2 ** 20).toFixed(1)} MiB, peak ${(peak / 2 ** 20).toFixed(1)} MiB (${samples} samples); ${acks} acks`);
    expect(acks).to.equal(FRAMES + 1);
    expect(lastId).to.equal(FRAMES);
  });
});
