/**
 * uid-meta's SeriesTracker with SeriesRefs and with slots of a SeriesSpace: the ref's or
 * slot's seen-mark skips the lookup by key, but
 * must not outlast what the key path would do. A series whose TSMeta could not be created
 * is tried again once the tracker has forgotten it (its two generations rotated), as the
 * same series without a ref is; the mark may only record a series that is done.
 */
import { expect } from 'chai';
import { newSeriesRef, newSeriesSpace, type SeriesRef, type SeriesSpace } from '../../core/series-ref';
import type { PointBatch } from '../../core/storage';
import type { SeriesKey } from '../../core/types';
import { seriesKeyString } from '../../core/types';
import type { MetaRecords } from '../../lib/uid';
import { SeriesTracker } from '../../plugins/uid-meta/series-tracker';

/** How the batch names its series besides the key: a ref, or a slot (the metric's first letter, a = 0) of a space. */
type Naming = { ref: SeriesRef } | { space: SeriesSpace } | undefined;

function batchOf(series: SeriesKey, naming: Naming): PointBatch {
  const ref = naming !== undefined && 'ref' in naming ? naming.ref : undefined;
  const slots = naming !== undefined && 'space' in naming ? { space: naming.space, slots: new Uint32Array([series.metric.charCodeAt(0) - 97]) } : undefined;
  return {
    ...(slots ? { seriesSlots: slots } : {}),
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
  for (const by of ['key', 'ref', 'slot'] as const) {
    it(`tries a failed TSUID again once the series is forgotten (named by its ${by})`, async () => {
      const asked: string[] = [];
      const records = {
        uids: { tsuids: async (list: SeriesKey[]) => list.map((s) => (asked.push(s.metric), s.metric === 'a' && asked.filter((m) => m === 'a').length === 1 ? new Error('no UID') : `tsuid-${s.metric}`)) },
        createTsMetas: async (list: unknown[]) => list.map(() => undefined),
      } as unknown as MetaRecords;
      const tracker = new SeriesTracker(() => records, 1, () => undefined);
      const space = newSeriesSpace();
      const naming: Naming = by === 'ref' ? { ref: newSeriesRef() } : by === 'slot' ? { space } : undefined;
      const other: Naming = by === 'slot' ? { space } : undefined;
      const a: SeriesKey = { metric: 'a', tags: { host: 'x' } };
      await tracker.track(batchOf(a, naming));
      await tracker.track(batchOf(a, naming));
      expect(asked).to.deep.equal(['a']);
      // forgotten (b and c rotate both generations): tried again, whatever names it
      await tracker.track(batchOf({ metric: 'b', tags: { host: 'x' } }, other));
      await tracker.track(batchOf({ metric: 'c', tags: { host: 'x' } }, other));
      await tracker.track(batchOf(a, naming));
      expect(asked).to.deep.equal(['a', 'b', 'c', 'a']);
    });

    it(`tries a failed TSMeta again once the series is forgotten (named by its ${by})`, async () => {
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
      const space = newSeriesSpace();
      const ref: Naming = by === 'ref' ? { ref: newSeriesRef() } : by === 'slot' ? { space } : undefined;
      const other: Naming = by === 'slot' ? { space } : undefined;
      await tracker.track(batchOf(a, ref));
      expect(errors).to.deep.equal(['a']);
      // met again while the tracker still knows it: not tried again yet
      await tracker.track(batchOf(a, ref));
      expect(attempts.get('tsuid-a')).to.equal(1);
      // two other series rotate both generations (maxSeries 1): `a` is forgotten
      await tracker.track(batchOf({ metric: 'b', tags: { host: 'x' } }, other));
      await tracker.track(batchOf({ metric: 'c', tags: { host: 'x' } }, other));
      await tracker.track(batchOf(a, ref));
      expect(attempts.get('tsuid-a')).to.equal(2);
    });
  }

  for (const by of ['key', 'slot'] as const) {
    it(`skips a series it has done by its mark, until clear() (named by its ${by})`, async () => {
      const asked: string[] = [];
      const records = {
        uids: { tsuids: async (list: SeriesKey[]) => list.map((s) => (asked.push(s.metric), `tsuid-${s.metric}`)) },
        createTsMetas: async (list: unknown[]) => list.map(() => undefined),
      } as unknown as MetaRecords;
      const tracker = new SeriesTracker(() => records, 1, () => undefined);
      const space = newSeriesSpace();
      const naming: Naming = by === 'slot' ? { space } : undefined;
      const a: SeriesKey = { metric: 'a', tags: { host: 'x' } };
      await tracker.track(batchOf(a, naming));
      // b and c rotate both generations: by key, `a` is new again; its slot's mark still says done
      await tracker.track(batchOf({ metric: 'b', tags: { host: 'x' } }, naming));
      await tracker.track(batchOf({ metric: 'c', tags: { host: 'x' } }, naming));
      await tracker.track(batchOf(a, naming));
      expect(asked).to.deep.equal(by === 'slot' ? ['a', 'b', 'c'] : ['a', 'b', 'c', 'a']);
      // clear() forgets every series: the marks no longer count
      tracker.clear();
      await tracker.track(batchOf(a, naming));
      expect(asked.at(-1)).to.equal('a');
      expect(asked.length).to.equal(by === 'slot' ? 4 : 5);
    });
  }

  it('asks for the UIDs of a new series once while batches naming it are in flight, and writes none of them before', async () => {
    const asked: string[][] = [];
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const records = {
      uids: {
        tsuids: async (list: SeriesKey[]) => {
          asked.push(list.map((s) => s.metric));
          await gate;
          return list.map((s) => `tsuid-${s.metric}`);
        },
      },
      createTsMetas: async (list: unknown[]) => list.map(() => undefined),
    } as unknown as MetaRecords;
    const tracker = new SeriesTracker(() => records, 100, () => undefined);
    const space = newSeriesSpace();
    const done: string[] = [];
    const first = tracker.track(batchOf({ metric: 'a', tags: { host: 'x' } }, { space })).then(() => done.push('first'));
    const second = tracker.track(batchOf({ metric: 'a', tags: { host: 'x' } }, undefined)).then(() => done.push('second'));
    await new Promise((resolve) => setImmediate(resolve));
    // the second batch waits for the first one's work: no second request, not written yet
    expect(asked).to.deep.equal([['a']]);
    expect(done).to.deep.equal([]);
    release();
    await Promise.all([first, second]);
    expect(done).to.have.members(['first', 'second']);
    expect(asked).to.deep.equal([['a']]);
    // done: a later batch is skipped by the key's generation
    await tracker.track(batchOf({ metric: 'a', tags: { host: 'x' } }, undefined));
    expect(asked).to.have.length(1);
  });

  it('has a batch that waited for a creation that threw try its series itself', async () => {
    let calls = 0;
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const records = {
      uids: {
        tsuids: async (list: SeriesKey[]) => {
          const call = ++calls;
          await gate;
          // the first request fails whole (a store that went away), the next succeeds
          if (call === 1) throw new Error('store unavailable');
          return list.map((s) => `tsuid-${s.metric}`);
        },
      },
      createTsMetas: async (list: unknown[]) => list.map(() => undefined),
    } as unknown as MetaRecords;
    const tracker = new SeriesTracker(() => records, 100, () => undefined);
    const a: SeriesKey = { metric: 'a', tags: { host: 'x' } };
    const first = tracker.track(batchOf(a, undefined));
    const second = tracker.track(batchOf(a, undefined));
    release();
    const outcome = await first.then(
      () => 'written',
      (err: Error) => err.message,
    );
    expect(outcome).to.equal('store unavailable');
    await second;
    expect(calls).to.equal(2);
    // the second batch's attempt made the series known
    await tracker.track(batchOf(a, undefined));
    expect(calls).to.equal(2);
  });
});

