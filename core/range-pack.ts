/**
 * Range-coded integer columns: the codec contract's densest packing of value deltas.
 *
 * Bit-packing (packUnsigned) spends a whole bit width on every value: deltas spread over
 * 401 values cost 9 bits where log2(401) = 8.65 is enough, and zigzag spends one more bit
 * when every delta has the same sign (counters). Here a column of signed integers is
 * stored as its minimum plus each value's offset from it, every offset drawn uniformly
 * from [0, span] and range coded (G. N. N. Martin, "Range encoding", 1979; the carry
 * handling is LZMA's rc encoder): a value costs log2(span + 1) bits, the entropy of a
 * uniform column, within a few thousandths of a bit. A column with outliers is cut into
 * groups of RANGE_GROUP values, each with its own minimum and span, when that is smaller.
 *
 * Layout: svarint min | uvarint span | u8 grouping (0: one group; 7: groups of 128, each
 * uvarint (group min − min), uvarint group span) | uvarint n | n range-coded bytes
 * (LZMA's always-zero first byte and trailing zero bytes left out; the decoder reads zeros
 * past them). A span of 0 writes nothing more.
 * Values must be integers with |v| ≤ 2^51 (spans at most 2^52).
 */
import { ByteReader, ByteWriter, Float64Scratch } from './codec-io';

// per-call temporaries, reused (synchronous, one call at a time): no garbage per chunk
const groupMinScratch = new Float64Scratch();
const groupMaxScratch = new Float64Scratch();
const codedScratch = new ByteWriter(1024);

/** Values per group when a column is grouped (2^GROUP_SHIFT). */
export const RANGE_GROUP = 128;
const GROUP_SHIFT = 7;
/** Largest total coded in one step; wider spans send their low bits in steps of this. */
const STEP_BITS = 12;
const STEP = 1 << STEP_BITS;
const TOP = 16777216; // 2^24: the coder renormalises below this range
const TWO_32 = 4294967296;
/** The largest magnitude a value may have (spans are at most twice it). */
const LIMIT = 2 ** 51;

function bitLength(v: number): number {
  let n = 0;
  while (v >= TWO_32) {
    v = Math.floor(v / TWO_32);
    n += 32;
  }
  return n + (32 - Math.clz32(v));
}

function uvarintBytes(v: number): number {
  let n = 1;
  while (v >= 128) {
    v = Math.floor(v / 128);
    n++;
  }
  return n;
}

/** LZMA's range encoder reduced to uniform symbols (frequency 1 of `total`). */
class RangeEncoder {
  private low = 0;
  private range = 0xffffffff;
  private cache = 0;
  private cacheSize = 1;
  private first = true;

  constructor(private readonly w: ByteWriter) {}

  /** Codes `x` in [0, total), total ≤ STEP. */
  encode(x: number, total: number): void {
    const r = Math.floor(this.range / total);
    this.low += x * r;
    this.range = r;
    while (this.range < TOP) {
      this.range *= 256;
      this.shiftLow();
    }
  }

  /**
   * Codes `x` in [0, span] for span ≥ STEP, uniformly, the split computed once per run (encodeRun): `k` = bitLength(span)
   * − STEP_BITS, `scale` = 2^k, `hiTotal` = floor(span / scale) + 1. The high bits go first,
   * over a total in [2^11, 2^12] (so rounding costs ~nothing), then the low bits as exact
   * powers of two.
   */
  encodeSplit(x: number, k: number, scale: number, hiTotal: number): void {
    const hi = Math.floor(x / scale);
    this.encode(hi, hiTotal);
    let lo = x - hi * scale;
    while (k > 0) {
      const b = Math.min(STEP_BITS, k);
      const unit = 2 ** b;
      const piece = lo % unit;
      this.encode(piece, unit);
      lo = (lo - piece) / unit;
      k -= b;
    }
  }

  private shiftLow(): void {
    const low = this.low;
    // low < 2^33: its lower 32 bits without a floating-point modulo (a libm call per byte)
    const low32 = low >= TWO_32 ? low - TWO_32 : low;
    if (low < 0xff000000 || low >= TWO_32) {
      const carry = low >= TWO_32 ? 1 : 0;
      let c = this.cache;
      do {
        // LZMA's first byte is always 0: it is not written (the decoder starts without it)
        if (this.first) this.first = false;
        else this.w.byte((c + carry) & 0xff);
        c = 0xff;
      } while (--this.cacheSize !== 0);
      this.cache = low32 >>> 24;
    }
    this.cacheSize++;
    // bitwise operators see low32 mod 2^32, which keeps its low 24 bits exact
    this.low = (low32 & 0xffffff) * 256;
  }

  /**
   * Flushes the coder; trailing zero bytes are dropped (the decoder reads zeros past the
   * end). Any value in [low, low + range) decodes the same, so the one with the most
   * trailing zero bits is sent: range ≥ 2^24 lets low round up to a multiple of 2^24,
   * three bytes the trim then drops.
   */
  finish(start: number): void {
    let unit = TWO_32;
    while (unit > 1 && Math.ceil(this.low / unit) * unit >= this.low + this.range) unit /= 2;
    this.low = Math.ceil(this.low / unit) * unit;
    for (let i = 0; i < 5; i++) this.shiftLow();
    while (this.w.pos > start && this.w.buf[this.w.pos - 1] === 0) this.w.pos--;
  }
}

class RangeDecoder {
  private code = 0;
  private range = 0xffffffff;
  private pos: number;

  constructor(
    private readonly buf: Uint8Array,
    start: number,
    private readonly end: number,
  ) {
    this.pos = start;
    for (let i = 0; i < 4; i++) this.code = this.code * 256 + this.next();
  }

  private next(): number {
    return this.pos < this.end ? this.buf[this.pos++]! : 0;
  }

  decode(total: number): number {
    const r = Math.floor(this.range / total);
    const x = Math.floor(this.code / r);
    if (x >= total) throw new RangeError('range-coded value out of range (corrupt input)');
    this.code -= x * r;
    this.range = r;
    while (this.range < TOP) {
      this.range *= 256;
      this.code = this.code * 256 + this.next();
    }
    return x;
  }

  /** Reads what RangeEncoder.encodeSplit wrote, for the same split of `span`. */
  decodeSplit(span: number, k: number, scale: number, hiTotal: number): number {
    const hi = this.decode(hiTotal);
    let lo = 0;
    let unit = 1;
    while (k > 0) {
      const b = Math.min(STEP_BITS, k);
      lo += this.decode(2 ** b) * unit;
      unit *= 2 ** b;
      k -= b;
    }
    const x = hi * scale + lo;
    if (x > span) throw new RangeError('range-coded value out of range (corrupt input)');
    return x;
  }
}

/** Bits `count` values cost coded uniformly over [0, span]. */
function codedBits(count: number, span: number): number {
  return span === 0 ? 0 : count * Math.log2(span + 1);
}

/** Codes values[from, to) − base, each in [0, span], uniformly (encodeUniform with the split computed once). */
function encodeRun(coder: RangeEncoder, values: Float64Array, from: number, to: number, base: number, span: number): void {
  if (span < STEP) {
    const total = span + 1;
    for (let i = from; i < to; i++) coder.encode(values[i]! - base, total);
    return;
  }
  const k = bitLength(span) - STEP_BITS;
  const scale = 2 ** k;
  const hiTotal = Math.floor(span / scale) + 1;
  for (let i = from; i < to; i++) coder.encodeSplit(values[i]! - base, k, scale, hiTotal);
}

/**
 * Writes `count` integers of `values` (|v| ≤ 2^51) as described in the module comment.
 * Throws RangeError on a value that is not such an integer.
 */
export function packRanged(w: ByteWriter, values: Float64Array, count: number): void {
  let min = Infinity;
  let max = -Infinity;
  const groups = Math.ceil(count / RANGE_GROUP);
  const groupMin = groupMinScratch.get(groups);
  const groupMax = groupMaxScratch.get(groups);
  for (let g = 0; g < groups; g++) {
    let lo = Infinity;
    let hi = -Infinity;
    for (let i = g * RANGE_GROUP, end = Math.min(count, i + RANGE_GROUP); i < end; i++) {
      const v = values[i]!;
      if (!Number.isSafeInteger(v)) throw new RangeError(`packRanged takes integers, not ${v}`);
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    groupMin[g] = lo;
    groupMax[g] = hi;
    if (lo < min) min = lo;
    if (hi > max) max = hi;
  }
  if (count === 0) {
    min = 0;
    max = 0;
  }
  if (Math.abs(min) > LIMIT || Math.abs(max) > LIMIT) {
    throw new RangeError('packRanged takes integers of at most 2^51 in magnitude');
  }
  const span = max - min;
  w.svarint(min);
  w.uvarint(span);
  if (span === 0) return;
  // one group, or groups of RANGE_GROUP when their headers cost less than the bits they save
  let grouped = 0;
  for (let g = 0; g < groups; g++) {
    const gspan = groupMax[g]! - groupMin[g]!;
    grouped += 8 * (uvarintBytes(groupMin[g]! - min) + uvarintBytes(gspan)) + codedBits(Math.min(RANGE_GROUP, count - g * RANGE_GROUP), gspan);
  }
  const useGroups = groups > 1 && grouped < codedBits(count, span);
  w.byte(useGroups ? GROUP_SHIFT : 0);
  if (useGroups) for (let g = 0; g < groups; g++) {
    w.uvarint(groupMin[g]! - min);
    w.uvarint(groupMax[g]! - groupMin[g]!);
  }
  const coded = codedScratch.reset();
  const coder = new RangeEncoder(coded);
  if (!useGroups) {
    encodeRun(coder, values, 0, count, min, span);
  } else {
    for (let g = 0; g < groups; g++) {
      const base = groupMin[g]!;
      const gspan = groupMax[g]! - base;
      if (gspan === 0) continue;
      encodeRun(coder, values, g * RANGE_GROUP, Math.min(count, (g + 1) * RANGE_GROUP), base, gspan);
    }
  }
  coder.finish(0);
  w.uvarint(coded.pos);
  w.bytes(coded.buf.subarray(0, coded.pos));
}

/**
 * Reads what packRanged wrote: `count` values into `out`. Throws RangeError on input that
 * does not decode (truncated or corrupt).
 */
export function unpackRanged(r: ByteReader, count: number, out: Float64Array): void {
  const min = r.svarint();
  const span = r.uvarint();
  // what packRanged writes: |v| ≤ 2^51 (a damaged header would decode to inexact values)
  if (min < -LIMIT || min + span > LIMIT) throw new RangeError('range-coded column outside ±2^51 (corrupt input)');
  if (span === 0) {
    out.fill(min, 0, count);
    return;
  }
  const grouping = r.byte();
  if (grouping !== 0 && grouping !== GROUP_SHIFT) throw new RangeError(`range grouping ${grouping} unknown`);
  if (grouping === 0) {
    decodeRun(codedBytes(r), out, 0, count, min, span);
    return;
  }
  const groups = Math.ceil(count / RANGE_GROUP);
  const bases = groupMinScratch.get(groups);
  const spans = groupMaxScratch.get(groups);
  for (let g = 0; g < groups; g++) {
    bases[g] = min + r.uvarint();
    spans[g] = r.uvarint();
    if (bases[g]! - min + spans[g]! > span) throw new RangeError('range group outside the column span');
  }
  const d = codedBytes(r);
  for (let g = 0; g < groups; g++) {
    const base = bases[g]!;
    const gspan = spans[g]!;
    const end = Math.min(count, (g + 1) * RANGE_GROUP);
    if (gspan === 0) {
      out.fill(base, g * RANGE_GROUP, end);
      continue;
    }
    decodeRun(d, out, g * RANGE_GROUP, end, base, gspan);
  }
}

/** Reads out[from, to) as base + a value in [0, span] each (what encodeRun wrote). */
function decodeRun(d: RangeDecoder, out: Float64Array, from: number, to: number, base: number, span: number): void {
  if (span < STEP) {
    const total = span + 1;
    for (let i = from; i < to; i++) out[i] = base + d.decode(total);
    return;
  }
  const k = bitLength(span) - STEP_BITS;
  const scale = 2 ** k;
  const hiTotal = Math.floor(span / scale) + 1;
  for (let i = from; i < to; i++) out[i] = base + d.decodeSplit(span, k, scale, hiTotal);
}

/** A decoder over the length-prefixed coded bytes at the reader (which moves past them). */
function codedBytes(r: ByteReader): RangeDecoder {
  const bytes = r.bytes(r.uvarint());
  return new RangeDecoder(bytes, 0, bytes.length);
}
