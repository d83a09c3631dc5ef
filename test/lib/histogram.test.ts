/** lib/histogram: OpenTSDB's SimpleHistogram forms, percentiles, merge and Java's Float.toString. */
import { expect } from 'chai';
import { fromBinary, fromStoredJson, fromTelnetValue, javaFloatString, mergeInto, percentile, toBinary, toStoredJson } from '../../lib/histogram';

describe('lib/histogram', () => {
  it('reads OpenTSDB binary values (Kryo) and writes them back byte for byte', () => {
    const value = 'AAIAAAAAP4AAAAU/gAAAQCAAAAMAAA=='; // [0,1]=5, [1,2.5]=3 (written to OpenTSDB 2.4.1 in test/oracle/histogram.test.ts)
    const h = fromBinary(value);
    expect(h.buckets).to.deep.equal([
      { lower: 0, upper: 1, count: 5 },
      { lower: 1, upper: 2.5, count: 3 },
    ]);
    expect(toBinary(h)).to.equal(value);
    const big = fromTelnetValue('0,1=300:1,2=70000:u=1:o=1234567890123');
    expect(fromBinary(toBinary(big))).to.deep.equal(big);
    expect(() => fromBinary('AAA=')).to.throw('Byte array shorter than 6 bytes detected: [0, 0]');
  });

  it('round-trips the stored JSON form, bounds as float32', () => {
    const h = fromTelnetValue('0.1,0.2=3:0.2,1e9=4:u=2:o=9');
    const text = toStoredJson(h);
    expect(text).to.equal('{"buckets":[[0.1,0.2,3],[0.2,1000000000,4]],"overflow":9,"underflow":2}');
    expect(fromStoredJson(text)).to.deep.equal(h);
  });

  it('computes percentiles as SimpleHistogram.percentile: float32 midpoints, -1 outside [1, 100]', () => {
    const h = fromTelnetValue('0,1=5:1,2.5=3:2.5,10=2');
    expect(percentile(h, 50)).to.equal(0.5);
    expect(percentile(h, 51)).to.equal(1.75);
    expect(percentile(h, 99)).to.equal(6.25);
    expect(percentile(h, 0)).to.equal(-1);
    expect(percentile(fromTelnetValue('0.1,0.2=1'), 50)).to.equal(Math.fround(Math.fround(Math.fround(0.1) + Math.fround(0.2)) / 2));
    expect(percentile(fromTelnetValue('0,1=0'), 50)).to.equal(0);
  });

  it('merges bucket by bucket', () => {
    const a = fromTelnetValue('0,1=5:1,2=3:u=1');
    mergeInto(a, fromTelnetValue('1,2=4:5,6=1:o=2'));
    expect(a).to.deep.equal({ buckets: [{ lower: 0, upper: 1, count: 5 }, { lower: 1, upper: 2, count: 7 }, { lower: 5, upper: 6, count: 1 }], underflow: 1, overflow: 2 });
  });

  it('prints floats as Java Float.toString', () => {
    expect([99, 75.5, 0.1, 1e7, 0.0001, 2.5, 100.5].map((x) => javaFloatString(Math.fround(x)))).to.deep.equal(['99.0', '75.5', '0.1', '1.0E7', '1.0E-4', '2.5', '100.5']);
  });
});
