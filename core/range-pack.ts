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
/** 2^b for the low bits' pieces, b ≤ STEP_BITS */
const POW2 = Array.from({ length: STEP_BITS + 1 }, (_, b) => 2 ** b);
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

/**
 * How a value in [0, span] is coded, the same for the encoder and the decoder: a span
 * below STEP is one symbol over span + 1 (0 low bits); a wider one sends its high part over
 * floor(span / 2^k) + 1 (in [2^11, 2^12]) and then its k = bitLength(span) − STEP_BITS low
 * bits as exact powers of two.
 */
function lowBitsOf(span: number): number {
  return span < STEP ? 0 : bitLength(span) - STEP_BITS;
}

/**
 * LZMA's range encoder reduced to uniform symbols (frequency 1 of `total`). The run loop
 * (`run`) keeps the coder's state in locals and writes bytes straight into the writer's
 * buffer: it is the codecs' hot path (a value every few nanoseconds at a block cut), and
 * a method call and field round trip per symbol cost more than the arithmetic.
 */
class RangeEncoder {
  private low = 0;
  private range = 0xffffffff;
  private cache = 0;
  private cacheSize = 1;
  private first = true;

  constructor(private readonly w: ByteWriter) {}

  /**
   * Codes values[from, to) − base, each in [0, span], uniformly. A span below STEP is one
   * symbol of total span + 1; a wider one is split once per run: `k` = bitLength(span) −
   * STEP_BITS, `scale` = 2^k, the high bits first over hiTotal = floor(span / scale) + 1
   * (in [2^11, 2^12], so rounding costs ~nothing), then the low bits as exact powers of two
   * of at most STEP_BITS each.
   */
  run(values: Float64Array, from: number, to: number, base: number, span: number): void {
    const k = lowBitsOf(span);
    const scale = 2 ** k;
    const total = Math.floor(span / scale) + 1;
    // a symbol emits at most 4 bytes, plus the pending carry run (cacheSize − 1 bytes)
    const pieces = 1 + Math.ceil(k / STEP_BITS);
    this.w.ensure((to - from) * pieces * 4 + this.cacheSize + 8);
    const buf = this.w.buf;
    let pos = this.w.pos;
    let low = this.low;
    let range = this.range;
    let cache = this.cache;
    let cacheSize = this.cacheSize;
    let first = this.first;
    for (let i = from; i < to; i++) {
      const x = values[i]! - base;
      let hi = x;
      let lo = 0;
      if (k > 0) {
        hi = Math.floor(x / scale);
        lo = x - hi * scale;
      }
      // the first symbol over `total`, then (split runs only) the low bits' pieces
      let symbol = hi;
      let symbolTotal = total;
      let bitsLeft = k;
      for (;;) {
        const r = Math.floor(range / symbolTotal);
        low += symbol * r;
        range = r;
        while (range < TOP) {
          range *= 256;
          // shiftLow: low < 2^33; its lower 32 bits without a floating-point modulo
          const carried = low >= TWO_32;
          const low32 = carried ? low - TWO_32 : low;
          if (low < 0xff000000 || carried) {
            const carry = carried ? 1 : 0;
            let c = cache;
            do {
              // LZMA's first byte is always 0: it is not written (the decoder starts without it)
              if (first) first = false;
              else buf[pos++] = (c + carry) & 0xff;
              c = 0xff;
            } while (--cacheSize !== 0);
            cache = low32 >>> 24;
          }
          cacheSize++;
          // bitwise operators see low32 mod 2^32, which keeps its low 24 bits exact
          low = (low32 & 0xffffff) * 256;
        }
        if (bitsLeft === 0) break;
        const b = bitsLeft < STEP_BITS ? bitsLeft : STEP_BITS;
        symbolTotal = POW2[b]!;
        symbol = lo % symbolTotal;
        lo = (lo - symbol) / symbolTotal;
        bitsLeft -= b;
      }
    }
    this.w.pos = pos;
    this.low = low;
    this.range = range;
    this.cache = cache;
    this.cacheSize = cacheSize;
    this.first = first;
  }

  private shiftLow(): void {
    const low = this.low;
    const low32 = low >= TWO_32 ? low - TWO_32 : low;
    if (low < 0xff000000 || low >= TWO_32) {
      const carry = low >= TWO_32 ? 1 : 0;
      let c = this.cache;
      do {
        if (this.first) this.first = false;
        else this.w.byte((c + carry) & 0xff);
        c = 0xff;
      } while (--this.cacheSize !== 0);
      this.cache = low32 >>> 24;
    }
    this.cacheSize++;
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

/** The decoder of RangeEncoder, its run loop likewise on locals. */
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
    for (let i = 0; i < 4; i++) this.code = this.code * 256 + (this.pos < this.end ? this.buf[this.pos++]! : 0);
  }

  /**
   * Reads out[from, to) as base + a value in [0, span] each (what RangeEncoder.run wrote for
   * the same span). Throws RangeError on a value outside [0, span] (corrupt input).
   */
  run(out: Float64Array, from: number, to: number, base: number, span: number): void {
    const k = lowBitsOf(span);
    const scale = 2 ** k;
    const total = Math.floor(span / scale) + 1;
    const buf = this.buf;
    const end = this.end;
    let pos = this.pos;
    let code = this.code;
    let range = this.range;
    for (let i = from; i < to; i++) {
      let value = 0;
      let unit = scale;
      let symbolTotal = total;
      let bitsLeft = k;
      let high = true;
      for (;;) {
        const r = Math.floor(range / symbolTotal);
        const x = Math.floor(code / r);
        if (x >= symbolTotal) throw new RangeError('range-coded value out of range (corrupt input)');
        code -= x * r;
        range = r;
        while (range < TOP) {
          range *= 256;
          code = code * 256 + (pos < end ? buf[pos++]! : 0);
        }
        if (high) {
          value = x * scale;
          unit = 1;
          high = false;
        } else {
          value += x * unit;
          unit *= symbolTotal;
        }
        if (bitsLeft === 0) break;
        const b = bitsLeft < STEP_BITS ? bitsLeft : STEP_BITS;
        symbolTotal = POW2[b]!;
        bitsLeft -= b;
      }
      if (value > span) throw new RangeError('range-coded value out of range (corrupt input)');
      out[i] = base + value;
    }
    this.pos = pos;
    this.code = code;
    this.range = range;
  }
}

/** Bits `count` values cost coded uniformly over [0, span]. */
function codedBits(count: number, span: number): number {
  return span === 0 ? 0 : count * Math.log2(span + 1);
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
    coder.run(values, 0, count, min, span);
  } else {
    for (let g = 0; g < groups; g++) {
      const base = groupMin[g]!;
      const gspan = groupMax[g]! - base;
      if (gspan === 0) continue;
      coder.run(values, g * RANGE_GROUP, Math.min(count, (g + 1) * RANGE_GROUP), base, gspan);
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
    codedBytes(r).run(out, 0, count, min, span);
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
    d.run(out, g * RANGE_GROUP, end, base, gspan);
  }
}

/** A decoder over the length-prefixed coded bytes at the reader (which moves past them). */
function codedBytes(r: ByteReader): RangeDecoder {
  const bytes = r.bytes(r.uvarint());
  return new RangeDecoder(bytes, 0, bytes.length);
}
