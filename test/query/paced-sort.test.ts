/** sortPaced (plugins/query/paced-sort.ts) gives exactly Array.prototype.sort's stable order, and yields. */
import { expect } from 'chai';
import { TimeSlice } from '../../core';
import { sortPaced } from '../../plugins/query/paced-sort';

/** A slice that is always used up, so every look at it pauses: the merge runs across many event-loop turns. */
class CountingSlice extends TimeSlice {
  pauses = 0;
  override due(): boolean {
    return true;
  }
  override async pause(): Promise<void> {
    this.pauses++;
    await super.pause();
  }
}

describe('sortPaced', () => {
  for (const n of [0, 1, 4096, 4097, 10_000, 50_001]) {
    it(`sorts ${n} items as a stable Array.prototype.sort does`, async () => {
      let seed = n + 1;
      const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed);
      // few distinct keys, so stability is exercised; `at` records the original position
      const items = Array.from({ length: n }, (_, at) => ({ key: `k${random() % 97}`, at }));
      const compare = (a: { key: string }, b: { key: string }) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);
      const expected = [...items].sort(compare);
      const slice = new CountingSlice();
      const sorted = await sortPaced([...items], compare, slice);
      expect(sorted.map((x) => x.at)).to.deep.equal(expected.map((x) => x.at));
      if (n > 4096) expect(slice.pauses, 'yields while sorting').to.be.greaterThan(1);
    });
  }
});
