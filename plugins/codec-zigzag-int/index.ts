/**
 * `codec-zigzag-int`: exact 64-bit integers. Values within ±2^50 (nearly all counters and
 * gauges) are stored as zigzag deltas bit-packed in groups of 64 (packUnsigned), computed
 * on the column's 32-bit words so no BigInt is made per value. A chunk
 * holding any larger value is stored raw, 8 bytes each: exact over the whole int64 range.
 */
import { ByteReader, ByteWriter, definePlugin, int64AsNumber, int64Words, packUnsigned, setInt64FromNumber, unpackUnsigned, zigzag, type Codec, type SeriesPoints } from '../../core';

const MODE_DELTA = 0;
const MODE_RAW = 1;

export const zigzagIntCodec: Codec = {
  name: 'zigzag-varint',
  id: 4,
  target: 1 /* ValueKind.Int */,
  encode(points: SeriesPoints, start: number, end: number): Uint8Array {
    const words = int64Words(points.ints);
    let small = true;
    for (let i = start; i < end && small; i++) if (Number.isNaN(int64AsNumber(words, i))) small = false;
    const w = new ByteWriter(16 + (end - start) * 2);
    if (!small) {
      w.byte(MODE_RAW);
      w.bytes(new Uint8Array(points.ints.buffer, points.ints.byteOffset + start * 8, (end - start) * 8));
      return w.finish();
    }
    w.byte(MODE_DELTA);
    const n = end - start;
    const deltas = new Float64Array(n);
    let prev = 0;
    for (let i = 0; i < n; i++) {
      const v = int64AsNumber(words, start + i);
      deltas[i] = zigzag(v - prev);
      prev = v;
    }
    packUnsigned(w, deltas, n);
    return w.finish();
  },
  decode(bytes: Uint8Array, count: number, into: SeriesPoints, offset: number): void {
    const r = new ByteReader(bytes);
    if (r.byte() === MODE_RAW) {
      const raw = r.bytes(count * 8);
      new Uint8Array(into.ints.buffer, into.ints.byteOffset + offset * 8, count * 8).set(raw);
      return;
    }
    const words = int64Words(into.ints);
    const deltas = new Float64Array(count);
    unpackUnsigned(r, count, deltas);
    let v = 0;
    for (let i = 0; i < count; i++) {
      const z = deltas[i]!;
      v += z % 2 === 0 ? z / 2 : -(z + 1) / 2;
      setInt64FromNumber(words, offset + i, v);
    }
  },
};

export default definePlugin({
  name: 'codec-zigzag-int',
  provides: ['codec:zigzag-varint'],
  register({ hooks }) {
    hooks.codec.codecs.tap('codec-zigzag-int', (codecs) => codecs.add(zigzagIntCodec.name, zigzagIntCodec, 'codec-zigzag-int'));
  },
});
