/** lib/chunks: the stored-chunk frame around the shared chunk (format 2, and 3 with its crc32). */
import { expect } from 'chai';
import { allocPoints, ValueKind } from '../../core';
import { CHUNK_POINTS_VERIFIED, chunkPointCount, CodecSet, decodeChunk, decodeStoredChunk, decodeStoredChunkInto, DEFAULT_CODECS, encodeChunk, encodeStoredChunk, isStoredChunk, mergeNumericParts, runBytes, STORED_CHUNK, STORED_CHUNK_CRC, storedChunkPointCount, summariseFiniteParts, summariseRun, type RunBuckets } from '../../lib/chunks';
import { MERGING_REDUCERS } from '../../core/testing/downsample-conformance';
import { codecRegistry } from '../helpers/embedded';

describe('lib/chunks stored chunk', () => {
  let codecs: CodecSet;
  before(async () => {
    codecs = new CodecSet(await codecRegistry(), DEFAULT_CODECS);
  });
  const points = allocPoints(30);
  for (let i = 0; i < 30; i++) {
    points.timestamps[i] = 1_700_000_000_000 + i * 1000;
    points.kinds[i] = i % 3 === 0 ? ValueKind.Int : ValueKind.Float;
    points.ints[i] = BigInt(i) - 9223372036854775807n;
    points.floats[i] = i / 4;
  }

  it('frames the chunk with format byte 2, or 3 and a crc32, and decodes both to the same points', () => {
    const chunk = encodeChunk(points, 5, 30, codecs);
    for (const [checksum, format, extra] of [[false, STORED_CHUNK, 0], [true, STORED_CHUNK_CRC, 4]] as const) {
      const stored = encodeStoredChunk(points, 5, 30, codecs, { checksum });
      expect(stored[0]).to.equal(format);
      expect(isStoredChunk(stored)).to.equal(true);
      expect(stored.length).to.equal(chunk.length + 1 + extra);
      expect(Buffer.from(stored.subarray(1, 1 + chunk.length)).equals(Buffer.from(chunk))).to.equal(true);
      expect(storedChunkPointCount(stored)).to.equal(25);
      const back = decodeStoredChunk(stored, codecs);
      const direct = decodeChunk(chunk, codecs);
      expect([...back.timestamps]).to.deep.equal([...direct.timestamps]);
      expect([...back.ints]).to.deep.equal([...direct.ints]);
      expect([...back.floats]).to.deep.equal([...direct.floats]);
      const into = allocPoints(27);
      expect(decodeStoredChunkInto(stored, codecs, into, 2)).to.equal(25);
      expect([...into.kinds.subarray(2)]).to.deep.equal([...points.kinds.subarray(5, 30)]);
    }
    expect(chunkPointCount(chunk)).to.equal(25);
  });

  it('refuses a checksum mismatch, an unknown format and a chunk longer than the output', () => {
    const stored = encodeStoredChunk(points, 0, 30, codecs, { checksum: true });
    const flipped = stored.slice();
    flipped[5]! ^= 1;
    expect(() => decodeStoredChunk(flipped, codecs)).to.throw(RangeError, /checksum/);
    const unknown = stored.slice();
    unknown[0] = 9;
    expect(isStoredChunk(unknown)).to.equal(false);
    expect(() => decodeStoredChunk(unknown, codecs)).to.throw(RangeError, /format 9/);
    expect(() => decodeStoredChunkInto(stored, codecs, allocPoints(10), 0)).to.throw(RangeError);
  });

  it('reads back a checksummed chunk of 360,000 points of a constant 100 Hz series (an hour\'s window: 35 bytes, range coded), and still refuses a plain chunk claiming that many', () => {
    const n = 360_000;
    const flat = allocPoints(n);
    for (let i = 0; i < n; i++) {
      flat.timestamps[i] = 1_700_000_000_000 + i * 10;
      flat.kinds[i] = ValueKind.Float;
      flat.floats[i] = 0;
    }
    const stored = encodeStoredChunk(flat, 0, n, codecs, { checksum: true });
    expect(stored.length).to.be.below(100);
    expect(storedChunkPointCount(stored)).to.equal(n);
    const back = decodeStoredChunk(stored, codecs);
    expect(back.length).to.equal(n);
    expect(back.timestamps[n - 1]).to.equal(1_700_000_000_000 + (n - 1) * 10);
    const into = allocPoints(n + 1);
    expect(decodeStoredChunkInto(stored, codecs, into, 1)).to.equal(n);
    expect(into.floats[n]).to.equal(0);
    // without a checksum the count is not trusted past what the bytes could hold
    const plain = encodeStoredChunk(flat, 0, n, codecs, { checksum: false });
    expect(() => storedChunkPointCount(plain)).to.throw(RangeError, /point count/);
    expect(() => chunkPointCount(encodeChunk(flat, 0, n, codecs))).to.throw(RangeError, /point count/);
    // a block's chunk, its CRC32 checked by the block reader (chunks written before CHUNK_POINTS_MAX)
    expect(decodeChunk(encodeChunk(flat, 0, n, codecs), codecs, CHUNK_POINTS_VERIFIED).length).to.equal(n);
  });
});

describe('lib/chunks chunk kinds modes', () => {
  let codecs: CodecSet;
  before(async () => {
    codecs = new CodecSet(await codecRegistry(), DEFAULT_CODECS);
  });
  const n = 1000;
  const floats = allocPoints(n);
  for (let i = 0; i < n; i++) {
    floats.timestamps[i] = 1_767_225_600_000 + i * 10_000;
    floats.kinds[i] = ValueKind.Float;
    floats.floats[i] = Math.round(5000 + 1000 * Math.sin(i / 7)) / 100;
  }

  /** The offset of the kinds mode byte: after the count and the timestamp section. */
  function modeOffset(chunk: Uint8Array): number {
    let at = 0;
    while (chunk[at]! & 0x80) at++; // count uvarint
    at += 2; // its last byte, the timestamp codec id
    let length = 0;
    for (let shift = 0; ; shift += 7) {
      const b = chunk[at++]!;
      length += (b & 0x7f) * 2 ** shift;
      if (!(b & 0x80)) break;
    }
    return at + length;
  }

  it('writes points of one kind in mode 2 (the section to the end), 6 bytes less than the mode 0 chunk it still reads', () => {
    const chunk = encodeChunk(floats, 0, n, codecs);
    const at = modeOffset(chunk);
    expect([...chunk.subarray(at, at + 2)]).to.deep.equal([2, ValueKind.Float]);
    const codecId = chunk[at + 2]!;
    const section = chunk.subarray(at + 3);
    // the same chunk as written before mode 2: mode 0, one section with its count and length
    const uvarint = (v: number): number[] => (v < 128 ? [v] : [(v & 0x7f) | 0x80, ...uvarint(Math.floor(v / 128))]);
    const old = Uint8Array.from([...chunk.subarray(0, at), 0, ValueKind.Float, 1, ValueKind.Float, codecId, ...uvarint(n), ...uvarint(section.length), ...section]);
    expect(old.length - chunk.length).to.equal(6);
    for (const bytes of [chunk, old]) {
      const back = decodeChunk(bytes, codecs);
      expect(back.length).to.equal(n);
      expect([...back.timestamps]).to.deep.equal([...floats.timestamps]);
      expect([...back.floats]).to.deep.equal([...floats.floats]);
      expect(back.kinds.every((k) => k === ValueKind.Float)).to.equal(true);
    }
    // a stored chunk's frame delimits a mode 2 chunk: its CRC is not read as codec bytes
    const stored = encodeStoredChunk(floats, 0, n, codecs, { checksum: true });
    expect([...decodeStoredChunk(stored, codecs).floats]).to.deep.equal([...floats.floats]);
  });

  it('refuses a mode 2 chunk whose codec is not for its kind', () => {
    const chunk = Uint8Array.from(encodeChunk(floats, 0, n, codecs));
    chunk[modeOffset(chunk) + 1] = ValueKind.Int;
    expect(() => decodeChunk(chunk, codecs)).to.throw(RangeError, /uses codec/);
  });

  it('still writes mixed kinds as runs and one section per kind, and an empty chunk in mode 0', () => {
    const mixed = allocPoints(10);
    for (let i = 0; i < 10; i++) {
      mixed.timestamps[i] = i * 1000;
      mixed.kinds[i] = i < 5 ? ValueKind.Int : ValueKind.Float;
      mixed.ints[i] = BigInt(i);
      mixed.floats[i] = i + 0.5;
    }
    const chunk = encodeChunk(mixed, 0, 10, codecs);
    expect(chunk[modeOffset(chunk)]).to.equal(1);
    const back = decodeChunk(chunk, codecs);
    expect([...back.kinds]).to.deep.equal([...mixed.kinds]);
    expect([...back.ints.subarray(0, 5)]).to.deep.equal([0n, 1n, 2n, 3n, 4n]);
    expect([...back.floats.subarray(5)]).to.deep.equal([5.5, 6.5, 7.5, 8.5, 9.5]);
    const empty = encodeChunk(mixed, 3, 3, codecs);
    expect(chunk.length).to.be.above(empty.length);
    expect(empty[modeOffset(empty)]).to.equal(0);
    expect(decodeChunk(empty, codecs).length).to.equal(0);
  });
});

type Points = ReturnType<typeof allocPoints>;

/**
 * A random sorted run of unique timestamps over a random span (often overlapping other
 * runs), with a few points outside its [from, to) that readers must ignore; `value` sets
 * point i's kind and value.
 */
function randomRun(rnd: () => number, value: (p: Points, i: number) => void): { points: Points; from: number; to: number } {
  const start = Math.floor(rnd() * 500);
  const stamps = [...new Set(Array.from({ length: Math.floor(rnd() * 80) }, () => start + Math.floor(rnd() * 300)))].sort((a, b) => a - b);
  const pad = Math.floor(rnd() * 3);
  const p = allocPoints(stamps.length + 2 * pad);
  for (let i = 0; i < p.length; i++) {
    p.timestamps[i] = i < pad ? -10 + i : i >= pad + stamps.length ? 10_000 + i : stamps[i - pad]!;
    value(p, i);
  }
  return { points: p, from: pad, to: pad + stamps.length };
}

describe('lib/chunks mergeNumericParts', () => {
  it('merges random overlapping runs as read() does: every timestamp once, the newest part winning, integers as doubles', () => {
    let seed = 20261201;
    const rnd = (): number => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
    for (let round = 0; round < 200; round++) {
      const k = 1 + Math.floor(rnd() * 6);
      const parts: { points: Points; from: number; to: number }[] = [];
      const want = new Map<number, number>();
      for (let j = 0; j < k; j++) {
        const part = randomRun(rnd, (p, i) => {
          if (rnd() < 0.5) {
            p.kinds[i] = ValueKind.Int;
            // beyond 2^53 too (a double near it): the int64's full range, its extremes included
            const wide = rnd() < 0.3 ? BigInt.asIntN(64, (BigInt(Math.floor(rnd() * 2 ** 32)) << 32n) | BigInt(Math.floor(rnd() * 2 ** 32))) : undefined;
            p.ints[i] = wide ?? (rnd() < 0.02 ? -(2n ** 63n) : BigInt(Math.floor(rnd() * 2 ** 53)) * (rnd() < 0.5 ? -1n : 1n));
          } else {
            p.kinds[i] = ValueKind.Float;
            p.floats[i] = rnd() < 0.05 ? NaN : (rnd() - 0.5) * 1e6;
          }
        });
        const p = part.points;
        for (let i = part.from; i < part.to; i++) want.set(p.timestamps[i]!, p.kinds[i] === ValueKind.Int ? Number(p.ints[i]!) : p.floats[i]!);
        parts.push(part);
      }
      const merged = mergeNumericParts(parts);
      const expected = [...want].sort((a, b) => a[0] - b[0]);
      expect(Array.from(merged.timestamps.subarray(0, merged.length)), `round ${round}`).to.deep.equal(expected.map(([t]) => t));
      expect(Array.from(merged.floats.subarray(0, merged.length)), `round ${round}`).to.deep.equal(expected.map(([, v]) => v));
      expect(Array.from(merged.kinds.subarray(0, merged.length)).every((kind) => kind === ValueKind.Float)).to.equal(true);
    }
  });
});

describe('lib/chunks summariseFiniteParts', () => {
  /** A summary's fields as plain values: typed arrays by content, not by the buffer they share. */
  const plain = (run: RunBuckets | null): unknown =>
    run && { ...run, headValues: [...run.headValues], tailValues: [...run.tailValues], innerTimestamps: [...run.innerTimestamps], innerValues: [...run.innerValues] };

  it('counts random overlapping runs of finite numbers as summariseRun counts their merge: shared timestamps once, any interval, clipped to [vs, ve]', () => {
    let seed = 20261203;
    const rnd = (): number => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
    const count = { ...MERGING_REDUCERS.count!, aggregator: 'count', ofFinite: (n: number) => n };
    let edges = 0;
    let inner = 0;
    let shared = 0;
    for (let round = 0; round < 400; round++) {
      const k = 1 + Math.floor(rnd() * 6);
      const parts: { points: Points; from: number; to: number }[] = [];
      const seen = new Set<number>();
      for (let j = 0; j < k; j++) {
        const part = randomRun(rnd, (p, i) => {
          if (rnd() < 0.5) {
            p.kinds[i] = ValueKind.Int;
            p.ints[i] = BigInt(Math.floor(rnd() * 2 ** 40)) - 2n ** 39n;
          } else {
            p.kinds[i] = ValueKind.Float;
            p.floats[i] = (rnd() - 0.5) * 1e6;
          }
        });
        const stamps = Array.from(part.points.timestamps.subarray(part.from, part.to));
        for (const t of stamps) if (seen.has(t)) shared++;
        for (const t of stamps) seen.add(t);
        parts.push(part);
      }
      const vs = rnd() < 0.3 ? -Infinity : Math.floor(rnd() * 600);
      const ve = rnd() < 0.3 ? Infinity : vs + Math.floor(rnd() * 500);
      const all = rnd() < 0.25;
      const request = { ...count, intervalMs: all ? 0 : [1, 7, 50, 1000][Math.floor(rnd() * 4)]!, ...(all ? { all: true } : {}), values: { start: vs, end: ve } };
      const merged = mergeNumericParts(parts);
      let a = 0;
      let b = merged.length;
      while (a < b && merged.timestamps[a]! < vs) a++;
      while (b > a && merged.timestamps[b - 1]! > ve) b--;
      const want = { points: merged.length, run: b > a ? summariseRun(merged, a, b, request) : null };
      const got = summariseFiniteParts(parts, vs, ve, request);
      expect(got.points, `round ${round}`).to.equal(want.points);
      expect(plain(got.run), `round ${round}`).to.deep.equal(plain(want.run));
      if (want.run && !Number.isNaN(want.run.tailBucket)) edges++;
      if (want.run) inner += want.run.innerTimestamps.length;
    }
    // the rounds reached what they are for: two edge buckets, inner buckets, timestamps held twice
    expect(edges).to.be.greaterThan(100);
    expect(inner).to.be.greaterThan(1000);
    expect(shared).to.be.greaterThan(1000);
  });
});

describe('lib/chunks summariseRun', () => {
  it('reads an int64 as the double nearest it (Number(int)), over its whole range: raw edge values and reduced buckets', () => {
    let seed = 99;
    const rnd = (): number => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
    const n = 2000;
    const p = allocPoints(n);
    const want: number[] = [];
    for (let i = 0; i < n; i++) {
      p.timestamps[i] = 1_699_999_980_000 + i * 1000; // on a minute
      const edge = [-(2n ** 63n), 2n ** 63n - 1n, 2n ** 53n + 1n, -(2n ** 53n) - 3n, -1n, 0n][i % 40];
      const v = edge ?? BigInt.asIntN(64, (BigInt(Math.floor(rnd() * 2 ** 32)) << 32n) | BigInt(Math.floor(rnd() * 2 ** 32)));
      p.kinds[i] = ValueKind.Int;
      p.ints[i] = v;
      want.push(Number(v));
    }
    const all = summariseRun(p, 0, n, { all: true, intervalMs: 0, aggregator: 'sum', reduce: (v, k) => v.subarray(0, k).reduce((a, b) => a + b, 0) });
    expect(Array.from(all.headValues)).to.deep.equal(want);
    // one-minute buckets from point 30: the head bucket's values raw, each inner bucket reduced to its first value
    const run = summariseRun(p, 30, n, { intervalMs: 60_000, aggregator: 'first', reduce: (v) => v[0]! });
    expect(Array.from(run.headValues)).to.deep.equal(want.slice(30, 60));
    expect(Array.from(run.innerValues)).to.deep.equal(want.filter((_, i) => i >= 60 && i % 60 === 0 && i < 1980));
  });

  it('keeps a summary of a chunk with a gap in a store of its size, and counts the buffers it holds', () => {
    // 4,096 points a second apart, then one a day later: 68 inner buckets of 1 minute, room for 1,438
    const p = allocPoints(4097);
    for (let i = 0; i < 4097; i++) {
      p.timestamps[i] = 1_700_000_000_000 + (i < 4096 ? i * 1000 : 86_400_000 + i * 1000);
      p.kinds[i] = ValueKind.Float;
      p.floats[i] = i;
    }
    for (const merge of [undefined, (v: Float64Array, n: number) => v.subarray(0, n).reduce((a, b) => a + b, 0)]) {
      const run = summariseRun(p, 0, 4097, { intervalMs: 60_000, aggregator: 'count', reduce: (_v, n) => n, ...(merge ? { merge } : {}) });
      const held = run.innerTimestamps.buffer.byteLength;
      expect(held, 'inner buckets and tail values, no more').to.equal(8 * (run.tailValues.length + 2 * run.innerTimestamps.length));
      expect(run.innerTimestamps.length).to.be.below(100);
      expect(runBytes(run)).to.be.at.least(held + run.headValues.buffer.byteLength);
    }
  });
});
