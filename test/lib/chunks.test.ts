/** lib/chunks: the stored-chunk frame around the shared chunk (format 2, and 3 with its crc32). */
import { expect } from 'chai';
import { allocPoints, ValueKind } from '../../core';
import { chunkPointCount, CodecSet, decodeChunk, decodeStoredChunk, decodeStoredChunkInto, DEFAULT_CODECS, encodeChunk, encodeStoredChunk, isStoredChunk, STORED_CHUNK, STORED_CHUNK_CRC, storedChunkPointCount } from '../../lib/chunks';
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
});
