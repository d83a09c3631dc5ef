/** Behaviour specific to the embedded engine: blocks, compaction, retention, postings, corruption, locking. */
import { expect } from 'chai';
import fs from 'node:fs';
import { crc32, deflateRawSync } from 'node:zlib';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { pointBatch, TimeSlice, ValueKind, type DataPoint, type SeriesData } from '../../core';
import { startDaemon } from '../helpers/daemon';
import { embeddedEngine, memoryLogger, tearNextWrite, tempDataDir } from '../helpers/embedded';
import { HANG_AT, withHangingWorker } from '../fixtures/hanging-codec';
import { EmbeddedEngine } from '../../plugins/storage-embedded/engine';
import { Registry, type Codec } from '../../core';
import { CODEC_PLUGINS } from '../helpers/plugins';
import { planCompaction, planIdleCompaction } from '../../plugins/storage-embedded/compact';
import { BlockReader, type WrittenChunk } from '../../plugins/storage-embedded/block';
import { CodecSet, DEFAULT_CODECS } from '../../plugins/storage-embedded/codec-set';
import { fsckEmbedded } from '../../plugins/storage-embedded/fsck';
import { codecRegistry } from '../helpers/embedded';
import { frameRecord } from '../../plugins/storage-embedded/record-file';
import { writeSeriesBody } from '../../plugins/storage-embedded/wal-records';
import { ByteWriter } from '../../core';
import { MERGING_REDUCERS } from '../../core/testing/downsample-conformance';

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

const ALL = { start: -8.64e15, end: 8.64e15 };
const floats = (metric: string, host: string, from: number, n: number, step = 10_000): DataPoint[] =>
  Array.from({ length: n }, (_, i) => ({ metric, tags: { host }, timestamp: from + i * step, value: { kind: ValueKind.Float, value: i / 10 } }));

type BlockRefs = BlockReader['refs'];
/** An index entry as plain fields (a ChunkRef reads its block's columns; a test damages copies). */
type IndexEntry = Omit<WrittenChunk, 'finite'>;
const plainEntry = (ref: IndexEntry): IndexEntry => ({ seriesId: ref.seriesId, offset: ref.offset, length: ref.length, crc: ref.crc, minT: ref.minT, maxT: ref.maxT, count: ref.count });

/** A block index with whole entries (offsets and ids as they are), as DSDB wrote it before DSDBEND3. */
function wholeEntryIndex(refs: readonly IndexEntry[]): Uint8Array {
  const w = new ByteWriter();
  w.uvarint(0);
  w.uvarint(refs.length);
  for (const ref of refs) {
    w.uvarint(ref.seriesId);
    w.uvarint(ref.offset);
    w.uvarint(ref.length);
    w.u32(ref.crc);
    w.f64(ref.minT);
    w.f64(ref.maxT);
    w.uvarint(ref.count);
  }
  return w.finish();
}

/** A block index with implied offsets and series ids as deltas, and (DSDBEND4) each entry's `flags`. */
function impliedIndex(refs: readonly IndexEntry[], flags?: number): Uint8Array {
  const w = new ByteWriter();
  w.uvarint(0);
  w.uvarint(refs.length);
  let previousId = 0;
  for (const ref of refs) {
    w.svarint(ref.seriesId - previousId);
    previousId = ref.seriesId;
    w.uvarint(ref.length);
    w.u32(ref.crc);
    w.f64(ref.minT);
    w.f64(ref.maxT);
    w.uvarint(ref.count);
    if (flags !== undefined) w.uvarint(flags);
  }
  return w.finish();
}

/** The one block file a store's first cut wrote: its path, its bytes, where its index starts, and its chunk references (read with `codecs`). */
function onlyBlock(dir: string, codecs: ConstructorParameters<typeof BlockReader>[2] = { timestamp: [], byKind: [], byId: new Map() } as never): { file: string; bytes: Buffer; indexOffset: number; refs: BlockRefs } {
  const blocksDir = path.join(dir, 'blocks');
  const [name] = fs.readdirSync(blocksDir);
  const file = path.join(blocksDir, name!);
  const bytes = fs.readFileSync(file);
  const reader = new BlockReader(file, 1, codecs);
  const refs = reader.refs;
  reader.close();
  return { file, bytes, indexOffset: bytes.subarray(bytes.length - 24).readUInt32LE(0), refs };
}

/** A block file: its chunks (magic included), `index` as stored, and a footer with `magic` and the index's CRC32. */
function withIndex(chunks: Uint8Array, index: Uint8Array, magic: string): Buffer {
  const footer = Buffer.alloc(24);
  footer.writeUInt32LE(chunks.length, 0);
  footer.writeUInt32LE(index.length, 8);
  footer.writeUInt32LE(crc32(index), 12);
  Buffer.from(magic).copy(footer, 16);
  return Buffer.concat([chunks, index, footer]);
}

describe('embedded engine', () => {
  it('cuts the head into blocks, compacts them into one, and serves the same points throughout', async () => {
    const dir = tempDataDir('compact');
    const engine = await embeddedEngine(dir, { compactBlocks: 3, chunkMaxPoints: 64 });
    await engine.open();
    try {
      for (let round = 0; round < 3; round++) {
        await engine.write(pointBatch([...floats('c', 'a', round * 1_000_000, 100), ...floats('c', 'b', round * 1_000_000, 50)]));
        if (round < 2) engine.checkpoint();
      }
      expect((await engine.stats()).blocks).to.equal(2);
      engine.checkpoint(); // third block: compaction into one
      const stats = await engine.stats();
      expect(stats.blocks).to.equal(1);
      expect(stats.compactions).to.equal(1);
      expect(stats.points).to.equal(450);
      expect(stats.headPoints).to.equal(0);
      const files = fs.readdirSync(path.join(dir, 'blocks'));
      expect(files).to.have.length(1);
      const [a] = await collect(engine.read({ metric: 'c', predicates: [{ key: 'host', literals: ['a'], test: (v) => v === 'a' }] }, ALL));
      expect(a!.points.length).to.equal(300);
      expect(a!.points.timestamps[100]).to.equal(1_000_000);
      expect(a!.points.floats[299]).to.equal(9.9);
      expect(fs.readdirSync(path.join(dir, 'wal')).filter((f) => fs.statSync(path.join(dir, 'wal', f)).size > 0)).to.deep.equal([]);
    } finally {
      await engine.close();
    }
  });

  for (const encodeOnWorker of [false, true])
  it(`cuts blocks in the background${encodeOnWorker ? ', encoded on a worker thread' : ''}: writes, overwrites, reads and deletes during a cut see every point`, async () => {
    const engine = await embeddedEngine(tempDataDir('bgcut'), { headMaxPoints: 100_000, compactBlocks: 100, encodeOnWorker });
    await engine.open();
    const immediate = () => new Promise((resolve) => setImmediate(resolve));
    try {
      const hosts = ['a', 'b', 'c', 'd', 'e'];
      await engine.write(pointBatch(hosts.flatMap((h) => floats('bg', h, 0, 60_000, 1000))));
      await immediate(); // the cut starts: heads frozen
      await immediate(); // one slice encoded
      expect((await engine.stats()).checkpoints).to.equal(0, 'still cutting');
      // overwrite a frozen point and append new ones while the cut runs
      await engine.write(pointBatch([{ metric: 'bg', tags: { host: 'e' }, timestamp: 5000, value: { kind: ValueKind.Int, value: 77n } }, ...floats('bg', 'a', 60_000_000, 10, 1000)]));
      const during = await collect(engine.read({ metric: 'bg' }, ALL));
      expect(during.map((d) => d.points.length)).to.deep.equal([60_010, 60_000, 60_000, 60_000, 60_000]);
      const [lastA] = await collect(engine.last({ metric: 'bg', predicates: [{ key: 'host', literals: ['a'], test: (v) => v === 'a' }] }));
      expect(lastA!.timestamp).to.equal(60_009_000);
      while ((await engine.stats()).checkpoints === 0) await immediate();
      const after = await collect(engine.read({ metric: 'bg' }, ALL));
      expect(after.map((d) => d.points.length)).to.deep.equal([60_010, 60_000, 60_000, 60_000, 60_000]);
      const e = after[4]!.points;
      expect([e.kinds[5], e.ints[5]]).to.deep.equal([ValueKind.Int, 77n]);
      expect((await engine.stats()).blocks).to.equal(1);
      // a delete during a later cut finishes the cut first, so the block keeps no deleted point
      await engine.write(pointBatch(hosts.flatMap((h) => floats('bg', h, 100_000_000, 30_000, 1000))));
      await immediate();
      expect(await engine.deleteRange({ metric: 'bg' }, { start: 100_000_000, end: 200_000_000 })).to.equal(150_000);
      const final = await collect(engine.read({ metric: 'bg' }, ALL));
      expect(final.map((d) => d.points.length)).to.deep.equal([60_010, 60_000, 60_000, 60_000, 60_000]);
    } finally {
      await engine.close();
    }
  });

  it('bounds the heads by headMaxPoints: a write that finds the live head full while a cut runs waits for the cut, and writes keep their order', async () => {
    // slices of 50 points, a series written whole: the cut of 200 series of 10 points takes 40 turns of the event loop
    const hosts = Array.from({ length: 200 }, (_, i) => `h${i}`);
    const engine = await embeddedEngine(tempDataDir('headfull'), { headMaxPoints: 2000, slicePoints: 50, compactBlocks: 100, encodeOnWorker: false });
    await engine.open();
    const immediate = () => new Promise((resolve) => setImmediate(resolve));
    try {
      await engine.write(pointBatch(hosts.flatMap((h) => floats('full', h, 0, 10, 1000))));
      await immediate(); // the cut starts: the head frozen
      expect((await engine.stats()).cutInProgress).to.equal(1);
      // fills the live head while the cut runs: taken, it did not find the head full
      await engine.write(pointBatch(hosts.flatMap((h) => floats('full', h, 10_000, 10, 1000))));
      // the live head is full and the cut still runs: these wait, in order
      const settled: string[] = [];
      const first = engine.write(pointBatch([{ metric: 'full', tags: { host: 'c' }, timestamp: 0, value: { kind: ValueKind.Int, value: 1n } }])).then(() => settled.push('first'));
      const second = engine.write(pointBatch([{ metric: 'full', tags: { host: 'c' }, timestamp: 0, value: { kind: ValueKind.Int, value: 2n } }])).then(() => settled.push('second'));
      for (let i = 0; i < 5; i++) await immediate();
      const during = await engine.stats();
      expect(settled, 'writes taken while the head was full').to.deep.equal([]);
      expect(during.cutInProgress).to.equal(1);
      expect(during.headPoints).to.equal(4000);
      expect(during.headFullWaits).to.equal(1);
      await Promise.all([first, second]);
      expect(settled).to.deep.equal(['first', 'second']);
      const after = await engine.stats();
      expect(after.checkpoints).to.be.at.least(1, 'the first cut finished before they were taken');
      expect(after.headFullWaitMs).to.be.a('number');
      const [c] = await collect(engine.read({ metric: 'full', predicates: [{ key: 'host', literals: ['c'], test: (v) => v === 'c' }] }, ALL));
      expect(c!.points.length).to.equal(1);
      expect(c!.points.ints[0], 'the later write wins').to.equal(2n);
      const all = await collect(engine.read({ metric: 'full' }, ALL));
      expect(all.length).to.equal(201);
      expect(all.reduce((sum, d) => sum + d.points.length, 0)).to.equal(4001);
      // with no cut running, a full head does not hold a write back (it schedules the cut)
      while ((await engine.stats()).cutInProgress === 1) await immediate();
      await engine.write(pointBatch(floats('full', 'd', 0, 2500, 1000)));
      expect((await engine.stats()).headFullWaits).to.equal(1);
    } finally {
      await engine.close();
    }
  });

  describe('writes waiting for room in the head', () => {
    const immediate = () => new Promise((resolve) => setImmediate(resolve));
    const intC = (value: number) => pointBatch([{ metric: 'full', tags: { host: 'c' }, timestamp: 0, value: { kind: ValueKind.Int, value: BigInt(value) } }]);
    const C = { metric: 'full', predicates: [{ key: 'host', literals: ['c'], test: (v: string | undefined) => v === 'c' }] };
    /** 200 series x 10 points: a cut of 2000 in slices of 50 starts, and a live head of 2000 fills, so the next write waits. */
    async function waitingEngine(name: string): Promise<Awaited<ReturnType<typeof embeddedEngine>>> {
      const engine = await embeddedEngine(tempDataDir(name), { headMaxPoints: 2000, slicePoints: 50, compactBlocks: 100, encodeOnWorker: false });
      await engine.open();
      const hosts = Array.from({ length: 200 }, (_, i) => `h${i}`);
      await engine.write(pointBatch(hosts.flatMap((h) => floats('full', h, 0, 10, 1000))));
      await immediate();
      await engine.write(pointBatch(hosts.flatMap((h) => floats('full', h, 10_000, 10, 1000))));
      return engine;
    }
    async function valuesOfC(engine: Awaited<ReturnType<typeof embeddedEngine>>): Promise<bigint[]> {
      const [c] = await collect(engine.read(C, ALL));
      return c ? Array.from(c.points.ints.subarray(0, c.points.length)) : [];
    }

    it('a delete called after a waiting write removes its point (the write goes first)', async () => {
      const engine = await waitingEngine('headfull-delete');
      try {
        const write = engine.write(intC(1));
        const removed = engine.deleteRange(C, { start: 0, end: 0 });
        await write;
        expect(await removed).to.equal(1);
        expect(await valuesOfC(engine)).to.deep.equal([]);
      } finally {
        await engine.close();
      }
    });

    it('a write called microtasks after the cut ended does not overtake the writes that waited', async () => {
      const engine = await waitingEngine('headfull-overtake');
      try {
        const first = engine.write(intC(1));
        const cuts = (engine as unknown as { cuts: { settled(): Promise<void> } }).cuts;
        // called after `first`, two microtasks after the cut ended: before `first` resumed
        const later = cuts
          .settled()
          .then(() => undefined)
          .then(() => engine.write(intC(2)));
        await Promise.all([first, later]);
        expect(await valuesOfC(engine), 'the later write wins').to.deep.equal([2n]);
      } finally {
        await engine.close();
      }
    });

    it('a cut that writes wait for does not rest for queries (it would while only queries ran)', async () => {
      const engine = await waitingEngine('headfull-urgent');
      try {
        const internals = engine as unknown as { lastWriteAt: number; cuts: { restAfter(sliceMs: number): number } };
        // a sliced query paused for its next turn, and no write for a long time
        const query = new TimeSlice(1).pause();
        internals.lastWriteAt = -Infinity;
        expect(internals.cuts.restAfter(10), 'no write waits: the cut gives way to the query').to.equal(90);
        const waiting = engine.write(intC(1));
        internals.lastWriteAt = -Infinity;
        expect(internals.cuts.restAfter(10), 'a write waits: no rest').to.equal(0);
        await query;
        await waiting;
      } finally {
        await engine.close();
      }
    });
  });

  it('encodes a background cut on its worker thread into the same block, byte for byte, as on the storage thread', async () => {
    const cutOnce = async (encodeOnWorker: boolean) => {
      const dir = tempDataDir(`worker-cut-${encodeOnWorker}`);
      const log = memoryLogger();
      const engine = await embeddedEngine(dir, { headMaxPoints: 50_000, compactBlocks: 100, chunkMaxPoints: 300, slicePoints: 7_000, encodeOnWorker }, log.logger);
      await engine.open();
      try {
        const points: DataPoint[] = [];
        for (let h = 0; h < 40; h++) {
          for (let i = 0; i < 1000 + 37 * h; i++) {
            const timestamp = 1_700_000_000_000 + i * 10_000 + (h % 3) * 7;
            // integers (some beyond 2^53), decimals, NaN and -Infinity, and every 9th series strings
            const value: DataPoint['value'] =
              h % 9 === 4 ? { kind: ValueKind.String, value: `s${i % 5}` }
              : h % 4 === 0 ? { kind: ValueKind.Int, value: h === 8 ? 2n ** 60n + BigInt(i) : BigInt(i * h) }
              : { kind: ValueKind.Float, value: h % 4 === 1 && i % 100 === 3 ? NaN : h === 6 && i === 10 ? -Infinity : i / 8 + h };
            points.push({ metric: 'wc', tags: { host: `h${h}` }, timestamp, value });
          }
        }
        await engine.write(pointBatch(points));
        while ((await engine.stats()).checkpoints === 0) await new Promise((resolve) => setImmediate(resolve));
        const encoder = (engine as unknown as { encoder?: { thread?: unknown } }).encoder;
        expect(encoder?.thread !== undefined, 'the worker thread encoded it').to.equal(encodeOnWorker);
        expect(log.lines().filter((l) => Number(l.level) >= 40), 'no slice failed over to this thread').to.deep.equal([]);
        const blocks = fs.readdirSync(path.join(dir, 'blocks')).sort();
        expect(blocks).to.have.length(1);
        const read = await collect(engine.read({ metric: 'wc' }, ALL));
        return { block: fs.readFileSync(path.join(dir, 'blocks', blocks[0]!)), points: read.reduce((n, d) => n + d.points.length, 0) };
      } finally {
        await engine.close();
      }
    };
    const here = await cutOnce(false);
    const there = await cutOnce(true);
    expect(there.points).to.equal(here.points).and.to.equal(40 * 1000 + 37 * (39 * 40) / 2);
    expect(there.block.length).to.equal(here.block.length);
    expect(there.block.equals(here.block), 'the same block file').to.equal(true);
  });

  it('compacts in the background on its worker thread into the same blocks, byte for byte, as on the storage thread', async () => {
    const load = async (encodeOnWorker: boolean) => {
      const dir = tempDataDir(`worker-compact-${encodeOnWorker}`);
      const log = memoryLogger();
      const engine = await embeddedEngine(dir, { headMaxPoints: 20_000, compactBlocks: 3, chunkMaxPoints: 500, slicePoints: 3_000, encodeOnWorker }, log.logger);
      await engine.open();
      const turn = () => new Promise((resolve) => setImmediate(resolve));
      // slices sent to the worker by a compaction (no cut runs then: each round waits for both)
      const jobs = engine as unknown as { encoder?: { encode: (...a: unknown[]) => unknown }; compactions: { current?: unknown }; cuts: { current?: unknown } };
      let compactionSlices = 0;
      if (jobs.encoder) {
        const encode = jobs.encoder.encode.bind(jobs.encoder);
        jobs.encoder.encode = (...a: unknown[]) => {
          if (jobs.compactions.current && !jobs.cuts.current) compactionSlices++;
          return encode(...a);
        };
      }
      try {
        for (let round = 0; round < 7; round++) {
          const points: DataPoint[] = [];
          for (let h = 0; h < 30; h++) {
            for (let i = 0; i < 700 + 13 * h; i++) {
              // each round overwrites some of the last round's points: the newer block wins
              const timestamp = 1_700_000_000_000 + (round * 600 + i) * 10_000;
              const value: DataPoint['value'] =
                h === 7 ? { kind: ValueKind.Json, value: JSON.stringify({ round, i }) }
                : h % 3 === 0 ? { kind: ValueKind.Int, value: BigInt(round * 1_000_000 + i) }
                : { kind: ValueKind.Float, value: h === 5 && i === 9 ? NaN : round + i / 4 };
              points.push({ metric: 'wk', tags: { host: `h${h}` }, timestamp, value });
            }
          }
          await engine.write(pointBatch(points));
          for (let stats = await engine.stats(); stats.checkpoints! <= round || stats.cutInProgress || stats.compactionInProgress; stats = await engine.stats()) await turn();
        }
        const stats = await engine.stats();
        expect(stats.compactions, 'background compactions ran').to.be.greaterThan(1);
        if (encodeOnWorker) expect(compactionSlices, 'slices the compactions sent to the worker').to.be.greaterThan(20);
        expect(log.lines().filter((l) => Number(l.level) >= 40), 'no slice failed over to this thread').to.deep.equal([]);
        const read = await collect(engine.read({ metric: 'wk' }, ALL));
        const files = fs.readdirSync(path.join(dir, 'blocks')).sort();
        return { files, blocks: files.map((f) => fs.readFileSync(path.join(dir, 'blocks', f))), points: read.reduce((n, d) => n + d.points.length, 0), compactions: stats.compactions };
      } finally {
        await engine.close();
      }
    };
    const here = await load(false);
    const there = await load(true);
    expect(there.points).to.equal(here.points).and.to.equal(30 * 600 * 6 + 30 * 700 + 13 * (29 * 30) / 2);
    expect([there.files, there.compactions]).to.deep.equal([here.files, here.compactions]);
    there.blocks.forEach((block, k) => expect(block.equals(here.blocks[k]!), `block ${there.files[k]}`).to.equal(true));
  });

  it('goes on with a cut on the storage thread when its encode thread dies, and loses no point', async () => {
    const log = memoryLogger();
    const engine = await embeddedEngine(tempDataDir('worker-dies'), { headMaxPoints: 100_000, compactBlocks: 100, slicePoints: 20_000, encodeOnWorker: true }, log.logger);
    await engine.open();
    try {
      const hosts = ['a', 'b', 'c', 'd', 'e', 'f'];
      await engine.write(pointBatch(hosts.flatMap((h) => floats('wd', h, 0, 20_000, 1000))));
      const encoder = (engine as unknown as { encoder: { thread?: { terminate(): Promise<number> }; inFlight: number } }).encoder;
      // the cut starts on a later turn and sends its first two slices once the WAL's fsync in
      // flight is done (JobRunner's yieldTo, the WAL commit): a wait in time, not in turns (ten turns
      // were too few on a slow disk)
      const deadline = Date.now() + 10_000;
      while (encoder.inFlight === 0 && Date.now() < deadline) await new Promise((resolve) => setImmediate(resolve));
      const thread = encoder.thread;
      expect(encoder.inFlight, 'slices are on the worker').to.equal(2);
      await thread!.terminate();
      while ((await engine.stats()).checkpoints === 0) await new Promise((resolve) => setImmediate(resolve));
      expect(encoder.thread, 'the slices lost and the rest were encoded here: no new thread').to.equal(undefined);
      const series = await collect(engine.read({ metric: 'wd' }, ALL));
      expect(series.map((d) => d.points.length)).to.deep.equal(hosts.map(() => 20_000));
      expect((await engine.stats()).blockPoints).to.equal(120_000);
      expect(series[3]!.points.floats[19_999]).to.equal(1999.9);
      expect(log.lines().some((l) => String(l.msg).includes('encoding chunks on the worker thread failed'))).to.equal(true);
    } finally {
      await engine.close();
    }
  });

  it('ends an encode thread that hangs in a cut (encodeAnswerTimeoutMs), encodes its slices on the storage thread, and writes waiting for room go on', async () => {
    const log = memoryLogger();
    const registry = new Registry<Codec>('codec');
    for (const [name, codec] of await codecRegistry()) registry.add(name, name === 'delta-of-delta' ? withHangingWorker(codec) : codec);
    const engine = new EmbeddedEngine(
      { dataDir: tempDataDir('worker-hangs'), flushIntervalMs: 1000, headMaxPoints: 6000, blockDurationMs: 7_200_000, chunkMaxPoints: 4096, compactBlocks: 100, compactIdleMs: 10_000, idleCompactMaxPoints: 0, slicePoints: 2000, retentionMs: 0, codecs: DEFAULT_CODECS, encodeOnWorker: true, encodeAnswerTimeoutMs: 300 },
      registry,
      log.logger,
    );
    await engine.open();
    try {
      // host h's chunk starts at HANG_AT: the slice carrying it never comes back from the thread
      const batch = (host: string, first: number, n: number) =>
        pointBatch(Array.from({ length: n }, (_, i): DataPoint => ({ metric: 'wh', tags: { host }, timestamp: first + i * 1000, value: { kind: ValueKind.Float, value: i / 2 } })));
      await engine.write(batch('h', HANG_AT, 3000));
      await engine.write(batch('i', HANG_AT + 7, 3000));
      // the head is full: a cut starts; these fill the next head, then a write waits for room
      while (!(await engine.stats()).cutInProgress) await sleep(1);
      await engine.write(batch('j', HANG_AT, 6000));
      await engine.write(batch('k', HANG_AT, 10));
      while ((await engine.stats()).checkpoints === 0) await sleep(10);
      const stats = await engine.stats();
      expect(stats.headFullWaits, 'a write waited for the cut the hung thread held').to.be.greaterThan(0);
      expect(log.lines().some((l) => /ended as hung/.test(JSON.stringify(l))), 'the hang is logged').to.equal(true);
      const series = await collect(engine.read({ metric: 'wh' }, ALL));
      expect(series.map((d) => [d.series.tags.host, d.points.length])).to.deep.equal([['h', 3000], ['i', 3000], ['j', 6000], ['k', 10]]);
      expect(series[0]!.points.floats[2999]).to.equal(1499.5);
    } finally {
      await engine.close();
    }
  });

  it("reads a live head's out-of-order tail in order: read, last, a delete, and a repeat of a timestamp", async () => {
    const engine = await embeddedEngine(tempDataDir('tail'), { headMaxPoints: 1_000_000 });
    await engine.open();
    try {
      // two writers, each in order, the second 20 points behind: most of its points are late
      for (let k = 0; k < 40; k++) {
        await engine.write(pointBatch(floats('tail', 'a', 100_000 + k * 10_000, 1)));
        if (k >= 20) await engine.write(pointBatch(floats('tail', 'a', 100_000 + (k - 20) * 10_000 + 5_000, 1)));
      }
      // a late repeat of a timestamp: the later write wins
      await engine.write(pointBatch([{ metric: 'tail', tags: { host: 'a' }, timestamp: 110_000, value: { kind: ValueKind.Int, value: 7n } }]));
      const [last] = await collect(engine.last({ metric: 'tail' }));
      expect(last!.timestamp, 'the newest timestamp, not the last one written').to.equal(490_000);
      const [read] = await collect(engine.read({ metric: 'tail' }, ALL));
      const ts = Array.from(read!.points.timestamps);
      expect(ts).to.have.length(60);
      expect(ts).to.deep.equal([...ts].sort((x, y) => x - y));
      expect([read!.points.kinds[2], read!.points.ints[2]]).to.deep.equal([ValueKind.Int, 7n]);
      expect(await engine.deleteRange({ metric: 'tail' }, { start: 300_000, end: 8.64e15 })).to.equal(20);
      const [after] = await collect(engine.read({ metric: 'tail' }, ALL));
      expect(after!.points.length).to.equal(40);
    } finally {
      await engine.close();
    }
  });

  for (const encodeOnWorker of [false, true])
  it(`compacts in the background${encodeOnWorker ? ', encoded on a worker thread' : ''} while writes and reads go on, and every read sees every point`, async () => {
    const engine = await embeddedEngine(tempDataDir('bgcompact'), { headMaxPoints: 5000, compactBlocks: 2, chunkMaxPoints: 256, slicePoints: 1000, encodeOnWorker });
    await engine.open();
    const immediate = () => new Promise((resolve) => setImmediate(resolve));
    try {
      const hosts = ['a', 'b', 'c', 'd'];
      let sawCompaction = false;
      for (let round = 0; round < 20; round++) {
        await engine.write(pointBatch(hosts.flatMap((h) => floats('bc', h, round * 10_000_000, 1500, 1000))));
        // a few turns of reads each round: a compaction on the worker thread may start and end between two
        for (let look = 0; look < 4; look++) {
          await immediate();
          const stats = await engine.stats();
          if (stats.compactionInProgress) sawCompaction = true;
          const series = await collect(engine.read({ metric: 'bc' }, ALL));
          expect(series.map((d) => d.points.length)).to.deep.equal(hosts.map(() => (round + 1) * 1500), `round ${round}`);
        }
      }
      while ((await engine.stats()).cutInProgress || (await engine.stats()).compactionInProgress) await immediate();
      const stats = await engine.stats();
      expect(stats.compactions).to.be.greaterThan(0);
      expect(sawCompaction, 'a compaction was observed in progress').to.equal(true);
      expect(stats.blockPoints).to.equal(4 * 20 * 1500);
      const [a] = await collect(engine.read({ metric: 'bc', predicates: [{ key: 'host', literals: ['a'], test: (v) => v === 'a' }] }, ALL));
      expect(a!.points.timestamps[1500]).to.equal(10_000_000);
      expect(a!.points.floats[29_999]).to.equal(149.9);
    } finally {
      await engine.close();
    }
  });

  it('cuts a head that the WAL replay filled past headMaxPoints at open, without waiting for a write', async () => {
    const dir = tempDataDir('replay-full');
    const engine = await embeddedEngine(dir, { headMaxPoints: 1_000_000 });
    await engine.open();
    await engine.write(pointBatch(['a', 'b', 'c'].flatMap((h) => floats('rf', h, 0, 1000, 1000))), { sync: true });
    const crashed = tempDataDir('replay-full-copy'); // the files as a crash right now would leave them: all in the WAL
    fs.cpSync(dir, crashed, { recursive: true });
    fs.rmSync(path.join(crashed, 'LOCK'));
    await engine.close();
    const reopened = await embeddedEngine(crashed, { headMaxPoints: 1000 });
    await reopened.open();
    try {
      expect((await reopened.stats()).headPoints).to.equal(3000);
      // the cut runs in the background: its end is waited for, not timed
      for (let turn = 0; turn < 500 && (await reopened.stats()).blocks === 0; turn++) await sleep(10);
      const stats = await reopened.stats();
      expect(stats.blocks).to.equal(1);
      expect(stats.headPoints).to.be.lessThan(1000);
      const series = await collect(reopened.read({ metric: 'rf' }, ALL));
      expect(series.map((d) => d.points.length)).to.deep.equal([1000, 1000, 1000]);
    } finally {
      await reopened.close();
    }
  });

  it('loses nothing when the process dies in the middle of a background cut', async () => {
    const dir = tempDataDir('midcut');
    const engine = await embeddedEngine(dir, { headMaxPoints: 100_000 });
    await engine.open();
    const hosts = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'];
    await engine.write(pointBatch(hosts.flatMap((h) => floats('mc', h, 0, 50_000, 1000))), { sync: true }); // the cut starts meanwhile
    await engine.write(pointBatch(floats('mc', 'z', 0, 5)), { sync: true }); // one slice encoded meanwhile
    expect((await engine.stats()).cutInProgress).to.equal(1);
    const crashed = tempDataDir('midcut-copy'); // the files as a crash right now would leave them
    fs.cpSync(dir, crashed, { recursive: true });
    fs.rmSync(path.join(crashed, 'LOCK'));
    await engine.close();
    const reopened = await embeddedEngine(crashed);
    await reopened.open();
    try {
      expect(fs.readdirSync(path.join(crashed, 'blocks')).filter((f) => f.endsWith('.tmp'))).to.deep.equal([]);
      const series = await collect(reopened.read({ metric: 'mc' }, ALL));
      expect(series.map((d) => [d.series.tags.host, d.points.length])).to.deep.equal([...hosts.map((h) => [h, 50_000]), ['z', 5]]);
    } finally {
      await reopened.close();
    }
  });

  it('keeps late points out of the blocks behind them (cutHoldBackMs), and a crash after the cut loses none of the points it held back', async () => {
    // two writers, one 20 s behind the other, each a batch per second of data; some points
    // written twice (the second value wins); cuts every ~2,000 points, in the background
    const load = async (holdBackMs: number, dir: string) => {
      const engine = await embeddedEngine(dir, { headMaxPoints: 2000, cutHoldBackMs: holdBackMs, compactBlocks: 1000 });
      await engine.open();
      const want = new Map<string, Map<number, number>>();
      for (let step = 0; step < 1500; step++) {
        const points: DataPoint[] = [];
        const add = (host: string, at: number, value: number) => {
          if (at < 0) return;
          points.push({ metric: 'late', tags: { host }, timestamp: at * 1000, value: { kind: ValueKind.Float, value } });
          if (!want.has(host)) want.set(host, new Map());
          want.get(host)!.set(at * 1000, value);
        };
        for (const host of ['a', 'b', 'c']) add(host, step, step + 0.5);
        for (const host of ['d', 'e', 'f']) add(host, step - 20, step + 0.25);
        if (step % 7 === 0) add('a', step - 10, -step); // a rewrite, late
        await engine.write(pointBatch(points));
        await new Promise((resolve) => setImmediate(resolve));
        // a cut the writes started runs in the background; waiting for it here keeps the
        // number of cuts (~5) the same on a machine where its slices wait on a slow fsync
        while ((await engine.stats()).cutInProgress) await new Promise((resolve) => setImmediate(resolve));
      }
      await engine.flush();
      return { engine, want };
    };
    const overlaps = (engine: unknown) => {
      const index = (engine as { index: { byKey: Map<string, { chunks: { minT: number; maxT: number }[] }> } }).index;
      let n = 0;
      for (const entry of index.byKey.values()) {
        const spans = entry.chunks.map((c) => [c.minT, c.maxT] as const).sort((x, y) => x[0] - y[0]);
        for (let k = 1; k < spans.length; k++) if (spans[k]![0] <= spans[k - 1]![1]) n++;
      }
      return n;
    };
    const expectPoints = async (engine: Awaited<ReturnType<typeof embeddedEngine>>, want: Map<string, Map<number, number>>, what: string) => {
      const series = await collect(engine.read({ metric: 'late' }, ALL));
      expect(series.map((d) => d.series.tags.host), what).to.deep.equal([...want.keys()].sort());
      for (const d of series) {
        const expected = [...want.get(d.series.tags.host!)!].sort((x, y) => x[0] - y[0]);
        expect(Array.from(d.points.timestamps.subarray(0, d.points.length)), `${what} ${d.series.tags.host}`).to.deep.equal(expected.map(([t]) => t));
        expect(Array.from(d.points.floats.subarray(0, d.points.length)), `${what} ${d.series.tags.host}`).to.deep.equal(expected.map(([, v]) => v));
      }
    };
    // without holding back, the late points overlap the blocks behind them
    const plain = await load(0, tempDataDir('late-plain'));
    try {
      expect((await plain.engine.stats()).checkpoints).to.be.greaterThan(2);
      expect(overlaps(plain.engine)).to.be.greaterThan(0);
    } finally {
      await plain.engine.close();
    }
    const dir = tempDataDir('late-held');
    const { engine, want } = await load(60_000, dir);
    const crashed = tempDataDir('late-held-copy');
    try {
      const stats = await engine.stats();
      expect(stats.checkpoints).to.be.greaterThan(2);
      expect(stats.headPoints, 'the newest points are held in the head').to.be.greaterThan(0);
      expect(overlaps(engine)).to.equal(0);
      await expectPoints(engine, want, 'live');
      // the files as a crash right now would leave them: the WAL before the last cut is gone
      fs.cpSync(dir, crashed, { recursive: true });
      fs.rmSync(path.join(crashed, 'LOCK'));
    } finally {
      await engine.close();
    }
    const reopened = await embeddedEngine(crashed);
    await reopened.open();
    try {
      await expectPoints(reopened, want, 'after the crash');
    } finally {
      await reopened.close();
    }
  });

  it('loses no sync-written point to a crash right after a cut that carried points back: the WAL it covered is dropped once they are committed again', async () => {
    // Found by review: a cut that carries each series' newest points back into the head
    // logs them again only in the new WAL segment's buffer; dropping the segments the cut
    // covered before that buffer was committed left the carried points in memory alone,
    // and a crash before the next WAL commit (flushIntervalMs: a minute here) lost them.
    const dir = tempDataDir('carried-crash');
    const options = { headMaxPoints: 1000, cutHoldBackMs: 60_000, flushIntervalMs: 60_000, slicePoints: 50, encodeOnWorker: false };
    const engine = await embeddedEngine(dir, options);
    await engine.open();
    const batch = (from: number): DataPoint[] => {
      const points: DataPoint[] = [];
      for (let h = 0; h < 10; h++) for (let k = from; k < from + 110; k++) points.push({ metric: 'r', tags: { host: `h${h}` }, timestamp: 1_000_000 + 1000 * k, value: { kind: ValueKind.Float, value: k } });
      return points;
    };
    const first = batch(0);
    const second = batch(110);
    const tick = () => new Promise((resolve) => setImmediate(resolve));
    const crashed = tempDataDir('carried-crash-copy');
    try {
      await engine.write(pointBatch(first), { sync: true }); // 1,100 points: a background cut starts
      while (!(await engine.stats()).cutInProgress) await tick();
      await engine.write(pointBatch(second), { sync: true }); // the live head fills again meanwhile
      // the first cut ends and, the head full, a second starts at once; both carry points back
      while (((await engine.stats()).checkpoints ?? 0) < 2) await tick();
      await sleep(200); // the covered segments' removal, in the background
      // a crash now: the data dir as it is on disk
      fs.cpSync(dir, crashed, { recursive: true, filter: (src) => path.basename(src) !== 'LOCK' });
    } finally {
      await engine.close();
    }
    const reopened = await embeddedEngine(crashed, options);
    await reopened.open();
    try {
      const series = await collect(reopened.read({ metric: 'r' }, ALL));
      expect(series.reduce((n, d) => n + d.points.length, 0), 'points after the crash, all written with sync').to.equal(first.length + second.length);
      for (const d of series) expect(Array.from(d.points.floats.subarray(0, d.points.length)), d.series.tags.host).to.deep.equal(Array.from({ length: 220 }, (_, k) => k));
    } finally {
      await reopened.close();
    }
  });

  it('merges blocks of about the same size (cuts differ by a batch), the newest blocks once idle, and starts a compaction that is due when it opens', async () => {
    const blocksOf = (...counts: number[]) => counts.map((count) => ({ refs: [{ count }], points: count })) as unknown as Parameters<typeof planCompaction>[0];
    // cut at a 2M-point head: a block a few points bigger than the newer one once stopped every merge
    expect(planCompaction(blocksOf(2_002_640, 2_004_692, 2_004_505, 2_003_545), 4)).to.equal(0);
    expect(planCompaction(blocksOf(8_000_000, 2_000_000, 2_000_000), 2)).to.equal(1);
    expect(planCompaction(blocksOf(8_000_000, 2_000_000), 2)).to.equal(undefined);
    // idle, the newest blocks merge up to the cap, whatever their sizes
    expect(planIdleCompaction(blocksOf(8_000_000, 2_000_000), 20_000_000)).to.equal(0);
    expect(planIdleCompaction(blocksOf(30_000_000, 8_000_000, 2_000_000), 20_000_000)).to.equal(1);
    expect(planIdleCompaction(blocksOf(30_000_000, 2_000_000), 20_000_000)).to.equal(undefined);
    expect(planIdleCompaction(blocksOf(8_000_000, 2_000_000), 0)).to.equal(undefined);

    const idleDir = tempDataDir('compact-idle');
    const idle = await embeddedEngine(idleDir, { compactBlocks: 100, compactIdleMs: 200 });
    await idle.open();
    try {
      await idle.write(pointBatch(floats('i', 'a', 0, 80)));
      idle.checkpoint();
      await idle.write(pointBatch(floats('i', 'a', 10_000_000, 20)));
      idle.checkpoint();
      expect((await idle.stats()).blocks).to.equal(2); // not similar sizes: no merge while written to
      while ((await idle.stats()).compactions === 0) await sleep(50);
      expect((await idle.stats()).blocks).to.equal(1);
      const [data] = await collect(idle.read({ metric: 'i' }, ALL));
      expect(data!.points.length).to.equal(100);
    } finally {
      await idle.close();
    }

    const dir = tempDataDir('compact-at-open');
    let engine = await embeddedEngine(dir, { compactBlocks: 100 });
    await engine.open();
    for (let k = 0; k < 3; k++) {
      await engine.write(pointBatch(floats('o', 'a', k * 1_000_000, 10)));
      engine.checkpoint();
    }
    expect((await engine.stats()).blocks).to.equal(3);
    await engine.close();
    engine = await embeddedEngine(dir, { compactBlocks: 3 });
    await engine.open();
    try {
      while ((await engine.stats()).compactions === 0) await new Promise((resolve) => setImmediate(resolve));
      expect((await engine.stats()).blocks).to.equal(1);
      const [data] = await collect(engine.read({ metric: 'o' }, ALL));
      expect(data!.points.length).to.equal(30);
    } finally {
      await engine.close();
    }
  });

  it('saves new series as one compressed series.log record per checkpoint, and still opens logs of one record per series', async () => {
    const dir = tempDataDir('series-log');
    let engine = await embeddedEngine(dir, {});
    await engine.open();
    const hosts = Array.from({ length: 500 }, (_, h) => `host_${h}`);
    await engine.write(pointBatch(hosts.flatMap((h) => [...floats('cpu.user', h, 0, 1), ...floats('cpu.system', h, 0, 1)])));
    engine.checkpoint();
    await engine.close();
    const log = path.join(dir, 'series.log');
    // 1,000 series named like a fleet's: a few bytes each, where one JSON record each took ~70
    expect(fs.statSync(log).size).to.be.below(1000 * 12);
    // a log written one record per series (before batches) next to a batch: every series loads
    const w = new ByteWriter();
    writeSeriesBody(w, 5000, 'legacy', { host: 'old' });
    fs.appendFileSync(log, frameRecord(w.finish()));
    engine = await embeddedEngine(dir, {});
    await engine.open();
    try {
      const [legacy] = await collect(engine.lookup({ metric: 'legacy' }));
      expect(legacy!.tags).to.deep.equal({ host: 'old' });
      expect((await collect(engine.read({ metric: 'cpu.user' }, ALL))).length).to.equal(500);
      await engine.write(pointBatch(floats('after', 'x', 0, 1)));
      const [after] = await collect(engine.lookup({ metric: 'after' }));
      expect(Number.parseInt(after!.id, 16)).to.be.above(5000); // ids keep growing past every loaded one
    } finally {
      await engine.close();
    }
  });

  it('keeps a copy of a series.log with a bad byte, never compacts away the chunks of the series cut off, and a log restored from a backup brings them back', async () => {
    const dir = tempDataDir('series-log-corrupt');
    let engine = await embeddedEngine(dir, { compactBlocks: 100 });
    await engine.open();
    await engine.write(pointBatch(['a', 'b'].flatMap((h) => floats('kept', h, 0, 10))));
    engine.checkpoint(); // block 1, series.log record 1 (kept)
    await engine.write(pointBatch(['c', 'd'].flatMap((h) => floats('cut', h, 0, 10))));
    engine.checkpoint(); // block 2, record 2 (cut)
    await engine.write(pointBatch(['a', 'b'].flatMap((h) => floats('kept', h, 1_000_000, 10))));
    engine.checkpoint(); // block 3, no new series
    await engine.close();
    const log = path.join(dir, 'series.log');
    const original = fs.readFileSync(log);
    const second = 8 + original.readUInt32LE(0);
    const damaged = Buffer.from(original);
    damaged[second + 8 + 2]! ^= 0xff; // one byte inside record 2's payload
    fs.writeFileSync(log, damaged);

    // compaction is due at open (3 blocks, compactBlocks 3): it would merge away the cut series' chunks
    const logger = memoryLogger();
    engine = await embeddedEngine(dir, { compactBlocks: 3 }, logger.logger);
    await engine.open();
    try {
      const copies = fs.readdirSync(dir).filter((f) => f.startsWith('series.log.corrupt-'));
      expect(copies).to.have.length(1);
      expect(fs.readFileSync(path.join(dir, copies[0]!)).equals(damaged)).to.equal(true);
      expect(fs.statSync(log).size).to.equal(second);
      expect(await collect(engine.lookup({ metric: 'cut' }))).to.deep.equal([]);
      expect((await collect(engine.read({ metric: 'kept' }, ALL))).map((s) => s.points.length)).to.deep.equal([20, 20]);
      for (let i = 0; i < 20; i++) await sleep(10);
      const stats = await engine.stats();
      expect(stats.compactions, 'compactions').to.equal(0);
      expect(stats.blocks).to.equal(3);
      expect(logger.lines().some((l) => /never compacted/.test(String(l.msg)))).to.equal(true);
    } finally {
      await engine.close();
    }

    // the operator restores series.log from a backup: every point is served again
    fs.writeFileSync(log, original);
    engine = await embeddedEngine(dir, { compactBlocks: 3 });
    await engine.open();
    try {
      const cut = await collect(engine.read({ metric: 'cut' }, ALL));
      expect(cut.map((s) => [s.series.tags.host, s.points.length])).to.deep.equal([['c', 10], ['d', 10]]);
      expect((await collect(engine.read({ metric: 'kept' }, ALL))).map((s) => s.points.length)).to.deep.equal([20, 20]);
    } finally {
      await engine.close();
    }
  });

  it('serves the WAL samples of the series it knows after a damaged series.log, and keeps a copy of the segment holding the others before a cut deletes it', async () => {
    const dir = tempDataDir('wal-unknown-series');
    let engine = await embeddedEngine(dir);
    await engine.open();
    await engine.write(pointBatch(['a', 'b'].flatMap((h) => floats('named', h, 0, 10))));
    engine.checkpoint(); // series.log's one record: the series a and b
    await engine.close();
    engine = await embeddedEngine(dir);
    await engine.open();
    // written with sync after the restart, in one record: samples naming a and b by id only,
    // and c, new, whose name is in the WAL
    await engine.write(pointBatch(['a', 'c', 'b'].flatMap((h) => floats('named', h, 1_000_000, 5))), { sync: true });
    const crashed = tempDataDir('wal-unknown-series-copy');
    fs.cpSync(dir, crashed, { recursive: true, filter: (src) => path.basename(src) !== 'LOCK' });
    await engine.close();
    const log = path.join(crashed, 'series.log');
    const damaged = fs.readFileSync(log);
    damaged[8 + 2]! ^= 0xff; // inside the one record's payload
    fs.writeFileSync(log, damaged);
    const walDir = path.join(crashed, 'wal');
    const segments = fs.readdirSync(walDir).filter((f) => f.endsWith('.wal'));
    const withSamples = segments.filter((f) => fs.statSync(path.join(walDir, f)).size > 0);
    expect(withSamples).to.have.length(1);
    const samplesBytes = fs.readFileSync(path.join(walDir, withSamples[0]!));

    const logger = memoryLogger();
    engine = await embeddedEngine(crashed, {}, logger.logger);
    await engine.open();
    try {
      const logged = logger.lines().find((l) => String(l.msg).startsWith('WAL records that do not apply'));
      expect(logged, 'logged').to.not.equal(undefined);
      expect(logged!.first).to.match(/samples for unknown series \d+: 10 of the record's 15 points skipped/);
      expect(fs.readFileSync(String(logged!.copy)).equals(samplesBytes), 'the copy holds the segment as it was').to.equal(true);
      expect((await engine.stats()).walSkippedRecords).to.equal(1);
      // the series the WAL names is served; a and b are lost with series.log's record
      const served = await collect(engine.read({ metric: 'named' }, ALL));
      expect(served.map((d) => [d.series.tags.host, Array.from(d.points.timestamps.subarray(0, d.points.length))])).to.deep.equal([['c', [1_000_000, 1_010_000, 1_020_000, 1_030_000, 1_040_000]]]);
      // a cut deletes the replayed segments; the copy stays
      await engine.write(pointBatch(floats('other', 'x', 0, 10)));
      engine.checkpoint();
      await sleep(100);
      expect(fs.existsSync(path.join(walDir, withSamples[0]!)), 'the segment itself').to.equal(false);
      expect(fs.existsSync(String(logged!.copy))).to.equal(true);
    } finally {
      await engine.close();
    }
  });

  it('loads the series after a bad series.log record in the middle; fsck finds it, and --fix rewrites the log to its valid records', async () => {
    const dir = tempDataDir('series-log-middle');
    let engine = await embeddedEngine(dir);
    await engine.open();
    for (const metric of ['first', 'lost', 'after']) {
      await engine.write(pointBatch(['a', 'b'].flatMap((h) => floats(metric, h, 0, 10))));
      engine.checkpoint(); // one series.log record each
    }
    await engine.close();
    const log = path.join(dir, 'series.log');
    const damaged = fs.readFileSync(log);
    const second = 8 + damaged.readUInt32LE(0);
    damaged[second + 8 + 2]! ^= 0xff; // inside record 2's payload; record 3 follows
    fs.writeFileSync(log, damaged);

    const logger = memoryLogger();
    engine = await embeddedEngine(dir, {}, logger.logger);
    await engine.open();
    try {
      expect(await collect(engine.lookup({ metric: 'lost' }))).to.deep.equal([]);
      for (const metric of ['first', 'after']) expect((await collect(engine.read({ metric }, ALL))).map((s) => s.points.length), metric).to.deep.equal([10, 10]);
      const logged = logger.lines().find((l) => String(l.msg).startsWith('series log has corrupt records in the middle'));
      expect(fs.readFileSync(String(logged!.copy)).equals(damaged)).to.equal(true);
      expect(fs.statSync(log).size, 'the log keeps its two valid records').to.equal(damaged.length - (8 + damaged.readUInt32LE(second)));
    } finally {
      await engine.close();
    }
    // the next open finds nothing to skip or copy
    const again = memoryLogger();
    engine = await embeddedEngine(dir, {}, again.logger);
    await engine.open();
    await engine.close();
    expect(again.lines().some((l) => String(l.msg).startsWith('series log has corrupt'))).to.equal(false);
    expect(fs.readdirSync(dir).filter((f) => f.startsWith('series.log.corrupt-'))).to.have.length(1);

    // fsck, on a log damaged the same way while the daemon is stopped
    fs.writeFileSync(log, damaged);
    const codecs = new CodecSet(await codecRegistry(), DEFAULT_CODECS);
    const found = fsckEmbedded(dir, codecs, false).problems.filter((p) => p.file === 'series.log');
    expect(found.map((p) => p.message)).to.deep.equal([`1 bad record(s) in the middle, valid records after them: checksum mismatch at byte ${second} (${8 + damaged.readUInt32LE(second)} bytes)`]);
    const fixed = fsckEmbedded(dir, codecs, true).problems.find((p) => p.file === 'series.log');
    expect(fixed!.fixed).to.match(/^rewritten with its 2 valid records/);
    expect(fsckEmbedded(dir, codecs, false).problems.filter((p) => p.file === 'series.log')).to.deep.equal([]);
    expect(fs.readFileSync(path.join(dir, 'series.log.corrupt')).equals(damaged), 'fsck kept the original').to.equal(true);
  });

  it("lays a metric's series out together in a block, cut or compacted (by metric name, then id), and reads every point back", async () => {
    const dir = tempDataDir('block-order');
    const engine = await embeddedEngine(dir, { compactBlocks: 2, chunkMaxPoints: 64 });
    await engine.open();
    const metrics = ['m.c', 'm.a', 'm.b'];
    // host after host, each host's three metrics: series ids interleave the metrics
    const write = (round: number) => engine.write(pointBatch(Array.from({ length: 20 }, (_, h) => metrics.flatMap((m) => floats(m, `h${h}`, round * 1_000_000, 30))).flat()));
    /** the metric of each chunk of the one block on disk, in the block's order, and whether each metric's ids ascend */
    const layout = (): string[] => {
      const { refs } = onlyBlock(dir);
      const byId = (engine as unknown as { index: { byId: { info: { metric: string } }[] } }).index.byId;
      const order = refs.map((ref) => byId[ref.seriesId]!.info.metric);
      for (const metric of metrics) {
        const ids = refs.filter((ref) => byId[ref.seriesId]!.info.metric === metric).map((ref) => ref.seriesId);
        expect(ids, metric).to.deep.equal([...ids].sort((a, b) => a - b));
      }
      return order;
    };
    const grouped = [...Array(20).fill('m.a'), ...Array(20).fill('m.b'), ...Array(20).fill('m.c')];
    try {
      await write(0);
      engine.checkpoint();
      expect(layout()).to.deep.equal(grouped);
      await write(1);
      engine.checkpoint(); // the second block: compacted with the first into one
      expect((await engine.stats()).compactions).to.equal(1);
      // one chunk a series again (60 points, chunks of 64)
      expect(layout()).to.deep.equal(grouped);
      for (const metric of metrics) {
        const series = await collect(engine.read({ metric }, ALL));
        expect(series.length, metric).to.equal(20);
        expect(series.every((d) => d.points.length === 60), metric).to.equal(true);
      }
    } finally {
      await engine.close();
    }
  });

  it('writes block indexes with implied offsets and flags (DSDBEND4), and still reads the indexes written before (DSDBEND3, DSDBEND2, DSDBEND1)', async () => {
    const dir = tempDataDir('plain-index');
    let engine = await embeddedEngine(dir, {});
    await engine.open();
    await engine.write(pointBatch(Array.from({ length: 200 }, (_, h) => floats('idx', `h${h}`, 0, 50)).flat()));
    engine.checkpoint();
    await engine.close();
    const blocksDir = path.join(dir, 'blocks');
    const [file] = fs.readdirSync(blocksDir);
    const bytes = fs.readFileSync(path.join(blocksDir, file!));
    const footer = bytes.subarray(bytes.length - 24);
    expect(footer.subarray(16).toString()).to.equal('DSDBEND4');
    const indexOffset = footer.readUInt32LE(0);
    const current = new BlockReader(path.join(blocksDir, file!), 1, { timestamp: [], byKind: [], byId: new Map() } as never);
    const refs = current.refs;
    // every chunk's finite flag comes from the index: no chunk byte was read for it (a read fills the read-ahead window)
    expect(refs.every((ref) => ref.finite === true)).to.equal(true);
    expect((current as unknown as { window?: unknown }).window).to.equal(undefined);
    current.close();
    expect(refs.length).to.equal(200);
    // back to back from the 8-byte magic, in the order written
    expect(refs[0]!.offset).to.equal(8);
    for (let i = 1; i < refs.length; i++) expect(refs[i]!.offset).to.equal(refs[i - 1]!.offset + refs[i - 1]!.length);
    expect(refs.at(-1)!.offset + refs.at(-1)!.length).to.equal(indexOffset);
    // the same index with whole entries, as DSDB wrote it before: 200 entries cost twice as much
    const whole = wholeEntryIndex(refs);
    expect(footer.readUInt32LE(8)).to.be.below(deflateRawSync(whole).length / 1.5);
    for (const [magic, index] of [['DSDBEND3', deflateRawSync(impliedIndex(refs))], ['DSDBEND2', deflateRawSync(whole)], ['DSDBEND1', whole]] as const) {
      fs.writeFileSync(path.join(blocksDir, file!), withIndex(bytes.subarray(0, indexOffset), index, magic));
      engine = await embeddedEngine(dir, {});
      await engine.open();
      try {
        const series = await collect(engine.read({ metric: 'idx' }, ALL));
        expect(series.length, magic).to.equal(200);
        expect(series.every((d) => d.points.length === 50 && d.points.timestamps[0] === 0 && d.points.timestamps[49] === 490_000), magic).to.equal(true);
        expect((await engine.stats()).corruptBlocks, magic).to.equal(0);
      } finally {
        await engine.close();
      }
    }
  });

  it('fsck finds a block index flag claiming finite values a chunk does not hold, and --fix rewrites the flag, keeping the points', async () => {
    const dir = tempDataDir('flag-index');
    let engine = await embeddedEngine(dir, {});
    await engine.open();
    // a NaN among floats: not a finite chunk (xor-float), so its flag is 0
    const points = floats('flagged', 'a', 0, 50).map((p, i) => (i === 7 ? { ...p, value: { kind: ValueKind.Float, value: NaN } } : p)) as DataPoint[];
    await engine.write(pointBatch(points));
    engine.checkpoint();
    await engine.close();
    const codecs = new CodecSet(await codecRegistry(), DEFAULT_CODECS);
    const { file, bytes, indexOffset, refs } = onlyBlock(dir, codecs);
    expect(refs.map((ref) => ref.finite)).to.deep.equal([false]);
    expect(fsckEmbedded(dir, codecs, false).problems).to.deep.equal([]);
    // the same block with the flag claiming every value finite: a count would skip reading the chunk and miss the NaN
    fs.writeFileSync(file, withIndex(bytes.subarray(0, indexOffset), deflateRawSync(impliedIndex(refs, 1)), 'DSDBEND4'));
    const found = fsckEmbedded(dir, codecs, false).problems;
    expect(found.map((p) => p.message)).to.deep.equal(['chunk 0 (series 1, offset 8, 50 points): the block index says every value is a finite number, but point 7 is not']);
    const fixed = fsckEmbedded(dir, codecs, true).problems;
    expect(fixed[0]!.fixed).to.match(/rewritten.*flags taken from the chunks' headers again/);
    expect(fsckEmbedded(dir, codecs, false).problems).to.deep.equal([]);
    engine = await embeddedEngine(dir, {});
    await engine.open();
    try {
      const [series] = await collect(engine.read({ metric: 'flagged' }, ALL));
      expect(series!.points.length, 'every point kept').to.equal(50);
      expect(Number.isNaN(series!.points.floats[7]!)).to.equal(true);
    } finally {
      await engine.close();
    }
  });

  it('sets aside a block whose index passes its checksum but claims a count, a series id or a time range no writer gives', async () => {
    const dir = tempDataDir('crafted-index');
    const engine = await embeddedEngine(dir, {});
    await engine.open();
    await engine.write(pointBatch([...floats('crafted', 'a', 0, 50), ...floats('crafted', 'b', 0, 50)]));
    engine.checkpoint();
    await engine.close();
    const { file, bytes, indexOffset, refs } = onlyBlock(dir);
    const blocksDir = path.dirname(file);
    const variants: [string, (ref: IndexEntry) => void, RegExp][] = [
      ['a count of 2^40', (ref) => (ref.count = 2 ** 40), /point count 1099511627776 out of range/],
      ['a count of 0', (ref) => (ref.count = 0), /point count 0 out of range/],
      ['a series id of 2^54', (ref) => (ref.seriesId = 2 ** 54), /chunk reference out of range/],
      ['minT after maxT', (ref) => (ref.minT = ref.maxT + 1), /time range out of order/],
    ];
    for (const [what, damage, reason] of variants) {
      const damaged = refs.map((original, i) => {
        const ref = plainEntry(original);
        if (i === 1) damage(ref);
        return ref;
      });
      for (const f of fs.readdirSync(blocksDir)) fs.rmSync(path.join(blocksDir, f));
      fs.writeFileSync(file, withIndex(bytes.subarray(0, indexOffset), wholeEntryIndex(damaged), 'DSDBEND1'));
      const log = memoryLogger();
      const reopened = await embeddedEngine(dir, {}, log.logger);
      await reopened.open(); // starts anyway, without the block
      try {
        expect((await reopened.stats()).corruptBlocks, what).to.equal(1);
        expect(fs.existsSync(`${file}.corrupt`), what).to.equal(true);
        const logged = log.lines().find((l) => String(l.msg).startsWith('corrupt block file'));
        expect(JSON.stringify(logged), what).to.match(reason);
      } finally {
        await reopened.close();
      }
    }
  });

  it('deletes blocks a compaction superseded when a crash left them behind', async () => {
    const dir = tempDataDir('superseded');
    let engine = await embeddedEngine(dir, { compactBlocks: 2 });
    await engine.open();
    await engine.write(pointBatch(floats('s', 'a', 0, 10)));
    engine.checkpoint();
    const blocksDir = path.join(dir, 'blocks');
    const [first] = fs.readdirSync(blocksDir);
    const saved = fs.readFileSync(path.join(blocksDir, first!));
    await engine.write(pointBatch(floats('s', 'a', 1_000_000, 10)));
    await engine.close(); // second block, then compaction deletes both inputs
    fs.writeFileSync(path.join(blocksDir, first!), saved); // as if the crash came before the deletion
    engine = await embeddedEngine(dir, { compactBlocks: 2 });
    await engine.open();
    try {
      expect(fs.readdirSync(blocksDir)).to.not.include(first);
      const [data] = await collect(engine.read({ metric: 's' }, ALL));
      expect(data!.points.length).to.equal(20);
    } finally {
      await engine.close();
    }
  });

  it('drops points older than the retention period from reads and from disk', async () => {
    const dir = tempDataDir('retention');
    const day = 86_400_000;
    const engine = await embeddedEngine(dir, { retentionMs: day, compactBlocks: 2 });
    await engine.open();
    try {
      const now = Date.now();
      await engine.write(pointBatch([...floats('r', 'old', now - 3 * day, 5), ...floats('r', 'new', now - 1000, 1)]));
      expect((await collect(engine.read({ metric: 'r' }, ALL))).map((d: SeriesData) => d.series.tags.host)).to.deep.equal(['new']);
      expect((await collect(engine.last({ metric: 'r' }))).map((p) => p.series.tags.host)).to.deep.equal(['new']);
      engine.checkpoint();
      engine.compact(); // a compaction rewrites the block without the expired points
      expect((await engine.stats()).blockPoints).to.equal(1);
      await engine.write(pointBatch(floats('r', 'old', now - 2 * day, 3)));
      engine.checkpoint(); // a block holding only expired points is deleted whole
      const stats = await engine.stats();
      expect(stats.blockPoints).to.equal(1);
      expect(stats.blocks).to.equal(1);
    } finally {
      await engine.close();
    }
  });

  it('compacts by size tiers: similar small blocks merge, a big older block is left alone', async () => {
    const engine = await embeddedEngine(tempDataDir('tiers'), { compactBlocks: 3 });
    await engine.open();
    try {
      await engine.write(pointBatch(floats('t', 'a', 0, 1000)));
      engine.checkpoint();
      const sizes = async () => (await engine.stats()).blocks;
      for (let i = 1; i <= 2; i++) {
        await engine.write(pointBatch(floats('t', 'a', i * 100_000_000, 10)));
        engine.checkpoint();
      }
      expect(await sizes()).to.equal(3); // 1000, 10, 10: the big one is not in the run
      await engine.write(pointBatch(floats('t', 'a', 300_000_000, 10)));
      engine.checkpoint(); // 10, 10, 10 merge into 30
      expect(await sizes()).to.equal(2);
      expect((await engine.stats()).compactions).to.equal(1);
      const [data] = await collect(engine.read({ metric: 't' }, ALL));
      expect(data!.points.length).to.equal(1030);
    } finally {
      await engine.close();
    }
  });

  it('answers literal tag filters from postings, testing only the candidate series', async () => {
    const engine = await embeddedEngine(tempDataDir('postings'));
    await engine.open();
    try {
      const points: DataPoint[] = [];
      for (let h = 0; h < 5000; h++) points.push({ metric: 'p', tags: { host: `h${h}`, dc: `dc${h % 10}` }, timestamp: 1000, value: { kind: ValueKind.Int, value: BigInt(h) } });
      await engine.write(pointBatch(points));
      let tested = 0;
      const selector = { metric: 'p', predicates: [{ key: 'dc', literals: ['dc3'], test: (v: string | undefined) => (tested++, v === 'dc3') }] };
      const found = await collect(engine.lookup(selector));
      expect(found).to.have.length(500);
      expect(tested).to.equal(500); // not 5000: the other series were never looked at
    } finally {
      await engine.close();
    }
  });

  it('reports a corrupt chunk and keeps serving the other series; sets aside a block with a torn footer', async () => {
    const dir = tempDataDir('corrupt-block');
    let engine = await embeddedEngine(dir);
    await engine.open();
    await engine.write(pointBatch([...floats('x', 'a', 0, 100), ...floats('x', 'b', 0, 100)]));
    await engine.close();
    const blocksDir = path.join(dir, 'blocks');
    const file = path.join(blocksDir, fs.readdirSync(blocksDir)[0]!);
    const bytes = fs.readFileSync(file);
    bytes[12]! ^= 0xff; // inside the first chunk (series a)
    fs.writeFileSync(file, bytes);

    const log = memoryLogger();
    engine = await embeddedEngine(dir, {}, log.logger);
    await engine.open();
    try {
      // a count from chunk headers (no value decoded) checks the chunks' bytes first: the
      // corrupt one is skipped as every read of its points skips it
      const count = { aggregator: 'count', ...MERGING_REDUCERS.count!, ofFinite: (n: number) => n };
      const counted = await collect(engine.readDownsampled({ metric: 'x' }, ALL, { intervalMs: 0, all: true, values: ALL, ...count }));
      expect(counted.map((d) => [d.series.tags.host, 'buckets' in d ? Array.from(d.buckets.values.subarray(0, d.buckets.length)) : d.points.length])).to.deep.equal([['b', [100]]]);
      expect((await engine.stats()).corruptChunks).to.equal(1);
      const series = await collect(engine.read({ metric: 'x' }, ALL));
      expect(series.map((d) => d.series.tags.host)).to.deep.equal(['b']);
      expect(series[0]!.points.length).to.equal(100);
      expect((await engine.stats()).corruptChunks).to.equal(2);
      expect(log.lines().some((l) => l.msg === 'corrupt chunk skipped')).to.equal(true);
    } finally {
      await engine.close();
    }

    fs.truncateSync(file, fs.statSync(file).size - 5);
    const log2 = memoryLogger();
    engine = await embeddedEngine(dir, {}, log2.logger);
    await engine.open(); // starts anyway
    try {
      expect((await engine.stats()).corruptBlocks).to.equal(1);
      expect(fs.existsSync(file + '.corrupt')).to.equal(true);
      expect(log2.lines().some((l) => String(l.msg).startsWith('corrupt block file'))).to.equal(true);
    } finally {
      await engine.close();
    }
  });

  it('serves a block whose footer has any one byte damaged (its index found and every chunk checked without it); fsck --fix writes the same footer again', async () => {
    const dir = tempDataDir('footer-flip');
    let engine = await embeddedEngine(dir, { chunkMaxPoints: 64 });
    await engine.open();
    await engine.write(pointBatch(['a', 'b', 'c'].flatMap((h) => floats('footer', h, 0, 300))));
    await engine.close();
    const blocksDir = path.join(dir, 'blocks');
    const file = path.join(blocksDir, fs.readdirSync(blocksDir).find((f) => f.endsWith('.blk'))!);
    const original = fs.readFileSync(file);
    const codecs = new CodecSet(await codecRegistry(), DEFAULT_CODECS);
    for (let at = original.length - 24; at < original.length; at++) {
      for (const f of fs.readdirSync(blocksDir)) if (f.includes('.corrupt')) fs.rmSync(path.join(blocksDir, f));
      const damaged = Buffer.from(original);
      damaged[at]! ^= 0x24;
      fs.writeFileSync(file, damaged);
      const where = `footer byte ${at - (original.length - 24)}`;

      const log = memoryLogger();
      engine = await embeddedEngine(dir, {}, log.logger);
      await engine.open();
      try {
        const series = await collect(engine.read({ metric: 'footer' }, ALL));
        expect(series.map((d) => d.points.length), where).to.deep.equal([300, 300, 300]);
        const stats = await engine.stats();
        expect([stats.corruptBlocks, stats.damagedFooters], where).to.deep.equal([0, 1]);
        expect(log.lines().some((l) => String(l.msg).startsWith('block footer damaged')), where).to.equal(true);
      } finally {
        await engine.close();
      }
      const found = fsckEmbedded(dir, codecs, false).problems;
      expect(found.map((p) => p.message), where).to.have.length(1);
      expect(found[0]!.message, where).to.match(/^damaged footer \(.+\); its index was found without it/);
      expect(fsckEmbedded(dir, codecs, true).problems[0]!.fixed, where).to.match(/^footer written again/);
      expect(fs.readFileSync(file).equals(original), `${where}: the footer as written`).to.equal(true);
      expect(fsckEmbedded(dir, codecs, false).problems, where).to.deep.equal([]);
    }

    // a damaged footer over a damaged chunk is not guessed at: the block is set aside, as before
    const both = Buffer.from(original);
    both[original.length - 10]! ^= 0x24;
    both[12]! ^= 0xff;
    fs.writeFileSync(file, both);
    engine = await embeddedEngine(dir, {});
    await engine.open();
    try {
      expect((await engine.stats()).corruptBlocks).to.equal(1);
    } finally {
      await engine.close();
    }
  });

  it('refuses a second engine on a data directory in use, and takes over the lock of a dead process', async () => {
    const dir = tempDataDir('lock');
    const engine = await embeddedEngine(dir);
    await engine.open();
    try {
      const second = await embeddedEngine(dir);
      await second.open().then(
        () => expect.fail('opened twice'),
        (err: { code?: string }) => expect(err.code).to.equal('DSDB_ERR_STORAGE_LOCKED'),
      );
    } finally {
      await engine.close();
    }
    fs.writeFileSync(path.join(dir, 'LOCK'), '2147483646'); // a pid that does not run
    const third = await embeddedEngine(dir);
    await third.open();
    await third.close();
  });

  it('commits writes made without sync to the WAL on the flush interval', async () => {
    const dir = tempDataDir('interval');
    const engine = await embeddedEngine(dir, { flushIntervalMs: 20 });
    await engine.open();
    try {
      const walBytes = async () => (await engine.stats()).walBytes!;
      const before = await walBytes();
      await engine.write(pointBatch(floats('i', 'a', 0, 10)));
      expect(await walBytes()).to.equal(before); // buffered, not yet written
      while ((await walBytes()) === before) await sleep(10); // the timer commits it (mocha's timeout bounds the wait)
    } finally {
      await engine.close();
    }
  });

  it('reads back every point of a constant regular series whatever chunkMaxPoints is (range-coded chunks of 100,000 points take ~30 bytes)', async () => {
    const dir = tempDataDir('big-chunks');
    const n = 100_000;
    const points: DataPoint[] = Array.from({ length: n }, (_, i) => ({ metric: 'flat', tags: { host: 'a' }, timestamp: i * 1000, value: { kind: ValueKind.Float, value: 1.5 } }));
    let engine = await embeddedEngine(dir, { chunkMaxPoints: n });
    await engine.open();
    await engine.write(pointBatch(points));
    engine.checkpoint();
    await engine.close();
    engine = await embeddedEngine(dir, { chunkMaxPoints: n });
    await engine.open();
    try {
      const [data] = await collect(engine.read({ metric: 'flat' }, ALL));
      expect(data?.points.length).to.equal(n);
      expect(data!.points.timestamps[n - 1]).to.equal((n - 1) * 1000);
      expect(data!.points.floats[n - 1]).to.equal(1.5);
    } finally {
      await engine.close();
    }
  });

  it('loses no series when a series.log write fails part-way (ENOSPC): the torn bytes are cut, the series saved at the next checkpoint', async () => {
    const dir = tempDataDir('series-log-short-write');
    let engine = await embeddedEngine(dir);
    await engine.open();
    await engine.write(pointBatch(floats('s', 'a', 0, 10)));
    engine.checkpoint();
    const ino = fs.statSync(path.join(dir, 'series.log')).ino;
    await engine.write(pointBatch(floats('s', 'b', 0, 10)));
    const tear = tearNextWrite(ino);
    try {
      expect(() => engine.checkpoint()).to.throw(/ENOSPC/);
    } finally {
      tear.restore();
    }
    expect(tear.torn()).to.equal(1);
    await engine.write(pointBatch(floats('s', 'c', 0, 10)));
    engine.checkpoint(); // the disk has room again: b and c go into series.log
    await engine.close();
    engine = await embeddedEngine(dir);
    await engine.open();
    try {
      const series = await collect(engine.read({ metric: 's' }, ALL));
      expect(series.map((d) => `${d.series.tags.host}:${d.points.length}`).sort()).to.deep.equal(['a:10', 'b:10', 'c:10']);
    } finally {
      await engine.close();
    }
  });

  /** Makes the next read-open of a block file (`.blk`, flags 'r') throw EMFILE, as a process out of descriptors would. */
  function failNextBlockOpen(): { restore(): void; failed(): number } {
    const realOpen = fs.openSync;
    let failed = 0;
    fs.openSync = function (...args: Parameters<typeof fs.openSync>): number {
      const [file, flags] = args;
      if (failed === 0 && String(file).endsWith('.blk') && flags === 'r') {
        failed++;
        throw Object.assign(new Error(`EMFILE: too many open files, open '${String(file)}'`), { code: 'EMFILE' });
      }
      return realOpen.apply(fs, args);
    };
    return { restore: () => void (fs.openSync = realOpen), failed: () => failed };
  }

  /** Runs `action` with the next read-open of a block file failing (failNextBlockOpen): it must throw EMFILE, that open having failed once. */
  function expectFailedBlockOpen(action: () => void): void {
    const fault = failNextBlockOpen();
    try {
      expect(action).to.throw(/EMFILE/);
    } finally {
      fault.restore();
    }
    expect(fault.failed()).to.equal(1);
  }

  /** The timestamps of host `host`'s points in metric `metric`. */
  async function timestampsOf(engine: EmbeddedEngine, metric: string, host: string): Promise<number[]> {
    const [data] = await collect(engine.read({ metric, predicates: [{ key: 'host', literals: [host], test: (v) => v === host }] }, ALL));
    return data ? Array.from(data.points.timestamps.subarray(0, data.points.length)) : [];
  }

  it('a cut whose new block cannot be opened leaves no block file behind: points deleted since do not come back at the next start', async () => {
    const dir = tempDataDir('cut-open-fails');
    let engine = await embeddedEngine(dir);
    await engine.open();
    await engine.write(pointBatch(floats('cf', 'a', 0, 100)));
    engine.checkpoint();
    await engine.write(pointBatch(floats('cf', 'a', 1_000_000, 100)));
    expectFailedBlockOpen(() => engine.checkpoint());
    // the cut was undone: its points are in the head again, and its file is gone
    expect(await timestampsOf(engine, 'cf', 'a')).to.have.length(200);
    const blockFiles = () => fs.readdirSync(path.join(dir, 'blocks')).filter((f) => f.endsWith('.blk'));
    expect(blockFiles()).to.have.length(1);
    // delete half of the points the failed cut held, then a cut that works drops the WAL with the delete in it
    expect(await engine.deleteRange({ metric: 'cf' }, { start: 1_000_000, end: 1_490_000 })).to.equal(50);
    engine.checkpoint();
    await engine.close();
    engine = await embeddedEngine(dir);
    await engine.open();
    try {
      const ts = await timestampsOf(engine, 'cf', 'a');
      expect(ts).to.have.length(150);
      expect(ts.filter((t) => t >= 1_000_000 && t <= 1_490_000)).to.deep.equal([]);
      expect(ts[ts.length - 1]).to.equal(1_990_000);
    } finally {
      await engine.close();
    }
  });

  it('a compaction whose merged block cannot be opened keeps its inputs and leaves no block file behind that would replace them at the next start', async () => {
    const dir = tempDataDir('compact-open-fails');
    const options = { compactBlocks: 100, compactIdleMs: 3_600_000 };
    let engine = await embeddedEngine(dir, options);
    await engine.open();
    await engine.write(pointBatch(floats('mf', 'a', 0, 100)));
    engine.checkpoint();
    await engine.write(pointBatch(floats('mf', 'a', 1_000_000, 100)));
    engine.checkpoint();
    expectFailedBlockOpen(() => engine.compact());
    expect((await engine.stats()).blocks).to.equal(2);
    // the merged block named both inputs as superseded: left on disk, a restart would have dropped them for it
    expect(await engine.deleteRange({ metric: 'mf' }, { start: 0, end: 490_000 })).to.equal(50);
    await engine.write(pointBatch(floats('mf', 'a', 2_000_000, 10)));
    engine.checkpoint();
    await engine.close();
    engine = await embeddedEngine(dir, options);
    await engine.open();
    try {
      const ts = await timestampsOf(engine, 'mf', 'a');
      expect(ts).to.have.length(160);
      expect(ts[0]).to.equal(500_000);
      expect(ts[ts.length - 1]).to.equal(2_090_000);
    } finally {
      await engine.close();
    }
  });

  it('an idle merge in slices races deletes, writes, checkpoints and close without losing or keeping a point it should not', async () => {
    const dir = tempDataDir('idle-race');
    const options = { compactBlocks: 100, compactIdleMs: 1, slicePoints: 50, chunkMaxPoints: 32, headMaxPoints: 400 };
    let engine = await embeddedEngine(dir, options);
    await engine.open();
    const hosts = ['a', 'b', 'c', 'd'];
    const expected = new Map<string, Set<number>>(hosts.map((h) => [h, new Set<number>()]));
    const write = async (from: number, n: number) => {
      await engine.write(pointBatch(hosts.flatMap((h) => floats('ir', h, from, n, 1000))));
      for (const h of hosts) for (let i = 0; i < n; i++) expected.get(h)!.add(from + i * 1000);
    };
    const check = async (label: string) => {
      const series = await collect(engine.read({ metric: 'ir' }, ALL));
      for (const h of hosts) {
        const got = series.find((d) => d.series.tags.host === h);
        expect([...(got?.points.timestamps ?? [])], `${label}: host ${h}`).to.deep.equal([...expected.get(h)!].sort((x, y) => x - y));
      }
    };
    let midMerge = 0;
    try {
      for (let k = 0; k < 5; k++) {
        await write(k * 1_000_000, 300);
        engine.checkpoint();
      }
      for (let round = 0; round < 6; round++) {
        // new blocks cut in the background; once no write came for compactIdleMs an idle
        // merge starts after the cut, in slices: the delete cuts into it
        await write(20_000_000 + round * 1_000_000, 150);
        const started = (await engine.stats()).compactions;
        for (let i = 0; i < 5000 && !engine.statsNow().compactionInProgress; i++) await new Promise((resolve) => setImmediate(resolve));
        const from = round * 1_000_000 + 100_000;
        const end = from + 50_000;
        if (engine.statsNow().compactionInProgress) midMerge++;
        const removed = await engine.deleteRange({ metric: 'ir', predicates: [{ key: 'host', literals: ['b'], test: (v) => v === 'b' }] }, { start: from, end });
        for (const t of [...expected.get('b')!]) if (t >= from && t <= end) expected.get('b')!.delete(t);
        expect(removed).to.be.at.least(0);
        await write(10_000_000 + round * 1_000_000, 100);
        await check(`round ${round} (compactions ${started})`);
        if (round % 2 === 1) engine.checkpoint();
      }
      expect(midMerge, 'deletes that found the idle merge under way').to.be.at.least(2);
      await sleep(5);
    } finally {
      await engine.close(); // mid-merge, likely
    }
    engine = await embeddedEngine(dir, options);
    await engine.open();
    try {
      await check('reopened');
      while ((await engine.stats()).compactionInProgress) await sleep(5);
      await check('merged after reopening');
      expect((await engine.stats()).blocks).to.equal(1); // all under idleCompactMaxPoints: one block once idle
    } finally {
      await engine.close();
    }
  });

  it('rejects a batch with an unknown value kind without storing any of it', async () => {
    const engine = await embeddedEngine(tempDataDir('badkind'));
    await engine.open();
    try {
      const batch = pointBatch(floats('k', 'a', 0, 3));
      batch.kinds[1] = 9;
      await engine.write(batch).then(
        () => expect.fail('accepted'),
        (err: { code?: string }) => expect(err.code).to.equal('DSDB_ERR_BAD_WRITE'),
      );
      expect(await collect(engine.read({ metric: 'k' }, ALL))).to.deep.equal([]);
    } finally {
      await engine.close();
    }
  });
});

describe('storage-embedded plugin in a kernel', () => {
  it('opens in <config folder>/data by default, is the container storage, and reports through collectStats', async () => {
    const dir = tempDataDir('plugin');
    const daemon = await startDaemon({ plugins: ['storage-embedded', ...CODEC_PLUGINS] }, dir);
    try {
      const storage = daemon.kernel.container.resolve('storage');
      expect(storage.name).to.equal('embedded');
      await storage.write(pointBatch(floats('k', 'a', 0, 5)), { sync: true });
      const recorded = new Map<string, number | bigint>();
      daemon.kernel.hooks.kernel.collectStats.call({ record: (name, value) => void recorded.set(name, value) });
      expect(recorded.get('storage.series')).to.equal(1);
      expect(recorded.get('storage.headPoints')).to.equal(5);
      expect(recorded.get('storage.walTruncations')).to.equal(0);
      expect(fs.existsSync(path.join(dir, 'data', 'LOCK'))).to.equal(true);
    } finally {
      await daemon.stop();
    }
    expect(fs.readdirSync(path.join(dir, 'data', 'blocks')).filter((f) => f.endsWith('.blk'))).to.have.length(1);
  });
});
