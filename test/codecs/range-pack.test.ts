/** core packRanged/unpackRanged: exact round trips, cost at the entropy of a uniform column, groups for outliers, errors on bad input. */
import { createHash } from 'node:crypto';
import { expect } from 'chai';
import { ByteReader, ByteWriter, packRanged, RANGE_GROUP, unpackRanged } from '../../core';

function random(seed: number): () => number {
  let s = seed;
  return () => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
}

function pack(values: number[]): Uint8Array {
  const w = new ByteWriter();
  packRanged(w, Float64Array.from(values), values.length);
  return w.finish();
}

function unpack(bytes: Uint8Array, count: number): number[] {
  const out = new Float64Array(count);
  unpackRanged(new ByteReader(bytes), count, out);
  return [...out];
}

describe('range-coded columns (core packRanged)', () => {
  it('writes the bytes the range coder has always written (chunks on disk are read by later builds)', () => {
    // digests of what the range coder wrote before its run loop was rewritten (2026-12-01)
    const hex = (values: number[]) => Buffer.from(pack(values)).toString('hex');
    expect(hex([3, -1, 200, 7, 7, 0, 401, 5000, 12])).to.equal('018927000e0034686ce5e57a87212b66efe06c');
    expect(hex([100000, 3, 999999, 42])).to.equal('06bc843d000a1998245c151945f00430');
    const r = random(23);
    const spans = [1, 2, 401, 4095, 4096, 10_000, 1_000_000, 2 ** 24 + 3, 2 ** 33, 2 ** 51];
    const digest = createHash('sha256');
    let total = 0;
    for (let t = 0; t < 200; t++) {
      const n = 1 + Math.floor(r() * 500);
      const span = spans[t % spans.length]!;
      const values = Array.from({ length: n }, () => Math.floor((r() - 0.5) * span));
      if (t % 7 === 0 && n > 10) values[Math.floor(r() * n)] = 2 ** 40;
      const bytes = pack(values);
      digest.update(bytes);
      total += bytes.length;
    }
    expect(total).to.equal(110693);
    expect(digest.digest('hex')).to.equal('3324cddd4e1fa7fff2a6dd5bdb50561dd13e0623bebb3cd3786bf4d0b2479a93');
  });

  it('round-trips integer columns exactly: narrow, wide (to ±2^51), constant, single, empty, with outliers', () => {
    const r = random(11);
    const spans = [1, 2, 401, 10_000, 1_000_000, 2 ** 24 + 3, 2 ** 33, 2 ** 51];
    for (let t = 0; t < 400; t++) {
      const n = t % 50 === 0 ? t % 3 : 1 + Math.floor(r() * 700);
      const span = spans[t % spans.length]!;
      const values = Array.from({ length: n }, () => Math.floor((r() - 0.5) * span));
      if (t % 9 === 0 && n > 10) values[Math.floor(r() * n)] = 2 ** 40; // an outlier
      if (t % 13 === 0) values.fill(-7);
      if (t === 7) values.splice(0, values.length, -(2 ** 51), 2 ** 51, 0);
      expect(unpack(pack(values), values.length), `case ${t}`).to.deep.equal(values);
    }
  });

  it('costs log2(span + 1) bits a value: a delta over 401 values takes ~8.65 bits, not bit-packing\'s 9', () => {
    const r = random(5);
    const n = 4000;
    const values = Array.from({ length: n }, () => Math.floor(r() * 401) - 200);
    values[0] = -200;
    values[1] = 200;
    const bytes = pack(values);
    const ideal = (n * Math.log2(401)) / 8;
    expect(bytes.length).to.be.at.most(Math.ceil(ideal) + 12);
    expect(bytes.length).to.be.below((n * 9) / 8);
    // a counter's non-negative deltas pay no sign bit: [0, 9999] costs 13.3 bits, not zigzag's 15
    const counter = Array.from({ length: n }, () => Math.floor(r() * 10_000));
    expect(pack(counter).length).to.be.at.most(Math.ceil((n * Math.log2(10_000)) / 8) + 12);
  });

  it('cuts a column with an outlier into groups, so one spike does not widen every value', () => {
    const r = random(9);
    const n = 20 * RANGE_GROUP;
    const values = Array.from({ length: n }, () => Math.floor(r() * 16));
    values[5] = 1e9;
    const bytes = pack(values);
    expect(unpack(bytes, n)).to.deep.equal(values);
    // ~4 bits a value plus the spike's group, far from the ~30 bits one span over 1e9 would cost
    expect(bytes.length).to.be.below((n * 5) / 8 + (RANGE_GROUP * 30) / 8);
  });

  it('throws a RangeError on truncated bytes, unknown grouping and values it cannot hold', () => {
    const r = random(3);
    const values = Array.from({ length: 500 }, () => Math.floor(r() * 1000));
    const bytes = pack(values);
    for (const cut of [1, 3, Math.floor(bytes.length / 2), bytes.length - 1]) {
      expect(() => unpack(bytes.subarray(0, cut), 500), `cut at ${cut}`).to.throw(RangeError);
    }
    const badGrouping = Uint8Array.from(bytes);
    badGrouping[3] = 99; // svarint min (1 byte: min is small), uvarint span (2 bytes), then the grouping byte
    expect(() => unpack(badGrouping, 500)).to.throw(RangeError, /grouping/);
    for (const bad of [[0.5, 1], [2 ** 52, 0], [NaN, 1]]) {
      expect(() => pack(bad), String(bad)).to.throw(RangeError);
    }
  });

  it('round-trips random columns exactly at the coder\'s edges: spans around 2^12, 2^24, 2^32, 2^52; counts around a group; runs of the largest value (carries)', () => {
    const r = random(77);
    const spans = [1, 2, 255, 4094, 4095, 4096, 4097, 8191, 2 ** 24 - 1, 2 ** 24, 2 ** 24 + 1, 2 ** 32 - 1, 2 ** 32, 2 ** 32 + 1, 2 ** 48 - 1, 2 ** 52 - 1, 2 ** 52];
    const counts = [1, 2, 3, 127, 128, 129, 255, 256, 257, 1000];
    let cases = 0;
    for (let t = 0; t < 3000; t++) {
      const span = spans[t % spans.length]!;
      const n = counts[Math.floor(r() * counts.length)]!;
      const lo = -(2 ** 51) + Math.floor(r() * (2 ** 52 - span + 1));
      const shape = t % 5;
      const values = Array.from({ length: n }, (_, i) => {
        // 0: uniform; 1: only the extremes; 2: all the largest (carry runs of 0xFF); 3: groups of one value between wide ones; 4: one outlier a group
        const off = shape === 0 ? Math.floor(r() * (span + 1)) : shape === 1 ? (r() < 0.5 ? 0 : span) : shape === 2 ? span : shape === 3 ? (Math.floor(i / RANGE_GROUP) % 2 ? 5 % (span + 1) : Math.floor(r() * (span + 1))) : i % RANGE_GROUP === 3 ? span : Math.floor(r() * 4) % (span + 1);
        return lo + off;
      });
      values[0] = lo; // the span is reached exactly
      if (n > 1 && shape !== 3) values[n - 1] = lo + span;
      expect(unpack(pack(values), n), `case ${t}: span ${span}, ${n} values, shape ${shape}`).to.deep.equal(values);
      cases++;
    }
    expect(cases).to.equal(3000);
    expect(unpack(pack([-(2 ** 51), 2 ** 51]), 2)).to.deep.equal([-(2 ** 51), 2 ** 51]);
  });

  it('decodes damaged bytes to a RangeError or to integers within ±2^51, never past the columns it was given', () => {
    const r = random(21);
    let thrown = 0;
    for (let t = 0; t < 3000; t++) {
      const n = 1 + Math.floor(r() * 400);
      const values = Array.from({ length: n }, () => Math.floor(r() * [3, 1000, 2 ** 20, 2 ** 40][t % 4]!));
      if (t % 3 === 0) values[Math.floor(r() * n)] = 2 ** 45;
      const bytes = Uint8Array.from(pack(values));
      let damaged: Uint8Array;
      if (t % 3 === 0) damaged = bytes.subarray(0, Math.floor(r() * bytes.length));
      else if (t % 3 === 1) {
        damaged = bytes;
        for (let k = 0; k < 3; k++) damaged[Math.floor(r() * damaged.length)] ^= 1 << Math.floor(r() * 8);
      } else damaged = Uint8Array.from({ length: Math.floor(r() * 40) }, () => Math.floor(r() * 256));
      const out = new Float64Array(n + 1).fill(7);
      try {
        unpackRanged(new ByteReader(damaged), n, out);
      } catch (err) {
        expect(err, `case ${t}`).to.be.instanceOf(RangeError);
        thrown++;
        continue;
      }
      for (let i = 0; i < n; i++) expect(Number.isSafeInteger(out[i]) && Math.abs(out[i]!) <= 2 ** 51, `case ${t} value ${i}: ${out[i]}`).to.equal(true);
      expect(out[n]).to.equal(7);
    }
    expect(thrown).to.be.above(1000);
    // a column header out of the coder's range: min past 2^51, a span past 2^52
    const w = new ByteWriter();
    w.uvarint(2 ** 53); // svarint 2^52
    w.uvarint(1);
    w.byte(0);
    w.uvarint(0);
    expect(() => unpack(w.finish(), 3)).to.throw(RangeError);
    const wide = new ByteWriter();
    wide.svarint(0);
    wide.uvarint(2 ** 55);
    wide.byte(0);
    wide.uvarint(1);
    wide.byte(200);
    expect(() => unpack(wide.finish(), 3)).to.throw(RangeError);
  });
});
