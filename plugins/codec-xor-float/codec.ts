/**
 * `codec-xor-float`: Gorilla's XOR float compression, byte-aligned. Each value is XORed
 * with the previous one; a control byte gives the count of leading zero bytes (high
 * nibble) and meaningful bytes (low nibble), followed by those bytes. 0xFF + varint is a
 * run of values equal to the previous. Takes every float (NaN, ±Infinity, -0 exactly).
 */
import type { Codec, SeriesPoints } from '../../core';
import { ByteReader, ByteWriter } from '../../core/codec-io';

const REPEAT = 0xff;
const scratch = new Float64Array(1);
const scratchBytes = new Uint8Array(scratch.buffer);

export const xorFloatCodec: Codec = {
  name: 'xor-float',
  worker: { module: __filename, exportName: 'xorFloatCodec' },
  id: 2,
  target: 2 /* ValueKind.Float */,
  encode(points: SeriesPoints, start: number, end: number): Uint8Array {
    const values = points.floats;
    const w = new ByteWriter(16 + (end - start) * 3);
    const prev = new Uint8Array(8);
    const x = new Uint8Array(8);
    let repeats = 0;
    for (let i = start; i < end; i++) {
      scratch[0] = values[i]!;
      let lead = 0;
      let last = -1;
      // little-endian: byte 7 is the most significant
      for (let b = 7; b >= 0; b--) {
        const v = scratchBytes[b]! ^ prev[b]!;
        x[b] = v;
        prev[b] = scratchBytes[b]!;
        if (v === 0 && last === -1) lead++;
        else if (v !== 0) last = b;
      }
      if (lead === 8 && i > start) {
        repeats++;
        continue;
      }
      if (repeats > 0) {
        w.byte(REPEAT);
        w.uvarint(repeats - 1);
        repeats = 0;
      }
      if (lead === 8) lead = 7; // the first value 0: still write one byte
      const from = last === -1 ? 0 : last; // lowest meaningful byte
      const meaningful = 8 - lead - from;
      w.ensure(9);
      w.byte((lead << 4) | meaningful);
      for (let b = 7 - lead; b >= from; b--) w.buf[w.pos++] = x[b]!;
    }
    if (repeats > 0) {
      w.byte(REPEAT);
      w.uvarint(repeats - 1);
    }
    return w.finish();
  },
  decode(bytes: Uint8Array, count: number, into: SeriesPoints, offset: number): void {
    const r = new ByteReader(bytes);
    const out = into.floats;
    scratch[0] = 0;
    let i = 0;
    while (i < count) {
      const control = r.byte();
      if (control === REPEAT) {
        let run = r.uvarint() + 1;
        if (run > count - i) throw new RangeError('xor-float run past the point count');
        while (run-- > 0) out[offset + i++] = scratch[0]!;
        continue;
      }
      const lead = control >> 4;
      const meaningful = control & 0x0f;
      if (lead + meaningful > 8) throw new RangeError('xor-float control byte out of range');
      for (let b = 7 - lead; b > 7 - lead - meaningful; b--) scratchBytes[b]! ^= r.byte();
      out[offset + i++] = scratch[0]!;
    }
  },
};
