/** Block files: chunks gathered and written in batches land at the offsets their index names; a chunk that fails to encode leaves nothing behind. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { allocPoints, ValueKind, type Codec, type SeriesPoints } from '../../core';
import { zigzagIntCodec } from '../../plugins/codec-zigzag-int';
import { BlockReader, BlockWriter } from '../../plugins/storage-embedded/block';
import { CodecSet, DEFAULT_CODECS } from '../../plugins/storage-embedded/codec-set';
import { codecRegistry } from '../helpers/embedded';

/** `n` points every 10 s from `t0`: floats with two decimals, or integers from `first` up. */
function series(n: number, kind: 'float' | 'int', seed: number, first = 0): SeriesPoints {
  const p = allocPoints(n);
  for (let i = 0; i < n; i++) {
    p.timestamps[i] = 1767225600000 + i * 10000;
    p.kinds[i] = kind === 'float' ? ValueKind.Float : ValueKind.Int;
    if (kind === 'float') p.floats[i] = Math.round(((seed * 7919 + i * 104729) % 10000) - 5000) / 100;
    else p.ints[i] = BigInt(first + i * ((seed % 97) + 1));
  }
  return p;
}

function values(p: SeriesPoints): string[] {
  return Array.from({ length: p.length }, (_, i) => `${p.timestamps[i]}:${p.kinds[i] === ValueKind.Int ? p.ints[i] : p.floats[i]}`);
}

describe('block writer (storage-embedded)', () => {
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dsdb-block-'))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('reads back every series of a block bigger than one write batch, chunk by chunk', async () => {
    const codecs = new CodecSet(await codecRegistry(), DEFAULT_CODECS);
    const file = path.join(dir, 'b.blk');
    const writer = new BlockWriter(file, codecs, 128);
    const written = new Map<number, SeriesPoints>();
    // ~3,000 chunks of a few hundred bytes: several 256 KiB writes
    for (let id = 1; id <= 1500; id++) {
      const p = series(200, id % 3 === 0 ? 'int' : 'float', id, id * 1000);
      written.set(id, p);
      writer.addSeries(id, p);
    }
    writer.finish();
    const reader = new BlockReader(file, 1, codecs);
    expect(reader.refs.length).to.equal(3000);
    const read = new Map<number, string[]>();
    for (const ref of reader.refs) read.set(ref.seriesId, [...(read.get(ref.seriesId) ?? []), ...values(reader.readChunk(ref))]);
    for (const [id, p] of written) expect(read.get(id), `series ${id}`).to.deep.equal(values(p));
  });

  it('drops every chunk of a series whose codec throws part-way through it: the series after it read back whole', async () => {
    const registry = await codecRegistry();
    // an integer codec that refuses the value 13 part-way through its chunk
    const picky: Codec = {
      ...zigzagIntCodec,
      name: 'picky-int',
      id: 200,
      encode(points, start, end) {
        for (let i = start; i < end; i++) if (points.ints[i] === 13n) throw new RangeError('picky-int refuses 13');
        return zigzagIntCodec.encode(points, start, end);
      },
    };
    registry.add(picky.name, picky, 'test');
    const codecs = new CodecSet(registry, { ...DEFAULT_CODECS, int: ['picky-int'] });
    const file = path.join(dir, 'b.blk');
    // chunks of 10 points: the refused series' first chunk (0…9) encodes, its second (10…19) throws
    const writer = new BlockWriter(file, codecs, 10);
    const first = series(50, 'int', 1, 100);
    const refused = series(50, 'int', 0, 0); // 0, 1, 2, …: holds 13
    const after = series(50, 'float', 3);
    writer.addSeries(1, first);
    expect(() => writer.addSeries(2, refused)).to.throw(RangeError, 'picky-int refuses 13');
    writer.addSeries(3, after);
    writer.finish();
    const reader = new BlockReader(file, 1, codecs);
    expect(reader.refs.map((r) => r.seriesId)).to.deep.equal([1, 1, 1, 1, 1, 3, 3, 3, 3, 3]);
    const readBack = (id: number) => reader.refs.filter((r) => r.seriesId === id).flatMap((r) => values(reader.readChunk(r)));
    expect(readBack(1)).to.deep.equal(values(first));
    expect(readBack(3)).to.deep.equal(values(after));
  });
  it('keeps reading intact chunks after a read-ahead that failed part-way (the window memory is reused)', async () => {
    const codecs = new CodecSet(await codecRegistry(), DEFAULT_CODECS);
    const file = path.join(dir, 'window.blk');
    const writer = new BlockWriter(file, codecs, 100);
    // random doubles: xor-float, ~8 bytes a point, so the block spans several 128 KiB windows
    const p = allocPoints(40_000);
    for (let k = 0; k < p.length; k++) {
      p.timestamps[k] = k * 1000;
      p.kinds[k] = ValueKind.Float;
      p.floats[k] = Math.sin(k) * 1e6 + k / 7;
    }
    writer.addSeries(1, p);
    writer.finish();
    const reader = new BlockReader(file, 1, codecs);
    try {
      const first = reader.refs[0]!;
      const late = reader.refs.find((ref) => ref.offset > 200 * 1024)!;
      expect(reader.readChunk(first).length).to.equal(100);
      // the file shrinks under the open reader: the read of a later window fails part-way
      fs.truncateSync(file, late.offset + 1000);
      expect(() => reader.readChunk(late)).to.throw(/unexpected end of file/);
      // the first chunk is intact on disk: read again, it passes its CRC (not "checksum mismatch" from stale window bytes)
      expect(values(reader.readChunk(first))).to.deep.equal(values({ ...p, length: 100 }));
    } finally {
      reader.close();
    }
  });
});
