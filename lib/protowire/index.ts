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

  /** UTF-8 of [start, end) as protobufjs reads a proto3 string; undefined where it would throw (invalid UTF-8). */
  text(start: number, end: number): string | undefined {
    try {
      return protobuf.util.utf8.readStrict(this.bytes, start, end);
    } catch {
      return undefined;
    }
  }
}
