/**
 * Issue #19: connection hygiene. Silent, half-sent and idle connections are closed;
 * the daemon refuses connections past its limit with a clear answer; a raw-TCP protobuf
 * client that never reads its acks cannot grow the daemon's memory. Each test here
 * failed (or hung until mocha's timeout) before its fix. No test asserts a speed: they
 * wait for an event, or check a bound that holds at every moment.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { expect } from 'chai';
import { REPO_ROOT, startDaemon, type RunningDaemon } from '../helpers/daemon';
import { encodeRequest, frame, PREAMBLE } from '../helpers/protobuf-client';

/** Connects, sends `bytes`, resolves with what arrived once the server closes the connection. */
function untilClosed(port: number, bytes?: string | Buffer): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    let received = '';
    socket.on('data', (chunk) => (received += chunk.toString('latin1')));
    socket.on('error', reject);
    socket.on('close', () => resolve(received));
    if (bytes !== undefined) socket.write(bytes);
  });
}

/** An open telnet connection the daemon has certainly taken (it answered `version`). */
async function telnetConnection(port: number): Promise<net.Socket> {
  const socket = net.connect(port, '127.0.0.1');
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.once('data', () => resolve());
    socket.write('version\n');
  });
  return socket;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('security: connection hygiene (#19)', () => {
  let daemon: RunningDaemon;
  before(async () => {
    daemon = await startDaemon({
      firstByteTimeoutMs: 300,
      maxConnections: 4,
      plugins: ['http', ['telnet', { idleTimeoutMs: 300 }], 'put-telnet', ['protobuf', { idleTimeoutMs: 300 }], 'storage-memory'],
    });
  });
  after(() => daemon.stop());

  it('closes a connection that never sends a byte (firstByteTimeoutMs)', async () => {
    expect(await untilClosed(daemon.port)).to.equal('');
  });

  it('closes a telnet connection idle in the middle of a line (telnet idleTimeoutMs)', async () => {
    expect(await untilClosed(daemon.port, 'put sys.cpu.user 1700000000 1 ho')).to.equal('');
  });

  it('closes an idle raw-TCP protobuf connection with a partial frame (protobuf idleTimeoutMs)', async () => {
    expect(await untilClosed(daemon.port, Buffer.concat([PREAMBLE, Buffer.from([0, 0, 0, 10, 1, 2])]))).to.equal('');
  });

  it('refuses a connection past maxConnections with a 503 and takes new ones once below it', async () => {
    const open = [];
    for (let i = 0; i < 4; i++) open.push(await telnetConnection(daemon.port));
    const refused = await untilClosed(daemon.port, 'GET /api/version HTTP/1.1\r\nHost: x\r\n\r\n');
    expect(refused).to.match(/^HTTP\/1\.1 503 /);
    expect(refused).to.contain('"message":"Too many connections"');
    const closed = open.map((s) => new Promise((r) => s.once('close', r)));
    for (const socket of open) socket.destroy();
    await Promise.all(closed);
    // The server sees the closes a moment later: retry until a new connection is served.
    for (;;) {
      const reply = await untilClosed(daemon.port, 'GET /api/version HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
      if (reply.startsWith('HTTP/1.1 200')) break;
      await sleep(20);
    }
  });
});

describe('security: a raw-TCP protobuf client that never reads its acks (#19)', () => {
  let daemon: RunningDaemon;
  const MAX_PENDING = 64 * 1024;
  before(async () => {
    daemon = await startDaemon({ plugins: [['protobuf', { maxPendingAckBytes: MAX_PENDING }], 'storage-memory'] });
  });
  after(() => daemon.stop());

  /** The daemon's own end of every open connection. */
  const serverSockets = (): net.Socket[] => [...((daemon.kernel as unknown as { listener: { sockets: Set<net.Socket> } }).listener.sockets)];

  it('stops reading frames while its unread acks are over maxPendingAckBytes, and resumes when they drain', async () => {
    const FRAMES = 200_000;
    const bad = frame(Buffer.from([0xff])); // an invalid WriteRequest: answered by an error ack of ~60 bytes
    const good = frame(encodeRequest({ id: 7 }));
    const socket = net.connect(daemon.port, '127.0.0.1');
    await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    socket.write(PREAMBLE);
    socket.write(Buffer.concat(Array.from({ length: FRAMES }, () => bad)));
    socket.write(good);
    // Never read: watch the daemon's queued acks until its reading has stopped (no bytes
    // read for 20 polls in a row), checking the bound at every poll.
    let maxQueued = 0;
    let lastRead = -1;
    for (let still = 0; still < 20; ) {
      await sleep(25);
      const sockets = serverSockets();
      const queued = sockets.reduce((n, s) => n + s.writableLength, 0);
      const read = sockets.reduce((n, s) => n + s.bytesRead, 0);
      maxQueued = Math.max(maxQueued, queued);
      expect(queued, 'acks queued in the daemon').to.be.at.most(MAX_PENDING + 1024);
      still = read === lastRead ? still + 1 : 0;
      lastRead = read;
    }
    expect(maxQueued).to.be.greaterThan(0);
    // Now read everything: every frame is answered, the last one (id 7) included.
    const ackBytes = await new Promise<Buffer>((resolve) => {
      const chunks: Buffer[] = [];
      let acks = 0;
      let pending = Buffer.alloc(0);
      socket.on('data', (chunk: Buffer) => {
        pending = Buffer.concat([pending, chunk]);
        while (pending.length >= 4 && pending.length >= 4 + pending.readUInt32BE(0)) {
          const length = pending.readUInt32BE(0);
          chunks.push(pending.subarray(4, 4 + length));
          pending = pending.subarray(4 + length);
          acks++;
        }
        if (acks === FRAMES + 1) resolve(chunks[chunks.length - 1]!);
      });
    });
    expect(ackBytes[0]).to.equal(0x08); // field 1 (id) present: the good frame's ack
    socket.destroy();
  });
});

/** The accept queue of the socket listening on `port`, as the OS reports it (`ss`: Send-Q of a listening socket is its backlog). */
function listenBacklogOf(port: number): number {
  const ss = execFileSync('bash', [path.join(REPO_ROOT, 'scripts', 'install-ss.sh')], { encoding: 'utf8' }).trim();
  const line = execFileSync(ss, ['-ltnH', `sport = :${port}`], { encoding: 'utf8' }).trim().split('\n')[0] ?? '';
  // State Recv-Q Send-Q Local:Port Peer:Port
  const fields = line.trim().split(/\s+/);
  if (fields.length < 4 || !fields[3]!.endsWith(`:${port}`)) throw new Error(`no listening socket on port ${port} in ss's answer: ${JSON.stringify(line)}`);
  return Number(fields[2]);
}

describe('security: the listen backlog', () => {
  it('listens with a backlog of 4096 by default (the OS caps it at net.core.somaxconn), and with listenBacklog when set', async () => {
    const somaxconn = Number(fs.readFileSync('/proc/sys/net/core/somaxconn', 'utf8'));
    const byDefault = await startDaemon({ plugins: ['http', 'storage-memory'] });
    try {
      expect(listenBacklogOf(byDefault.port)).to.equal(Math.min(4096, somaxconn));
    } finally {
      await byDefault.stop();
    }
    const set = await startDaemon({ listenBacklog: 37, plugins: ['http', 'storage-memory'] });
    try {
      expect(listenBacklogOf(set.port)).to.equal(37);
    } finally {
      await set.stop();
    }
  });
});
