/**
 * BatchBuilder keeps its series arrays from one takePacked() batch to the next (the parse
 * workers' path): a batch's series are the first `seriesCount` entries, the later ones
 * stale. Neither a keyed lookup nor take() may see a stale entry.
 */
import { expect } from 'chai';
import { BatchBuilder } from '../../core/batch-builder';
import { newSeriesRef } from '../../core/series-ref';
import { seriesKeyString, type SeriesKey } from '../../core/types';

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
});
