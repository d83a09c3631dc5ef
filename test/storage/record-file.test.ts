/**
 * The checksummed record framing shared by the WAL, series.log and meta.log: every valid
 * record is read, a bad one in the middle skipped (resync), a bad tail reported for cutting.
 */
import { expect } from 'chai';
import { frameRecord, scanRecords } from '../../plugins/storage-embedded/record-file';

/** `n` records whose payloads start with a type byte 1..5 and differ in length. */
function records(n: number): Buffer[] {
  return Array.from({ length: n }, (_, i) => {
    const payload = Buffer.alloc(40 + ((i * 37) % 300));
    for (let j = 0; j < payload.length; j++) payload[j] = (i * 31 + j * 7) & 0xff;
    payload[0] = 1 + (i % 5);
    return frameRecord(payload);
  });
}

function offsetOf(framed: Buffer[], k: number): number {
  return framed.slice(0, k).reduce((sum, r) => sum + r.length, 0);
}

const isType = (b: number): boolean => b >= 1 && b <= 5;

describe('record files: scanRecords', () => {
  it('reads every record of an intact file, with nothing skipped or cut', () => {
    const framed = records(50);
    const scan = scanRecords(Buffer.concat(framed));
    expect(scan.records).to.have.length(50);
    expect(scan.skipped).to.deep.equal([]);
    expect(scan.corruption).to.equal(undefined);
    expect(scan.validBytes).to.equal(offsetOf(framed, 50));
  });

  for (const [what, at] of [
    ['a payload byte', 8 + 20],
    ['the checksum', 5],
    ['the length field (longer)', 2],
    ['the length field (shorter)', 0],
  ] as const) {
    it(`skips exactly the record with a bad byte in ${what} and reads every record after it`, () => {
      const framed = records(50);
      const file = Buffer.concat(framed);
      const bad = offsetOf(framed, 20);
      file[bad + at]! ^= at === 0 ? 0x01 : 0x40;
      for (const options of [{}, { firstByte: isType }]) {
        const scan = scanRecords(file, options);
        expect(scan.records.map((r) => Buffer.from(r)), JSON.stringify(options)).to.deep.equal(framed.filter((_, i) => i !== 20).map((r) => r.subarray(8)));
        expect(scan.skipped).to.have.length(1);
        expect(scan.skipped[0]).to.include({ offset: bad, bytes: framed[20]!.length });
        expect(scan.corruption).to.equal(undefined);
        expect(scan.validBytes).to.equal(file.length);
      }
    });
  }

  it('takes a bad last record as the tail: reported for cutting, every earlier record read', () => {
    const framed = records(10);
    const file = Buffer.concat(framed);
    file[file.length - 3]! ^= 0xff;
    const scan = scanRecords(file);
    expect(scan.records).to.have.length(9);
    expect(scan.skipped).to.deep.equal([]);
    expect(scan.corruption).to.deep.equal({ offset: offsetOf(framed, 9), reason: 'checksum mismatch', droppedBytes: framed[9]!.length });
    expect(scan.validBytes).to.equal(offsetOf(framed, 9));
  });

  it('takes a torn write or zeros after the last record as the tail, not as records', () => {
    const framed = records(10);
    for (const tail of [Buffer.from([0x10, 0, 0, 0, 0xde, 0xad]), Buffer.alloc(4096), framed[3]!.subarray(0, 30)]) {
      const scan = scanRecords(Buffer.concat([...framed, tail]));
      expect(scan.records).to.have.length(10);
      expect(scan.skipped).to.deep.equal([]);
      expect(scan.corruption!.droppedBytes).to.equal(tail.length);
      expect(scan.validBytes).to.equal(offsetOf(framed, 10));
    }
  });

  it('resyncs across a run of garbage in the middle, two bad records included', () => {
    const framed = records(30);
    const garbage = Buffer.alloc(5000);
    for (let i = 0; i < garbage.length; i += 7) garbage[i] = i & 0xff; // small numbers, as binary files hold
    const file = Buffer.concat([...framed.slice(0, 10), garbage, ...framed.slice(10)]);
    file[offsetOf(framed, 15) + garbage.length + 8 + 10]! ^= 0x01;
    const scan = scanRecords(file, { firstByte: isType });
    expect(scan.records).to.have.length(29);
    expect(scan.skipped.map((s) => s.offset)).to.deep.equal([offsetOf(framed, 10), offsetOf(framed, 15) + garbage.length]);
    expect(scan.skipped[0]!.bytes).to.equal(garbage.length);
    expect(scan.corruption).to.equal(undefined);
  });

  it('gives up on garbage that only looks like headers, within a bounded amount of checksumming (the rest is the tail)', () => {
    const framed = records(5);
    const garbage = Buffer.alloc(8 << 20);
    for (let i = 0; i < garbage.length; i += 7) garbage[i] = i & 0xff;
    const scan = scanRecords(Buffer.concat([...framed, garbage]));
    expect(scan.records).to.have.length(5);
    expect(scan.corruption!.droppedBytes).to.equal(garbage.length);
  });
});
