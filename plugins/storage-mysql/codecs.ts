/**
 * The plugin's own chunk codecs, used when no codec plugin provides one for a column
 * (the `codecs` registry is filled by codec plugins; see chunk.ts). Their ids live in
 * 0xF0–0xF4, a range kept for this plugin, so a chunk written with them always decodes
 * with them even once codec plugins with other ids are loaded.
 *
 *  - timestamps: first value, first delta, then zigzag varint delta-of-deltas
 *    (regular intervals cost one byte per point);
 *  - floats: when every value of the chunk is a short decimal (agents report 12.25, not
 *    12.2500000001), the scaled integers as zigzag varint deltas (about 2 bytes a point);
 *    otherwise XOR with the previous value, written as its non-zero middle bytes only;
 *  - int64: zigzag varint of the delta, computed on uint32 halves (no per-point BigInt);
 *  - strings and JSON: a per-chunk dictionary (repeated values cost one varint).
 */
import { ValueKind, type Codec, type SeriesPoints } from '../../core';
import { ByteReader, ByteWriter } from '../../core';

if (new Uint8Array(new Uint16Array([1]).buffer)[0] !== 1) throw new Error('storage-mysql codecs assume a little-endian CPU');

const timestampCodec: Codec = {
  name: 'mysql-dod-timestamp',
  id: 0xf0,
  target: 'timestamp',
  encode(points, start, end) {
    const w = new ByteWriter((end - start) * 2 + 16);
    const ts = points.timestamps;
    let prev = 0;
    let prevDelta = 0;
    for (let i = start; i < end; i++) {
      const t = ts[i]!;
      if (i === start) w.svarint(t);
      else {
        const delta = t - prev;
        w.svarint(delta - prevDelta);
        prevDelta = delta;
      }
      prev = t;
    }
    return w.finish();
  },
  decode(bytes, count, into, offset) {
    const r = new ByteReader(bytes);
    let prev = 0;
    let delta = 0;
    for (let i = 0; i < count; i++) {
      if (i === 0) prev = r.svarint();
      else {
        delta += r.svarint();
        prev += delta;
      }
      into.timestamps[offset + i] = prev;
    }
  },
};

const f64 = new Float64Array(1);
const f64Halves = new Uint32Array(f64.buffer);

const floatCodec: Codec = {
  name: 'mysql-xor-float',
  id: 0xf1,
  target: ValueKind.Float,
  encode(points, start, end) {
    const w = new ByteWriter((end - start) * 9 + 8);
    const floats = points.floats;
    const scale = decimalScale(floats, start, end);
    w.byte(scale);
    if (scale > 0) {
      const factor = 10 ** (scale - 1);
      let prev = 0;
      for (let i = start; i < end; i++) {
        const v = Math.round(floats[i]! * factor);
        w.svarint(v - prev);
        prev = v;
      }
      return w.finish();
    }
    let pHi = 0;
    let pLo = 0;
    for (let i = start; i < end; i++) {
      f64[0] = floats[i]!;
      const hi = f64Halves[1]!;
      const lo = f64Halves[0]!;
      const xHi = (hi ^ pHi) >>> 0;
      const xLo = (lo ^ pLo) >>> 0;
      pHi = hi;
      pLo = lo;
      if (xHi === 0 && xLo === 0) {
        w.byte(0xff);
        continue;
      }
      // Bytes of the 64-bit XOR, most significant first; skip the zero bytes at both ends.
      const lead = xHi !== 0 ? Math.clz32(xHi) >>> 3 : 4 + (Math.clz32(xLo) >>> 3);
      const trail = xLo !== 0 ? ctz32(xLo) >>> 3 : 4 + (ctz32(xHi) >>> 3);
      w.ensure(9);
      w.buf[w.pos++] = (lead << 4) | trail;
      for (let b = lead; b < 8 - trail; b++) w.buf[w.pos++] = b < 4 ? (xHi >>> ((3 - b) * 8)) & 0xff : (xLo >>> ((7 - b) * 8)) & 0xff;
    }
    return w.finish();
  },
  decode(bytes, count, into, offset) {
    const r = new ByteReader(bytes);
    const scale = r.byte();
    if (scale > 0) {
      const factor = 10 ** (scale - 1);
      let v = 0;
      for (let i = 0; i < count; i++) {
        v += r.svarint();
        into.floats[offset + i] = v / factor;
      }
      return;
    }
    let hi = 0;
    let lo = 0;
    for (let i = 0; i < count; i++) {
      const head = r.byte();
      if (head !== 0xff) {
        const lead = head >>> 4;
        const trail = head & 0x0f;
        let xHi = 0;
        let xLo = 0;
        for (let b = lead; b < 8 - trail; b++) {
          const v = r.byte();
          if (b < 4) xHi |= v << ((3 - b) * 8);
          else xLo |= v << ((7 - b) * 8);
        }
        hi = (hi ^ xHi) >>> 0;
        lo = (lo ^ xLo) >>> 0;
      }
      f64Halves[1] = hi;
      f64Halves[0] = lo;
      into.floats[offset + i] = f64[0]!;
    }
  },
};

/**
 * 1 + the fewest decimals (0–6) that write every value exactly (v === round(v·10^d)/10^d,
 * bit for bit, so -0, NaN and ±Infinity never qualify), or 0 for the XOR form.
 */
function decimalScale(floats: Float64Array, start: number, end: number): number {
  let d = 0;
  for (let i = start; i < end; i++) {
    const v = floats[i]!;
    if (Object.is(v, -0)) return 0; // the integer path would turn it into +0
    for (;;) {
      const factor = 10 ** d;
      const scaled = Math.round(v * factor);
      if (Math.abs(scaled) < 2 ** 50 && Object.is(scaled / factor, v)) break;
      if (++d > 6) return 0;
    }
  }
  return d + 1;
}

function ctz32(x: number): number {
  return 31 - Math.clz32(x & -x);
}

const intCodec: Codec = {
  name: 'mysql-delta-int64',
  id: 0xf2,
  target: ValueKind.Int,
  encode(points, start, end) {
    const w = new ByteWriter((end - start) * 3 + 10);
    const halves = new Uint32Array(points.ints.buffer, points.ints.byteOffset, points.ints.length * 2);
    let pHi = 0;
    let pLo = 0;
    for (let i = start; i < end; i++) {
      const lo = halves[2 * i]!;
      const hi = halves[2 * i + 1]!;
      // delta = current - previous, modulo 2^64
      const dLo = (lo - pLo) >>> 0;
      const dHi = (hi - pHi - (lo < pLo ? 1 : 0)) >>> 0;
      // zigzag: (d << 1) ^ (d >> 63)
      const mask = dHi >>> 31 ? 0xffffffff : 0;
      w.uvarint64((((dHi << 1) | (dLo >>> 31)) ^ mask) >>> 0, ((dLo << 1) ^ mask) >>> 0);
      pHi = hi;
      pLo = lo;
    }
    return w.finish();
  },
  decode(bytes, count, into, offset) {
    const r = new ByteReader(bytes);
    const halves = new Uint32Array(into.ints.buffer, into.ints.byteOffset, into.ints.length * 2);
    let hi = 0;
    let lo = 0;
    for (let i = 0; i < count; i++) {
      r.uvarint64();
      const mask = r.lo & 1 ? 0xffffffff : 0;
      const dLo = (((r.lo >>> 1) | (r.hi << 31)) ^ mask) >>> 0;
      const dHi = ((r.hi >>> 1) ^ mask) >>> 0;
      const sum = lo + dLo;
      lo = sum >>> 0;
      hi = (hi + dHi + (sum > 0xffffffff ? 1 : 0)) >>> 0;
      halves[2 * (offset + i)] = lo;
      halves[2 * (offset + i) + 1] = hi;
    }
  },
};

const utf8 = new TextEncoder();
const utf8Decoder = new TextDecoder();

function textCodec(name: string, id: number, target: typeof ValueKind.String | typeof ValueKind.Json): Codec {
  return {
    name,
    id,
    target,
    encode(points: SeriesPoints, start: number, end: number) {
      const w = new ByteWriter(64);
      const dict = new Map<string, number>();
      for (let i = start; i < end; i++) {
        const text = points.texts[i] ?? '';
        const seen = dict.get(text);
        if (seen !== undefined) {
          w.uvarint(seen + 1);
          continue;
        }
        dict.set(text, dict.size);
        const encoded = utf8.encode(text);
        w.uvarint(0);
        w.uvarint(encoded.length);
        w.bytes(encoded);
      }
      return w.finish();
    },
    decode(bytes: Uint8Array, count: number, into: SeriesPoints, offset: number) {
      const r = new ByteReader(bytes);
      const dict: string[] = [];
      for (let i = 0; i < count; i++) {
        const code = r.uvarint();
        let text: string;
        if (code === 0) {
          text = utf8Decoder.decode(r.bytes(r.uvarint()));
          dict.push(text);
        } else {
          text = dict[code - 1]!;
          if (text === undefined) throw new RangeError('chunk dictionary reference out of range');
        }
        into.texts[offset + i] = text;
      }
    },
  };
}

/** The fallback codecs, in the order the chunk header refers to their targets. */
export const BUILTIN_CODECS: readonly Codec[] = [
  timestampCodec,
  floatCodec,
  intCodec,
  textCodec('mysql-dict-string', 0xf3, ValueKind.String),
  textCodec('mysql-dict-json', 0xf4, ValueKind.Json),
];
