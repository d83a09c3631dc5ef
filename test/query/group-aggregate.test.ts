/**
 * group-aggregate.ts: the aligned aggregation (members sharing their timestamps) and the
 * general walk share module scratch arrays; each must find them large enough after the other.
 */
import { expect } from 'chai';
import { TimeSlice } from '../../core';
import { aggregateGroup } from '../../plugins/query/group-aggregate';
import { allocColumns, doubleColumns, pushPoint, type NumericColumns } from '../../plugins/query/columns';

function sumAggregator(): any {
  return {
    name: 'sum',
    interpolation: 'lerp',
    aggregate: (values: Float64Array, count: number) => {
      let s = 0;
      for (let i = 0; i < count; i++) s += values[i]!;
      return s;
    },
    aggregateIntegers: (values: BigInt64Array, count: number) => {
      let s = 0n;
      for (let i = 0; i < count; i++) s += values[i]!;
      return s;
    },
  };
}

describe('group aggregation scratch arrays', () => {
  it('aggregates integers of many series after an aligned aggregation of as many (it grew only the double scratch)', async () => {
    const k = 3000; // more than any call before it in this process
    const agg = sumAggregator();
    const ts = Float64Array.of(1000, 2000);
    const aligned: NumericColumns[] = [];
    for (let i = 0; i < k; i++) aligned.push(doubleColumns(ts, Float64Array.of(i, 1), 2));
    const a = await aggregateGroup(aligned, agg, false, new TimeSlice());
    expect(Array.from(a.values.subarray(0, a.length))).to.deep.equal([(k * (k - 1)) / 2, k]);
    // integers at distinct timestamps: the general walk, in integer mode
    const ints: NumericColumns[] = [];
    for (let i = 0; i < k; i++) {
      let c = allocColumns(2);
      c = pushPoint(c, 1000, 1, 1n, 1);
      c = pushPoint(c, 2000 + (i % 2), 1, 1n, 1);
      ints.push(c);
    }
    const g = await aggregateGroup(ints, agg, false, new TimeSlice());
    expect(g.length).to.equal(3);
    expect(g.ints[0]).to.equal(BigInt(k));
    expect(g.isInt[0]).to.equal(1);
  });
});
