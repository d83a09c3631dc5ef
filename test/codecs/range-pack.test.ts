/** core packRanged/unpackRanged: exact round trips, cost at the entropy of a uniform column, groups for outliers, errors on bad input. */
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
});
