/**
 * put-telnet's run path (TelnetCommand.executeRun): the session hands a packet's lines from
 * its first `put` on to a parse worker unsplit, and the worker stops at the first line that
 * is not a put or is too long; that line and everything handed after it go back to the
 * session (replay). These tests drive a TelnetSession packet by packet over a socket of
 * their own, so that later packets are in flight on the worker when an earlier one gives
 * lines back: the daemon's own command table, a real parse worker, real storage.
 */
import net from 'node:net';
import path from 'node:path';
import { Duplex } from 'node:stream';
import { expect } from 'chai';
import { createLogger } from '../../core/logger';
import { TelnetSession, type SessionStats } from '../../plugins/telnet/session';
import { PutLineParser } from '../../lib/opentsdb';
import { BatchBuilder } from '../../core/batch-builder';
import { exchange } from '../helpers/clients';
import { REPO_ROOT, startDaemon, type RunningDaemon } from '../helpers/daemon';
import { readPoints } from '../helpers/read-back';
import { captured } from '../fixtures/telnet-commands-capture-plugin';
import { closeGate, gate } from '../fixtures/write-gate-plugin';

const CAPTURE = path.join(REPO_ROOT, 'dist', 'test', 'fixtures', 'telnet-commands-capture-plugin.js');
const GATE = path.join(REPO_ROOT, 'dist', 'test', 'fixtures', 'write-gate-plugin.js');
const MAX_LINE = 1024;

/** A socket the test feeds packet by packet (each `packet` is one 'data' event), recording what the session writes and whether it closed. */
class FakeSocket extends Duplex {
  written = '';
  ended = false;
  remoteAddress = '127.0.0.1';
  override _read(): void {}
  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: () => void): void {
    this.written += chunk.toString('utf8');
    callback();
  }
  override _final(callback: () => void): void {
    this.ended = true;
    callback();
  }
  packet(text: string): void {
    this.emit('data', Buffer.from(text));
  }
}

/** `tsd.put.points_written type=telnet` in a `stats` reply. */
function pointsWritten(statsReply: string): number {
  return Number(/^tsd\.put\.points_written \d+ (\d+) .*type=telnet/m.exec(statsReply)?.[1] ?? NaN);
}

/** Resolves once `check` holds (polled), or fails after `ms`. */
async function until(check: () => boolean | Promise<boolean>, what: string, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('telnet put runs on the parse worker (executeRun, replay) @integration', () => {
  let daemon: RunningDaemon;
  const stats: SessionStats = { linesReceived: 0, repliesDropped: 0 };
  before(async () => {
    daemon = await startDaemon({ plugins: ['http', 'telnet', 'storage-memory', ['put-telnet', { parseWorkers: 1, maxPacketsInFlight: 8 }], 'aggregators-opentsdb', 'query', 'read-api', CAPTURE, GATE] });
    expect(captured.commands?.get('put')?.executeRun, 'put has a run path with workers').to.be.a('function');
  });
  after(() => daemon.stop());

  const session = (): FakeSocket => {
    const socket = new FakeSocket();
    new TelnetSession(socket, captured.commands!, { maxLineLength: MAX_LINE, maxPendingReplyBytes: 1 << 20 }, stats, createLogger('silent')).start();
    return socket;
  };
  const values = async (metric: string): Promise<[number, unknown][]> => (await readPoints(daemon, metric)).map((p) => [p.timestamp / 1000, p.value]);

  /**
   * A session over a real TCP socket (its reads go into one reused buffer,
   * lib/net/reused-reads.ts): the client, to send packets with, and the replies so far.
   */
  const tcpSession = async (): Promise<{ client: net.Socket; replies: () => string; close: () => void }> => {
    let sessionSocket: net.Socket | undefined;
    const server = net.createServer((socket) => {
      sessionSocket = socket;
      new TelnetSession(socket, captured.commands!, { maxLineLength: MAX_LINE, maxPendingReplyBytes: 1 << 20 }, stats, createLogger('silent')).start();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const client = net.connect((server.address() as net.AddressInfo).port, '127.0.0.1');
    let text = '';
    client.on('data', (chunk: Buffer) => (text += chunk.toString()));
    await new Promise((resolve) => client.once('connect', resolve));
    await until(() => sessionSocket !== undefined, 'the accepted socket');
    return {
      client,
      replies: () => text,
      close: () => {
        client.destroy();
        server.close();
      },
    };
  };
  const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

  /** Runs `body` with the gate closed for `metrics`; opens and clears it afterwards, whatever happens. */
  const withGate = async (metrics: string[], body: () => Promise<void>): Promise<void> => {
    closeGate(metrics);
    try {
      await body();
    } finally {
      gate.metrics.clear();
      gate.open();
    }
  };

  it('over TCP: a packet held while its lines wait is not overwritten by the reads after it, nor a line split across reads', async () => {
    const { client, replies, close } = await tcpSession();
    try {
      await withGate(['run.tcp'], async () => {
        // the session stops at `version` (the puts before it are held at the gate) and keeps
        // the rest of this read's bytes: the next reads must not land on them
        client.write('put run.tcp 100 1 host=a\nversion\nput run.tcp 100 2 host=a\nput run.tcp 102 7 host=a\n');
        await gate.arrived;
        client.write('put run.tcp 100 3 host=a\nput run.tcp 101 4 host=a\nput run.tcp 10');
        await pause(50);
        client.write('3 8 host=a\nput run.tcp 104 9 host=a\n');
        await pause(50);
        gate.open();
        await until(async () => (await values('run.tcp')).length === 5, 'five timestamps');
        await until(() => /^dsdb /m.test(replies()), 'the version reply');
        expect(await values('run.tcp')).to.deep.equal([
          [100, 3n],
          [101, 4n],
          [102, 7n],
          [103, 8n],
          [104, 9n],
        ]);
        // a line split across reads, with the buffer reused between them (nothing held)
        for (const part of ['put run.tcp 105 10 ho', 'st=a\nput run.tcp 106 11 host=a\nput run', '.tcp 107 12 host=a\n']) {
          client.write(part);
          await pause(40);
        }
        await until(async () => (await values('run.tcp')).length === 8, 'eight timestamps');
        expect((await values('run.tcp')).slice(5)).to.deep.equal([
          [105, 10n],
          [106, 11n],
          [107, 12n],
        ]);
      });
    } finally {
      close();
    }
  });

  it('drops a connection\'s spare staging buffers once nothing has been in flight for a second', async () => {
    const put = captured.commands!.get('put') as unknown as { sparesKept(connection: unknown): number };
    const socket = new FakeSocket();
    const connection = new TelnetSession(socket, captured.commands!, { maxLineLength: MAX_LINE, maxPendingReplyBytes: 1 << 20 }, stats, createLogger('silent'));
    connection.start();
    for (let i = 0; i < 6; i++) socket.packet(`put run.spare ${100 + i} ${i} host=a\n`);
    await until(async () => (await values('run.spare')).length === 6, 'six timestamps');
    await until(() => put.sparesKept(connection) > 0, 'spare buffers after the burst');
    await until(() => put.sparesKept(connection) === 0, 'the spares dropped while idle', 3000);
    // and the connection goes on as before
    socket.packet('put run.spare 106 6 host=a\n');
    await until(async () => (await values('run.spare')).length === 7, 'seven timestamps');
  });

  it('runs a command between puts after the puts before it and before those after it, with later packets in flight', async () => {
    const writtenBefore = pointsWritten((await exchange(daemon.port, ['stats\n'])).data);
    const linesBefore = stats.linesReceived;
    const socket = session();
    // three packets in a row, before the first is parsed: the second and third are in flight when the first gives `stats` back
    socket.packet('put run.a 100 1 host=a\nput run.a 101 2 host=a\nstats\nput run.a 100 3 host=a\n');
    socket.packet('put run.a 100 4 host=a\nput run.a 102 5 host=a\n');
    socket.packet('put run.a 103 6 host=a\n');
    await until(async () => (await values('run.a')).length === 4, 'the four timestamps');
    await until(() => stats.linesReceived - linesBefore === 7, 'every line counted once');
    // stats saw the two puts before it, not the ones after (the in-flight batches were not written ahead of it)
    expect(pointsWritten(socket.written) - writtenBefore).to.equal(2);
    // last write wins in the order the lines came: 100 is 1, then 3, then 4
    expect(await values('run.a')).to.deep.equal([
      [100, 4n],
      [101, 2n],
      [102, 5n],
      [103, 6n],
    ]);
    // each put written once: six points, not the dropped in-flight batches' again
    expect(pointsWritten((await exchange(daemon.port, ['stats\n'])).data) - writtenBefore).to.equal(6);
  });

  it('keeps a packet that arrives while the lines given back wait for the batch before them behind those lines', async () => {
    // the batch before `version` is held on its way to storage: the worker's stop is known,
    // the lines after it not yet given back, when the next packet comes
    await withGate(['run.gap'], async () => {
      const socket = session();
      socket.packet('put run.gap 100 1 host=a\nversion\nput run.gap 100 2 host=a\n');
      await gate.arrived;
      socket.packet('put run.gap 100 3 host=a\nput run.gap 101 4 host=a\n');
      await new Promise((resolve) => setTimeout(resolve, 50)); // the second packet's lines, parsed ahead, would be here
      gate.open();
      await until(async () => (await values('run.gap')).length === 2, 'both timestamps');
      await until(() => /^dsdb /m.test(socket.written), 'the version reply');
      await new Promise((resolve) => setTimeout(resolve, 100));
      // in the order the lines came: 1, then 2, then 3
      expect(await values('run.gap')).to.deep.equal([
        [100, 3n],
        [101, 4n],
      ]);
    });
  });

  it('gathers the packets that come while two are in flight into one job, handed when one is written', async () => {
    const batchesWritten = async (): Promise<number> => Number(/^tsd\.put\.batches_written \d+ (\d+) .*type=telnet/m.exec((await exchange(daemon.port, ['stats\n'])).data)?.[1] ?? NaN);
    const before = await batchesWritten();
    await withGate(['run.gather'], async () => {
      const socket = session();
      socket.packet('put run.gather 100 1 host=a\n');
      socket.packet('put run.gather 101 2 host=a\n');
      await gate.arrived;
      // two in flight (the first held at the gate): these three wait, gathered
      socket.packet('put run.gather 100 3 host=a\n');
      socket.packet('put run.gather 102 4 host=a\n');
      socket.packet('put run.gather 102 5 host=a\nput run.gather 103 6 host=a\n');
      gate.open();
      await until(async () => (await values('run.gather')).length === 4, 'the four timestamps');
      await until(async () => (await batchesWritten()) - before === 3, 'three batches: the two in flight and the gathered one');
      expect(await values('run.gather')).to.deep.equal([
        [100, 3n],
        [101, 2n],
        [102, 5n],
        [103, 6n],
      ]);
    });
  });

  it('gives back gathered packets behind the lines a worker stopped at, in the order they came', async () => {
    await withGate(['run.gback'], async () => {
      const socket = session();
      // the first job stops at `version`: its rest, the second packet (in flight) and the
      // gathered third and fourth go back to the session, in that order
      socket.packet('put run.gback 100 1 host=a\nversion\nput run.gback 100 2 host=a\n');
      socket.packet('put run.gback 100 3 host=a\n');
      socket.packet('put run.gback 100 4 host=a\nput run.gback 101 5 host=a\n');
      socket.packet('put run.gback 101 6 host=a\n');
      await gate.arrived;
      gate.open();
      await until(() => /^dsdb /m.test(socket.written), 'the version reply');
      await until(async () => (await values('run.gback')).length === 2 && (await values('run.gback'))[1]![1] === 6n, 'the last write of 101');
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(await values('run.gback')).to.deep.equal([
        [100, 4n],
        [101, 6n],
      ]);
    });
  });

  it('stops at exit: the puts before it are stored, none after it (nor in later packets)', async () => {
    const socket = session();
    socket.packet('put run.exit 100 1 host=a\nexit\nput run.exit 101 2 host=a\n');
    socket.packet('put run.exit 102 3 host=a\n');
    await until(() => socket.ended, 'the close');
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(await values('run.exit')).to.deep.equal([[100, 1n]]);
    expect(socket.written).to.equal('');
  });

  it('runs an unknown command and an empty line in a run with their replies, in order with the puts', async () => {
    const socket = session();
    socket.packet('put run.u 100 1 host=a\nfoo\n\nput run.u 101 2 host=a\nversion\nput run.u 102 3 host=a\n');
    await until(async () => (await values('run.u')).length === 3, 'the three points');
    await until(() => /^Built on /m.test(socket.written), 'the version reply');
    const replies = socket.written.split('\n');
    expect(replies[0]).to.equal("unknown command: foo.  Try `help'.");
    expect(replies[1]).to.equal("unknown command: .  Try `help'.");
    expect(replies[2]).to.match(/^dsdb /);
  });

  it('closes at an incomplete line over the limit after a run, once the lines before it ran (a long complete one and a command among them)', async () => {
    const socket = session();
    const long = `put run.long 101 2 host=${'x'.repeat(MAX_LINE)}`;
    socket.packet(`put run.long 100 1 host=a\nversion\n${long}\nput run.long 102 3 host=a\n${'w'.repeat(MAX_LINE + 1)}`);
    socket.packet('put run.long 103 4 host=a\n');
    await until(() => socket.destroyed, 'the close');
    await new Promise((resolve) => setTimeout(resolve, 200));
    // two series (101 has its own host): in time order
    expect((await values('run.long')).sort((a, b) => a[0] - b[0])).to.deep.equal([
      [100, 1n],
      [101, 2n],
      [102, 3n],
    ]);
    expect(socket.written).to.match(/^dsdb /);
  });

  it('takes complete lines past maxLineLength, as OpenTSDB takes any line it finds whole (a known series whose line grew, the common and the guessed path)', async () => {
    const socket = session();
    const prefix = 'put run.grow ';
    const tags = ' host=';
    // 1024 bytes exactly with a one-digit value, then the same series with a longer value
    const pad = 'y'.repeat(MAX_LINE - prefix.length - '100 1'.length - tags.length);
    const at = (t: number, v: string): string => `${prefix}${t} ${v}${tags}${pad}`;
    expect(at(100, '1')).to.have.length(MAX_LINE);
    socket.packet(`${at(100, '1')}\n${at(101, '2')}\r\n${at(102, '3')}\n${at(103, '44')}\n${at(104, '5')}\n${'z'.repeat(3 * MAX_LINE)} x\n`);
    await until(async () => (await values('run.grow')).length === 5, 'every point');
    expect(await values('run.grow')).to.deep.equal([
      [100, 1n],
      [101, 2n],
      [102, 3n],
      [103, 44n],
      [104, 5n],
    ]);
    await until(() => socket.written.includes('unknown command: zzz'), 'the long unknown command answered');
    expect(socket.destroyed).to.equal(false);
  });
});

describe('PutLineParser.parseLines with a line limit (a telnet run)', () => {
  it('stops at the first line that is not a put or is too long, and says where', () => {
    const parser = new PutLineParser({ oneBatchAtATime: true });
    const builder = new BatchBuilder(16);
    const errors: string[] = [];
    const text = Buffer.from('put p.m 100 1 host=a\nput p.m 101 x host=a\nput\nputs p.m 102 1 host=a\nput p.m 103 1 host=a\n');
    const lines = parser.parseLines(text, 0, text.length, builder, errors, 64);
    expect(lines).to.equal(3);
    expect(parser.stoppedAt).to.equal(text.indexOf('puts'));
    expect(builder.length).to.equal(1);
    expect(errors).to.deep.equal(["put: invalid value: Invalid character 'x' in x", 'put: illegal argument: not enough arguments (need least 4, got 0)']);
    const all = parser.parseLines(text, 0, text.length, new BatchBuilder(16), [], -1);
    expect(all).to.equal(5);
    expect(parser.stoppedAt).to.equal(-1);
  });

  it('takes a line of exactly the limit, with \\n or \\r\\n, and stops at one byte more', () => {
    const parser = new PutLineParser({ oneBatchAtATime: true });
    const line = (v: string): string => `put p.len 100 ${v} host=abcdefgh`;
    const limit = line('1').length;
    for (const text of [`${line('1')}\n${line('2')}\r\n${line('3')}\n`, `${line('1')}\n${line('2')}\n${line('3')}\r\n`]) {
      const bytes = Buffer.from(text + `${line('44')}\n${line('5')}\n`);
      const builder = new BatchBuilder(16);
      expect(parser.parseLines(bytes, 0, bytes.length, builder, [], limit)).to.equal(3);
      expect(parser.stoppedAt).to.equal(text.length);
      expect(builder.length).to.equal(3);
    }
  });
});

describe('telnet put on the main thread and on a parse worker give the same answers @integration', () => {
  // puts of one series rewritten at the same timestamps (order shows in last-write-wins), bad lines, other commands, \r\n
  const stream = [
    'put same.m 100 1 host=a',
    'put same.m 101 2 host=a',
    'put same.m 100 3 host=a\r',
    'put same.m notatime 4 host=a',
    'help',
    'put same.m 102 5 host=a',
    '',
    'put same.m 100 6',
    'put same.m 00000000000000000102 7 host=a',
    'put same.m 103 {"a":[1,2]} host=a',
    'put same.m 101 8 host=a',
    'foo',
    'put same.n 100 9 host=b',
    'put same.m 104 9.5 host=a',
  ].join('\n') + '\n';
  const run = async (parseWorkers: number, packets: string[]): Promise<{ replies: string; points: unknown[] }> => {
    const daemon = await startDaemon({ plugins: ['telnet', 'storage-memory', ['put-telnet', { parseWorkers }]] });
    try {
      const { data } = await exchange(daemon.port, packets, { gapMs: 5 });
      const points = [...(await readPoints(daemon, 'same.m')), ...(await readPoints(daemon, 'same.n'))].map((p) => [p.metric, p.timestamp, p.kind, String(p.value)]);
      return { replies: data, points };
    } finally {
      await daemon.stop();
    }
  };

  for (const [name, packets] of [
    ['in one packet', [stream]],
    ['in packets cut inside lines', [stream.slice(0, 37), stream.slice(37, 120), stream.slice(120, 121), stream.slice(121)]],
  ] as const) {
    it(`a stream of puts, bad lines and other commands, ${name}`, async () => {
      const inline = await run(0, [...packets]);
      const worker = await run(1, [...packets]);
      expect(worker).to.deep.equal(inline);
      // the comparison means something: both answered the bad lines and stored the last writes
      expect(inline.replies).to.contain("put: invalid value: Invalid character 'n' in notatime");
      expect(inline.replies).to.contain('put: invalid value: Value too long: 00000000000000000102');
      expect(inline.points).to.deep.include(['same.m', 100000, 'int', '3'] as unknown);
    });
  }
});

describe('put-telnet bounds the bytes a connection has in flight (maxBytesInFlight) @integration', () => {
  /** A daemon whose batches of `bytes.*` can be held at the gate; each connection may have `maxBytesInFlight` bytes of lines in flight. */
  const start = (maxBytesInFlight: number): Promise<RunningDaemon> =>
    startDaemon({ plugins: ['telnet', 'storage-memory', ['put-telnet', { parseWorkers: 1, maxPacketsInFlight: 64, maxBytesInFlight }], CAPTURE, GATE] });
  /** A packet of `lines` put lines of `metric`, ~30 bytes each. */
  const packet = (metric: string, first: number, lines: number): string => Array.from({ length: lines }, (_, i) => `put ${metric} ${1000 + first + i} ${i} host=a\n`).join('');

  for (const [bound, pausedAfterTwo] of [
    [64 * 1024, true],
    [2 * 2 ** 20, false],
  ] as const) {
    it(`at ${bound / 1024} KiB, two 45 KiB packets held at storage ${pausedAfterTwo ? 'pause' : 'do not pause'} the connection; every point is stored once storage takes them`, async () => {
      const daemon = await start(bound);
      try {
        closeGate(['bytes.held']);
        const socket = new FakeSocket();
        new TelnetSession(socket, captured.commands!, { maxLineLength: MAX_LINE, maxPendingReplyBytes: 1 << 20 }, { linesReceived: 0, repliesDropped: 0 }, createLogger('silent')).start();
        const perPacket = 1500; // ~45 KiB of lines (30 bytes a line)
        socket.packet(packet('bytes.held', 0, perPacket));
        await gate.arrived;
        expect(socket.isPaused(), 'one packet in flight is under either bound').to.equal(false);
        socket.packet(packet('bytes.held', perPacket, perPacket));
        expect(socket.isPaused()).to.equal(pausedAfterTwo);
        gate.open();
        await until(() => !socket.isPaused(), 'the connection resumed');
        socket.packet(packet('bytes.held', 2 * perPacket, perPacket));
        await until(async () => (await readPoints(daemon, 'bytes.held')).length === 3 * perPacket, 'every point');
      } finally {
        gate.metrics.clear();
        gate.open();
        await daemon.stop();
      }
    });
  }
});
