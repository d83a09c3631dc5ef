/** lib/chunks ChunkEncoder: chunks encoded on a real worker thread, against writeChunk on this one. */
import { expect } from 'chai';
import { crc32 } from 'node:zlib';
import { allocPoints, ByteWriter, Registry, ValueKind, type Codec, type SeriesPoints } from '../../core';
import { CHUNK_META_FIELDS, ChunkEncoder, chunkValuesFinite, CodecSet, DEFAULT_CODECS, writeChunk } from '../../lib/chunks';
import path from 'node:path';
import { HelperThreads } from '../../core';
import { codecRegistry } from '../helpers/embedded';
import { HANG_AT, withHangingWorker } from '../fixtures/hanging-codec';

/** A seeded generator of numbers in [0, 1) (a 32-bit LCG): the same series every run. */
function seeded(seed: number): () => number {
  return () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
}

/** Encodes one random 50-point series on `encoder`: 'encoded', or the error's message. */
function encodeOneSeries(encoder: ChunkEncoder, rnd: () => number): Promise<string> {
  const slice = encoder.slice(50);
  slice.add(1, randomSeries(rnd, 50));
  return encoder.encode(slice, 120).then(() => 'encoded', (err: Error) => err.message);
}

/** A random numeric series: integers (some beyond 2^53), decimal floats, NaN and ±Infinity, or a mix. */
function randomSeries(rnd: () => number, n: number): SeriesPoints {
  const p = allocPoints(n);
  const style = Math.floor(rnd() * 4);
  let t = 1_700_000_000_000 + Math.floor(rnd() * 1e6);
  for (let i = 0; i < n; i++) {
    t += rnd() < 0.9 ? 10_000 : 1 + Math.floor(rnd() * 20_000);
    p.timestamps[i] = t;
    const int = style === 0 || (style === 3 && rnd() < 0.5);
    if (int) {
      p.kinds[i] = ValueKind.Int;
      p.ints[i] = rnd() < 0.2 ? BigInt.asIntN(64, (BigInt(Math.floor(rnd() * 2 ** 32)) << 32n) | BigInt(Math.floor(rnd() * 2 ** 32))) : BigInt(Math.floor(rnd() * 1e6));
    } else {
      p.kinds[i] = ValueKind.Float;
      const r = rnd();
      p.floats[i] = style === 2 && r < 0.05 ? NaN : style === 2 && r < 0.1 ? -Infinity : style === 1 ? Math.round(rnd() * 1e4) / 100 : rnd() * 1e9;
    }
  }
  return p;
}

/** What BlockWriter.addSeries writes for the series: the chunks' bytes and CHUNK_META_FIELDS numbers each. */
function encodeHere(series: { id: number; points: SeriesPoints }[], chunkPoints: number, codecs: CodecSet): { bytes: Uint8Array; meta: number[] } {
  const w = new ByteWriter(1024);
  const meta: number[] = [];
  for (const { id, points } of series) {
    for (let start = 0; start < points.length; start += chunkPoints) {
      const end = Math.min(points.length, start + chunkPoints);
      const at = w.pos;
      writeChunk(w, points, start, end, codecs);
      const bytes = w.buf.subarray(at, w.pos);
      meta.push(id, w.pos - at, crc32(bytes), points.timestamps[start]!, points.timestamps[end - 1]!, end - start, chunkValuesFinite(bytes, codecs) ? 1 : 0);
    }
  }
  return { bytes: w.finish(), meta };
}

describe('lib/chunks ChunkEncoder', () => {
  let codecs: CodecSet;
  before(async () => {
    codecs = new CodecSet(await codecRegistry(), DEFAULT_CODECS);
  });

  it('encodes on its worker thread byte for byte what writeChunk writes here, with each chunk index entry', async () => {
    const encoder = ChunkEncoder.forCodecs(codecs)!;
    expect(encoder, 'every default codec says where a worker loads it').to.not.equal(undefined);
    const rnd = seeded(20261203);
    try {
      for (let round = 0; round < 12; round++) {
        const series = Array.from({ length: 1 + Math.floor(rnd() * 40) }, (_, k) => ({ id: 3 * k + Math.floor(rnd() * 3), points: randomSeries(rnd, 1 + Math.floor(rnd() * 300)) }));
        const chunkPoints = 16 + Math.floor(rnd() * 200);
        const slice = encoder.slice(series.reduce((n, s) => n + s.points.length, 0));
        for (const s of series) slice.add(s.id, s.points);
        const [encoded] = await Promise.all([encoder.encode(slice, chunkPoints), new Promise((resolve) => setImmediate(resolve))]);
        expect(encoder.thread, 'encoded on a thread of its own').to.not.equal(undefined);
        const want = encodeHere(series, chunkPoints, codecs);
        expect(Buffer.from(encoded.bytes).equals(Buffer.from(want.bytes)), `round ${round}: the same bytes`).to.equal(true);
        expect(encoded.chunks).to.equal(want.meta.length / CHUNK_META_FIELDS);
        expect(Array.from(encoded.meta)).to.deep.equal(want.meta, `round ${round}: the same index entries`);
      }
    } finally {
      await encoder.close();
    }
  });

  it('carries integers from columns of their own (not a head shared value column) exactly', async () => {
    const encoder = ChunkEncoder.forCodecs(codecs)!;
    try {
      const points = allocPoints(3);
      points.timestamps.set([1000, 2000, 3000]);
      points.kinds.set([ValueKind.Int, ValueKind.Float, ValueKind.Int]);
      points.ints[0] = 2n ** 62n + 1n;
      points.floats[1] = 0.5;
      points.ints[2] = -(2n ** 63n);
      const slice = encoder.slice(3);
      slice.add(7, points);
      const encoded = await encoder.encode(slice, 100);
      expect(Buffer.from(encoded.bytes).equals(Buffer.from(encodeHere([{ id: 7, points }], 100, codecs).bytes))).to.equal(true);
    } finally {
      await encoder.close();
    }
  });

  it('rejects the jobs in flight when its thread dies, and starts a new thread for the next job', async () => {
    const failures: Error[] = [];
    const encoder = ChunkEncoder.forCodecs(codecs, (err) => failures.push(err))!;
    try {
      const points = randomSeries(() => 0.25, 1000);
      const slice = encoder.slice(1000);
      slice.add(1, points);
      const lost = encoder.encode(slice, 120);
      await encoder.thread!.terminate();
      const err = await lost.then(
        () => undefined,
        (e: Error) => e,
      );
      expect(err?.message).to.match(/exited with code/);
      expect(failures).to.have.length(1);
      const again = encoder.slice(1000);
      again.add(1, points);
      const encoded = await encoder.encode(again, 120);
      expect(encoded.chunks).to.equal(9);
      expect(Buffer.from(encoded.bytes).equals(Buffer.from(encodeHere([{ id: 1, points }], 120, codecs).bytes))).to.equal(true);
    } finally {
      await encoder.close();
    }
    const closed = encoder.slice(1);
    expect(await encoder.encode(closed, 10).then(() => 'encoded', (e: Error) => e.message)).to.equal('the chunk encoder is closed');
  });

  it('is not made when a codec the engine may write with has no worker module (chunks are then encoded on the storage thread)', async () => {
    const registry = await codecRegistry();
    const own = new Registry<Codec>('codec');
    for (const [name, codec] of registry) own.add(name, name === 'xor-float' ? { ...codec, worker: undefined } : codec);
    expect(ChunkEncoder.forCodecs(new CodecSet(own, DEFAULT_CODECS))).to.equal(undefined);
    expect(ChunkEncoder.forCodecs(new CodecSet(own, { ...DEFAULT_CODECS, float: ['decimal-float'] }))).to.not.equal(undefined);
  });

  it('is made when only text codecs have no worker module (text is never sent to the thread), and its thread encodes numbers', async () => {
    const registry = await codecRegistry();
    const own = new Registry<Codec>('codec');
    for (const [name, codec] of registry) own.add(name, name === 'dict-string' || name === 'compact-json' ? { ...codec, worker: undefined } : codec);
    const textHere = new CodecSet(own, DEFAULT_CODECS);
    const encoder = ChunkEncoder.forCodecs(textHere);
    expect(encoder, 'an encoder for the numeric columns').to.not.equal(undefined);
    try {
      const rnd = seeded(11);
      const series = [1, 2, 3].map((id) => ({ id, points: randomSeries(rnd, 300) }));
      const slice = encoder!.slice(900);
      for (const { id, points } of series) slice.add(id, points);
      const encoded = await encoder!.encode(slice, 120);
      const want = encodeHere(series, 120, textHere);
      expect(Buffer.from(encoded.bytes).equals(Buffer.from(want.bytes))).to.equal(true);
      expect(Array.from(encoded.meta)).to.deep.equal(want.meta);
    } finally {
      await encoder!.close();
    }
  });

  it('gives up after three threads in a row die before answering (a codec module that does not load there), rather than start one a cut', async () => {
    const registry = await codecRegistry();
    const own = new Registry<Codec>('codec');
    for (const [name, codec] of registry) own.add(name, name === 'xor-float' ? { ...codec, worker: { module: '/nowhere/xor-float.js', exportName: 'xorFloatCodec' } } : codec);
    const failures: Error[] = [];
    const encoder = ChunkEncoder.forCodecs(new CodecSet(own, DEFAULT_CODECS), (err) => failures.push(err))!;
    const rnd = seeded(5);
    try {
      for (let i = 1; i <= 3; i++) {
        expect(encoder.usable, `before attempt ${i}`).to.equal(true);
        expect(await encodeOneSeries(encoder, rnd)).to.match(/nowhere|exited with code/);
      }
      expect(encoder.usable, 'after three threads died unanswered').to.equal(false);
      expect(failures).to.have.length(3);
      expect(await encodeOneSeries(encoder, rnd)).to.match(/gave up: 3 threads in a row died/);
      expect(encoder.thread, 'no fourth thread').to.equal(undefined);
      expect(failures, 'no failure reported for a job refused at once').to.have.length(3);
    } finally {
      await encoder.close();
    }
  });

  it('counts only threads in a row: one that answered resets the count', async () => {
    const encoder = ChunkEncoder.forCodecs(codecs)!;
    const rnd = seeded(9);
    try {
      // five threads, each killed after it answered one job: never given up
      for (let i = 0; i < 5; i++) {
        expect(await encodeOneSeries(encoder, rnd)).to.equal('encoded');
        const thread = encoder.thread!;
        const exited = new Promise((resolve) => thread.once('exit', resolve));
        await thread.terminate();
        await exited;
        expect(encoder.usable, `after thread ${i + 1} died`).to.equal(true);
      }
      expect(await encodeOneSeries(encoder, rnd)).to.equal('encoded');
    } finally {
      await encoder.close();
    }
  });

  it('ends a thread that answers no job within answerTimeoutMs as hung: its jobs are rejected, the next job gets a new thread', async () => {
    const registry = await codecRegistry();
    const own = new Registry<Codec>('codec');
    for (const [name, codec] of registry) own.add(name, name === 'delta-of-delta' ? withHangingWorker(codec) : codec);
    const failures: Error[] = [];
    const encoder = ChunkEncoder.forCodecs(new CodecSet(own, DEFAULT_CODECS), (err) => failures.push(err), { answerTimeoutMs: 400 })!;
    const series = (first: number) => {
      const p = allocPoints(50);
      for (let i = 0; i < 50; i++) {
        p.timestamps[i] = first + i * 1000;
        p.kinds[i] = ValueKind.Float;
        p.floats[i] = i / 4;
      }
      return p;
    };
    const job = (first: number) => {
      const slice = encoder.slice(50);
      slice.add(1, series(first));
      return encoder.encode(slice, 120).then(() => 'encoded', (err: Error) => err.message);
    };
    try {
      // answered jobs disarm the watchdog: a thread idle past the timeout is not ended
      for (let i = 0; i < 3; i++) expect(await job(HANG_AT + 1)).to.equal('encoded');
      const before = encoder.thread;
      await new Promise((resolve) => setTimeout(resolve, 600));
      expect(encoder.thread, 'an idle thread is not taken for hung').to.equal(before);
      // one job hangs, one waits behind it: both rejected once the timeout passes
      const started = Date.now();
      const [hung, behind] = await Promise.all([job(HANG_AT), job(HANG_AT + 1)]);
      expect(Date.now() - started).to.be.at.least(390);
      expect(hung).to.match(/answered no job in 400 ms: ended as hung/);
      expect(behind).to.equal(hung);
      expect(failures.map((e) => e.message)).to.deep.equal([hung]);
      expect(encoder.thread, 'the hung thread is gone').to.equal(undefined);
      expect(encoder.usable, 'a thread that had answered before resets the count').to.equal(true);
      expect(await job(HANG_AT + 2), 'a new thread for the next job').to.equal('encoded');
      expect(encoder.thread).to.not.equal(undefined);
    } finally {
      await encoder.close();
    }
  });

  describe('on a helper thread shared with another service', () => {
    const ECHO = path.join(__dirname, '..', 'fixtures', 'helper-echo-service.js');
    /** The echo fixture on slot 0 of `threads`, its deaths recorded; resolves once it answered (the thread runs). */
    async function echoService(threads: HelperThreads) {
      const deaths: Error[] = [];
      let answered!: () => void;
      const first = new Promise<void>((resolve) => (answered = resolve));
      const service = threads.attach(0, { name: 'echo', file: ECHO, data: { tag: 'e' }, onMessage: () => answered(), onDeath: (err) => deaths.push(err) });
      service.postMessage({ n: 1 });
      await first;
      return { service, deaths };
    }

    it('runs on the thread already running, and leaves it (not ends it) when its jobs wait behind the other service past answerTimeoutMs', async () => {
      const threads = new HelperThreads();
      const failures: Error[] = [];
      const encoder = ChunkEncoder.forCodecs(codecs, (err) => failures.push(err), { threads, answerTimeoutMs: 300 })!;
      try {
        const echo = await echoService(threads);
        const rnd = seeded(31);
        expect(await encodeOneSeries(encoder, rnd)).to.equal('encoded');
        expect(encoder.thread, 'beside the echo service').to.equal(echo.service.thread);
        // four times: the other service keeps the thread busy for 900 ms, the encode waits behind it
        for (let round = 0; round < 4; round++) {
          echo.service.postMessage({ spinMs: 900 });
          await new Promise((resolve) => setTimeout(resolve, 50)); // the thread is in it
          const started = Date.now();
          expect(await encodeOneSeries(encoder, rnd)).to.match(/started no job in 300 ms \(its thread busy with other work\)/);
          expect(Date.now() - started, 'given up at the timeout, not after the other job').to.be.below(850);
          await new Promise((resolve) => setTimeout(resolve, 700));
        }
        expect(echo.deaths, 'the busy thread was not ended').to.deep.equal([]);
        expect(threads.threads()).to.deep.equal([echo.service.thread]);
        expect(encoder.usable, 'waiting behind another service is no failed start').to.equal(true);
        expect(await encodeOneSeries(encoder, rnd), 'back on the same thread').to.equal('encoded');
        expect(encoder.thread).to.equal(echo.service.thread);
        expect(failures).to.have.length(4);
      } finally {
        await encoder.close();
        await threads.close();
      }
    });

    it("lets the other service's messages in between its jobs, not after all of them", async () => {
      const threads = new HelperThreads();
      const encoder = ChunkEncoder.forCodecs(codecs, () => undefined, { threads, answerTimeoutMs: 60_000 })!;
      const rnd = seeded(33);
      try {
        expect(await encodeOneSeries(encoder, rnd)).to.equal('encoded');
        const arrivals: string[] = [];
        let echoed!: () => void;
        const echoAnswer = new Promise<void>((resolve) => (echoed = resolve));
        const echo = threads.attach(0, {
          name: 'echo',
          file: ECHO,
          data: { tag: 'e' },
          onMessage: (answer: unknown) => {
            if ((answer as { n: number }).n !== 2) return;
            arrivals.push('echo');
            echoed();
          },
          onDeath: () => undefined,
        });
        expect(echo.thread).to.equal(encoder.thread);
        // two large jobs wait together while the other service keeps the thread busy for
        // 300 ms; its next message comes 30 ms after that, while the first job is encoded
        // (~0.1 s at 1.5M points): before, the port's two jobs ran back to back and the
        // message was handled after both; now it goes between them
        const jobs = Array.from({ length: 2 }, () => {
          const slice = encoder.slice(1_500_000);
          slice.add(1, randomSeries(rnd, 1_500_000));
          return slice;
        });
        echo.postMessage({ spinMs: 300 });
        await new Promise((resolve) => setTimeout(resolve, 50));
        const done = jobs.map((slice, k) => encoder.encode(slice, 120).then(() => void arrivals.push(k === 0 ? 'first job' : 'second job')));
        await new Promise((resolve) => setTimeout(resolve, 280));
        echo.postMessage({ n: 2 });
        await Promise.all([...done, echoAnswer]);
        expect(arrivals.indexOf('echo'), arrivals.join(', ')).to.be.below(arrivals.indexOf('second job'));
        expect(arrivals.indexOf('first job')).to.be.below(arrivals.indexOf('second job'));
      } finally {
        await encoder.close();
        await threads.close();
      }
    });

    it('does not count deaths the other service causes toward giving up', async () => {
      const threads = new HelperThreads();
      const encoder = ChunkEncoder.forCodecs(codecs, () => undefined, { threads, answerTimeoutMs: 60_000 })!;
      const rnd = seeded(32);
      try {
        for (let i = 0; i < 4; i++) {
          const echo = await echoService(threads);
          // the other service keeps the thread busy, then crashes it with the encode still waiting (never started)
          echo.service.postMessage({ spinMs: 300, crash: true });
          await new Promise((resolve) => setTimeout(resolve, 50)); // the thread is in it
          const result = encodeOneSeries(encoder, rnd);
          expect(await result).to.match(/the echo service crashed/);
          expect(encoder.usable, `after death ${i + 1}`).to.equal(true);
        }
        expect(await encodeOneSeries(encoder, rnd)).to.equal('encoded');
      } finally {
        await encoder.close();
        await threads.close();
      }
    });
  });

  it('refuses a series that does not fit the slice', () => {
    const encoder = ChunkEncoder.forCodecs(codecs)!;
    const slice = encoder.slice(4);
    expect(() => slice.add(1, allocPoints(slice.capacity + 1))).to.throw(RangeError, /does not fit/);
  });
});
