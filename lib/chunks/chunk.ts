/**
 * The chunk format every storage backend writes: the points of one series (sorted, one
 * value per timestamp), each column encoded by a codec plugin named by its one-byte id.
 * The embedded engine stores chunks in block files (checksummed there, per chunk, in the
 * block index); row and document stores wrap each chunk in stored.ts's frame.
 * Layout (docs/storage-format.md):
 *   uvarint count
 *   u8 timestamp codec id | uvarint length | bytes
 *   then, for points of one kind (what DSDB writes for them):
 *     u8 2 | u8 kind | u8 codec id | bytes to the end of the chunk
 *   or else:
 *     u8 kinds mode: 0 = one kind (u8 kind) | 1 = runs (uvarint runs, (u8 kind, uvarint length)*)
 *     u8 sections, then per value kind present, ascending:
 *       u8 kind | u8 codec id | uvarint values | uvarint length | bytes
 * A series mixing kinds has one section per kind, each holding only that kind's values.
 * Mode 2 (6 bytes less a chunk than mode 0 with its one section, written since
 * 2026-11-30) relies on the chunk's container to delimit it: a block's index entry, a
 * stored chunk's frame (stored.ts). Chunks in mode 0 are still read.
 */
// core's files, not its barrel: encode-worker.ts loads this on a thread that needs no kernel
import type { Codec, SeriesPoints } from '../../core';
import { ByteReader, ByteWriter } from '../../core/codec-io';
import { allocPoints } from '../../core/series-points';
import { ValueKind } from '../../core/types';
import type { CodecSet } from './codec-set';

const MAX_KIND = 4;
const INT_KIND: number = ValueKind.Int;
const FLOAT_KIND: number = ValueKind.Float;
/** kinds modes */
const KINDS_ONE = 0;
const KINDS_RUNS = 1;
/** one kind, its section the rest of the chunk */
const KINDS_ONE_REST = 2;

/**
 * Points a chunk may hold whatever its size: writers cut chunks at this many at most.
 * Range-coded columns of a regular series with constant deltas hold any number of points
 * in a dozen bytes, so only a count up to this is valid in every chunk (maxPointsIn).
 */
export const CHUNK_POINTS_MAX = 65536;

/**
 * Points a chunk whose bytes passed a checksum (a block's, a stored chunk's format 3) may
 * claim: its count is what was written, whatever the size. A backend's window of a
 * constant 100 Hz series holds 360,000 points an hour in a few dozen bytes.
 */
export const CHUNK_POINTS_VERIFIED = 1 << 24;

/**
 * The most points a chunk of `bytes` bytes can claim before it is taken as corrupt (so a
 * damaged count never allocates gigabytes): CHUNK_POINTS_MAX, more for a bigger chunk.
 */
function maxPointsIn(bytes: Uint8Array): number {
  return bytes.length * 1024 + CHUNK_POINTS_MAX;
}

function firstAccepting(codecs: Codec[], points: SeriesPoints, start: number, end: number): Codec {
  for (const codec of codecs) if (!codec.accepts || codec.accepts(points, start, end)) return codec;
  return codecs[codecs.length - 1]!;
}

function writeSection(w: ByteWriter, codec: Codec, points: SeriesPoints, start: number, end: number): void {
  const bytes = codec.encode(points, start, end);
  w.byte(codec.id);
  w.uvarint(end - start);
  w.uvarint(bytes.length);
  w.bytes(bytes);
}

/** The values of one kind among points [start, end), gathered into their own columns. */
function gatherKind(points: SeriesPoints, start: number, end: number, kind: number, count: number): SeriesPoints {
  const out = allocPoints(count);
  let n = 0;
  for (let i = start; i < end; i++) {
    if (points.kinds[i] !== kind) continue;
    out.timestamps[n] = points.timestamps[i]!;
    out.kinds[n] = kind;
    out.floats[n] = points.floats[i]!;
    out.ints[n] = points.ints[i]!;
    out.texts[n] = points.texts[i];
    n++;
  }
  return out;
}

/** Encodes points [start, end) of `points` (sorted, unique timestamps) as one chunk. */
export function encodeChunk(points: SeriesPoints, start: number, end: number, codecs: CodecSet): Uint8Array {
  const w = new ByteWriter(64 + (end - start) * 2);
  writeChunk(w, points, start, end, codecs);
  return w.finish();
}

/** Appends the chunk of points [start, end) to `w` (for frames around a chunk). */
export function writeChunk(w: ByteWriter, points: SeriesPoints, start: number, end: number, codecs: CodecSet): void {
  const count = end - start;
  w.uvarint(count);
  const tsCodec = codecs.timestamp[0]!;
  const ts = tsCodec.encode(points, start, end);
  w.byte(tsCodec.id);
  w.uvarint(ts.length);
  w.bytes(ts);

  // kinds: count per kind and runs
  const perKind = [0, 0, 0, 0, 0];
  let runs = 0;
  for (let i = start; i < end; i++) {
    const k = points.kinds[i]!;
    perKind[k]!++;
    if (i === start || points.kinds[i - 1] !== k) runs++;
  }
  const present = perKind.filter((n) => n > 0).length;
  if (present === 1) {
    const kind = points.kinds[start]!;
    const codec = firstAccepting(codecs.byKind[kind]!, points, start, end);
    w.byte(KINDS_ONE_REST);
    w.byte(kind);
    w.byte(codec.id);
    w.bytes(codec.encode(points, start, end));
    return;
  }
  if (present === 0) {
    // an empty chunk
    w.byte(KINDS_ONE);
    w.byte(0);
  } else {
    w.byte(KINDS_RUNS);
    w.uvarint(runs);
    let runStart = start;
    for (let i = start + 1; i <= end; i++) {
      if (i < end && points.kinds[i] === points.kinds[runStart]) continue;
      w.byte(points.kinds[runStart]!);
      w.uvarint(i - runStart);
      runStart = i;
    }
  }
  w.byte(present);
  for (let kind = 1; kind <= MAX_KIND; kind++) {
    if (perKind[kind] === 0) continue;
    w.byte(kind);
    const own = gatherKind(points, start, end, kind, perKind[kind]!);
    writeSection(w, firstAccepting(codecs.byKind[kind]!, own, 0, own.length), own, 0, own.length);
  }
}

/** The number of points in a chunk, from its header. */
export function chunkPointCount(bytes: Uint8Array, limit = maxPointsIn(bytes)): number {
  const r = new ByteReader(bytes);
  const count = r.uvarint();
  if (count > limit) throw new RangeError('chunk point count out of range');
  return count;
}

/**
 * Whether every value of a chunk is a finite number, read from its header alone (no value
 * decoded): true for a chunk of one kind that is integers, or floats whose codec is
 * `finite` (Codec.finite); false for any other (mixed kinds, strings, a float codec that
 * may hold NaN). Throws RangeError on a header that does not parse.
 */
export function chunkValuesFinite(bytes: Uint8Array, codecs: CodecSet): boolean {
  const r = new ByteReader(bytes);
  r.uvarint(); // count
  timestampSection(r);
  const mode = r.byte();
  let kind: number;
  let codecId: number;
  if (mode === KINDS_ONE_REST) {
    kind = r.byte();
    codecId = r.byte();
  } else if (mode === KINDS_ONE) {
    kind = r.byte();
    // one section: u8 sections, u8 kind, u8 codec
    if (r.byte() !== 1 || r.byte() !== kind) return false;
    codecId = r.byte();
  } else return false;
  if (kind === INT_KIND) return true;
  return kind === FLOAT_KIND && codecs.codec(codecId).finite === true;
}

/**
 * Decodes only a chunk's timestamps into `out.timestamps` from index `offset` (room for its
 * count needed); returns the number of points. The values are not read: for readers that
 * need only when points are, such as a count over values known finite (chunkValuesFinite).
 * Throws RangeError on bytes that do not parse.
 */
export function decodeChunkTimestampsInto(bytes: Uint8Array, codecs: CodecSet, out: SeriesPoints, offset: number): number {
  return decodeTimestamps(new ByteReader(bytes), codecs, out, offset);
}

/** The timestamp section at the reader (after the count): its codec id and bytes; the reader moves past it. */
function timestampSection(r: ByteReader): { codecId: number; bytes: Uint8Array } {
  const codecId = r.byte();
  return { codecId, bytes: r.bytes(r.uvarint()) };
}

/** Reads the count and decodes the timestamps into `out` from `offset`, leaving the reader at the values; returns the count. */
function decodeTimestamps(r: ByteReader, codecs: CodecSet, out: SeriesPoints, offset: number): number {
  const count = r.uvarint();
  // the room in `out` bounds what decoding allocates (the caller sized it)
  if (offset + count > out.length) throw new RangeError('chunk point count past the output');
  const section = timestampSection(r);
  codecs.codec(section.codecId).decode(section.bytes, count, out, offset);
  return count;
}

/**
 * Decodes a whole chunk. Throws RangeError on bytes that do not parse (corruption).
 * `limit`: the most points it may claim (CHUNK_POINTS_VERIFIED once a checksum passed).
 */
export function decodeChunk(bytes: Uint8Array, codecs: CodecSet, limit = maxPointsIn(bytes)): SeriesPoints {
  const out = allocPoints(chunkPointCount(bytes, limit));
  decodeChunkInto(bytes, codecs, out, 0);
  return out;
}

/**
 * Decodes a chunk into `out` from index `offset` (which must have room for
 * chunkPointCount(bytes) points); returns the number of points. Throws RangeError on
 * bytes that do not parse (corruption).
 */
export function decodeChunkInto(bytes: Uint8Array, codecs: CodecSet, out: SeriesPoints, offset: number): number {
  const r = new ByteReader(bytes);
  const count = decodeTimestamps(r, codecs, out, offset);
  const stop = offset + count;

  const mode = r.byte();
  if (mode === KINDS_ONE_REST) {
    const kind = r.byte();
    const codec = codecs.codec(r.byte());
    if (codec.target !== kind) throw new RangeError(`chunk section for kind ${kind} uses codec ${codec.name}`);
    out.kinds.fill(kind, offset, stop);
    codec.decode(r.bytes(bytes.length - r.pos), count, out, offset);
    return count;
  }
  if (mode === KINDS_ONE) out.kinds.fill(r.byte(), offset, stop);
  else if (mode === KINDS_RUNS) {
    const runs = r.uvarint();
    let n = 0;
    for (let k = 0; k < runs; k++) {
      const kind = r.byte();
      const length = r.uvarint();
      if (n + length > count) throw new RangeError('chunk kind runs past the point count');
      out.kinds.fill(kind, offset + n, offset + n + length);
      n += length;
    }
  } else throw new RangeError(`chunk kinds mode ${mode} unknown`);

  const sections = r.byte();
  for (let s = 0; s < sections; s++) {
    const kind = r.byte();
    const codec = codecs.codec(r.byte());
    const values = r.uvarint();
    const bytesOf = r.bytes(r.uvarint());
    if (codec.target !== kind) throw new RangeError(`chunk section for kind ${kind} uses codec ${codec.name}`);
    if (sections === 1) {
      if (values !== count) throw new RangeError('chunk section count differs from the point count');
      codec.decode(bytesOf, count, out, offset);
      continue;
    }
    if (values > count) throw new RangeError('chunk section count out of range');
    const own = allocPoints(values);
    codec.decode(bytesOf, values, own, 0);
    // scatter back to the positions of this kind
    let n = 0;
    for (let i = offset; i < stop && n < values; i++) {
      if (out.kinds[i] !== kind) continue;
      out.floats[i] = own.floats[n]!;
      out.ints[i] = own.ints[n]!;
      out.texts[i] = own.texts[n];
      n++;
    }
  }
  return count;
}
