/**
 * Issue #17 (memory bounded by configuration, not by load): write requests beyond the
 * http plugin's `maxConcurrentWrites` wait unread for a turn, and get 503 after
 * `writeQueueTimeoutMs`; reads are never held back.
 */
import net from 'node:net';
import { expect } from 'chai';
import { Admission, type WaitingTurn } from '../../lib/http';
import { startDaemon, type RunningDaemon } from '../helpers/daemon';

const PLUGINS = ['put-http', 'query', 'read-api', 'aggregators-opentsdb', 'storage-memory'];

/** A POST /api/put whose headers and the first `sent` bytes of `body` are written; `finish()` writes the rest. */
function partialPut(port: number, body: Buffer, sent: number, length = body.length): { socket: net.Socket; reply: Promise<string>; finish(): void } {
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
  socket.write(`POST /api/put HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${length}\r\n\r\n`);
  socket.write(body.subarray(0, sent));
  return { socket, reply, finish: () => socket.write(body.subarray(sent)) };
}

/** Headers of a POST with `Expect: 100-continue` and no body yet; `received()` is everything answered so far. */
function expectingContinue(port: number, path: string, length: number): { socket: net.Socket; received(): string } {
  const socket = net.connect(port, '127.0.0.1');
  let received = '';
  socket.on('data', (c) => (received += c.toString('latin1')));
  socket.write(`POST ${path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nExpect: 100-continue\r\nContent-Length: ${length}\r\n\r\n`);
  return { socket, received: () => received };
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

/**
 * A POST /api/put of `size` bytes written whole before a byte of the answer is read, as
 * Python's urllib does (it also sends `Connection: close` when `close`); with
 * `expectContinue`, headers saying `Expect: 100-continue` and the body 100 ms later without
 * waiting for the go-ahead (as curl and Go do after 1 s). Resolves with the write's error
 * code ('' when none), once `waitMs` passed after the write; `received()` is everything
 * answered so far.
 */
async function putBeforeReading(port: number, size: number, close: boolean, { expectContinue = false, waitMs = 300 } = {}): Promise<{ writeError: string; received(): string; socket: net.Socket }> {
  const socket = net.connect(port, '127.0.0.1');
  socket.pause();
  let received = '';
  socket.on('data', (chunk) => (received += chunk.toString('latin1')));
  socket.on('error', () => undefined);
  socket.write(`POST /api/put HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n${close ? 'Connection: close\r\n' : ''}${expectContinue ? 'Expect: 100-continue\r\n' : ''}Content-Length: ${size}\r\n\r\n`);
  if (expectContinue) await sleep(100);
  const error = await new Promise<Error | null | undefined>((resolve) => socket.write(Buffer.alloc(size, 0x20), resolve));
  socket.resume();
  await sleep(waitMs);
  return { writeError: (error as NodeJS.ErrnoException | null | undefined)?.code ?? '', received: () => received, socket };
}

describe('write: admission of write requests (maxConcurrentWrites, writeQueueTimeoutMs)', () => {
  let daemon: RunningDaemon;
  before(async () => {
    // the turn holders here keep their bodies open on purpose (the queue is what is tested): no contended rate
    daemon = await startDaemon({ plugins: [['http', { maxConcurrentWrites: 1, writeQueueTimeoutMs: 1000, minContendedWriteBodyBytesPerSecond: 0 }], ...PLUGINS] });
  });
  after(() => daemon.stop());

  it('answers a write that waited past writeQueueTimeoutMs with 503 in OpenTSDB form; the one holding the turn still succeeds', async () => {
    const body = point('adm.first', 1);
    const first = partialPut(daemon.port, body, 5);
    await sleep(100); // its turn taken, its body awaited
    const started = Date.now();
    const second = await fetch(`http://127.0.0.1:${daemon.port}/api/put`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: point('adm.second', 2) });
    expect(Date.now() - started).to.be.at.least(950);
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
    // 32 MiB of JSON whitespace around one point: more than the sockets' buffers take
    // (about 4 MiB here), so it can all leave the client only if the daemon reads it
    const pad = 32 * 1024 * 1024;
    const tail = point('adm.big', 7).subarray(1);
    const waiting = partialPut(daemon.port, Buffer.from('['), 1, 1 + pad + tail.length);
    const chunk = Buffer.alloc(64 * 1024, 0x20);
    for (let sent = 0; sent < pad; sent += chunk.length) waiting.socket.write(chunk);
    waiting.socket.write(tail);
    await sleep(400);
    expect(await stat(daemon.port, 'tsd.http.writes.queued')).to.equal(1);
    expect(await stat(daemon.port, 'tsd.http.writes.in_flight')).to.equal(1);
    // written it would be had the daemon read it into memory (it was, before the hand-off fix)
    const left = pad + tail.length - waiting.socket.writableLength;
    expect(left).to.be.below(12 * 1024 * 1024);
    holder.finish();
    expect(await holder.reply).to.match(/^HTTP\/1\.1 204 /);
    holder.socket.destroy();
    expect(await waiting.reply).to.match(/^HTTP\/1\.1 204 /);
    waiting.socket.destroy();
    expect(await stored(daemon.port, 'adm.big')).to.deep.equal({ '1700000000': 7 });
    expect(await stat(daemon.port, 'tsd.http.writes.in_flight')).to.equal(0);
  });

  it('gives back the turn of a pipelined write whose client left, queued or not (its response never gets a socket)', async () => {
    // queued: a connection pipelines two puts behind the holder, then leaves
    const holder = partialPut(daemon.port, point('adm.h4', 1), 3);
    await sleep(100);
    const one = point('adm.pipe', 1);
    const two = point('adm.pipe', 2);
    const head = (body: Buffer) => `POST /api/put HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`;
    const pipe = net.connect(daemon.port, '127.0.0.1');
    pipe.on('error', () => undefined);
    pipe.write(Buffer.concat([Buffer.from(head(one)), one, Buffer.from(head(two)), two]));
    await sleep(150);
    pipe.destroy();
    holder.finish();
    expect(await holder.reply).to.match(/^HTTP\/1\.1 204 /);
    holder.socket.destroy();
    await sleep(100);
    expect(await stat(daemon.port, 'tsd.http.writes.in_flight')).to.equal(0);
    expect(await stat(daemon.port, 'tsd.http.writes.queued')).to.equal(0);
    // admitted: a put pipelined behind reads whose answers the client never reads
    const reads = Buffer.from('GET /api/openapi.json HTTP/1.1\r\nHost: x\r\n\r\n'.repeat(100));
    const slow = net.connect(daemon.port, '127.0.0.1');
    slow.on('error', () => undefined);
    slow.pause();
    slow.write(Buffer.concat([reads, Buffer.from(head(one)), one]));
    await sleep(300);
    slow.destroy();
    await sleep(100);
    expect(await stat(daemon.port, 'tsd.http.writes.in_flight')).to.equal(0);
    const next = await fetch(`http://127.0.0.1:${daemon.port}/api/put`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: point('adm.after', 1) });
    expect(next.status).to.equal(204);
  });

  it('does not send a queued write "100 Continue" until it has its turn', async () => {
    const holder = partialPut(daemon.port, point('adm.h5', 1), 3);
    await sleep(100);
    const body = point('adm.cont', 9);
    const writer = expectingContinue(daemon.port, '/api/put', body.length);
    await sleep(200);
    expect(writer.received()).to.equal('');
    holder.finish();
    expect(await holder.reply).to.match(/^HTTP\/1\.1 204 /);
    holder.socket.destroy();
    await sleep(100);
    expect(writer.received()).to.equal('HTTP/1.1 100 Continue\r\n\r\n');
    writer.socket.write(body);
    await sleep(200);
    expect(writer.received()).to.match(/HTTP\/1\.1 204 /);
    writer.socket.destroy();
    expect(await stored(daemon.port, 'adm.cont')).to.deep.equal({ '1700000000': 9 });
    // a read route still gets its go-ahead at once
    const query = JSON.stringify({ start: 1699999000, queries: [{ aggregator: 'sum', metric: 'adm.cont' }] });
    const reader = expectingContinue(daemon.port, '/api/query', query.length);
    await sleep(150);
    expect(reader.received()).to.equal('HTTP/1.1 100 Continue\r\n\r\n');
    reader.socket.write(query);
    await sleep(200);
    expect(reader.received()).to.match(/HTTP\/1\.1 200 /);
    reader.socket.destroy();
  });

  it('reads and drops a refused write\'s body before its 503, so a client that writes all before it reads gets the 503, not a reset', async () => {
    const holder = partialPut(daemon.port, point('adm.h6', 1), 3);
    await sleep(100);
    // 16 MiB: more than the sockets' buffers take, so unread bytes would be left in the
    // daemon's socket when it closed (the kernel then resets the connection)
    const closing = await putBeforeReading(daemon.port, 16 * 1024 * 1024, true);
    expect(closing.writeError).to.equal('');
    expect(closing.received()).to.match(/^HTTP\/1\.1 503 /);
    expect(closing.received()).to.match(/\r\nconnection: close\r\n/i);
    closing.socket.destroy();
    // without Connection: close the connection is kept and serves the next request
    const keeping = await putBeforeReading(daemon.port, 16 * 1024 * 1024, false);
    expect(keeping.writeError).to.equal('');
    expect(keeping.received()).to.match(/^HTTP\/1\.1 503 /);
    expect(keeping.received()).to.match(/\r\nconnection: keep-alive\r\n/i);
    keeping.socket.write('GET /api/version HTTP/1.1\r\nHost: x\r\n\r\n');
    await sleep(200);
    expect(keeping.received()).to.match(/HTTP\/1\.1 200 [^]*"version"/);
    keeping.socket.destroy();
    // `Expect: 100-continue`, the body sent without the go-ahead (curl and Go do after 1 s)
    const impatient = await putBeforeReading(daemon.port, 16 * 1024 * 1024, false, { expectContinue: true });
    expect(impatient.writeError).to.equal('');
    expect(impatient.received()).to.match(/^HTTP\/1\.1 503 /);
    impatient.socket.destroy();
    holder.finish();
    expect(await holder.reply).to.match(/^HTTP\/1\.1 204 /);
    holder.socket.destroy();
    await sleep(50);
    expect(await stat(daemon.port, 'tsd.http.writes.in_flight')).to.equal(0);
  });

  it('passes on the turn of a client that left while it waited', async () => {
    const holder = partialPut(daemon.port, point('adm.h2', 1), 3);
    await sleep(100);
    const leaver = partialPut(daemon.port, point('adm.leaver', 1), 3);
    await sleep(100);
    expect(await stat(daemon.port, 'tsd.http.writes.queued')).to.equal(1);
    const rejected = await stat(daemon.port, 'tsd.http.writes.rejected');
    leaver.socket.destroy();
    await sleep(50);
    // out of the queue at once, and never counted as answered 503
    expect(await stat(daemon.port, 'tsd.http.writes.queued')).to.equal(0);
    await sleep(1000); // past its queue timeout
    expect(await stat(daemon.port, 'tsd.http.writes.rejected')).to.equal(rejected);
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
    expect(Date.now() - started).to.be.below(900);
    holder.finish();
    expect(await holder.reply).to.match(/^HTTP\/1\.1 204 /);
    holder.socket.destroy();
  });
});

describe('write: Admission', () => {
  const waiting = (taken: true | WaitingTurn): WaitingTurn => {
    if (taken === true) throw new Error('admitted at once');
    return taken;
  };

  it('admits up to maxConcurrent at once, then first come first served as turns are released', async () => {
    const admission = new Admission(2, 10_000);
    expect(admission.acquire()).to.equal(true);
    expect(admission.acquire()).to.equal(true);
    const order: string[] = [];
    const a = waiting(admission.acquire()).turn.then((ok) => order.push(`a${ok}`));
    const b = waiting(admission.acquire()).turn.then((ok) => order.push(`b${ok}`));
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
    const admission = new Admission(1, 50);
    expect(admission.acquire()).to.equal(true);
    expect(await waiting(admission.acquire()).turn).to.equal(false);
    expect(admission.rejected).to.equal(1);
    expect(admission.queued).to.equal(0);
    admission.release();
    expect(admission.inFlight).to.equal(0);
  });

  it('takes a cancelled waiter out of the queue at once: not counted as rejected, and the next turn goes to the one behind it', async () => {
    const admission = new Admission(1, 200);
    expect(admission.acquire()).to.equal(true);
    const gone = waiting(admission.acquire());
    const next = waiting(admission.acquire());
    gone.cancel();
    expect(await gone.turn).to.equal(false);
    expect(admission.queued).to.equal(1);
    admission.release();
    expect(await next.turn).to.equal(true);
    expect(admission.inFlight).to.equal(1);
    await sleep(250); // past the cancelled one's timeout
    expect(admission.rejected).to.equal(0);
    next.cancel(); // admitted already: nothing
    admission.release();
    expect(admission.inFlight).to.equal(0);
  });
});

describe('a write whose body trickles in loses its turn (http minWriteBodyBytesPerSecond, minContendedWriteBodyBytesPerSecond)', function () {
  this.timeout(30_000);
  let daemon: RunningDaemon;
  before(async () => {
    daemon = await startDaemon({ plugins: [['http', { maxConcurrentWrites: 1, writeQueueTimeoutMs: 20_000 }], 'storage-memory', 'put-http'] });
  });
  after(() => daemon?.stop());

  /** A connection that sends a write's headers (promising 100,000 bytes of body), then `every` ms one byte, `bytes` at a time. */
  async function trickler(every: number, bytes: number): Promise<{ closed: Promise<number>; started: number; stop(): void }> {
    const slow = net.connect(daemon.port, '127.0.0.1');
    await new Promise<void>((resolve, reject) => slow.once('connect', resolve).once('error', reject));
    const closed = new Promise<number>((resolve) => slow.once('close', () => resolve(performance.now())));
    slow.on('error', () => undefined);
    slow.write('POST /api/put HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n[');
    const started = performance.now();
    const timer = setInterval(() => slow.writable && slow.write(' '.repeat(bytes)), every);
    return { closed, started, stop: () => (clearInterval(timer), slow.destroy()) };
  }
  const put = (metric: string) => fetch(`http://127.0.0.1:${daemon.port}/api/put`, { method: 'POST', body: JSON.stringify({ metric, timestamp: 1700000000, value: 1, tags: { host: 'a' } }) });

  it('keeps a slow body that nobody waits behind until the 5 s grace, then closes one under minWriteBodyBytesPerSecond', async () => {
    // a byte a second: below the 240 bytes/s minimum
    const slow = await trickler(1000, 1);
    try {
      const closedAt = await slow.closed;
      expect(closedAt - slow.started).to.be.within(5000, 9000);
    } finally {
      slow.stop();
    }
  });

  it('closes a body above that minimum but under the contended one as soon as another write waits, and the waiting write gets the turn', async () => {
    // ~400 bytes a second (above 240, as the slowloris a break-it session used): it held the
    // turn for requestTimeoutMs while every other write waited, then got a 503
    const slow = await trickler(100, 40);
    try {
      await new Promise((resolve) => setTimeout(resolve, 1500)); // alone: it keeps its turn past the contended grace
      let closed = false;
      void slow.closed.then(() => (closed = true));
      expect(closed).to.equal(false);
      const asked = performance.now();
      const res = await put('after.slow');
      expect(res.status).to.equal(204);
      const closedAt = await slow.closed;
      // closed once the write waited (not after requestTimeoutMs, 5 minutes)
      expect(closedAt - asked).to.be.below(3000);
      expect(performance.now() - asked).to.be.below(5000);
    } finally {
      slow.stop();
    }
  });
});
