/**
 * Checksummed record framing shared by the WAL and the series log:
 * `u32 length | u32 crc32(payload) | payload`, little-endian. A reader accepts every whole
 * record whose checksum matches: a bad record in the middle is skipped (resync), and bad
 * bytes with no valid record after them are a torn or corrupt tail, reported with its
 * offset so the caller can truncate it.
 */
import fs from 'node:fs';
import path from 'node:path';
import { crc32 } from 'node:zlib';
import { fsyncDir } from './sync-file';

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

/**
 * Replaces `file` with just `records`, framed, durably (a temporary file, fsync, rename,
 * fsync of the directory): after a scan skipped bad records, and their bytes were copied
 * aside, so that later opens neither skip nor copy them again. Throws the system error.
 */
export function rewriteRecords(file: string, records: readonly Uint8Array[]): void {
  const tmp = `${file}.rewrite-tmp`;
  const fd = fs.openSync(tmp, 'w');
  try {
    for (const r of records) writeFully(fd, frameRecord(r));
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
  fsyncDir(path.dirname(file));
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

/** A stretch of a record file that holds no valid record, with valid records after it. */
export interface SkippedRange {
  /** byte offset where the bad record starts */
  offset: number;
  /** bytes skipped, up to the next valid record */
  bytes: number;
  /** why the record at `offset` is not valid */
  reason: string;
}

export interface RecordScan {
  records: Uint8Array[];
  /** bytes up to the end of the last valid record (skipped ranges included): where a torn tail is cut off */
  validBytes: number;
  /** set when bytes after `validBytes` are not a valid record (a torn or corrupt tail) */
  corruption?: { offset: number; reason: string; droppedBytes: number };
  /** bad records in the middle of the file, each followed by valid ones (resync) */
  skipped: SkippedRange[];
}

export interface RecordScanOptions {
  /**
   * Whether a payload may start with this byte (its record type): a resync candidate must,
   * which rules out all but a few offsets before any checksum is computed.
   */
  firstByte?: (b: number) => boolean;
}

/** Why the record at `pos` is not valid, or undefined when it is. */
function invalidReason(buf: Uint8Array, view: DataView, pos: number): string | undefined {
  if (buf.length - pos < RECORD_HEADER_BYTES) return 'torn record header';
  const length = view.getUint32(pos, true);
  // no writer frames an empty payload, and zeros (a crash can leave a file's end zeroed) would read as empty records
  if (length === 0) return 'empty record';
  if (length > MAX_RECORD_BYTES) return `record length ${length} out of range`;
  if (pos + RECORD_HEADER_BYTES + length > buf.length) return 'torn record (file ends inside it)';
  const payload = buf.subarray(pos + RECORD_HEADER_BYTES, pos + RECORD_HEADER_BYTES + length);
  return crc32(payload) === view.getUint32(pos + 4, true) ? undefined : 'checksum mismatch';
}

/**
 * Resync's bounds, so that garbage that happens to look like headers (small numbers, as in
 * any binary file) cannot make a scan quadratic: a candidate is at most twice the largest
 * valid record read so far (at least 1 MiB), and a resync checksums at most 8 bytes a byte
 * it searches (plus 1 MiB) before it gives up and takes the rest as the tail.
 */
const RESYNC_MIN_MAX_LENGTH = 1 << 20;
const RESYNC_CRC_BUDGET_PER_BYTE = 8;

/**
 * Whether a record could end at `at`: the file ends there, or a header there frames a
 * non-empty record inside the file. Checked before a candidate's checksum, so that garbage
 * (whose length fields often fit a large file) costs a checksum at very few offsets.
 */
function framesNext(buf: Uint8Array, view: DataView, at: number): boolean {
  if (at === buf.length) return true;
  if (buf.length - at < RECORD_HEADER_BYTES) return false;
  const length = view.getUint32(at, true);
  return length > 0 && at + RECORD_HEADER_BYTES + length <= buf.length;
}

/**
 * Where the next valid record after a bad one at `bad` starts, or -1 (the bad record is the
 * tail). First the place the bad record's own length points to (a flipped payload byte
 * leaves the header right); else every later offset whose header could frame a record of
 * this file (non-empty, inside the file, a first byte `firstByte` allows, followed by the
 * file's end or another such header) and whose checksum matches: a false match needs a
 * 32-bit CRC to agree by chance. A valid record right before a second bad header is missed
 * (resync lands on a later one).
 */
function resync(buf: Uint8Array, view: DataView, bad: number, largest: number, options: RecordScanOptions): number {
  const end = buf.length;
  if (end - bad >= RECORD_HEADER_BYTES) {
    const after = bad + RECORD_HEADER_BYTES + view.getUint32(bad, true);
    if (after < end && invalidReason(buf, view, after) === undefined) return after;
  }
  const firstByte = options.firstByte;
  const maxLength = Math.max(RESYNC_MIN_MAX_LENGTH, 2 * largest);
  let budget = RESYNC_CRC_BUDGET_PER_BYTE * (end - bad) + RESYNC_MIN_MAX_LENGTH;
  for (let q = bad + 1; q + RECORD_HEADER_BYTES < end; q++) {
    const length = view.getUint32(q, true);
    if (length === 0 || length > maxLength || q + RECORD_HEADER_BYTES + length > end) continue;
    if (firstByte && !firstByte(buf[q + RECORD_HEADER_BYTES]!)) continue;
    if (!framesNext(buf, view, q + RECORD_HEADER_BYTES + length)) continue;
    if ((budget -= length) < 0) return -1;
    if (crc32(buf.subarray(q + RECORD_HEADER_BYTES, q + RECORD_HEADER_BYTES + length)) === view.getUint32(q + 4, true)) return q;
  }
  return -1;
}

/**
 * Reads every valid record of a record file. A bad record followed by valid ones (a flipped
 * byte in the middle) is skipped and reported in `skipped`, and reading goes on after it:
 * records written after it, acknowledged writes among them, are not given up for one bad
 * one. A bad record with no valid one after it is the tail (`corruption`): a crash's torn
 * write, which the caller cuts off at `validBytes`.
 */
export function scanRecords(buf: Uint8Array, options: RecordScanOptions = {}): RecordScan {
  const records: Uint8Array[] = [];
  const skipped: SkippedRange[] = [];
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  let pos = 0;
  let largest = 0;
  while (pos < buf.length) {
    const reason = invalidReason(buf, view, pos);
    if (reason === undefined) {
      const length = view.getUint32(pos, true);
      if (length > largest) largest = length;
      records.push(buf.subarray(pos + RECORD_HEADER_BYTES, pos + RECORD_HEADER_BYTES + length));
      pos += RECORD_HEADER_BYTES + length;
      continue;
    }
    const next = resync(buf, view, pos, largest, options);
    if (next < 0) return { records, validBytes: pos, corruption: { offset: pos, reason, droppedBytes: buf.length - pos }, skipped };
    skipped.push({ offset: pos, bytes: next - pos, reason });
    pos = next;
  }
  return { records, validBytes: pos, skipped };
}
