/**
 * Byte-level helpers shared by codecs and storage engines: a growable writer and a
 * reader with unsigned/zigzag varints (on JS numbers, exact below 2^53), raw doubles and
 * UTF-8 strings. Part of the codec contract so codec plugins need no other dependency.
 */
const TWO_32 = 4294967296;

/** Zigzag maps signed to unsigned so small magnitudes stay small: 0,-1,1,-2 → 0,1,2,3. */
export function zigzag(n: number): number {
  return n >= 0 ? n * 2 : -n * 2 - 1;
}

export function unzigzag(z: number): number {
  return z % 2 === 0 ? z / 2 : -(z + 1) / 2;
}

export class ByteWriter {
  buf: Uint8Array;
  pos = 0;
  private view: DataView;

  constructor(capacity = 256) {
    this.buf = new Uint8Array(capacity);
    this.view = new DataView(this.buf.buffer);
  }

  /** Makes room for `n` more bytes. */
  ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  byte(b: number): void {
    this.ensure(1);
    this.buf[this.pos++] = b;
  }

  /** Unsigned varint of a non-negative integer below 2^53. */
  uvarint(v: number): void {
    this.ensure(8);
    if (v < 0x80000000) {
      while (v >= 0x80) {
        this.buf[this.pos++] = (v & 0x7f) | 0x80;
        v >>>= 7;
      }
      this.buf[this.pos++] = v;
      return;
    }
    while (v >= 0x80) {
      this.buf[this.pos++] = (v % 128) | 0x80;
      v = Math.floor(v / 128);
    }
    this.buf[this.pos++] = v;
  }

  svarint(v: number): void {
    this.uvarint(zigzag(v));
  }

  /** Unsigned varint of a 64-bit integer given as (hi, lo) uint32 halves: no BigInt per value. */
  uvarint64(hi: number, lo: number): void {
    this.ensure(10);
    while (hi !== 0 || lo >= 0x80) {
      this.buf[this.pos++] = (lo & 0x7f) | 0x80;
      lo = ((lo >>> 7) | ((hi & 0x7f) << 25)) >>> 0;
      hi = hi >>> 7;
    }
    this.buf[this.pos++] = lo;
  }

  u32(v: number): void {
    this.ensure(4);
    this.view.setUint32(this.pos, v, true);
    this.pos += 4;
  }

  f64(v: number): void {
    this.ensure(8);
    this.view.setFloat64(this.pos, v, true);
    this.pos += 8;
  }

  bytes(b: Uint8Array): void {
    this.ensure(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }

  /** Length-prefixed UTF-8. */
  string(s: string): void {
    this.ensure(s.length * 3 + 5);
    const start = this.pos;
    this.pos += 1; // optimistic one-byte length, moved if longer
    const written = Buffer.from(this.buf.buffer, this.buf.byteOffset).write(s, this.pos, 'utf8');
    if (written < 0x80) {
      this.buf[start] = written;
      this.pos += written;
      return;
    }
    const body = this.buf.slice(this.pos, this.pos + written);
    this.pos = start;
    this.uvarint(written);
    this.bytes(body);
  }

  /** The written bytes (a copy, so the writer can be reused). */
  finish(): Uint8Array {
    return this.buf.slice(0, this.pos);
  }

  /**
   * Empties the writer, keeping its buffer (up to 1 MiB: one huge chunk must not pin its
   * size for good): a codec's one writer serves chunk after chunk (finish copies).
   */
  reset(): this {
    this.pos = 0;
    if (this.buf.length > RETAINED_BYTES) {
      this.buf = new Uint8Array(1024);
      this.view = new DataView(this.buf.buffer);
    }
    return this;
  }
}

/** The most a reused codec buffer keeps between chunks. */
const RETAINED_BYTES = 1 << 20;

/**
 * A Float64Array of at least `n` values, reused call after call by its one owner: a
 * codec's temporaries (deltas, group bounds) per chunk, which allocated fresh would be
 * garbage — and malloc'd memory — for every chunk a cut, compaction or query codes. Only
 * for synchronous use that ends before the owner asks again.
 */
export class Float64Scratch {
  private values = new Float64Array(256);

  get(n: number): Float64Array {
    // a rare huge chunk (a constant series packs millions of points) gets an array of its own
    if (n > RETAINED_BYTES / 8) return new Float64Array(n);
    if (this.values.length < n) this.values = new Float64Array(Math.min(RETAINED_BYTES / 8, Math.max(n, this.values.length * 2)));
    return this.values;
  }
}

export class ByteReader {
  pos: number;
  /** the halves of the last `uvarint64` read */
  hi = 0;
  lo = 0;
  private readonly view: DataView;

  constructor(readonly buf: Uint8Array, start = 0, readonly end = buf.length) {
    this.pos = start;
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  /** Throws when a read would pass the end: corrupt input is reported, never read past. */
  private need(n: number): void {
    if (this.pos + n > this.end) throw new RangeError(`truncated input: need ${n} bytes at ${this.pos}, end ${this.end}`);
  }

  byte(): number {
    this.need(1);
    return this.buf[this.pos++]!;
  }

  uvarint(): number {
    let result = 0;
    let mul = 1;
    for (let i = 0; i < 8; i++) {
      if (this.pos >= this.end) this.need(1);
      const b = this.buf[this.pos++]!;
      result += (b & 0x7f) * mul;
      if (b < 0x80) return result;
      mul *= 128;
    }
    throw new RangeError(`varint too long at ${this.pos}`);
  }

  svarint(): number {
    return unzigzag(this.uvarint());
  }

  /** Reads a `uvarint64` into `this.hi` / `this.lo`. */
  uvarint64(): void {
    let hi = 0;
    let lo = 0;
    for (let shift = 0; ; shift += 7) {
      if (shift > 63) throw new RangeError(`varint too long at ${this.pos}`);
      const b = this.byte();
      const bits = b & 0x7f;
      if (shift < 32) {
        lo = (lo | (bits << shift)) >>> 0;
        if (shift > 25) hi = (hi | (bits >>> (32 - shift))) >>> 0;
      } else {
        hi = (hi | (bits << (shift - 32))) >>> 0;
      }
      if (b < 0x80) break;
    }
    this.hi = hi;
    this.lo = lo;
  }

  u32(): number {
    this.need(4);
    const v = this.view.getUint32(this.pos, true);
    this.pos += 4;
    return v;
  }

  f64(): number {
    this.need(8);
    const v = this.view.getFloat64(this.pos, true);
    this.pos += 8;
    return v;
  }

  bytes(n: number): Uint8Array {
    this.need(n);
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  string(): string {
    const n = this.uvarint();
    this.need(n);
    const s = Buffer.from(this.buf.buffer, this.buf.byteOffset + this.pos, n).toString('utf8');
    this.pos += n;
    return s;
  }

  get done(): boolean {
    return this.pos >= this.end;
  }
}

/** Splits an int64 column entry into a JS number when it is within ±2^50 (exact arithmetic room); else NaN. */
export function int64AsNumber(words: Int32Array, i: number): number {
  const hi = words[2 * i + 1]!;
  if (hi < -262144 || hi >= 262144) return NaN;
  return hi * TWO_32 + (words[2 * i]! >>> 0);
}

/**
 * An int64 column entry as the double nearest it, as `Number(bigint)` gives, without a
 * bigint: `hi * 2^32` is exact and the one addition rounds to nearest.
 */
export function int64ToDouble(words: Int32Array, i: number): number {
  return words[2 * i + 1]! * TWO_32 + (words[2 * i]! >>> 0);
}

/** Stores a JS integer (|v| < 2^53) into an int64 column through its 32-bit words, without a BigInt. */
export function setInt64FromNumber(words: Int32Array, i: number, v: number): void {
  const hi = Math.floor(v / TWO_32);
  words[2 * i] = (v - hi * TWO_32) | 0;
  words[2 * i + 1] = hi;
}

/** The 32-bit word view of an int64 column (little-endian hosts: low word first). */
export function int64Words(column: BigInt64Array): Int32Array {
  return new Int32Array(column.buffer, column.byteOffset, column.length * 2);
}

/** Values per bit-packed group: one width byte per group. */
export const PACK_GROUP = 64;
/** Widths above this are written as varints (keeps the float accumulator below 2^53). */
const MAX_PACK_WIDTH = 44;
const VARINT_GROUP = 255;

/**
 * Writes non-negative integers (< 2^53) in groups of PACK_GROUP, each group as one width
 * byte then every value in exactly that many bits, little-endian bit order (frame of
 * reference packing; a group of zeros costs one byte). A group with a value wider than
 * MAX_PACK_WIDTH bits is written as varints after a 255 width byte.
 */
export function packUnsigned(w: ByteWriter, values: Float64Array, count: number): void {
  for (let g = 0; g < count; g += PACK_GROUP) {
    const end = Math.min(count, g + PACK_GROUP);
    let max = 0;
    for (let i = g; i < end; i++) if (values[i]! > max) max = values[i]!;
    let width = 0;
    while (width <= MAX_PACK_WIDTH && 2 ** width <= max) width++;
    if (width > MAX_PACK_WIDTH) {
      w.byte(VARINT_GROUP);
      for (let i = g; i < end; i++) w.uvarint(values[i]!);
      continue;
    }
    w.byte(width);
    if (width === 0) continue;
    w.ensure(Math.ceil(((end - g) * width) / 8) + 8);
    const buf = w.buf;
    let pos = w.pos;
    let acc = 0;
    let bits = 0;
    if (width <= 24) {
      // fast path on 32-bit integers: bits < 8 before each value, so acc stays below 2^32
      for (let i = g; i < end; i++) {
        acc = (acc | (values[i]! << bits)) >>> 0;
        bits += width;
        while (bits >= 8) {
          buf[pos++] = acc & 0xff;
          acc >>>= 8;
          bits -= 8;
        }
      }
      if (bits > 0) buf[pos++] = acc;
      w.pos = pos;
      continue;
    }
    for (let i = g; i < end; i++) {
      acc += values[i]! * 2 ** bits;
      bits += width;
      while (bits >= 8) {
        const byte = acc % 256;
        buf[pos++] = byte;
        acc = (acc - byte) / 256;
        bits -= 8;
      }
    }
    if (bits > 0) buf[pos++] = acc;
    w.pos = pos;
  }
}

/** Reads what packUnsigned wrote: `count` values into `out`. */
export function unpackUnsigned(r: ByteReader, count: number, out: Float64Array): void {
  for (let g = 0; g < count; g += PACK_GROUP) {
    const end = Math.min(count, g + PACK_GROUP);
    const width = r.byte();
    if (width === VARINT_GROUP) {
      for (let i = g; i < end; i++) out[i] = r.uvarint();
      continue;
    }
    if (width > MAX_PACK_WIDTH) throw new RangeError(`bit width ${width} out of range`);
    if (width === 0) {
      out.fill(0, g, end);
      continue;
    }
    const bytes = r.bytes(Math.ceil(((end - g) * width) / 8));
    if (width <= 24) {
      // fast path on 32-bit integers: bits < width before each byte, so acc stays below 2^31
      const mask = (1 << width) - 1;
      let acc = 0;
      let bits = 0;
      let pos = 0;
      for (let i = g; i < end; i++) {
        while (bits < width) {
          acc |= bytes[pos++]! << bits;
          bits += 8;
        }
        out[i] = acc & mask;
        acc >>>= width;
        bits -= width;
      }
      continue;
    }
    const scale = 2 ** width;
    let acc = 0;
    let bits = 0;
    let pos = 0;
    for (let i = g; i < end; i++) {
      while (bits < width) {
        acc += bytes[pos++]! * 2 ** bits;
        bits += 8;
      }
      const v = acc % scale;
      out[i] = v;
      acc = (acc - v) / scale;
      bits -= width;
    }
  }
}
