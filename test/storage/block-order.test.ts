/**
 * inBlockOrder (plugins/storage-embedded/block-order.ts): the order a cut or compaction
 * writes series in — by metric name (code-unit order), then by id — must be a permutation
 * of its input: a series lost or written twice would lose or double its points in the block.
 */
import { expect } from 'chai';
import { inBlockOrder } from '../../plugins/storage-embedded/block-order';
import { newSeriesEntry, type SeriesEntry } from '../../plugins/storage-embedded/series-index';
import { mulberry32 } from '../../core/testing/random';

const entry = (id: number, metric: string): SeriesEntry => newSeriesEntry(id, { metric, tags: {}, id: '' });

describe('storage-embedded block order', () => {
  it('orders series by metric name (code units), then id, and keeps every one exactly once', () => {
    const random = mulberry32(40);
    // names that sort differently by code unit than by locale or length: case, prefixes, non-ASCII
    const names = [...Array.from({ length: 5000 }, (_, i) => `m.${Math.floor(random() * 1e6)}`), 'Zeta', 'alpha', 'alpha.1', 'alpha1', 'é', 'e', 'E'];
    const entries = Array.from({ length: 40_000 }, (_, id) => entry(id, names[Math.floor(random() * names.length)]!));
    const ordered = inBlockOrder(entries.slice());
    expect(ordered.length).to.equal(entries.length);
    expect(new Set(ordered.map((e) => e.id)).size).to.equal(entries.length);
    for (let i = 1; i < ordered.length; i++) {
      const a = ordered[i - 1]!;
      const b = ordered[i]!;
      if (a.info.metric === b.info.metric) expect(a.id, `${a.info.metric} ids`).to.be.below(b.id);
      else expect(a.info.metric < b.info.metric, `${a.info.metric} before ${b.info.metric}`).to.equal(true);
    }
  });

  it('keeps one metric, one series and no series as they are', () => {
    const one = [entry(3, 'm'), entry(5, 'm'), entry(9, 'm')];
    expect(inBlockOrder(one.slice()).map((e) => e.id)).to.deep.equal([3, 5, 9]);
    expect(inBlockOrder([entry(1, 'x')]).map((e) => e.id)).to.deep.equal([1]);
    expect(inBlockOrder([])).to.deep.equal([]);
  });
});
