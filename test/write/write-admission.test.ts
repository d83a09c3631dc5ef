/**
 * Issue #17 (memory bounded by configuration, not by load): write requests beyond the
 * http plugin's `maxConcurrentWrites` wait unread for a turn, and get 503 after
 * `writeQueueTimeoutMs`; reads are never held back.
 */
import net from 'node:net';
import { expect } from 'chai';
import { WriteAdmission } from '../../plugins/http/write-admission';
import { startDaemon, type RunningDaemon } from '../helpers/daemon';

const PLUGINS = ['put-http', 'query', 'read-api', 'aggregators-opentsdb', 'storage-memory'];

/** A POST /api/put whose headers and the first `sent` bytes of `body` are written; `finish()` writes the rest. */
function partialPut(port: number, body: Buffer, sent: number): { socket: net.Socket; reply: Promise<string>; finish(): void } {
  const socket = net.connect(port, '127.0.0.1');
  let received = '';
  const reply = new Promise<string>((resolve, reject) => {
    socket.on('data', (chunk) => {
      received += chunk.toString('latin1');
      // one response: its headers and a body of its content-length (or none)
      const end = received.indexOf('\r\n\r\n');
      const length = /content-length: (\d+)/i.exec(received);
      if (end >= 0 && received.length >= end + 4 + Number(length?.[1] ?? 0)) resolve(received);
    });
    socket.on('error', reject);
    socket.on('close', () => resolve(received));
  });
  socket.write(`POST /api/put HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`);
  socket.write(body.subarray(0, sent));
  return { socket, reply, finish: () => socket.write(body.subarray(sent)) };
}

function point(metric: string, value: number): Buffer {
  return Buffer.from(JSON.stringify([{ metric, timestamp: 1700000000, value, tags: { host: 'a' } }]));
}

async function stat(port: number, metric: string): Promise<number> {
  const stats = (await (await fetch(`http://127.0.0.1:${port}/api/stats`)).json()) as { metric: string; value: number | string }[];
  return Number(stats.find((s) => s.metric === metric)?.value);
}

async function stored(port: number, metric: string): Promise<Record<string, number>> {
  const res = await fetch(`http://127.0.0.1:${port}/api/query?start=1699999000&m=sum:${metric}`);
  if (res.status !== 200) return {};
  const body = (await res.json()) as { dps: Record<string, number> }[];
  return body[0]?.dps ?? {};
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('write: admission of write requests (maxConcurrentWrites, writeQueueTimeoutMs)', () => {
  let daemon: RunningDaemon;
  before(async () => {
    daemon = await startDaemon({ plugins: [['http', { maxConcurrentWrites: 1, writeQueueTimeoutMs: 400 }], ...PLUGINS] });
  });
  after(() => daemon.stop());

  it('answers a write that waited past writeQueueTimeoutMs with 503 in OpenTSDB form; the one holding the turn still succeeds', async () => {
    const body = point('adm.first', 1);
    const first = partialPut(daemon.port, body, 5);
    await sleep(100); // its turn taken, its body awaited
    const started = Date.now();
    const second = await fetch(`http://127.0.0.1:${daemon.port}/api/put`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: point('adm.second', 2) });
    expect(Date.now() - started).to.be.at.least(350);
    expect(second.status).to.equal(503);
    expect(second.headers.get('retry-after')).to.equal('1');
    const error = ((await second.json()) as { error: { code: number; message: string } }).error;
    expect(error.code).to.equal(503);
    expect(error.message).to.equal('Too many write requests in progress');
    expect(await stat(daemon.port, 'tsd.http.writes.rejected')).to.be.at.least(1);

    first.finish();
    expect(await first.reply).to.match(/^HTTP\/1\.1 204 /);
    first.socket.destroy();
    expect(await stored(daemon.port, 'adm.first')).to.deep.equal({ '1700000000': 1 });
    expect(await stored(daemon.port, 'adm.second')).to.deep.equal({});
    // the turn was given back
    const third = await fetch(`http://127.0.0.1:${daemon.port}/api/put`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: point('adm.third', 3) });
    expect(third.status).to.equal(204);
  });

  it('leaves a waiting request\'s body unread in its socket, then reads and writes it when its turn comes', async () => {
    const holder = partialPut(daemon.port, point('adm.holder', 1), 3);
    await sleep(100);
    // 24 MiB of JSON whitespace around one point: far more than the sockets' buffers hold
    const padded = Buffer.concat([Buffer.from('['), Buffer.alloc(24 * 1024 * 1024, 0x20), point('adm.big', 7).subarray(1)]);
    const waiting = partialPut(daemon.port, padded, padded.length);
    await sleep(250);
    expect(await stat(daemon.port, 'tsd.http.writes.queued')).to.equal(1);
    expect(await stat(daemon.port, 'tsd.http.writes.in_flight')).to.equal(1);
    // most of the body is still on the client's side: the daemon is not reading it
    expect(waiting.socket.writableLength).to.be.above(12 * 1024 * 1024);
    holder.finish();
    expect(await holder.reply).to.match(/^HTTP\/1\.1 204 /);
    holder.socket.destroy();
    expect(await waiting.reply).to.match(/^HTTP\/1\.1 204 /);
    waiting.socket.destroy();
    expect(await stored(daemon.port, 'adm.big')).to.deep.equal({ '1700000000': 7 });
    expect(await stat(daemon.port, 'tsd.http.writes.in_flight')).to.equal(0);
  });

  it('passes on the turn of a client that left while it waited', async () => {
    const holder = partialPut(daemon.port, point('adm.h2', 1), 3);
    await sleep(100);
    const leaver = partialPut(daemon.port, point('adm.leaver', 1), 3);
    await sleep(100);
    expect(await stat(daemon.port, 'tsd.http.writes.queued')).to.equal(1);
    leaver.socket.destroy();
    holder.finish();
    expect(await holder.reply).to.match(/^HTTP\/1\.1 204 /);
    holder.socket.destroy();
    await sleep(50);
    expect(await stat(daemon.port, 'tsd.http.writes.in_flight')).to.equal(0);
    const next = await fetch(`http://127.0.0.1:${daemon.port}/api/put`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: point('adm.next', 5) });
    expect(next.status).to.equal(204);
    expect(await stored(daemon.port, 'adm.leaver')).to.deep.equal({});
  });

  it('never holds back reads while every write turn is taken', async () => {
    const holder = partialPut(daemon.port, point('adm.h3', 1), 3);
    await sleep(100);
    const started = Date.now();
    expect((await fetch(`http://127.0.0.1:${daemon.port}/api/version`)).status).to.equal(200);
    expect((await fetch(`http://127.0.0.1:${daemon.port}/api/query?start=1699999000&m=sum:adm.first`)).status).to.equal(200);
    expect(Date.now() - started).to.be.below(350);
    holder.finish();
    expect(await holder.reply).to.match(/^HTTP\/1\.1 204 /);
    holder.socket.destroy();
  });
});

describe('write: WriteAdmission', () => {
  it('admits up to maxConcurrent at once, then first come first served as turns are released', async () => {
    const admission = new WriteAdmission(2, 10_000);
    expect(admission.acquire()).to.equal(true);
    expect(admission.acquire()).to.equal(true);
    const order: string[] = [];
    const a = (admission.acquire() as Promise<boolean>).then((ok) => order.push(`a${ok}`));
    const b = (admission.acquire() as Promise<boolean>).then((ok) => order.push(`b${ok}`));
    expect(admission.queued).to.equal(2);
    admission.release();
    await a;
    expect(order).to.deep.equal(['atrue']);
    expect(admission.inFlight).to.equal(2);
    admission.release();
    await b;
    expect(order).to.deep.equal(['atrue', 'btrue']);
    admission.release();
    admission.release();
    expect(admission.inFlight).to.equal(0);
    expect(admission.acquire()).to.equal(true);
  });

  it('times a waiter out without taking a turn', async () => {
    const admission = new WriteAdmission(1, 50);
    expect(admission.acquire()).to.equal(true);
    expect(await admission.acquire()).to.equal(false);
    expect(admission.rejected).to.equal(1);
    expect(admission.queued).to.equal(0);
    admission.release();
    expect(admission.inFlight).to.equal(0);
  });
});
