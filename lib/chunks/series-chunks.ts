/**
 * A series' points cut into chunks, with each chunk's index entry: what a block holds for
 * a series, written the same, byte for byte, on the storage thread (the embedded engine's
 * BlockWriter.addSeries) and on the encode worker (encode-worker.ts).
 */
import { crc32 } from 'node:zlib';
// core's files, not its barrel: encode-worker.ts loads this on a thread that needs no kernel
import type { SeriesPoints } from '../../core';
import type { ByteWriter } from '../../core/codec-io';
import { chunkValuesFinite, writeChunk } from './chunk';
import type { CodecSet } from './codec-set';

/**
 * Numbers a chunk's index entry takes in a meta column (Float64Array): series id, byte
 * length, crc32 of the bytes, minT, maxT (the first and last timestamp), point count, and
 * 1 when the chunk's header shows every value a finite number (chunkValuesFinite), else 0.
 */
export const CHUNK_META_FIELDS = 7;

/** The chunks of at most `chunkPoints` points that `points` points are cut into. */
export function chunkCount(points: number, chunkPoints: number): number {
  return Math.ceil(points / chunkPoints);
}

/**
 * Appends points [from, to) of `points` (sorted, unique timestamps) to `w` as chunks of at
 * most `chunkPoints` points, back to back, and each chunk's entry, for series `seriesId`,
 * to `meta` from index `m` on (CHUNK_META_FIELDS numbers a chunk: `meta` has room for
 * chunkCount(to − from, chunkPoints) entries). Returns the index after the last entry.
 * Throws what a codec throws, with `w` rewound to where the series began: a series is
 * written whole or not at all.
 */
export function writeSeriesChunks(w: ByteWriter, points: SeriesPoints, from: number, to: number, chunkPoints: number, codecs: CodecSet, seriesId: number, meta: Float64Array, m: number): number {
  const seriesStart = w.pos;
  const timestamps = points.timestamps;
  try {
    for (let start = from; start < to; start += chunkPoints) {
      const end = Math.min(to, start + chunkPoints);
      const at = w.pos;
      writeChunk(w, points, start, end, codecs);
      const bytes = w.buf.subarray(at, w.pos);
      meta[m++] = seriesId;
      meta[m++] = w.pos - at;
      meta[m++] = crc32(bytes);
      meta[m++] = timestamps[start]!;
      meta[m++] = timestamps[end - 1]!;
      meta[m++] = end - start;
      meta[m++] = chunkValuesFinite(bytes, codecs) ? 1 : 0;
    }
  } catch (err) {
    w.pos = seriesStart;
    throw err;
  }
  return m;
}
