/**
 * Plain integers read without a bigint (readPlainNumber, BatchBuilder.pushSafeInt): the
 * int64 in the batch is exactly the one the bigint path stores, at the 32-bit word
 * boundaries and the 15-digit edge, through the telnet parser and the /api/put reader.
 */
import { expect } from 'chai';
import { BatchBuilder } from '../../core/batch-builder';
import { ValueKind } from '../../core/types';
import { PutLineParser } from '../../lib/opentsdb/put-line-parser';
import { PutJsonBytesReader } from '../../lib/opentsdb/put-json-bytes';

const VALUES = ['0', '-0', '1', '-1', '+7', '2147483647', '2147483648', '-2147483648', '-2147483649', '4294967295', '4294967296', '-4294967296', '-4294967297', '9007199254740', '999999999999999', '-999999999999999', '000000000000012'];

describe('ingest: plain integers without a bigint', () => {
  it('stores the same int64 as BigInt(text) through the telnet parser', () => {
    const parser = new PutLineParser();
    const builder = new BatchBuilder(4);
    for (const value of VALUES) {
      const line = Buffer.from(`put m 1356998400 ${value} host=a`);
      expect(parser.parse(line, 0, line.length, builder)).to.equal(undefined, value);
    }
    const batch = builder.take();
    expect(Array.from(batch.kinds)).to.deep.equal(VALUES.map(() => ValueKind.Int));
    expect(Array.from(batch.ints)).to.deep.equal(VALUES.map((v) => BigInt(v)));
    expect(Array.from(batch.floats)).to.deep.equal(VALUES.map(() => 0));
  });

  it('stores the same int64 as BigInt(text) through the /api/put byte reader', () => {
    const json = VALUES.filter((v) => !/^[+]|^-?0\d/.test(v));
    const body = Buffer.from(JSON.stringify(json.map((v, i) => ({ metric: 'm', timestamp: 1356998400 + i, tags: { host: 'a' } }))).replace(/"tags"/g, () => '"value":VALUE,"tags"'));
    let k = 0;
    const text = body.toString().replace(/VALUE/g, () => json[k++]!);
    const builder = new BatchBuilder(4);
    expect(new PutJsonBytesReader().read(Buffer.from(text), builder)).to.equal(json.length);
    const batch = builder.take();
    expect(Array.from(batch.ints)).to.deep.equal(json.map((v) => BigInt(v)));
  });

  it("keeps OpenTSDB's error text, which names the int64's bytes, for an integer point out of range", () => {
    const parser = new PutLineParser();
    const builder = new BatchBuilder(4);
    const errorOf = (text: string) => {
      const line = Buffer.from(text);
      return parser.parse(line, 0, line.length, builder);
    };
    expect(errorOf('put m 99999999999999 42 host=a')).to.equal('put: illegal argument: bad timestamp=99999999999999 when trying to add value=[42]/0 to metric=m, tags={host=a}');
    expect(errorOf('put m 99999999999999 -5000000000 host=a')).to.equal('put: illegal argument: bad timestamp=99999999999999 when trying to add value=[-1, -1, -1, -2, -43, -6, 14, 0]/7 to metric=m, tags={host=a}');
    expect(builder.length).to.equal(0);
  });
});
