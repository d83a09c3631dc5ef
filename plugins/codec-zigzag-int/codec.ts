/**
 * `codec-zigzag-int`: exact 64-bit integers. Values within ±2^50 (nearly all counters and
 * gauges) are stored as the first value and the deltas range coded (core packRanged:
 * log2(span + 1) bits each, so a counter's deltas in [0, 9999] cost 13.3 bits), computed
 * on the column's 32-bit words so no BigInt is made per value. A chunk holding any larger
 * value is stored raw, 8 bytes each: exact over the whole int64 range.
 *
 * Layout: u8 mode | mode 2 (ranged): svarint first | packRanged(deltas) when more than one
 * value; mode 1 (raw): 8 bytes per value. Mode 0 (zigzag deltas bit-packed, packUnsigned)
 * is what chunks written before the range coder hold; it is still read.
 */
import type { Codec, SeriesPoints } from '../../core';
import { ByteReader, ByteWriter, Float64Scratch, int64AsNumber, int64Words, setInt64FromNumber, unpackUnsigned } from '../../core/codec-io';
import { packRanged, unpackRanged } from '../../core/range-pack';

// bound once: each read of an export through the core barrel is a getter call (a LoadIC
// per value in the loops below, 2% of the storage thread's CPU in a telnet load)
const asNumber = int64AsNumber;
const setFromNumber = setInt64FromNumber;

const MODE_DELTA = 0;
const MODE_RAW = 1;
const MODE_RANGED = 2;

// one writer and one delta column, reused chunk after chunk (encode and decode are synchronous)
const writer = new ByteWriter(1024);
const deltaScratch = new Float64Scratch();

export const zigzagIntCodec: Codec = {
  name: 'zigzag-varint',
  worker: { module: __filename, exportName: 'zigzagIntCodec' },
  id: 4,
  target: 1 /* ValueKind.Int */,
  encode(points: SeriesPoints, start: number, end: number): Uint8Array {
    const words = int64Words(points.ints);
    const w = writer.reset();
    const n = end - start;
    // One pass: the deltas, until a value beyond ±2^50 sends the chunk raw.
    const deltas = deltaScratch.get(n > 1 ? n - 1 : 0);
    let prev = n > 0 ? asNumber(words, start) : 0;
    let small = !Number.isNaN(prev);
    for (let i = 1; i < n && small; i++) {
      const v = asNumber(words, start + i);
      if (Number.isNaN(v)) small = false;
      deltas[i - 1] = v - prev;
      prev = v;
    }
    if (!small) {
      w.byte(MODE_RAW);
      w.bytes(new Uint8Array(points.ints.buffer, points.ints.byteOffset + start * 8, n * 8));
      return w.finish();
    }
    w.byte(MODE_RANGED);
    if (n === 0) return w.finish();
    w.svarint(asNumber(words, start));
    if (n === 1) return w.finish();
    packRanged(w, deltas, n - 1);
    return w.finish();
  },
  decode(bytes: Uint8Array, count: number, into: SeriesPoints, offset: number): void {
    const r = new ByteReader(bytes);
    const mode = r.byte();
    if (mode === MODE_RAW) {
      const raw = r.bytes(count * 8);
      new Uint8Array(into.ints.buffer, into.ints.byteOffset + offset * 8, count * 8).set(raw);
      return;
    }
    const words = int64Words(into.ints);
    const deltas = deltaScratch.get(count);
    if (mode === MODE_RANGED) {
      if (count === 0) return;
      let v = r.svarint();
      setFromNumber(words, offset, v);
      if (count === 1) return;
      unpackRanged(r, count - 1, deltas);
      for (let i = 1; i < count; i++) {
        v += deltas[i - 1]!;
        setFromNumber(words, offset + i, v);
      }
      return;
    }
    if (mode !== MODE_DELTA) throw new RangeError(`zigzag-varint mode ${mode} unknown`);
    unpackUnsigned(r, count, deltas);
    let v = 0;
    for (let i = 0; i < count; i++) {
      const z = deltas[i]!;
      v += z % 2 === 0 ? z / 2 : -(z + 1) / 2;
      setFromNumber(words, offset + i, v);
    }
  },
};
