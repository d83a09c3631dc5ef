/**
 * Reading protobuf wire format by hand (https://protobuf.dev/programming-guides/encoding/),
 * for the byte-level readers of hot write paths (protobuf `/api/put`, remote_write) that
 * skip protobufjs' object per message. A reader gives up on anything it does not take —
 * `ok` turns false — and the caller then decodes with protobufjs, the reference.
 */
import protobuf from 'protobufjs';

export const WT_VARINT = 0;
export const WT_FIXED64 = 1;
export const WT_BYTES = 2;
export const WT_FIXED32 = 5;

export class WireReader {
  bytes: Uint8Array = new Uint8Array(0);
  view: DataView = new DataView(new ArrayBuffer(0));
  pos = 0;
  /** false once something malformed (or beyond what this reader takes) was met */
  ok = true;

  /** Starts over on `bytes`. */
  reset(bytes: Uint8Array): void {
    this.bytes = bytes;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.pos = 0;
    this.ok = true;
  }

  /** A varint up to 2^53 - 1; a larger one (a negative int64, say) or one past `end` sets ok = false. */
  varint(end: number): number {
    let value = 0;
    let scale = 1;
    for (let shift = 0; shift < 56; shift += 7) {
      if (this.pos >= end) break;
      const b = this.bytes[this.pos++]!;
      value += (b & 0x7f) * scale;
      if (b < 0x80) {
        if (value > Number.MAX_SAFE_INTEGER) break;
        return value;
      }
      scale *= 128;
    }
    this.ok = false;
    return 0;
  }

  /** A field key: a varint of at most 32 bits (protobufjs refuses longer ones). */
  key(end: number): number {
    const key = this.varint(end);
    if (key > 0xffffffff) this.ok = false;
    return key;
  }

  /** A little-endian double (wire type 1). */
  double(end: number): number {
    if (this.pos + 8 > end) {
      this.ok = false;
      return 0;
    }
    const value = this.view.getFloat64(this.pos, true);
    this.pos += 8;
    return value;
  }

  /** Skips the field whose key was just read; field number 0 and wire types 3, 4, 6, 7 are malformed. */
  skip(key: number, end: number): void {
    const type = key & 7;
    if (key >>> 3 === 0) this.ok = false;
    else if (type === WT_VARINT) this.varint(end);
    else if (type === WT_FIXED64) this.pos += 8;
    else if (type === WT_BYTES) {
      const length = this.varint(end); // read before `pos` is: the varint moves it
      this.pos += length;
    } else if (type === WT_FIXED32) this.pos += 4;
    else this.ok = false;
    if (this.pos > end) this.ok = false;
  }

  /**
   * A run of length-delimited messages of two strings, fields 1 and 2 (a protobuf map
   * entry, a Prometheus Label), from `start` to `end`: `each(first, second)` per message,
   * absent fields ''. Other fields are skipped, as protobufjs skips them; false (stop)
   * where protobufjs would throw or read otherwise (field 1 or 2 in another wire type),
   * or when `each` answers false. Per message a callback: for a series first seen, not per point.
   */
  stringPairs(start: number, end: number, each: (first: string, second: string) => boolean): boolean {
    this.pos = start;
    while (this.pos < end) {
      this.key(end); // the run's field key (checked by the caller)
      const length = this.varint(end);
      const messageEnd = this.pos + length;
      let first = '';
      let second = '';
      while (this.ok && this.pos < messageEnd) {
        const key = this.key(messageEnd);
        if (key === ((1 << 3) | WT_BYTES) || key === ((2 << 3) | WT_BYTES)) {
          const n = this.varint(messageEnd);
          const text = this.ok && this.pos + n <= messageEnd ? this.text(this.pos, this.pos + n) : undefined;
          if (text === undefined) return false;
          if (key === ((1 << 3) | WT_BYTES)) first = text;
          else second = text;
          this.pos += n;
        } else if (key >>> 3 === 1 || key >>> 3 === 2) {
          return false;
        } else {
          this.skip(key, messageEnd);
        }
      }
      if (!this.ok || !each(first, second)) return false;
    }
    return true;
  }

  /** UTF-8 of [start, end) as protobufjs reads a proto3 string; undefined where it would throw (invalid UTF-8). */
  text(start: number, end: number): string | undefined {
    try {
      return protobuf.util.utf8.readStrict(this.bytes, start, end);
    } catch {
      return undefined;
    }
  }
}
