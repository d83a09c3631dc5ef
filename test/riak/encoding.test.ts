/** storage-riak's pure parts: Riak's multipart sibling bodies, key and term encodings, point merges. */
import { expect } from 'chai';
import { allocPoints, type SeriesPoints } from '../../core';
import { boundaryOf, parseMultipart } from '../../plugins/storage-riak/multipart';
import { chunkKey, parseTimeKey, seriesOfTerm, seriesTerm, seriesTermRange, tagTerm, timeKey, windowOfChunkKey } from '../../plugins/storage-riak/keys';
import { mergeInOrder, mergeNewer, withoutRange } from '../../plugins/storage-riak/merge';

function points(pairs: [number, number][]): SeriesPoints {
  const p = allocPoints(pairs.length);
  pairs.forEach(([t, v], i) => {
    p.timestamps[i] = t;
    p.kinds[i] = 2;
    p.floats[i] = v;
  });
  return p;
}
const pairsOf = (p: SeriesPoints) => Array.from({ length: p.length }, (_, i) => [p.timestamps[i], p.floats[i]]);

describe('storage-riak encodings', () => {
  it('parses a multipart body of binary siblings, CRLFs and dashes inside values included', () => {
    const boundary = 'KhKnwBMhTTUAkXlTJFTiyOC49pI';
    const a = Buffer.from([0x02, 0x0d, 0x0a, 0x2d, 0x2d, 0x00, 0xff]);
    const b = Buffer.from('two\r\n');
    const body = Buffer.concat([
      Buffer.from(`\r\n--${boundary}\r\nContent-Type: application/octet-stream\r\nEtag: e1\r\nX-Riak-Meta-Dsdb-Written: 5\r\nx-riak-index-a_bin: x\r\nx-riak-index-a_bin: y\r\n\r\n`),
      a,
      Buffer.from(`\r\n--${boundary}\r\nEtag: e2\r\nX-Riak-Deleted: true\r\n\r\n`),
      b,
      Buffer.from(`\r\n--${boundary}--\r\n`),
    ]);
    expect(boundaryOf(`multipart/mixed; boundary=${boundary}`)).to.equal(boundary);
    const parts = parseMultipart(body, boundary);
    expect(parts).to.have.length(2);
    expect(parts[0]!.body.equals(a)).to.equal(true);
    expect(parts[0]!.headers.get('x-riak-meta-dsdb-written')).to.equal('5');
    expect(parts[0]!.headers.get('x-riak-index-a_bin')).to.equal('x, y');
    expect(parts[1]!.body.equals(b)).to.equal(true);
    expect(parts[1]!.headers.get('x-riak-deleted')).to.equal('true');
    expect(() => parseMultipart(Buffer.from('no boundary here'), boundary)).to.throw(RangeError);
  });

  it('writes times as keys that sort like the numbers, negatives included', () => {
    const times = [-8.64e15, -3_600_000, -1, 0, 1, 999, 1_700_000_000_000, 8.64e15];
    const keys = times.map(timeKey);
    expect([...keys].sort()).to.deep.equal(keys);
    expect(keys.map(parseTimeKey)).to.deep.equal(times);
    expect(windowOfChunkKey(chunkKey('ABC', -7_200_000))).to.equal(-7_200_000);
  });

  it('round-trips series terms with separators, spaces, commas and non-ASCII in names, inside the metric range only', () => {
    const series = { metric: 'a|b,c d', tags: { 'k=1': 'v&2,3', host: 'wéb 01', z: '' } };
    const term = seriesTerm(series);
    expect(term).not.to.match(/[ ,]/);
    expect(seriesOfTerm('ID', term)).to.deep.equal({ id: 'ID', ...series });
    const { start, end } = seriesTermRange(series.metric);
    expect(term >= start && term <= end).to.equal(true);
    const other = seriesTerm({ metric: 'a|b,c dx', tags: {} });
    expect(other >= start && other <= end).to.equal(false);
    expect(tagTerm('a,b', 'c d')).to.equal('a%2Cb=c%20d');
  });

  it('merges chunks point by point, the newer winning on shared timestamps', () => {
    const merged = mergeNewer(points([[1, 1], [3, 3], [5, 5]]), points([[2, 20], [3, 30], [6, 60]]));
    expect(pairsOf(merged)).to.deep.equal([[1, 1], [2, 20], [3, 30], [5, 5], [6, 60]]);
    const siblings = mergeInOrder([points([[1, 1], [2, 2]]), points([[2, 22], [4, 4]]), points([[1, 11]])]);
    expect(pairsOf(siblings)).to.deep.equal([[1, 11], [2, 22], [4, 4]]);
    const { kept, removed } = withoutRange(siblings, 2, 3);
    expect(removed).to.equal(1);
    expect(pairsOf(kept)).to.deep.equal([[1, 11], [4, 4]]);
  });
});
