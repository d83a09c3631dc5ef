/**
 * The byte-level remote_write reader against protobufjs' decode (the reference): random
 * WriteRequests — the common shape, refused labels (no __name__, bad characters, too many),
 * empty values, repeated names, NaN/±Inf/0 values (0 is omitted on the wire), zero, negative and
 * large timestamps (those out of 1 … 9999999999999 ms refused), exemplars, interleaved labels — plus truncated and corrupted bytes must give
 * the same batch, skipped and refused counts, or the same refusal, either way.
 */
import { expect } from 'chai';
import protobuf from 'protobufjs';
import { BatchBuilder } from '../../core/batch-builder';
import type { PointBatch } from '../../core/storage';
import { mulberry32 } from '../../core/testing/random';
import { admitDecoded, readWriteRequestBytes, type Admitted } from '../../plugins/prometheus-remote-write/admit';
import { decodePromWriteRequest } from '../../plugins/prometheus-remote-write/prompb';

const SCHEMA = `
syntax = "proto3";
message WriteRequest { repeated TimeSeries timeseries = 1; }
message TimeSeries { repeated Label labels = 1; repeated Sample samples = 2; repeated Exemplar exemplars = 3; }
message Label { string name = 1; string value = 2; }
message Sample { double value = 1; int64 timestamp = 2; }
message Exemplar { repeated Label labels = 1; double value = 2; int64 timestamp = 3; }
`;
const WriteRequest = protobuf.parse(SCHEMA).root.lookupType('WriteRequest');
const MAX_TAGS = 4;

function describeBatch(b: PointBatch): string[] {
  const out: string[] = [];
  for (let i = 0; i < b.length; i++) {
    const s = b.seriesIndex[i]!;
    out.push(`${b.seriesKeys[s]}|${JSON.stringify(b.series[s])}|${b.timestamps[i]}|${b.kinds[i]}|${Object.is(b.floats[i], -0) ? '-0' : b.floats[i]}`);
  }
  return out;
}

function exact(bytes: Uint8Array): { admitted: Admitted; points: string[] } | { error: true } {
  try {
    const batch = new BatchBuilder(4);
    const admitted = admitDecoded(decodePromWriteRequest(bytes), batch, MAX_TAGS);
    return { admitted, points: describeBatch(batch.take()) };
  } catch {
    return { error: true };
  }
}

function combined(bytes: Uint8Array): { admitted: Admitted; points: string[] } | { error: true } {
  const batch = new BatchBuilder(4);
  const admitted = readWriteRequestBytes(bytes, batch, MAX_TAGS);
  if (!admitted) return exact(bytes);
  return { admitted, points: describeBatch(batch.take()) };
}

function generator(seed: number) {
  const random = mulberry32(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;
  const names = ['cpu.user', 'node_load1', 'up', 'a:b', 'über', ''];
  const labelSets = () => {
    const common = [
      [['__name__', pick(names.slice(0, 3))], ['host', pick(['a', 'b'])], ['dc', 'x']],
      [['__name__', 'up'], ['job', 'node']],
    ];
    if (random() < 0.8) return pick(common);
    return pick([
      [['host', 'a']],
      [['__name__', pick(names)], ['k', '']],
      [['__name__', 'm'], ['k', 'v w']],
      [['__name__', 'm'], ['a', '1'], ['b', '2'], ['c', '3'], ['d', '4'], ['e', '5']],
      [['__name__', 'm'], ['k', '1'], ['k', '2']],
      [['__name__', 'm'], ['ké', 'välue']],
      [],
    ]);
  };
  const value = () => (random() < 0.8 ? Math.round(random() * 10000) / 100 : pick([0, -0, NaN, Infinity, -Infinity, 1e308, 5e-324, -3]));
  const timestamp = () => (random() < 0.9 ? 1767225600000 + Math.floor(random() * 1e6) : pick([0, 1, -5000, 9999999999999, 10000000000000, 2 ** 53 - 1, 2 ** 53 + 2, 1e15]));
  return (): Uint8Array => {
    const timeseries = Array.from({ length: 1 + Math.floor(random() * 6) }, () => ({
      labels: labelSets().map(([name, v]) => ({ name, value: v })),
      samples: Array.from({ length: Math.floor(random() * 4) }, () => ({ value: value(), timestamp: timestamp() })),
      ...(random() < 0.1 ? { exemplars: [{ labels: [{ name: 'trace_id', value: 'abc' }], value: 1, timestamp: 5 }] } : {}),
    }));
    let bytes: Uint8Array = WriteRequest.encode(WriteRequest.fromObject({ timeseries })).finish();
    const r = random();
    if (r < 0.04) bytes = bytes.subarray(0, Math.floor(random() * bytes.length)); // truncated
    else if (r < 0.08) {
      bytes = Uint8Array.from(bytes);
      bytes[Math.floor(random() * bytes.length)] = Math.floor(random() * 256); // one byte corrupted
    }
    return bytes;
  };
}

describe('remote_write: the byte-level reader', () => {
  for (const seed of [20261130, 7, 8]) {
    it(`gives protobufjs' batch, skipped and refused counts for 3,000 random requests (seed ${seed})`, () => {
      const next = generator(seed);
      let fast = 0;
      for (let i = 0; i < 3000; i++) {
        const bytes = next();
        if (readWriteRequestBytes(bytes, new BatchBuilder(4), MAX_TAGS)) fast++;
        expect(combined(bytes), Buffer.from(bytes).toString('hex')).to.deep.equal(exact(bytes));
      }
      // the comparison means something only when the fast reader took many of them
      expect(fast).to.be.greaterThan(800);
      expect(fast).to.be.lessThan(2950);
    });
  }
});
