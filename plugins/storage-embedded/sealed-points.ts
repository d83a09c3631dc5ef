/**
 * A series' older head points in compressed form: the sealed part of a HeadSeries
 * (head-series.ts), as Prometheus' head keeps all but a series' newest samples in
 * compressed head chunks (Gorilla-style, Pelkonen et al., VLDB 2015) rather than as raw
 * columns. Why: raw, a head point takes 17 bytes (timestamp, value, kind) and the heads
 * were most of the embedded engine's memory during a load (docs/performance.md); sealed,
 * a regular series takes 2–4 bytes a point.
 *
 * Points are appended in strictly increasing timestamp order (the caller's invariant:
 * HeadSeries seals only its sorted, deduplicated oldest points) and decoded all at once.
 * Only numbers (ValueKind.Float, ValueKind.Int) are sealed; the encoding is lossless, bit
 * for bit (a NaN's payload, -0, an int64 beyond 2^53 are kept through the raw forms).
 *
 * Byte layout, per point: a header byte `tsForm | valueForm << 2`, then the timestamp's
 * bytes, then the value's.
 *  - tsForm 0: the delta of deltas is 0 (a regular series: no bytes); 1: the delta of
 *    deltas as a zigzag varint; 2: the timestamp as a raw little-endian double (anything
 *    the integer forms cannot give back exactly).
 *  - valueForm 0: a float with the previous float's bits (no bytes); 1: a decimal float,
 *    `r / 10^e` with the exponent `e` of the previous value, `r` given as a zigzag varint
 *    delta from the previous `r` (as VictoriaMetrics stores decimals: agents report
 *    `12.34`, whose binary mantissa differs from its neighbours' in every bit); 2: a
 *    decimal float with a new exponent: one byte `e`, then `r` as a zigzag varint;
 *    3: a float's raw 8 bytes; 4: an integer within ±2^51 as a zigzag varint delta from
 *    the previous such integer; 5: an integer's raw 8 bytes.
 * The decoder repeats the encoder's arithmetic exactly, and the encoder takes a compact
 * form only after checking that arithmetic gives the value back.
 */
import { ValueKind } from '../../core';

const INT: number = ValueKind.Int;
const FLOAT: number = ValueKind.Float;

const TS_SAME = 0;
const TS_VARINT = 1;
const TS_RAW = 2;
const V_REPEAT = 0 << 2;
const V_DECIMAL = 1 << 2;
const V_DECIMAL_EXP = 2 << 2;
const V_FLOAT_RAW = 3 << 2;
const V_INT_DELTA = 4 << 2;
const V_INT_RAW = 5 << 2;

/** The most bytes one point takes: header, raw timestamp, exponent byte, raw value. */
const MAX_POINT_BYTES = 1 + 8 + 1 + 8;
/** Decimal exponents tried (10^0 … 10^9). */
const MAX_EXP = 9;
const POW10 = Float64Array.from({ length: MAX_EXP + 1 }, (_, e) => 10 ** e);
/** Integers and timestamps the varint forms take: their deltas stay exact doubles. */
const SAFE = 2 ** 51;
const TWO32 = 4294967296;

/** Scratch to move a double's bits in and out of bytes. */
const scratchFloat = new Float64Array(1);
const scratchWords = new Int32Array(scratchFloat.buffer);

function writeVarint(bytes: Uint8Array, at: number, z: number): number {
  if (z < 128) {
    bytes[at] = z;
    return at + 1;
  }
  if (z < 16384) {
    bytes[at] = (z & 127) | 128;
    bytes[at + 1] = z >>> 7;
    return at + 2;
  }
  while (z >= 2147483648) {
    bytes[at++] = (z & 127) | 128;
    z = Math.floor(z / 128);
  }
  while (z >= 128) {
    bytes[at++] = (z & 127) | 128;
    z >>>= 7;
  }
  bytes[at++] = z;
  return at;
}

function writeWords(bytes: Uint8Array, at: number, w0: number, w1: number): number {
  bytes[at] = w0;
  bytes[at + 1] = w0 >> 8;
  bytes[at + 2] = w0 >> 16;
  bytes[at + 3] = w0 >> 24;
  bytes[at + 4] = w1;
  bytes[at + 5] = w1 >> 8;
  bytes[at + 6] = w1 >> 16;
  bytes[at + 7] = w1 >> 24;
  return at + 8;
}

function readWord(bytes: Uint8Array, at: number): number {
  return bytes[at]! | (bytes[at + 1]! << 8) | (bytes[at + 2]! << 16) | (bytes[at + 3]! << 24);
}

function zigzag(d: number): number {
  return d >= 0 ? 2 * d : -2 * d - 1;
}

export class SealedPoints {
  /** the encoded points: bytes [0, used) */
  bytes: Uint8Array;
  used = 0;
  /** points sealed */
  count = 0;
  /** the oldest and newest sealed timestamps (ms) */
  first = 0;
  last = 0;
  // the encoder's state after the last point (the decoder rebuilds it as it goes)
  private delta = 0;
  private w0 = 0;
  private w1 = 0;
  private wasFloat = false;
  private exp = -1;
  private r = 0;
  private int = 0;

  /** `expectedPoints`: the points this is sized for at first (it grows by half). */
  constructor(expectedPoints: number) {
    this.bytes = new Uint8Array(Math.max(64, expectedPoints * 3));
  }

  /** Bytes of memory the encoded points hold (their buffer). */
  get byteLength(): number {
    return this.bytes.length;
  }

  /**
   * Appends points [from, to) of the columns: timestamps strictly increasing and newer than
   * `last`, every kind Float or Int (`words`: each point's value as two 32-bit words, a
   * float's bits or an int64's, as HeadSeries keeps them; `floats`: the same bytes as
   * doubles). The caller checks both.
   */
  append(timestamps: Float64Array, kinds: Uint8Array, words: Int32Array, floats: Float64Array, from: number, to: number): void {
    let bytes = this.bytes;
    let at = this.used;
    let prevT = this.count === 0 ? 0 : this.last;
    let delta = this.delta;
    let pw0 = this.w0;
    let pw1 = this.w1;
    let wasFloat = this.wasFloat;
    let exp = this.exp;
    let prevR = this.r;
    let prevInt = this.int;
    if (this.count === 0 && from < to) this.first = timestamps[from]!;
    for (let i = from; i < to; i++) {
      if (at + MAX_POINT_BYTES > bytes.length) bytes = this.grow(at);
      const head = at++;
      const t = timestamps[i]!;
      // the timestamp: delta of deltas when the decoder's sums give t back exactly
      const d = t - prevT;
      const dod = d - delta;
      let form: number;
      if (dod === 0 && prevT + (delta + dod) === t && t !== 0) form = TS_SAME;
      else if (dod >= -SAFE && dod <= SAFE && Math.floor(dod) === dod && delta + dod === d && prevT + d === t && (t !== 0 || 1 / t > 0)) {
        form = TS_VARINT;
        at = writeVarint(bytes, at, zigzag(dod));
      } else {
        form = TS_RAW;
        scratchFloat[0] = t;
        at = writeWords(bytes, at, scratchWords[0]!, scratchWords[1]!);
      }
      // the decoder's own sums (equal, signed zeros aside, to d)
      if (form === TS_VARINT) delta = delta + dod;
      else if (form === TS_RAW) delta = d;
      prevT = t;
      const w0 = words[2 * i]!;
      const w1 = words[2 * i + 1]!;
      if (kinds[i]! === FLOAT) {
        if (wasFloat && w0 === pw0 && w1 === pw1) form |= V_REPEAT;
        else {
          const v = floats[i]!;
          // a decimal with the previous exponent, else the smallest exponent that gives it back
          let e = -1;
          let r = 0;
          if (v - v === 0 && (w0 !== 0 || w1 !== -2147483648)) {
            if (exp >= 0) {
              r = Math.round(v * POW10[exp]!);
              if (r / POW10[exp]! === v && r >= -SAFE && r <= SAFE) e = exp;
            }
            // searched again only now and then after a float no exponent gave back (a series of arbitrary doubles)
            for (let k = exp >= 0 || (i & 15) === 0 ? 0 : MAX_EXP + 1; e < 0 && k <= MAX_EXP; k++) {
              r = Math.round(v * POW10[k]!);
              if (r / POW10[k]! === v && r >= -SAFE && r <= SAFE) e = k;
            }
          }
          if (e < 0) {
            form |= V_FLOAT_RAW;
            at = writeWords(bytes, at, w0, w1);
            exp = -1;
          } else if (e === exp) {
            form |= V_DECIMAL;
            at = writeVarint(bytes, at, zigzag(r - prevR));
            prevR = r;
          } else {
            form |= V_DECIMAL_EXP;
            bytes[at++] = e;
            at = writeVarint(bytes, at, zigzag(r));
            exp = e;
            prevR = r;
          }
        }
        wasFloat = true;
      } else {
        // an int64 of two words; within ±2^51 its delta is an exact double
        if (w1 >= -524288 && w1 < 524288) {
          const value = w1 * TWO32 + (w0 >>> 0);
          form |= V_INT_DELTA;
          at = writeVarint(bytes, at, zigzag(value - prevInt));
          prevInt = value;
        } else {
          form |= V_INT_RAW;
          at = writeWords(bytes, at, w0, w1);
        }
        wasFloat = false;
      }
      pw0 = w0;
      pw1 = w1;
      bytes[head] = form;
    }
    this.used = at;
    this.count += to - from;
    if (to > from) this.last = prevT;
    this.delta = delta;
    this.w0 = pw0;
    this.w1 = pw1;
    this.wasFloat = wasFloat;
    this.exp = exp;
    this.r = prevR;
    this.int = prevInt;
  }

  /** A buffer half as large again (at least a point's worst case more), holding the first `used` bytes. */
  private grow(used: number): Uint8Array {
    const grown = new Uint8Array(Math.max(used + MAX_POINT_BYTES, this.bytes.length + (this.bytes.length >> 1)));
    grown.set(this.bytes.subarray(0, used));
    return (this.bytes = grown);
  }

  /** Decodes every point into the columns at `at` (room for `count` points): timestamps, kinds, and each value as two 32-bit words. */
  decodeInto(timestamps: Float64Array, kinds: Uint8Array, words: Int32Array, at: number): void {
    const bytes = this.bytes;
    const end = this.used;
    let p = 0;
    let prevT = 0;
    let delta = 0;
    let w0 = 0;
    let w1 = 0;
    let exp = -1;
    let prevR = 0;
    let prevInt = 0;
    let j = at;
    while (p < end) {
      const form = bytes[p++]!;
      const tsForm = form & 3;
      let t: number;
      if (tsForm === TS_SAME) {
        t = prevT + delta;
      } else if (tsForm === TS_VARINT) {
        let b = bytes[p++]!;
        let z = b & 127;
        for (let mul = 128; b >= 128; mul *= 128) {
          b = bytes[p++]!;
          z += (b & 127) * mul;
        }
        const dod = (z & 1) === 0 ? z / 2 : -(z + 1) / 2;
        const d = delta + dod;
        t = prevT + d;
        delta = d;
      } else {
        scratchWords[0] = readWord(bytes, p);
        scratchWords[1] = readWord(bytes, p + 4);
        p += 8;
        t = scratchFloat[0]!;
        delta = t - prevT;
      }
      prevT = t;
      timestamps[j] = t;
      const valueForm = form & ~3;
      if (valueForm <= V_FLOAT_RAW) {
        kinds[j] = FLOAT;
        if (valueForm === V_FLOAT_RAW) {
          w0 = readWord(bytes, p);
          w1 = readWord(bytes, p + 4);
          p += 8;
          exp = -1;
        } else if (valueForm !== V_REPEAT) {
          if (valueForm === V_DECIMAL_EXP) exp = bytes[p++]!;
          let b = bytes[p++]!;
          let z = b & 127;
          for (let mul = 128; b >= 128; mul *= 128) {
            b = bytes[p++]!;
            z += (b & 127) * mul;
          }
          const zz = (z & 1) === 0 ? z / 2 : -(z + 1) / 2;
          const r = valueForm === V_DECIMAL ? prevR + zz : zz;
          prevR = r;
          scratchFloat[0] = r / POW10[exp]!;
          w0 = scratchWords[0]!;
          w1 = scratchWords[1]!;
        }
      } else {
        kinds[j] = INT;
        if (valueForm === V_INT_RAW) {
          w0 = readWord(bytes, p);
          w1 = readWord(bytes, p + 4);
          p += 8;
        } else {
          let b = bytes[p++]!;
          let z = b & 127;
          for (let mul = 128; b >= 128; mul *= 128) {
            b = bytes[p++]!;
            z += (b & 127) * mul;
          }
          const value = prevInt + ((z & 1) === 0 ? z / 2 : -(z + 1) / 2);
          prevInt = value;
          w0 = value >>> 0 | 0;
          w1 = Math.floor(value / TWO32) | 0;
        }
      }
      words[2 * j] = w0;
      words[2 * j + 1] = w1;
      j++;
    }
  }
}
