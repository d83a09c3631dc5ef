/**
 * The embedded engine's head series (plugins/storage-embedded/head-series.ts): one value
 * column shared by floats and integers, exact for both; what leaves the head has clean,
 * separate columns; its memory is bounded by its points (growth by half, the first
 * capacity a quarter of the previous head's count, the first growth to all of it).
 */
import { expect } from 'chai';
import { lowerBound, ValueKind, type SeriesPoints } from '../../core';
import { Head } from '../../plugins/storage-embedded/head';
import { lastPoint } from '../../plugins/storage-embedded/querier';
import { HeadScratch, HeadSeries, lateLowerBound, TAIL_POINTS } from '../../plugins/storage-embedded/head-series';
import { newSeriesEntry, type SeriesEntry } from '../../plugins/storage-embedded/series-index';

const F = ValueKind.Float;
const I = ValueKind.Int;
const S = ValueKind.String;

/** Writes a random float, or a random int64 as two 32-bit words, at staging index i (the value column's two views). */
function stageRandomNumber(next: () => number, i: number, kinds: Uint8Array, floats: Float64Array, words: Int32Array): void {
  if (next() < 0.5) {
    kinds[i] = F;
    floats[i] = next() * 1e6;
  } else {
    kinds[i] = I;
    words[2 * i] = (next() * 2 ** 32) | 0;
    words[2 * i + 1] = (next() * 2 ** 32) | 0;
  }
}

describe('embedded head series', () => {
  it('keeps floats, int64 extremes and strings exact in one value column, sorted, last write wins (whatever the kinds)', () => {
    const h = new HeadSeries();
    h.append(3000, I, 0, 9223372036854775807n, undefined);
    h.append(1000, F, -0.5, 0n, undefined);
    h.append(2000, S, 0, 0n, 'two');
    h.append(4000, I, 0, -9223372036854775808n, undefined);
    h.append(5000, F, Number.MAX_VALUE, 0n, undefined);
    h.append(2000, F, 2.25, 0n, undefined); // replaces the string
    h.append(5000, I, 0, 42n, undefined); // replaces the float
    const p = h.copy(0, h.length);
    expect(Array.from(p.timestamps)).to.deep.equal([1000, 2000, 3000, 4000, 5000]);
    expect(Array.from(p.kinds)).to.deep.equal([F, F, I, I, I]);
    expect(Array.from(p.floats)).to.deep.equal([-0.5, 2.25, 0, 0, 0]);
    expect(Array.from(p.ints)).to.deep.equal([0n, 0n, 9223372036854775807n, -9223372036854775808n, 42n]);
    expect(p.texts).to.have.length(5);
    expect(p.texts[1]).to.equal(undefined);
    // the head's own columns share one buffer: each point reads back through its kind's view
    expect(h.floats.buffer).to.equal(h.ints.buffer);
    expect(h.floats[0]).to.equal(-0.5);
    expect(h.ints[3]).to.equal(-9223372036854775808n);
  });

  it('copies a range with separate columns, and deletes a range', () => {
    const h = new HeadSeries();
    for (let t = 0; t < 100; t++) h.append(t * 10, t % 2 ? I : F, t + 0.5, BigInt(t), undefined);
    const part = h.copy(...h.rangeOf(200, 290));
    expect(part.length).to.equal(10);
    expect(part.floats.buffer).to.not.equal(part.ints.buffer);
    expect(part.floats[0]).to.equal(20.5);
    expect(part.ints[0]).to.equal(0n);
    expect(part.ints[1]).to.equal(21n);
    expect(part.floats[1]).to.equal(0);
    expect(h.deleteRange(200, 290)).to.equal(10);
    expect(h.length).to.equal(90);
    expect(h.timestamps[20]).to.equal(300);
    expect(h.ints[21]).to.equal(31n);
  });

  it('grows by half, so a head never holds more than half again its points (plus a minimum)', () => {
    const h = new HeadSeries();
    for (let n = 1; n <= 5000; n++) {
      h.append(n, F, n, 0n, undefined);
      expect(h.capacity, `at ${n} points`).to.be.at.most(Math.ceil(n * 1.5) + 8);
    }
  });

  it('starts a series\' next head at a quarter of its previous head\'s count and an eighth more, and grows to all of it at once', () => {
    const head = new Head();
    const entry = newSeriesEntry(1, { metric: 'm', tags: {}, id: '' });
    const write = (from: number, n: number) => {
      const columns = {
        length: n,
        seriesIndex: new Uint32Array(n),
        timestamps: Float64Array.from({ length: n }, (_, i) => from + i),
        kinds: new Uint8Array(n).fill(F),
        floats: new Float64Array(n),
        ints: new BigInt64Array(n),
        texts: [],
      };
      head.append([entry], columns);
    };
    write(0, 800);
    const entries = head.freeze();
    expect(entries).to.deep.equal([entry]);
    head.release(entries);
    write(1000, 1);
    head.drain();
    const expected = 800 + 100 + 8;
    // a quarter while the frozen head may still be held (the cut's block not yet in)
    expect(entry.head!.capacity).to.equal(expected >> 2);
    write(1001, (expected >> 2) - 1);
    head.drain();
    expect(entry.head!.capacity).to.equal(expected >> 2);
    // the first growth reaches the whole expected head: one regrowth a cut, not four
    write(1000 + (expected >> 2), 1);
    head.drain();
    expect(entry.head!.capacity).to.equal(expected);
    expect(entry.head!.length).to.equal((expected >> 2) + 1);
    expect(Array.from(entry.head!.timestamps.subarray(0, entry.head!.length))).to.deep.equal(Array.from({ length: (expected >> 2) + 1 }, (_, i) => 1000 + i));
    // later growths are by half again
    write(2000, expected - entry.head!.length + 1);
    head.drain();
    expect(entry.head!.capacity).to.equal(expected + (expected >> 1));
  });

  it('carries a cut\'s newest points back bit for bit: floats, int64s whose bits are a NaN, strings', () => {
    const head = new Head();
    const entry = newSeriesEntry(7, { metric: 'm', tags: {}, id: '' });
    const n = 40;
    const nanBits = -0x0008_0000_0000_0001n; // 0xFFF7FFFFFFFFFFFF: a NaN's bits as a double
    const kinds = Uint8Array.from({ length: n }, (_, i) => (i % 3 === 0 ? I : i % 3 === 1 ? F : ValueKind.String));
    const floats = new Float64Array(n);
    const ints = new BigInt64Array(n);
    const texts: (string | undefined)[] = [];
    for (let i = 0; i < n; i++) {
      if (kinds[i] === I) ints[i] = i % 2 === 0 ? nanBits : BigInt(i) * 1_000_000_007n;
      else if (kinds[i] === F) floats[i] = i + 0.25;
      else texts[i] = `text ${i}`;
    }
    texts.length = n;
    head.append([entry], { length: n, seriesIndex: new Uint32Array(n), timestamps: Float64Array.from({ length: n }, (_, i) => 1000 * i), kinds, floats, ints, texts });
    const entries = head.freeze();
    // the newest 5 s, at most a quarter: points 35..39 go back to the live head
    const carried = head.carryBack(entries, 5000)!;
    expect(carried.length).to.equal(5);
    expect(Array.from(carried.ids)).to.deep.equal([7]);
    expect(entry.frozen!.length).to.equal(35);
    const live = entry.head!;
    for (let k = 0; k < 5; k++) {
      const i = 35 + k;
      expect(carried.timestamps[k]).to.equal(1000 * i);
      expect(carried.kinds[k]).to.equal(kinds[i]);
      expect(live.timestamps[k]).to.equal(1000 * i);
      expect(live.kinds[k]).to.equal(kinds[i]);
      if (kinds[i] === I) {
        expect(carried.ints[k]).to.equal(ints[i]);
        expect(live.ints[k]).to.equal(ints[i]);
      } else if (kinds[i] === F) {
        expect(carried.floats[k]).to.equal(floats[i]);
        expect(live.floats[k]).to.equal(floats[i]);
      } else {
        expect(carried.texts[k]).to.equal(texts[i]);
        expect(live.texts[k]).to.equal(texts[i]);
      }
    }
    expect(kinds.slice(35).includes(I) && ints.slice(35).includes(nanBits)).to.equal(true);
  });

  it('takes a reserve at its first growth only, or more when a batch needs more', () => {
    const h = new HeadSeries(10, 100);
    expect(h.capacity).to.equal(10);
    for (let t = 0; t < 11; t++) h.append(t, F, t, 0n, undefined);
    expect(h.capacity).to.equal(100);
    for (let t = 11; t < 101; t++) h.append(t, F, t, 0n, undefined);
    expect(h.capacity).to.equal(150);
    expect(Array.from(h.floats.subarray(0, 101))).to.deep.equal(Array.from({ length: 101 }, (_, i) => i));
  });
  it('appends a batch through the short paths exactly as point by point (kinds mixed, out of order, int64 extremes, texts)', () => {
    const ints = [0n, -1n, 1n, 4294967296n, -4294967297n, 9223372036854775807n, -9223372036854775808n, 123456789012345n];
    const n = 400;
    const kinds = new Uint8Array(n);
    const timestamps = new Float64Array(n);
    const floats = new Float64Array(n);
    const intColumn = new BigInt64Array(n);
    const seriesIndex = new Uint32Array(n);
    const texts: (string | undefined)[] = new Array(n);
    for (let i = 0; i < n; i++) {
      const s = i % 3;
      seriesIndex[i] = s;
      // series 2 gets a string half way; every 17th point is a few places late, every 23rd
      // dozens of places (a move by copyWithin); every 29th repeats a timestamp
      timestamps[i] = i % 17 === 0 ? 1000 * (i - 40) + 1 : i % 23 === 0 ? 1000 * (i - 200) + 2 : i % 29 === 0 ? 1000 * (i - 3) : 1000 * i;
      if (s === 2 && i > 200 && i % 5 === 0) {
        kinds[i] = S;
        texts[i] = `t${i}`;
      } else if (i % 2 === 0) {
        kinds[i] = I;
        intColumn[i] = ints[i % ints.length]!;
      } else {
        kinds[i] = F;
        floats[i] = i / 8 - 20;
      }
    }
    const entries = [0, 1, 2].map((id) => newSeriesEntry(id, { metric: 'm', tags: {}, id: '' }));
    const head = new Head();
    // in two batches: the second appends to heads that already have points
    const half = (from: number, to: number) => ({
      length: to - from,
      seriesIndex: seriesIndex.slice(from, to),
      timestamps: timestamps.slice(from, to),
      kinds: kinds.slice(from, to),
      floats: floats.slice(from, to),
      ints: intColumn.slice(from, to),
      texts: texts.slice(from, to),
    });
    head.append(entries, half(0, 150));
    head.append(entries, half(150, n));
    head.drain();
    // the reference knows nothing of heads: the last point per timestamp, sorted
    for (let s = 0; s < 3; s++) {
      const last = new Map<number, number>();
      for (let i = 0; i < n; i++) if (seriesIndex[i] === s) last.set(timestamps[i]!, i);
      const order = [...last.keys()].sort((a, b) => a - b).map((t) => last.get(t)!);
      const got = entries[s]!.head!.copy(0, entries[s]!.head!.length);
      expect(Array.from(got.timestamps)).to.deep.equal(order.map((i) => timestamps[i]));
      expect(Array.from(got.kinds)).to.deep.equal(order.map((i) => kinds[i]));
      expect(Array.from(got.floats)).to.deep.equal(order.map((i) => (kinds[i] === F ? floats[i] : 0)));
      expect(Array.from(got.ints)).to.deep.equal(order.map((i) => (kinds[i] === I ? intColumn[i] : 0n)));
      expect(Array.from({ length: got.length }, (_, k) => got.texts[k])).to.deep.equal(order.map((i) => (kinds[i] === S ? texts[i] : undefined)));
    }
    expect(head.points).to.equal(n);
  });

  it('finds a late point\'s place back from the end as the binary search does (duplicates, every distance, before the first point)', () => {
    // sorted with runs of equal timestamps
    const timestamps = new Float64Array(300);
    for (let i = 0; i < timestamps.length; i++) timestamps[i] = 10 * Math.floor(i / 3);
    for (const length of [1, 2, 3, 7, 64, 299, 300]) {
      const last = timestamps[length - 1]!;
      for (let t = -15; t <= last; t += 5) expect(lateLowerBound(timestamps, length, t), `length ${length}, t ${t}`).to.equal(lowerBound(timestamps, length, t));
    }
  });

  it('keeps points sorted, last write wins, whatever their lateness (random distances, repeats, before the first)', () => {
    let seed = 7;
    const next = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
    const h = new HeadSeries();
    const want = new Map<number, number>();
    for (let i = 0; i < 5000; i++) {
      const late = next() < 0.6 ? Math.floor(next() ** 3 * i) : 0;
      const t = 1000 * (i - late) + (next() < 0.1 ? 0 : 1);
      const v = i + 0.5;
      h.appendNumber(t, F, v, 0, 0);
      want.set(t, v);
    }
    expect(h.length - h.sortedLength, 'an unsorted tail is left to settle').to.be.greaterThan(0);
    h.settle();
    expect(h.sortedLength).to.equal(h.length);
    const sorted = [...want.keys()].sort((a, b) => a - b);
    expect(Array.from(h.timestamps.subarray(0, h.length))).to.deep.equal(sorted);
    expect(Array.from(h.floats.subarray(0, h.length))).to.deep.equal(sorted.map((t) => want.get(t)));
  });

  it('appends a staged run in one call exactly as point by point: settles inside the run when its tail fills, repeats dropped, kinds mixed', () => {
    let seed = 23;
    const next = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
    for (const repeats of [0, 0.3, 0.9]) {
      // the staging's columns: a run of 1,500 points for one series, some of the staging's
      // indexes skipped (other series' points), given in `order`
      const n = 1500;
      const size = 2 * n;
      const timestamps = new Float64Array(size);
      const kinds = new Uint8Array(size);
      const floats = new Float64Array(size);
      // one value column, as the staging's: a float's bits or an int64's words
      const words = new Int32Array(floats.buffer);
      const order = new Uint32Array(n);
      const byPoint = new HeadSeries();
      const staged = new HeadSeries();
      // a head that already holds a point, as a live head does between drains
      for (const h of [byPoint, staged]) h.appendNumber(1, F, 0.5, 0, 0);
      let clock = 100;
      for (let k = 0; k < n; k++) {
        const i = 2 * k + (k % 2);
        order[k] = i;
        // in order, or a repeat of one of a few recent timestamps (retries): the tail
        // passes TAIL_POINTS and settles, dropping repeats, inside the one call
        const t = next() < repeats ? clock - Math.floor(next() * 5) : (clock += 1 + Math.floor(next() * 3));
        timestamps[i] = t;
        stageRandomNumber(next, i, kinds, floats, words);
        byPoint.appendNumber(t, kinds[i]!, floats[i]!, words[2 * i]!, words[2 * i + 1]!);
      }
      staged.appendStaged(order, 0, n, timestamps, kinds, words);
      byPoint.settle();
      staged.settle();
      const want = byPoint.copy(0, byPoint.length);
      const got = staged.copy(0, staged.length);
      expect(got.length, `repeats ${repeats}`).to.equal(want.length);
      expect(Array.from(got.timestamps)).to.deep.equal(Array.from(want.timestamps));
      expect(Array.from(got.kinds)).to.deep.equal(Array.from(want.kinds));
      expect(Array.from(got.ints)).to.deep.equal(Array.from(want.ints));
      expect(Array.from(got.floats)).to.deep.equal(Array.from(want.floats));
    }
  });

  it('merges a staged group that starts before the head\'s newest point in place, exactly as point by point: ties with the head, repeats in the group, int64 words, strings in the head', () => {
    let seed = 5;
    const next = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
    // staging columns shared by every group; a group's indexes skip some (other series')
    const size = 400;
    const timestamps = new Float64Array(size);
    const kinds = new Uint8Array(size);
    const floats = new Float64Array(size);
    const words = new Int32Array(floats.buffer);
    const order = new Uint32Array(size);
    for (const withText of [false, true]) {
      const byPoint = new HeadSeries();
      const staged = new HeadSeries();
      let newest = 1000;
      for (const h of [byPoint, staged]) {
        for (let t = 10; t <= newest; t += 10) h.appendNumber(t, F, t / 10, 0, 0);
        if (withText) h.append(505, S, 0, 0n, 'text');
      }
      let groups = 0;
      let merged = 0;
      for (let round = 0; round < 300; round++) {
        // a group as the drain gives it: sorted by timestamp, equal ones in arrival order;
        // it starts up to 20 steps back (at most ~40 head points newer: within the merge's
        // bound), on the head's own timestamps (ties) or between them
        const n = 1 + Math.floor(next() * 30);
        const ts: number[] = [];
        let t = newest - 10 * Math.floor(next() * 20) + (next() < 0.5 ? 5 : 0);
        for (let k = 0; k < n; k++) {
          ts.push(t);
          // a repeat now and then (a retry), else the next step or one after it
          if (next() >= 0.2) t += next() < 0.5 ? 10 : 5;
        }
        if (ts[0]! <= staged.timestamps[staged.length - 1]!) groups++;
        for (let k = 0; k < n; k++) {
          const i = 2 * k + (round % 2);
          order[k] = i;
          timestamps[i] = ts[k]!;
          stageRandomNumber(next, i, kinds, floats, words);
          byPoint.appendNumber(ts[k]!, kinds[i]!, floats[i]!, words[2 * i]!, words[2 * i + 1]!);
        }
        const before = staged.length;
        staged.appendStaged(order, 0, n, timestamps, kinds, words);
        // merged in place: no tail is left for settle()
        if (ts[0]! <= newest && staged.sortedLength === staged.length && staged.length <= before + n) merged++;
        expect(staged.sortedLength, `round ${round}`).to.equal(staged.length);
        newest = Math.max(newest, ts[n - 1]!);
      }
      expect(groups, 'late groups made').to.be.greaterThan(200);
      expect(merged).to.equal(groups);
      // one point far back (more head points newer than it than the merge's bound) goes to the tail
      order[0] = 0;
      timestamps[0] = 15;
      kinds[0] = F;
      floats[0] = -1;
      byPoint.appendNumber(15, F, -1, 0, 0);
      staged.appendStaged(order, 0, 1, timestamps, kinds, words);
      expect(staged.sortedLength).to.equal(staged.length - 1);
      byPoint.settle();
      const want = byPoint.copy(0, byPoint.length);
      const got = staged.copy(0, staged.length);
      expect(got.length).to.equal(want.length);
      expect(Array.from(got.timestamps)).to.deep.equal(Array.from(want.timestamps));
      expect(Array.from(got.kinds)).to.deep.equal(Array.from(want.kinds));
      expect(Array.from(got.ints)).to.deep.equal(Array.from(want.ints));
      expect(Array.from(got.floats)).to.deep.equal(Array.from(want.floats));
      expect(got.texts.length > 0 ? Array.from({ length: got.length }, (_, i) => got.texts[i]) : []).to.deep.equal(
        want.texts.length > 0 ? Array.from({ length: want.length }, (_, i) => want.texts[i]) : [],
      );
    }
  });

  it('merges an out-of-order tail exactly: interleaved streams, ties with sorted and tail points, int64 words, texts, reads in between', () => {
    let seed = 11;
    const next = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
    for (const streams of [1, 2, 4, 7]) {
      const h = new HeadSeries();
      // the model: timestamp -> the last write's [kind, float, int, text]
      const want = new Map<number, [number, number, bigint, string | undefined]>();
      const at = Array.from({ length: streams }, (_, s) => s * 37);
      for (let i = 0; i < 3000; i++) {
        const s = Math.floor(next() * streams);
        // each stream in order, a repeat now and then (a retry), streams drifting apart
        const t = next() < 0.05 ? at[s]! : (at[s]! += 1 + Math.floor(next() * 3));
        const r = next();
        if (r < 0.45) {
          const v = next() * 1e6;
          h.appendNumber(t, F, v, 0, 0);
          want.set(t, [F, v, 0n, undefined]);
        } else if (r < 0.9) {
          // an int64 given as its two 32-bit words (a NaN's bits included: moved as words)
          const w0 = (next() * 2 ** 32) | 0;
          const w1 = next() < 0.1 ? 0x7ff80001 : (next() * 2 ** 32) | 0;
          h.appendNumber(t, I, 0, w0, w1);
          want.set(t, [I, 0, (BigInt(w1) << 32n) | BigInt(w0 >>> 0), undefined]);
        } else {
          h.append(t, S, 0, 0n, `s${i}`);
          want.set(t, [S, 0, 0n, `s${i}`]);
        }
        expect(h.length - h.sortedLength, 'the tail stays short').to.be.below(TAIL_POINTS);
        if (next() < 0.01) {
          // a read in between settles the head; what it reads is what the model holds so far
          const lo = Math.floor(next() * 2000);
          const [from, to] = h.rangeOf(lo, lo + 200);
          const ts = [...want.keys()].filter((x) => x >= lo && x <= lo + 200).sort((a, b) => a - b);
          expect(Array.from(h.copy(from, to).timestamps), `${streams} streams, read at ${i}`).to.deep.equal(ts);
        }
      }
      h.settle();
      const sorted = [...want.keys()].sort((a, b) => a - b);
      const got = h.copy(0, h.length);
      expect(Array.from(got.timestamps), `${streams} streams`).to.deep.equal(sorted);
      expect(Array.from(got.kinds)).to.deep.equal(sorted.map((t) => want.get(t)![0]));
      expect(Array.from(got.floats)).to.deep.equal(sorted.map((t) => want.get(t)![1]));
      expect(Array.from(got.ints).map((x) => BigInt.asUintN(64, x))).to.deep.equal(sorted.map((t) => BigInt.asUintN(64, want.get(t)![2])));
      expect(Array.from({ length: got.length }, (_, k) => got.texts[k])).to.deep.equal(sorted.map((t) => want.get(t)![3]));
    }
  });

  it("carries each frozen series' newest points back into a live head: within the window, at most a quarter, texts and int64s exact", () => {
    const entries = [0, 1, 2, 3].map((id) => newSeriesEntry(id, { metric: 'm', tags: {}, id: '' }));
    const head = new Head();
    // series 0: 100 points 1 s apart (the window holds 10, under the quarter); series 1: 100
    // points 1 min apart (the window holds the newest only); series 2: 8 points 1 ms apart
    // (the quarter caps it at 2); series 3: 3 points (too few to split)
    const counts = [100, 100, 8, 3];
    const steps = [1000, 60_000, 1, 1000];
    const n = counts.reduce((a, b) => a + b, 0);
    const columns = { length: n, seriesIndex: new Uint32Array(n), timestamps: new Float64Array(n), kinds: new Uint8Array(n), floats: new Float64Array(n), ints: new BigInt64Array(n), texts: new Array<string | undefined>(n) };
    let at = 0;
    for (let s = 0; s < 4; s++) {
      for (let i = 0; i < counts[s]!; i++, at++) {
        columns.seriesIndex[at] = s;
        columns.timestamps[at] = 1_000_000 + i * steps[s]!;
        const kind = i % 3 === 0 ? I : i % 3 === 1 ? F : S;
        columns.kinds[at] = kind;
        if (kind === I) columns.ints[at] = -9223372036854775808n + BigInt(i);
        if (kind === F) columns.floats[at] = i + 0.25;
        if (kind === S) columns.texts[at] = `s${s}-${i}`;
      }
    }
    head.append(entries, columns);
    head.drain();
    const before = entries.map((e) => e.head!.copy(0, e.head!.length));
    const frozen = head.freeze();
    const carried = head.carryBack(frozen, 10_000)!;
    const kept = [10, 1, 2, 0];
    expect(carried.length).to.equal(13);
    expect(Array.from(carried.ids)).to.deep.equal([0, 1, 2]);
    expect(head.points).to.equal(13);
    expect(head.frozenPoints).to.equal(n - 13);
    for (let s = 0; s < 4; s++) {
      const e = entries[s]!;
      const split = counts[s]! - kept[s]!;
      const all = before[s]!;
      expect(e.frozen!.length, `series ${s} frozen`).to.equal(split);
      expect(e.frozen!.copy(0, split)).to.deep.equal(sliceOf(all, 0, split));
      if (kept[s] === 0) {
        expect(e.head, `series ${s} live`).to.equal(undefined);
        continue;
      }
      expect(e.head!.copy(0, e.head!.length), `series ${s} live`).to.deep.equal(sliceOf(all, split, counts[s]!));
      // the points carried come on top of the quarter of the expected head a new head starts with
      const expected = counts[s]! + (counts[s]! >> 3) + 8;
      expect(e.head!.capacity, `series ${s} capacity`).to.equal(Math.max(8, (expected >> 2) + kept[s]!));
      // the returned columns name the same points, for the WAL
      const mine = [...carried.seriesIndex].map((x, i) => [x, i] as const).filter(([x]) => carried.ids[x] === s).map(([, i]) => i);
      expect(mine.map((i) => carried.timestamps[i])).to.deep.equal(Array.from(all.timestamps.subarray(split)));
      expect(mine.map((i) => (carried.kinds[i] === I ? carried.ints[i] : carried.kinds[i] === F ? carried.floats[i] : carried.texts[i]))).to.deep.equal(
        Array.from({ length: kept[s]! }, (_, k) => (all.kinds[split + k] === I ? all.ints[split + k] : all.kinds[split + k] === F ? all.floats[split + k] : all.texts[split + k])),
      );
    }
    // nothing to carry: undefined, and the frozen heads stay whole
    const again = head.freeze();
    expect(head.carryBack(again, 0)).to.equal(undefined);
  });
});

/** Points [from, to) of copied columns, as HeadSeries.copy gives them. */
function sliceOf(p: ReturnType<HeadSeries['copy']>, from: number, to: number): ReturnType<HeadSeries['copy']> {
  const texts = p.texts.slice(from, to);
  texts.length = to - from;
  return { length: to - from, timestamps: p.timestamps.slice(from, to), kinds: p.kinds.slice(from, to), floats: p.floats.slice(from, to), ints: p.ints.slice(from, to), texts };
}

describe('embedded head: sealing through a cut', () => {
  it('keeps a frozen head sealed through carry-back and the cut\'s read, and gives every point back on thaw', () => {
    const head = new Head(0, true);
    const entries: SeriesEntry[] = Array.from({ length: 50 }, (_, id) => newSeriesEntry(id, { metric: 'm', tags: {}, id: '' }));
    const want = entries.map(() => new Map<number, number>());
    const n = 300;
    const columns = { length: 0, seriesIndex: new Uint32Array(entries.length), timestamps: new Float64Array(entries.length), kinds: new Uint8Array(entries.length).fill(F), floats: new Float64Array(entries.length), ints: new BigInt64Array(entries.length), texts: [] as (string | undefined)[] };
    for (let k = 0; k < n; k++) {
      columns.length = entries.length;
      for (let s = 0; s < entries.length; s++) {
        // every 50th round a point 20 steps late (a retry), overwriting what was there
        const t = (k % 50 === 49 ? k - 20 : k) * 1000;
        const v = Math.round((s * 1000 + k) * 1.37) / 100;
        columns.seriesIndex[s] = s;
        columns.timestamps[s] = t;
        columns.floats[s] = v;
        want[s]!.set(t, v);
      }
      head.append(entries, columns);
    }
    head.drain();
    const points = (p: { length: number; timestamps: Float64Array; floats: Float64Array }) => Array.from({ length: p.length }, (_, i) => [p.timestamps[i]!, p.floats[i]!]);
    const sorted = (m: Map<number, number>) => [...m.entries()].sort((a, b) => a[0] - b[0]);
    for (const entry of entries) expect(entry.head!.sealedBytes, 'sealed while written').to.be.greaterThan(0);
    // a read of a range leaves the head sealed
    for (const entry of entries) {
      const parts: SeriesPoints[] = [];
      head.collect(entry, 100_000, 150_000, parts);
      expect(parts.map(points), `series ${entry.id} read`).to.deep.equal([sorted(want[entry.id]!).filter(([t]) => t >= 100_000 && t <= 150_000)]);
      expect(entry.head!.sealedBytes, 'still sealed after a read').to.be.greaterThan(0);
    }
    const frozen = head.freeze();
    const carried = head.carryBack(frozen, 30_000);
    // the newest 30 s (30 points, within the quarter) of each series went back to a live head
    expect(carried!.length).to.equal(30 * entries.length);
    head.sealFrozen(frozen);
    const scratch = new HeadScratch();
    for (const entry of frozen) {
      const s = entry.id;
      expect(entry.frozen!.columnLength, 'no raw columns left').to.equal(0);
      expect(entry.frozen!.sealedBytes / entry.frozen!.length, 'bytes a point sealed').to.be.below(4);
      const all = sorted(want[s]!);
      // the frozen head's newest point, read without unsealing it (querier lastPoint; no blocks, no live head)
      const last = lastPoint(undefined as never, { ...entry, head: undefined }, -Infinity);
      expect([last!.timestamp, last!.float]).to.deep.equal(all[all.length - 31]);
      expect(entry.frozen!.columnLength, 'still sealed after last').to.equal(0);
      expect(points(entry.frozen!.materialize(scratch))).to.deep.equal(all.slice(0, all.length - 30));
      head.drain();
      expect(points(entry.head!.copy(0, entry.head!.length))).to.deep.equal(all.slice(all.length - 30));
    }
    head.thaw(frozen);
    for (const entry of entries) {
      expect(entry.frozen).to.equal(undefined);
      expect(points(entry.head!.copy(0, entry.head!.length))).to.deep.equal(sorted(want[entry.id]!));
    }
  });
});
