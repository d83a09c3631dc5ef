/**
 * Requests where the remote_write byte reader once answered otherwise than protobufjs'
 * decode (admitDecoded, the reference), found by a review: field keys over 32 bits, and a
 * series cached under one maxTags read under a smaller one.
 */
import { expect } from 'chai';
import { BatchBuilder } from '../../core/batch-builder';
import type { PointBatch } from '../../core/storage';
import { admitDecoded, readWriteRequestBytes } from '../../plugins/prometheus-remote-write/admit';
import { decodePromWriteRequest } from '../../plugins/prometheus-remote-write/prompb';

function describeBatch(b: PointBatch): string[] {
  const out: string[] = [];
  for (let i = 0; i < b.length; i++) out.push(`${b.seriesKeys[b.seriesIndex[i]!]}|${b.timestamps[i]}|${b.floats[i]}`);
  return out;
}
function exact(bytes: Uint8Array, maxTags: number): unknown {
  try {
    const batch = new BatchBuilder(4);
    const admitted = admitDecoded(decodePromWriteRequest(bytes), batch, maxTags);
    return { admitted, points: describeBatch(batch.take()) };
  } catch {
    return { error: true };
  }
}
function combined(bytes: Uint8Array, maxTags: number): unknown {
  const batch = new BatchBuilder(4);
  const admitted = readWriteRequestBytes(bytes, batch, maxTags);
  if (!admitted) return exact(bytes, maxTags);
  return { admitted, points: describeBatch(batch.take()) };
}
// one series m{h=a}, one sample (1, ts 5)
const SERIES = '0a240a0d0a085f5f6e616d655f5f12016d0a060a0168120161120b09000000000000f03f1005';

describe('remote_write byte reader: keys over 32 bits, maxTags per cache', () => {
  // A field key varint >= 2^32 (field number >= 2^29, beyond protobuf's range): protobufjs
  // throws "invalid tag encoding" (400), so the byte reader must give up too.
  for (const [name, hex] of [
    ['in the WriteRequest', '9a8080801000' + SERIES],
    ['in a TimeSeries', '0a2a0a0d0a085f5f6e616d655f5f12016d0a060a01681201619a8080801000120b09000000000000f03f1005'],
    ['in a Sample', '0a2a0a0d0a085f5f6e616d655f5f12016d0a060a016812016112119880808010010900000000000008401005'],
  ] as const) {
    it(`refuses a field key of 2^32 + n ${name} as protobufjs does`, () => {
      const bytes = Buffer.from(hex, 'hex');
      expect(exact(bytes, 8)).to.deep.equal({ error: true });
      expect(combined(bytes, 8)).to.deep.equal(exact(bytes, 8));
    });
  }

  // A series admitted under one maxTags must be checked again under a smaller one.
  it('checks the tag count against the maxTags of the request, not of the first one that cached the series', () => {
    // m{a=1,b=2,c=3}
    const bytes = Buffer.from('0a340a0d0a085f5f6e616d655f5f12016d0a060a01611201310a060a01621201320a060a0163120133120b09000000000000f03f1005', 'hex');
    expect(combined(bytes, 8)).to.deep.equal(exact(bytes, 8));
    expect(exact(bytes, 2)).to.have.nested.property('admitted.refused', 1);
    expect(combined(bytes, 2)).to.deep.equal(exact(bytes, 2));
  });
});
