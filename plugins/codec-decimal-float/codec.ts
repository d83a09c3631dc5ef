/**
 * `codec-decimal-float`: VictoriaMetrics' idea for floats. Most metric values have few
 * decimal digits (12.5, 0.03, 1024), so a chunk whose values are all exactly m / 10^e for
 * one small e and integer m is stored as e, the first m, and the deltas of m range coded
 * (core packRanged: log2(span + 1) bits each, a delta spread over ±2.00 in steps of 0.01
 * costs 8.65 bits). It accepts a chunk only when decoding gives back every value bit for bit.
 *
 * Layout: u8 (RANGED | e) | svarint first m | packRanged(deltas of m) when more than one
 * value. Chunks written before the range coder, u8 e | packUnsigned(zigzag deltas), are
 * still read.
 */
import type { Codec, SeriesPoints } from '../../core';
import { ByteReader, ByteWriter, Float64Scratch, unpackUnsigned } from '../../core/codec-io';
import { packRanged, unpackRanged } from '../../core/range-pack';

const MAX_EXPONENT = 9;
/** The flag in the exponent byte of the range-coded layout (older chunks hold e alone). */
const RANGED = 0x10;
const MAX_MANTISSA = 2 ** 50;
const POW10 = Array.from({ length: MAX_EXPONENT + 1 }, (_, e) => 10 ** e);

/** The smallest exponent that makes every value an exact integer mantissa, or -1. */
function exponentOf(values: Float64Array, start: number, end: number): number {
  let e = 0;
  for (let i = start; i < end; i++) {
    const v = values[i]!;
    if (!Number.isFinite(v) || Object.is(v, -0)) return -1;
    for (;;) {
      const p = POW10[e]!;
      const m = Math.round(v * p);
      if (Math.abs(m) < MAX_MANTISSA && (e === 0 ? m === v : m / p === v)) break;
      if (++e > MAX_EXPONENT || Math.abs(v * POW10[e]!) >= MAX_MANTISSA) return -1;
    }
  }
  // A value checked at a smaller exponent must also be exact (and small) at the final one.
  const p = POW10[e]!;
  for (let i = start; i < end; i++) {
    const v = values[i]!;
    const m = Math.round(v * p);
    if (Math.abs(m) >= MAX_MANTISSA || (e === 0 ? m !== v : m / p !== v)) return -1;
  }
  return e;
}

// one writer and one delta column, reused chunk after chunk (encode and decode are synchronous)
const writer = new ByteWriter(1024);
const deltaScratch = new Float64Scratch();

export const decimalFloatCodec: Codec = {
  name: 'decimal-float',
  worker: { module: __filename, exportName: 'decimalFloatCodec' },
  id: 3,
  target: 2 /* ValueKind.Float */,
  // it accepts finite values only (exponentOf), so it never decodes a NaN or an infinity
  finite: true,
  accepts(points: SeriesPoints, start: number, end: number): boolean {
    return exponentOf(points.floats, start, end) >= 0;
  },
  encode(points: SeriesPoints, start: number, end: number): Uint8Array {
    const values = points.floats;
    const e = exponentOf(values, start, end);
    if (e < 0) throw new RangeError('decimal-float cannot encode these values exactly');
    const p = POW10[e]!;
    const n = end - start;
    const w = writer.reset();
    w.byte(RANGED | e);
    if (n === 0) return w.finish();
    let prev = Math.round(values[start]! * p);
    w.svarint(prev);
    if (n === 1) return w.finish();
    const deltas = deltaScratch.get(n - 1);
    for (let i = 1; i < n; i++) {
      const m = Math.round(values[start + i]! * p);
      deltas[i - 1] = m - prev;
      prev = m;
    }
    packRanged(w, deltas, n - 1);
    return w.finish();
  },
  decode(bytes: Uint8Array, count: number, into: SeriesPoints, offset: number): void {
    const r = new ByteReader(bytes);
    const head = r.byte();
    const e = head & ~RANGED;
    if (e > MAX_EXPONENT || head > (RANGED | MAX_EXPONENT)) throw new RangeError('decimal-float exponent out of range');
    const p = POW10[e]!;
    const out = into.floats;
    const deltas = deltaScratch.get(count);
    let m = 0;
    if (head & RANGED) {
      if (count === 0) return;
      m = r.svarint();
      out[offset] = e === 0 ? m : m / p;
      if (count === 1) return;
      unpackRanged(r, count - 1, deltas);
      for (let i = 1; i < count; i++) {
        m += deltas[i - 1]!;
        out[offset + i] = e === 0 ? m : m / p;
      }
      return;
    }
    unpackUnsigned(r, count, deltas);
    for (let i = 0; i < count; i++) {
      const z = deltas[i]!;
      m += z % 2 === 0 ? z / 2 : -(z + 1) / 2;
      out[offset + i] = e === 0 ? m : m / p;
    }
  },
};
