/**
 * uid-meta's SeriesTracker with SeriesRefs: the ref's seen-mark skips the lookup by key, but
 * must not outlast what the key path would do. A series whose TSMeta could not be created
 * is tried again once the tracker has forgotten it (its two generations rotated), as the
 * same series without a ref is; the mark may only record a series that is done.
 */
import { expect } from 'chai';
import { newSeriesRef, type SeriesRef } from '../../core/series-ref';
import type { PointBatch } from '../../core/storage';
import type { SeriesKey } from '../../core/types';
import { seriesKeyString } from '../../core/types';
import type { MetaRecords } from '../../lib/uid';
import { SeriesTracker } from '../../plugins/uid-meta/series-tracker';

function batchOf(series: SeriesKey, ref: SeriesRef | undefined): PointBatch {
  return {
    length: 1,
    series: [series],
    seriesKeys: [seriesKeyString(series.metric, series.tags)],
    seriesRefs: [ref],
    seriesIndex: new Uint32Array([0]),
    timestamps: new Float64Array([1356998400000]),
    kinds: new Uint8Array([2]),
    floats: new Float64Array([1]),
    ints: new BigInt64Array(1),
    texts: [undefined],
  };
}

describe('uid-meta SeriesTracker with series refs', () => {
  for (const withRef of [false, true]) {
    it(`tries a failed TSMeta again once the series is forgotten (${withRef ? 'with' : 'without'} a ref)`, async () => {
      const attempts = new Map<string, number>();
      const records = {
        uids: { tsuids: async (list: SeriesKey[]) => list.map((s) => `tsuid-${s.metric}`) },
        async createTsMetas(list: { tsuid: string }[]) {
          return list.map(({ tsuid }) => {
            const n = (attempts.get(tsuid) ?? 0) + 1;
            attempts.set(tsuid, n);
            // the first attempt for `a` fails (a storage hiccup)
            return tsuid === 'tsuid-a' && n === 1 ? new Error('storage hiccup') : undefined;
          });
        },
      } as unknown as MetaRecords;
      const errors: string[] = [];
      const tracker = new SeriesTracker(() => records, 1, (_err, metric) => errors.push(metric));
      const a: SeriesKey = { metric: 'a', tags: { host: 'x' } };
      const ref = withRef ? newSeriesRef() : undefined;
      await tracker.track(batchOf(a, ref));
      expect(errors).to.deep.equal(['a']);
      // met again while the tracker still knows it: not tried again yet
      await tracker.track(batchOf(a, ref));
      expect(attempts.get('tsuid-a')).to.equal(1);
      // two other series rotate both generations (maxSeries 1): `a` is forgotten
      await tracker.track(batchOf({ metric: 'b', tags: { host: 'x' } }, undefined));
      await tracker.track(batchOf({ metric: 'c', tags: { host: 'x' } }, undefined));
      await tracker.track(batchOf(a, ref));
      expect(attempts.get('tsuid-a')).to.equal(2);
    });
  }
});
