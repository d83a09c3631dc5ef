/**
 * Telnet `put` parsing on worker threads (lib/opentsdb PutParsePool, put-telnet's
 * `parseWorkers`): the batches equal the main-thread parser's, in order; a worker that
 * dies loses no job; on a connection, a line of another command sees the puts before it
 * written; many packets of one series keep last-write-wins.
 */
import path from 'node:path';
import { expect } from 'chai';
import protobuf from 'protobufjs';
import { BatchBuilder } from '../../core/batch-builder';
import { PutJsonBytesReader } from '../../lib/opentsdb/put-json-bytes';
import { PutLineParser } from '../../lib/opentsdb/put-line-parser';
import { PARSE_WORKER_LIMITS, PutParsePool, type ParsedLines } from '../../lib/opentsdb/put-parse-pool';
import { MAX_SHARED_BYTES } from '../../lib/opentsdb/shared-bytes';
import { exchange } from '../helpers/clients';
import { startDaemon } from '../helpers/daemon';
import { readPoints } from '../helpers/read-back';
import { describeBatch, parseLineByLine } from '../helpers/put-lines';

/** Jobs of put lines: new and known series, every value kind, errors, `\r\n` endings. */
function jobs(count: number): string[] {
  const out: string[] = [];
  for (let j = 0; j < count; j++) {
    const lines: string[] = [];
    for (let i = 0; i < 40; i++) {
      const t = 1356998400 + j * 40 + i;
      lines.push(`put m.${i % 7} ${t} ${i % 3 === 0 ? i * 1.5 : i} host=h${(i * j) % 11} dc=d${i % 2}`);
    }
    lines.push(`put s.str ${1356998400 + j} "value ${j}" host=a`, `put s.json ${1356998400 + j} {"j":${j}} host=a`, 'put bad.line notatime 1 host=a', `put m.0 ${1356998400 + j} ${j}`);
    out.push(lines.join(j % 2 ? '\r\n' : '\n') + '\n');
  }
  return out;
}

/** What the main-thread parser makes of the same lines (the reference). */
const inline = (parser: PutLineParser, text: string) => parseLineByLine(parser, Buffer.from(text));

const summary = (p: ParsedLines) => ({ points: describeBatch(p.batch), errors: p.errors });

describe('put parsing on worker threads', () => {
  it('gives the main-thread parser\'s batches and error lines, job by job in order', async () => {
    const pool = new PutParsePool(1, () => undefined);
    try {
      const texts = jobs(30);
      const answers = await Promise.all(texts.map((t) => pool.parse(Buffer.from(t), 0)));
      const reference = new PutLineParser();
      expect(pool.threads()).to.have.length(1); // it did run on a worker
      answers.forEach((a, j) => expect(summary(a), `job ${j}`).to.deep.equal(inline(reference, texts[j]!)));
      expect(answers[0]!.errors).to.have.length(2);
    } finally {
      await pool.close();
    }
  });

  it('parses lines given in shared memory (a SharedArrayBuffer), the same buffer carrying the next job once answered', async () => {
    const pool = new PutParsePool(1, () => undefined);
    try {
      const texts = jobs(6);
      const staging = Buffer.from(new SharedArrayBuffer(64 * 1024));
      const reference = new PutLineParser();
      for (const [j, text] of texts.entries()) {
        const length = staging.write(text);
        const answer = await pool.parse(staging.subarray(0, length), 0);
        expect(summary(answer), `job ${j}`).to.deep.equal(inline(reference, text));
      }
      expect(pool.threads()).to.have.length(1);
    } finally {
      await pool.close();
    }
  });

  it('parses jobs submitted after close on the calling thread, starting no worker that nothing would end', async () => {
    const pool = new PutParsePool(1, () => undefined);
    const texts = jobs(3);
    const reference = new PutLineParser();
    expect(summary(await pool.parse(Buffer.from(texts[0]!), 0))).to.deep.equal(inline(reference, texts[0]!));
    await pool.close();
    const late = await Promise.all([pool.parse(Buffer.from(texts[1]!), 0), pool.parseJson(Buffer.from('[{"metric":"late.m","timestamp":1356998400,"value":1,"tags":{"host":"a"}}]'), 0)]);
    expect(pool.threads()).to.have.length(0);
    expect(summary(late[0])).to.deep.equal(inline(reference, texts[1]!));
    expect(describeBatch(late[1].batch)).to.have.length(1);
    expect(describeBatch(late[1].batch)[0]).to.match(/^late\.m/);
  });

  it('starts its workers with a bounded V8 heap', async () => {
    const pool = new PutParsePool(1, () => undefined);
    try {
      await pool.parse(Buffer.from(jobs(1)[0]!), 0);
      const limits = pool.threads()[0]!.resourceLimits!;
      expect(limits.maxYoungGenerationSizeMb).to.equal(PARSE_WORKER_LIMITS.maxYoungGenerationSizeMb);
      expect(limits.maxOldGenerationSizeMb).to.equal(PARSE_WORKER_LIMITS.maxOldGenerationSizeMb);
    } finally {
      await pool.close();
    }
  });

  it('loses no job when its worker dies: the unanswered ones are parsed on the main thread, in order', async () => {
    const crashes: unknown[] = [];
    const pool = new PutParsePool(1, (err) => crashes.push(err));
    try {
      const texts = jobs(60);
      const first = await pool.parse(Buffer.from(texts[0]!), 0); // the worker is up
      const pending = texts.slice(1).map((t) => pool.parse(Buffer.from(t), 0));
      await pool.threads()[0]!.terminate(); // dies with jobs in flight
      const answers = [first, ...(await Promise.all(pending))];
      expect(crashes).to.have.length(1);
      const reference = new PutLineParser();
      answers.forEach((a, j) => expect(summary(a), `job ${j}`).to.deep.equal(inline(reference, texts[j]!)));
      // a new worker takes the next jobs, numbering its series afresh
      const after = await pool.parse(Buffer.from(texts[5]!), 0);
      expect(summary(after)).to.deep.equal(inline(new PutLineParser(), texts[5]!));
      expect(pool.threads()).to.have.length(1);
    } finally {
      await pool.close();
    }
  });

  it('names a batch\'s series by slots that keep naming one series while their space lives, over the worker\'s slot bound and a crash', async () => {
    const pool = new PutParsePool(1, () => undefined);
    try {
      // by space, by slot: the series key the slot named first
      const named = new Map<unknown, Map<number, string>>();
      let slotted = 0;
      const check = (answer: ParsedLines, job: string) => {
        const batch = answer.batch!;
        const { space, slots } = batch.seriesSlots!;
        expect(slots.length, job).to.equal(batch.series.length);
        let bySlot = named.get(space);
        if (!bySlot) named.set(space, (bySlot = new Map()));
        slots.forEach((slot, s) => {
          const key = batch.seriesKeys[s]!;
          expect(bySlot.get(slot) ?? key, `${job}: slot ${slot}`).to.equal(key);
          bySlot.set(slot, key);
          slotted++;
        });
      };
      // MAX_SLOTS (2^18) series and more: the worker's slots start over, and with them the space
      const lines = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => `put slot.m ${1356998400 + i} ${i} host=h${from + i}\n`).join('');
      const jobsOf = (from: number, to: number, step: number) => Array.from({ length: Math.ceil((to - from) / step) }, (_, k) => lines(from + k * step, Math.min(to, from + (k + 1) * step)));
      const answers = await Promise.all([...jobsOf(0, 300_000, 20_000), lines(0, 50), lines(299_950, 300_050)].map((t) => pool.parse(Buffer.from(t), 0)));
      answers.forEach((a, j) => check(a, `job ${j}`));
      expect(named.size).to.equal(2);
      // a worker that dies: its successor numbers series afresh, in a new space
      const before = await pool.parse(Buffer.from(lines(10, 20)), 0);
      await pool.threads()[0]!.terminate();
      const after = await pool.parse(Buffer.from(lines(20, 30) + lines(10, 20)), 0);
      check(before, 'before the crash');
      check(after, 'after the crash');
      expect(after.batch!.seriesSlots!.space).to.not.equal(before.batch!.seriesSlots!.space);
      expect(named.size).to.equal(3);
      expect(slotted).to.equal(300_000 + 150 + 10 + 20);
    } finally {
      await pool.close();
    }
  });

  it('names the right series after a fallback, when a plugin reader\'s series cache outlived the table that numbered it', async () => {
    // the protobuf reader keeps its series cache at module level; each fallback (here: a
    // closed pool, every job parsed on this thread) makes a new slot table
    const pool = new PutParsePool(1, () => undefined);
    await pool.close();
    const reader = require.resolve('../../plugins/protobuf/body-reader');
    const WriteRequest = protobuf.loadSync(path.resolve(__dirname, '..', '..', '..', 'dsdb.proto')).lookupType('dsdb.WriteRequest');
    const body = (hosts: string[]) => Buffer.from(WriteRequest.encode(WriteRequest.fromObject({ points: hosts.map((host, i) => ({ metric: 'fallback.m', timestamp: 1356998400 + i, tags: { host }, doubleValue: i })) })).finish());
    const first = await pool.parseWith(reader, body(['a', 'b']), undefined, 0);
    const second = await pool.parseWith(reader, body(['d', 'e', 'b']), undefined, 0);
    expect(describeBatch(first.batch)).to.have.length(2);
    expect(second.batch!.series.map((s) => s.tags.host)).to.deep.equal(['d', 'e', 'b']);
    expect(new Set(second.batch!.seriesSlots!.slots).size).to.equal(3);
  });

  /** JSON bodies: common ones (all series known after the first), and ones only the exact reader takes. */
  function jsonBodies(count: number): string[] {
    const out: string[] = [];
    for (let j = 0; j < count; j++) {
      const points = Array.from({ length: 30 }, (_, i) => ({ metric: `j.${i % 4}`, timestamp: 1356998400 + j * 30 + i, value: i % 3 === 0 ? i * 1.25 : i - 7, tags: { host: `h${(i * j) % 9}`, dc: `d${i % 2}` } }));
      let body = JSON.stringify(points);
      if (j % 5 === 4) body = body.replace('"j.0"', '"j.\\u0030"'); // an escape: the exact reader's
      if (j % 7 === 6) body = body.replace(/"value":[^,]+/, '"value":"not a number"'); // a bad point: the exact reader's answer
      out.push(body);
    }
    return out;
  }

  /** What the main-thread byte reader makes of a body: its points, or undefined when it needs the exact reader. */
  function inlineJson(reader: PutJsonBytesReader, body: string): string[] | undefined {
    const builder = new BatchBuilder(8);
    return reader.read(Buffer.from(body), builder) > 0 ? describeBatch(builder.take()) : undefined;
  }

  it('reads /api/put JSON bodies as the main-thread byte reader does, and sends the others to the exact reader', async () => {
    const pool = new PutParsePool(1, () => undefined);
    try {
      const bodies = jsonBodies(20);
      const answers = await Promise.all(bodies.map((b, k) => (k % 3 === 0 ? pool.parse(Buffer.from(jobs(1)[0]!), 0) : pool.parseJson(Buffer.from(b), 0))));
      expect(pool.threads()).to.have.length(1);
      const reader = new PutJsonBytesReader();
      const lines = new PutLineParser();
      let exact = 0;
      answers.forEach((a, k) => {
        if (k % 3 === 0) return expect(summary(a), `lines job ${k}`).to.deep.equal(inline(lines, jobs(1)[0]!));
        const want = inlineJson(reader, bodies[k]!);
        if (want === undefined) {
          exact++;
          expect(a.exact, `body ${k}`).to.equal(true);
          expect(a.batch).to.equal(undefined);
        } else {
          expect(a.exact, `body ${k}`).to.equal(false);
          expect(describeBatch(a.batch), `body ${k}`).to.deep.equal(want);
          expect(a.lines).to.equal(30);
        }
      });
      expect(exact).to.be.greaterThan(0);
    } finally {
      await pool.close();
    }
  });

  it('carries bodies to its thread in shared buffers it lends and takes back, no body reading another\'s bytes', async () => {
    const pool = new PutParsePool(1, () => undefined);
    try {
      const reader = new PutJsonBytesReader();
      // waves of four in flight, each wave's bodies larger than the last (a lent buffer
      // that is too small is not reused), then smaller again (a larger one is)
      for (const [wave, copies] of [1, 2, 40, 300, 3].entries()) {
        const bodies = jsonBodies(4).map((b) => `[${Array.from({ length: copies }, () => b.slice(1, -1)).join(',')}]`);
        const answers = await Promise.all(bodies.map((b) => pool.parseJson(Buffer.from(b), 0)));
        answers.forEach((a, k) => expect(a.exact ? undefined : describeBatch(a.batch), `wave ${wave} body ${k}`).to.deep.equal(inlineJson(reader, bodies[k]!)));
        expect(pool.sharedBuffersKept()[0], `wave ${wave}`).to.be.within(1, 4);
      }
      expect(pool.threads()).to.have.length(1);
      // a body over MAX_SHARED_BYTES is posted as it is (copied), no shared buffer made for it
      const kept = pool.sharedBuffersKept()[0];
      const huge = `[${Array.from({ length: 3000 }, () => jsonBodies(1)[0]!.slice(1, -1)).join(',')}]`;
      expect(huge.length).to.be.greaterThan(MAX_SHARED_BYTES);
      const answer = await pool.parseJson(Buffer.from(huge), 0);
      expect(describeBatch(answer.batch)).to.deep.equal(inlineJson(reader, huge));
      expect(pool.sharedBuffersKept()[0]).to.equal(kept);
    } finally {
      await pool.close();
    }
  });

  it('loses no JSON body when its worker dies: the unanswered ones are read on the main thread', async () => {
    const crashes: unknown[] = [];
    const pool = new PutParsePool(1, (err) => crashes.push(err));
    try {
      const bodies = jsonBodies(40);
      const first = await pool.parseJson(Buffer.from(bodies[0]!), 0);
      const pending = bodies.slice(1).map((b) => pool.parseJson(Buffer.from(b), 0));
      await pool.threads()[0]!.terminate();
      const answers = [first, ...(await Promise.all(pending))];
      expect(crashes).to.have.length(1);
      const reader = new PutJsonBytesReader();
      answers.forEach((a, k) => expect(a.exact ? undefined : describeBatch(a.batch), `body ${k}`).to.deep.equal(inlineJson(reader, bodies[k]!)));
    } finally {
      await pool.close();
    }
  });

  describe('telnet put with parseWorkers @integration', () => {
    it('writes the puts before a later line of another command runs (`stats` counts them)', async () => {
      const daemon = await startDaemon({ plugins: ['http', 'telnet', 'storage-memory', ['put-telnet', { parseWorkers: 1, maxPacketsInFlight: 64 }], 'aggregators-opentsdb', 'query', 'read-api'] });
      try {
        const lines = Array.from({ length: 500 }, (_, i) => `put settle.m ${1356998400 + i} ${i} host=a`);
        const { data } = await exchange(daemon.port, [lines.join('\n') + '\nstats\n']);
        expect(data).to.match(/^tsd\.put\.points_written \d+ 500 host=\S+ type=telnet$/m);
      } finally {
        await daemon.stop();
      }
    });

    it('gives put-http its two worker slots in the pool put-telnet made with one, telnet connections staying on the first', async () => {
      const daemon = await startDaemon({ plugins: ['http', 'telnet', 'storage-memory', ['put-telnet', { parseWorkers: 1 }], ['put-http', { parseWorkers: 2 }], 'aggregators-opentsdb', 'query', 'read-api'] });
      try {
        const pool = daemon.kernel.container.resolve('putParsePool');
        expect(pool.size).to.equal(2);
        // four telnet connections: one thread
        await Promise.all([0, 1, 2, 3].map((c) => exchange(daemon.port, [Array.from({ length: 20 }, (_, i) => `put pool.telnet ${1356998400 + i} ${i} conn=c${c}\n`).join('')])));
        expect(pool.threads()).to.have.length(1);
        // JSON bodies in flight together: both threads
        const body = (b: number) => JSON.stringify(Array.from({ length: 50 }, (_, i) => ({ metric: 'pool.http', timestamp: 1356998400 + i, value: b * 100 + i, tags: { body: `b${b}` } })));
        const answers = await Promise.all([0, 1, 2, 3].map((b) => fetch(`http://127.0.0.1:${daemon.port}/api/put`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: body(b) })));
        expect(answers.map((a) => a.status)).to.deep.equal([204, 204, 204, 204]);
        expect(pool.threads()).to.have.length(2);
        expect(await readPoints(daemon, 'pool.http')).to.have.length(200);
        expect(await readPoints(daemon, 'pool.telnet')).to.have.length(80);
      } finally {
        await daemon.stop();
      }
    });

    it('keeps the last write of a timestamp over many packets of one connection', async () => {
      const daemon = await startDaemon({ plugins: ['http', 'telnet', 'storage-memory', ['put-telnet', { parseWorkers: 2, maxPacketsInFlight: 8 }]] });
      try {
        // 200 packets, each rewriting the same 50 timestamps: the last packet's values win
        const packets = Array.from({ length: 200 }, (_, p) => Array.from({ length: 50 }, (_, i) => `put lww.m ${1356998400 + i} ${p * 1000 + i} host=a\n`).join(''));
        await exchange(daemon.port, packets, { gapMs: 1 });
        const points = await readPoints(daemon, 'lww.m');
        expect(points.map((p) => Number(p.value))).to.deep.equal(Array.from({ length: 50 }, (_, i) => 199_000 + i));
      } finally {
        await daemon.stop();
      }
    });
  });
});
