/**
 * A chunk stored on its own — a database row, a document, a cell, an object — rather
 * than inside a block file: one format byte, then the chunk (chunk.ts), so a reader can
 * tell it from any layout a backend used before and from later formats.
 *
 *   u8 format | chunk
 *   format 2 (STORED_CHUNK): the chunk alone, for stores that checksum values themselves
 *            (InnoDB pages, HBase HFile blocks);
 *   format 3 (STORED_CHUNK_CRC): the chunk, then u32 (LE) crc32 of the chunk bytes, the
 *            checksum the embedded engine keeps per chunk in its block index.
 * Format bytes 0 and 1 are never written here: 1 is storage-mysql's layout from before the
 * shared format, which its legacy reader decodes.
 */
import { crc32 } from 'node:zlib';
import { allocPoints, ByteWriter, type SeriesPoints } from '../../core';
import type { CodecSet } from './codec-set';
import { CHUNK_POINTS_VERIFIED, chunkPointCount, decodeChunkInto, writeChunk } from './chunk';

export const STORED_CHUNK = 2;
export const STORED_CHUNK_CRC = 3;

export interface StoredChunkOptions {
  /** append a crc32 of the chunk (format 3); default false (format 2) */
  checksum?: boolean;
}

/** Encodes points [start, end) (sorted, unique timestamps) as a stored chunk. */
export function encodeStoredChunk(points: SeriesPoints, start: number, end: number, codecs: CodecSet, options: StoredChunkOptions = {}): Uint8Array {
  const w = new ByteWriter(64 + (end - start) * 2);
  w.byte(options.checksum ? STORED_CHUNK_CRC : STORED_CHUNK);
  writeChunk(w, points, start, end, codecs);
  if (options.checksum) w.u32(crc32(w.buf.subarray(1, w.pos)));
  return w.finish();
}

/** The format byte of stored bytes (the first byte), or -1 when empty. */
export function storedChunkFormat(bytes: Uint8Array): number {
  return bytes.length > 0 ? bytes[0]! : -1;
}

/** True when `bytes` start with a format byte this module reads. */
export function isStoredChunk(bytes: Uint8Array): boolean {
  const format = storedChunkFormat(bytes);
  return format === STORED_CHUNK || format === STORED_CHUNK_CRC;
}

/** The chunk inside stored bytes, checksum verified. Throws RangeError on an unknown format or a mismatch. */
export function storedChunkBody(bytes: Uint8Array): Uint8Array {
  const format = storedChunkFormat(bytes);
  if (format === STORED_CHUNK) return bytes.subarray(1);
  if (format !== STORED_CHUNK_CRC) throw new RangeError(`stored chunk format ${format} unknown`);
  if (bytes.length < 5) throw new RangeError('stored chunk too short for its checksum');
  const body = bytes.subarray(1, bytes.length - 4);
  const view = new DataView(bytes.buffer, bytes.byteOffset + bytes.length - 4, 4);
  if (crc32(body) !== view.getUint32(0, true)) throw new RangeError('stored chunk checksum mismatch');
  return body;
}

/**
 * The number of points in stored bytes, from the chunk header; a checksummed chunk's
 * (format 3) is trusted up to CHUNK_POINTS_VERIFIED, however small its bytes.
 */
export function storedChunkPointCount(bytes: Uint8Array): number {
  return chunkPointCount(storedChunkBody(bytes), ...verifiedLimit(bytes));
}

/** The point-count limit of a checksummed chunk (its body's checksum passed), or none: the default. */
function verifiedLimit(bytes: Uint8Array): [] | [number] {
  return storedChunkFormat(bytes) === STORED_CHUNK_CRC ? [CHUNK_POINTS_VERIFIED] : [];
}

/** Decodes stored bytes into `out` from `offset`; returns the number of points. */
export function decodeStoredChunkInto(bytes: Uint8Array, codecs: CodecSet, out: SeriesPoints, offset: number): number {
  return decodeChunkInto(storedChunkBody(bytes), codecs, out, offset);
}

/** Decodes stored bytes into new columns. */
export function decodeStoredChunk(bytes: Uint8Array, codecs: CodecSet): SeriesPoints {
  const body = storedChunkBody(bytes);
  const out = allocPoints(chunkPointCount(body, ...verifiedLimit(bytes)));
  decodeChunkInto(body, codecs, out, 0);
  return out;
}
