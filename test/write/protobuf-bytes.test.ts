/**
 * The byte-level protobuf `/api/put` reader against protobufjs + PutCollector (the
 * reference): random WriteRequests — the common shape and near misses (JSON values, no
 * value, two values, bad names, too many tags, empty tags, zero/negative/huge timestamps,
 * NaN, int64 extremes, strings, repeated tag keys) plus truncated and corrupted bytes — must
 * give the same batch, counts and errors, or the same refusal, either way.
 */
import { expect } from 'chai';
import protobuf from 'protobufjs';
import path from 'node:path';
import { BatchBuilder } from '../../core/batch-builder';
import { mulberry32 } from '../../core/testing/random';
import { PutCollector } from '../../lib/opentsdb/put-collector';
import { putOutcome } from '../helpers/put-outcome';
import { decodeExact, protobufPut } from '../../plugins/protobuf/put-format';
import { readPutProtobuf } from '../../plugins/protobuf/points-bytes';

const root = protobuf.loadSync(path.resolve(__dirname, '..', '..', '..', 'dsdb.proto'));
const WriteRequest = root.lookupType('dsdb.WriteRequest');
const fast = (body: Buffer, c: PutCollector) => protobufPut.decode(body, c);
const exact = decodeExact;

function generator(seed: number) {
  const random = mulberry32(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;
  const point = (): Record<string, unknown> => {
    const common = random() < 0.75;
    const p: Record<string, unknown> = {
      metric: common ? pick(['cpu.user', 'mem.used', 'ünï']) : pick(['', 'a b', 'x', 'sys:cpu']),
      timestamp: common ? (random() < 0.03 ? 99999999999999 : pick([1767225600, 1767225600123, 1767225601])) : pick([0, -5, 99999999999999, 2 ** 53 + 2, '9223372036854775807']),
      tags: common ? pick([{ host: 'a' }, { host: 'b', dc: 'x' }, { dc: 'x', host: 'b' }]) : pick([{}, { host: 'a b' }, { a: '1', b: '2', c: '3', d: '4', e: '5', f: '6', g: '7', h: '8', i: '9' }, { '': 'x' }, { host: 'a' }]),
    };
    const v = random();
    if (v < 0.4) p.doubleValue = common ? (random() < 0.03 ? NaN : Math.round(random() * 1e4) / 100) : pick([NaN, Infinity, -0, 0]);
    else if (v < 0.75) p.intValue = common ? Math.floor(random() * 1e6) - 5e5 : pick(['9223372036854775807', '-9223372036854775808', 0]);
    else if (v < 0.85) p.stringValue = pick(['up', '', 'ü ✓']);
    else if (v < 0.92) p.jsonValue = pick(['{"a":1}', '[1]', 'nope']);
    return p;
  };
  return (): Buffer => {
    const n = 1 + Math.floor(random() * 6);
    const message: Record<string, unknown> = { points: Array.from({ length: n }, point) };
    if (random() < 0.05) message.points = [];
    if (random() < 0.1) message.sync = true;
    if (random() < 0.05) message.authorization = 'Bearer x';
    let bytes = Buffer.from(WriteRequest.encode(WriteRequest.fromObject(message)).finish());
    const r = random();
    if (r < 0.04) bytes = bytes.subarray(0, Math.floor(random() * bytes.length));
    else if (r < 0.08 && bytes.length > 0) {
      bytes = Buffer.from(bytes);
      bytes[Math.floor(random() * bytes.length)] = Math.floor(random() * 256);
    }
    return bytes;
  };
}

describe('protobuf /api/put: the byte-level reader', () => {
  it('refuses a point whose metric holds a space and another series\' tag bytes, as protobufjs\' reading does (not the cached series of the same bytes)', () => {
    // A's bytes are `pbcol.x`, then its tag entries (aaa=b: 1a 08 0a 03 61 61 61 12 01 62,
    // then host=a); B's metric is A's metric, a space and the aaa entry but its last byte,
    // its tags host=a: the same bytes with the metric/tags boundary moved, B invalid
    const a = (timestamp: number) => ({ metric: 'pbcol.x', timestamp, intValue: 1, tags: { aaa: 'b', host: 'a' } });
    const b = { metric: 'pbcol.x \x1a\x08\n\x03aaa\x12\x01', timestamp: 1700000009, intValue: 999, tags: { host: 'a' } };
    const body = Buffer.from(WriteRequest.encode(WriteRequest.fromObject({ points: [a(1700000000), a(1700000001), b] })).finish());
    const got = putOutcome(fast, body);
    expect(got).to.deep.equal(putOutcome(exact, body));
    expect(got).to.include({ success: 2, failed: 1 });
  });

  for (const seed of [20261130, 11, 12]) {
    it(`gives protobufjs' batch, counts and errors for 3,000 random requests (seed ${seed})`, () => {
      const next = generator(seed);
      let taken = 0;
      for (let i = 0; i < 3000; i++) {
        const body = next();
        const got = putOutcome(fast, body);
        const want = putOutcome(exact, body);
        if (readPutProtobuf(body, new BatchBuilder(4)) !== undefined) taken++;
        expect(got, body.toString('hex')).to.deep.equal(want);
      }
      // the comparison means something only when the byte reader took many of the bodies
      expect(taken).to.be.greaterThan(300);
      expect(taken).to.be.lessThan(2900);
    });
  }
});
