/**
 * BatchBuilder keeps its series arrays from one takePacked() batch to the next (the parse
 * workers' path): a batch's series are the first `seriesCount` entries, the later ones
 * stale. Neither a keyed lookup nor take() may see a stale entry.
 */
import { expect } from 'chai';
import { BatchBuilder } from '../../core/batch-builder';
import { newSeriesRef } from '../../core/series-ref';
import { seriesKeyString, ValueKind, type SeriesKey } from '../../core/types';

const series = (host: string): SeriesKey => ({ metric: 'm', tags: { host } });
const keyOf = (s: SeriesKey) => seriesKeyString(s.metric, s.tags);

/** The builder's series as (key, ref given?) pairs, up to its count. */
function seriesOf(b: BatchBuilder): string[] {
  return Array.from({ length: b.seriesCount }, (_, s) => `${b.seriesKeys[s]}${b.seriesRefs[s] ? ' ref' : ''}`);
}

describe('BatchBuilder series arrays reused after takePacked', () => {
  it('gives each batch only its own series, by distinct adds and by key, and take() exact arrays', () => {
    const b = new BatchBuilder(4);
    const hosts = ['a', 'b', 'c', 'd', 'e', 'f'];
    for (const [i, h] of hosts.entries()) b.pushFloat(b.addDistinctSeries(keyOf(series(h)), series(h), newSeriesRef()), 1000 + i, i);
    expect(b.seriesCount).to.equal(6);
    const first = b.takePacked(b.seriesCount);
    expect(first.batch.length).to.equal(6);
    expect(first.batch.texts).to.have.length(0);
    // the next batch: fewer series, one of them a stale entry's key, found by key
    expect(b.seriesCount).to.equal(0);
    const x = b.addDistinctSeries(keyOf(series('x')), series('x'), newSeriesRef());
    const c = b.seriesOf('m', { host: 'c' });
    expect([x, c]).to.deep.equal([0, 1]);
    expect(b.seriesOf('m', { host: 'x' })).to.equal(0);
    b.pushFloat(c, 2000, 1);
    b.pushFloat(x, 2001, 2);
    expect(seriesOf(b)).to.deep.equal([`${keyOf(series('x'))} ref`, keyOf(series('c'))]);
    b.takePacked(b.seriesCount);
    // a key the last batch held (at index 1) is new to this one
    const d = b.seriesOf('m', { host: 'd' });
    const a = b.seriesOf('m', { host: 'c' });
    expect([d, a]).to.deep.equal([0, 1]);
    b.pushFloat(a, 3000, 1);
    const taken = b.take();
    expect(taken.series).to.deep.equal([series('d'), series('c')]);
    expect(taken.seriesKeys).to.deep.equal([keyOf(series('d')), keyOf(series('c'))]);
    expect(taken.texts).to.have.length(1);
    // take() handed its arrays over: the builder starts on new ones
    expect(b.series).to.not.equal(taken.series);
    expect(b.seriesCount).to.equal(0);
    expect(b.series).to.have.length(0);
  });

  it('takePacked: one value column for floats and integers, every value exact (int64 extremes, a NaN\'s bits, -0), strings beside', () => {
    const b = new BatchBuilder(2);
    const s = b.seriesOf('m', { host: 'a' });
    const ints = [0n, -1n, 2n ** 63n - 1n, -(2n ** 63n), -0x0008_0000_0000_0001n, 9007199254740993n];
    b.pushFloat(s, 1, -0);
    for (const [i, v] of ints.entries()) {
      b.push(s, 10 + i, ValueKind.Int, 0, v, undefined);
      b.pushFloat(s, 100 + i, i + 0.5);
    }
    b.pushSafeInt(s, 200, -(2 ** 53) + 1);
    b.pushFloat(s, 201, Number.NaN);
    const { batch } = b.takePacked(1);
    expect(batch.ints.buffer).to.equal(batch.floats.buffer);
    expect(batch.ints.byteOffset).to.equal(batch.floats.byteOffset);
    const got = Array.from({ length: batch.length }, (_, i) => (batch.kinds[i] === ValueKind.Int ? batch.ints[i] : batch.floats[i]));
    const want: (number | bigint)[] = [-0];
    for (const [i, v] of ints.entries()) want.push(v, i + 0.5);
    want.push(BigInt(-(2 ** 53) + 1), Number.NaN);
    expect(got).to.have.length(want.length);
    got.forEach((v, i) => expect(Object.is(v, want[i]), `point ${i}: ${v} against ${want[i]}`).to.equal(true));
  });
});
