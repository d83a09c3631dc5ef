/** The aggregator functions on known inputs (OpenTSDB's and commons-math's results). */
import { expect } from 'chai';
import type { Aggregator } from '../../core';
import { DISCRETE_AGGREGATORS } from '../../plugins/aggregators-discrete';
import { OPENTSDB_AGGREGATORS } from '../../plugins/aggregators-opentsdb';

const byName = new Map<string, Aggregator>([...OPENTSDB_AGGREGATORS, ...DISCRETE_AGGREGATORS].map((a) => [a.name, a]));
const agg = (name: string) => byName.get(name)!;
const doubles = (name: string, xs: number[]) => agg(name).aggregate(Float64Array.from(xs), xs.length);
const longs = (name: string, xs: (number | bigint)[]) => agg(name).aggregateIntegers!(BigInt64Array.from(xs.map(BigInt)), xs.length);

describe('aggregators', () => {
  it('has the 35 OpenTSDB 2.4 names with their interpolations', () => {
    expect(OPENTSDB_AGGREGATORS).to.have.length(35);
    const interp = (n: string) => agg(n).interpolation;
    expect([interp('sum'), interp('zimsum'), interp('pfsum'), interp('mimmin'), interp('mimmax'), interp('count'), interp('p99')]).to.deep.equal(['lerp', 'zim', 'prev', 'max', 'min', 'zim', 'lerp']);
    expect(agg('none').passThrough).to.equal(true);
  });

  it('skips NaN in doubles, except mult', () => {
    expect(doubles('sum', [1, NaN, 2])).to.equal(3);
    expect(doubles('sum', [NaN, NaN])).to.be.NaN;
    expect(doubles('min', [NaN, 3, 1])).to.equal(1);
    expect(doubles('max', [NaN, -3, -1])).to.equal(-1);
    expect(doubles('avg', [1, NaN, 2])).to.equal(1.5);
    expect(doubles('count', [1, NaN, 2])).to.equal(2);
    expect(doubles('mult', [2, NaN])).to.be.NaN;
    expect(doubles('squareSum', [3, NaN, 4])).to.equal(25);
  });

  it('integer mode: avg truncates toward zero, sums wrap like Java longs', () => {
    expect(longs('avg', [1, 2])).to.equal(1n);
    expect(longs('avg', [-1, -2])).to.equal(-1n);
    expect(longs('sum', [9223372036854775807n, 1n])).to.equal(-9223372036854775808n);
    expect(longs('mult', [4294967296n, 4294967296n])).to.equal(0n);
    expect(longs('diff', [5, 9, 2])).to.equal(-3n);
    expect(longs('diff', [5])).to.equal(0n);
    expect(longs('median', [5, 1, 9, 3])).to.equal(5n);
  });

  it('dev is Welford as OpenTSDB runs it (population σ; one value ⇒ 0)', () => {
    expect(doubles('dev', [1, 3])).to.equal(1);
    expect(doubles('dev', [2, 4, 4, 4, 5, 5, 7, 9])).to.equal(2);
    expect(doubles('dev', [7])).to.equal(0);
    expect(longs('dev', [1, 2, 3, 4])).to.equal(1n); // √1.25 truncated
  });

  it('percentiles follow commons-math (legacy, R-3, R-7)', () => {
    expect(doubles('p50', [1, 2, 3, 4])).to.equal(2.5);
    expect(doubles('p95', [1, 2, 3, 4, 5, 6, 7, 8, 9, 10])).to.equal(10);
    expect(doubles('p75', [1, 2, 3, 4])).to.equal(3.75);
    expect(doubles('median', [4, 1, 3, 2])).to.equal(3);
    expect(longs('ep50r7', [1, 2, 3, 4])).to.equal(2n); // 2.5 truncated
    expect(longs('ep75r7', [1, 2, 3, 4, 5])).to.equal(4n);
    expect(longs('ep50r3', [1, 2, 3, 4])).to.equal(2n);
    expect(longs('ep75r3', [10, 20, 30, 40])).to.equal(30n);
    // OpenTSDB uses the legacy estimator for doubles even on ep*
    expect(doubles('ep75r7', [1, 2, 3, 4])).to.equal(doubles('p75', [1, 2, 3, 4]));
  });

  it('discrete forms: count, first, last, none, distinct, mode', () => {
    const words = ['a', 'b', 'a', 'c'];
    expect(agg('count').aggregateDiscrete!(words, 4)).to.equal(4);
    expect(agg('first').aggregateDiscrete!(words, 4)).to.equal('a');
    expect(agg('last').aggregateDiscrete!(words, 4)).to.equal('c');
    expect(agg('distinct').aggregateDiscrete!(words, 4)).to.equal(3);
    expect(agg('mode').aggregateDiscrete!(['x', 'y', 'y', 'x'], 4)).to.equal('x');
    for (const name of ['sum', 'avg', 'p99', 'dev']) expect(agg(name).aggregateDiscrete).to.equal(undefined);
  });
});
