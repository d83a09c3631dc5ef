/**
 * The pure parts of storage-couchdb, without a server: document ids that sort by time,
 * the merge of new points into a window (last write wins), and the cut of a batch into
 * (series, window) entries with the last of equal timestamps kept.
 */
import { expect } from 'chai';
import { allocPoints, ValueKind, type SeriesPoints } from '../../core';
import { CodecSet, DEFAULT_CODECS } from '../../lib/chunks';
import { decodeChunkDoc, encodeChunkDoc, mergePoints, withoutRange } from '../../plugins/storage-couchdb/chunk-doc';
import { chunkDocId, chunkRange, seriesId, timeKey } from '../../plugins/storage-couchdb/ids';
import { WindowWriter } from '../../plugins/storage-couchdb/window-writer';
import { batchOf } from '../helpers/batch';
import { testCodecs } from './couchdb';

function ints(list: [number, bigint][]): SeriesPoints {
  const p = allocPoints(list.length);
  list.forEach(([t, v], i) => {
    p.timestamps[i] = t;
    p.kinds[i] = ValueKind.Int;
    p.ints[i] = v;
  });
  return p;
}

const pairs = (p: SeriesPoints) => Array.from({ length: p.length }, (_, i) => [p.timestamps[i], p.ints[i]]);

describe('storage-couchdb documents (no server)', () => {
  it('time keys sort as the times do, negative ones included, and chunk ranges cover unbounded reads', () => {
    const times = [-(2 ** 52), -3_600_000, -1, 0, 1, 1_700_000_000_000, 2 ** 52];
    const keys = times.map(timeKey);
    expect([...keys].sort()).to.deep.equal(keys);
    expect(new Set(keys.map((k) => k.length))).to.deep.equal(new Set([17]));
    const sid = seriesId('m{a=b}');
    expect(sid).to.match(/^[0-9A-F]{24}$/);
    const [start, end] = chunkRange(sid, -Infinity, Infinity);
    for (const t of times) expect(chunkDocId(sid, t) >= start && chunkDocId(sid, t) <= end, String(t)).to.equal(true);
  });

  it('merges new points into a window: sorted, one per timestamp, the new value wins', () => {
    const merged = mergePoints(ints([[1, 1n], [3, 3n], [5, 5n]]), ints([[0, 10n], [3, 30n], [6, 60n]]));
    expect(pairs(merged)).to.deep.equal([[0, 10n], [1, 1n], [3, 30n], [5, 5n], [6, 60n]]);
    expect(pairs(withoutRange(merged, 1, 5))).to.deep.equal([[0, 10n], [6, 60n]]);
  });

  it('round-trips a window document through base64 with its checksum, and refuses a damaged one', () => {
    const codecs = new CodecSet(testCodecs(), DEFAULT_CODECS);
    const doc = encodeChunkDoc(codecs, 'c:X:1', undefined, 'X', 0, ints([[1000, 2n ** 63n - 1n], [2000, -(2n ** 63n)]]));
    expect(doc.n).to.equal(2);
    expect(pairs(decodeChunkDoc(codecs, doc))).to.deep.equal([[1000, 2n ** 63n - 1n], [2000, -(2n ** 63n)]]);
    const bytes = Buffer.from(doc.d, 'base64');
    bytes[3] ^= 0xff;
    expect(() => decodeChunkDoc(codecs, { ...doc, d: bytes.toString('base64') })).to.throw(RangeError, /checksum/);
  });

  it('cuts a batch into one entry per series and window, sorted, keeping the last write of a timestamp', () => {
    const writer = new WindowWriter(undefined as never, new CodecSet(testCodecs(), DEFAULT_CODECS), () => 1000, 10);
    const p = (metric: string, timestamp: number, value: bigint) => ({ metric, tags: { h: 'a' }, timestamp, value: { kind: ValueKind.Int, value } });
    const batch = batchOf([p('m', 1500, 1n), p('n', 10, 9n), p('m', 200, 2n), p('m', 1500, 3n), p('m', 999, 4n)]);
    const entries = writer.group(batch, ['SM', 'SN']);
    expect(entries.map((e) => [e.id, e.window, pairs(e.add)])).to.deep.equal([
      [chunkDocId('SM', 0), 0, [[200, 2n], [999, 4n]]],
      [chunkDocId('SM', 1000), 1000, [[1500, 3n]]],
      [chunkDocId('SN', 0), 0, [[10, 9n]]],
    ]);
  });
});
