/**
 * Checksummed record framing shared by the WAL and the series log:
 * `u32 length | u32 crc32(payload) | payload`, little-endian. A reader accepts the longest
 * prefix of whole records whose checksums match; whatever follows is a torn or corrupt
 * tail, reported with its offset so the caller can truncate it.
 */
import fs from 'node:fs';
import { crc32 } from 'node:zlib';

export const RECORD_HEADER_BYTES = 8;
/** Larger lengths can only come from a corrupt header. */
const MAX_RECORD_BYTES = 1 << 30;

/** Writes all of `bytes` (a write may take fewer bytes than given, as on a disk filling up). Throws the system error. */
export function writeFully(fd: number, bytes: Uint8Array): void {
  let done = 0;
  while (done < bytes.length) done += fs.writeSync(fd, bytes, done, bytes.length - done);
}

/**
 * Appends framed records whole, or not at all: a write that fails part-way (ENOSPC) is cut
 * off again, since a torn record left in place would end the log at the next open and take
 * every record appended after it along. Throws the write's error; a failure to cut off
 * goes to `onCutFailed` (the next open truncates at the torn record, as after a crash).
 */
export function appendWhole(fd: number, bytes: Uint8Array, onCutFailed: (err: unknown) => void): void {
  const before = fs.fstatSync(fd).size;
  try {
    writeFully(fd, bytes);
  } catch (err) {
    try {
      fs.ftruncateSync(fd, before);
    } catch (cut) {
      onCutFailed(cut);
    }
    throw err;
  }
}

export function frameRecord(payload: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(RECORD_HEADER_BYTES + payload.length);
  out.writeUInt32LE(payload.length, 0);
  out.writeUInt32LE(crc32(payload), 4);
  out.set(payload, RECORD_HEADER_BYTES);
  return out;
}

/**
 * Frames a record written in place at `buf[start, end)`, its payload after
 * RECORD_HEADER_BYTES reserved bytes: fills the header in, no copy.
 */
export function frameAt(buf: Uint8Array, start: number, end: number): void {
  const payload = buf.subarray(start + RECORD_HEADER_BYTES, end);
  const length = payload.length;
  const crc = crc32(payload);
  buf[start] = length & 0xff;
  buf[start + 1] = (length >>> 8) & 0xff;
  buf[start + 2] = (length >>> 16) & 0xff;
  buf[start + 3] = length >>> 24;
  buf[start + 4] = crc & 0xff;
  buf[start + 5] = (crc >>> 8) & 0xff;
  buf[start + 6] = (crc >>> 16) & 0xff;
  buf[start + 7] = crc >>> 24;
}

export interface RecordScan {
  records: Uint8Array[];
  /** bytes of whole, valid records from the start */
  validBytes: number;
  /** set when bytes after `validBytes` are not a valid record */
  corruption?: { offset: number; reason: string; droppedBytes: number };
}

export function scanRecords(buf: Uint8Array): RecordScan {
  const records: Uint8Array[] = [];
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  let pos = 0;
  while (pos < buf.length) {
    let reason: string | undefined;
    if (buf.length - pos < RECORD_HEADER_BYTES) reason = 'torn record header';
    else {
      const length = view.getUint32(pos, true);
      const crc = view.getUint32(pos + 4, true);
      if (length > MAX_RECORD_BYTES) reason = `record length ${length} out of range`;
      else if (pos + RECORD_HEADER_BYTES + length > buf.length) reason = 'torn record (file ends inside it)';
      else {
        const payload = buf.subarray(pos + RECORD_HEADER_BYTES, pos + RECORD_HEADER_BYTES + length);
        if (crc32(payload) !== crc) reason = 'checksum mismatch';
        else {
          records.push(payload);
          pos += RECORD_HEADER_BYTES + length;
          continue;
        }
      }
    }
    return { records, validBytes: pos, corruption: { offset: pos, reason, droppedBytes: buf.length - pos } };
  }
  return { records, validBytes: pos };
}
