/**
 * A growable byte writer and a reader with unsigned varints over JS numbers (exact to
 * 2^53, enough for millisecond timestamps and their deltas) and over 64-bit integers
 * held as two uint32 halves (so int64 columns never go through a per-point BigInt).
 */
export class ByteWriter {
  bytes: Uint8Array;
  length = 0;

  constructor(capacity = 256) {
    this.bytes = new Uint8Array(capacity);
  }

  ensure(extra: number): void {
    if (this.length + extra <= this.bytes.length) return;
    let size = this.bytes.length * 2;
    while (size < this.length + extra) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.bytes.subarray(0, this.length));
    this.bytes = next;
  }

  byte(b: number): void {
    this.ensure(1);
    this.bytes[this.length++] = b;
  }

  /** unsigned integer up to 2^53 */
  uvarint(v: number): void {
    this.ensure(8);
    while (v >= 0x80) {
      this.bytes[this.length++] = (v % 0x80) | 0x80;
      v = Math.floor(v / 0x80);
    }
    this.bytes[this.length++] = v;
  }

  /** signed integer up to ±2^52, zigzag encoded */
  svarint(v: number): void {
    this.uvarint(v >= 0 ? v * 2 : -v * 2 - 1);
  }

  /** unsigned 64-bit integer given as (hi, lo) uint32 halves */
  uvarint64(hi: number, lo: number): void {
    this.ensure(10);
    while (hi !== 0 || lo >= 0x80) {
      this.bytes[this.length++] = (lo & 0x7f) | 0x80;
      lo = ((lo >>> 7) | ((hi & 0x7f) << 25)) >>> 0;
      hi = hi >>> 7;
    }
    this.bytes[this.length++] = lo;
  }

  raw(src: Uint8Array): void {
    this.ensure(src.length);
    this.bytes.set(src, this.length);
    this.length += src.length;
  }

  result(): Uint8Array {
    return this.bytes.slice(0, this.length);
  }
}

export class ByteReader {
  pos = 0;
  /** the halves of the last `uvarint64` read */
  hi = 0;
  lo = 0;

  constructor(readonly bytes: Uint8Array) {}

  byte(): number {
    if (this.pos >= this.bytes.length) throw new RangeError('chunk truncated');
    return this.bytes[this.pos++]!;
  }

  uvarint(): number {
    let v = 0;
    let scale = 1;
    for (;;) {
      const b = this.byte();
      v += (b & 0x7f) * scale;
      if (b < 0x80) return v;
      scale *= 0x80;
    }
  }

  svarint(): number {
    const z = this.uvarint();
    return z % 2 === 0 ? z / 2 : -(z + 1) / 2;
  }

  /** reads into `this.hi` / `this.lo` */
  uvarint64(): void {
    let hi = 0;
    let lo = 0;
    for (let shift = 0; ; shift += 7) {
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

  take(n: number): Uint8Array {
    if (this.pos + n > this.bytes.length) throw new RangeError('chunk truncated');
    const out = this.bytes.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }
}
