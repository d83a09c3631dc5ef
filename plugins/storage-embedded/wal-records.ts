/**
 * WAL record payloads. The first byte is the type:
 *   1 SERIES      uvarint id | string JSON {metric, tags}
 *   2 SAMPLES     uvarint n | uvarint series | (uvarint id)* | u8 flags |
 *                 u32[n] series index | f64[n] timestamps | u8[n] kinds |
 *                 f64[n] floats (flags&1) | i64[n] ints (flags&2) | strings of text kinds (flags&4)
 *   3 DELETE      uvarint ids | (uvarint id)* | f64 start | f64 end
 *   4 ANNOTATION  string JSON annotation
 *   5 UNANNOTATE  string JSON {startTime, tsuid}
 * SAMPLES copies the batch's columns as raw bytes: writing a point costs a memcpy share,
 * not an encode call. Multi-byte columns are little-endian (the host order of every
 * platform Node supports in practice).
 */
import { ByteReader, ByteWriter, ValueKind, type PointBatch } from '../../core';
import { frameInPlace, RECORD_HEADER_BYTES } from './record-file';

export const REC_SERIES = 1;
export const REC_SAMPLES = 2;
export const REC_DELETE = 3;
export const REC_ANNOTATION = 4;
export const REC_UNANNOTATE = 5;

const FLOAT: number = ValueKind.Float;
const INT: number = ValueKind.Int;
const STRING: number = ValueKind.String;
const HAS_FLOATS = 1;
const HAS_INTS = 2;
const HAS_TEXTS = 4;

function raw(view: ArrayBufferView, bytesPerItem: number, n: number): Uint8Array {
  return new Uint8Array(view.buffer, view.byteOffset, n * bytesPerItem);
}

export function encodeSeriesRecord(id: number, metric: string, tags: Readonly<Record<string, string>>): Uint8Array {
  const w = new ByteWriter(64);
  w.byte(REC_SERIES);
  w.uvarint(id);
  w.string(JSON.stringify({ metric, tags }));
  return w.finish();
}

/** The framed SAMPLES record (header filled in place: the batch is copied once). */
export function encodeSamples(batch: PointBatch, ids: Uint32Array, flags: number): Uint8Array {
  const n = batch.length;
  const fixed = n * 13 + (flags & HAS_FLOATS ? n * 8 : 0) + (flags & HAS_INTS ? n * 8 : 0);
  const w = new ByteWriter(RECORD_HEADER_BYTES + 32 + ids.length * 5 + fixed + (flags & HAS_TEXTS ? n * 8 : 0));
  w.pos = RECORD_HEADER_BYTES;
  w.byte(REC_SAMPLES);
  w.uvarint(n);
  w.uvarint(ids.length);
  for (let s = 0; s < ids.length; s++) w.uvarint(ids[s]!);
  w.byte(flags);
  w.bytes(raw(batch.seriesIndex, 4, n));
  w.bytes(raw(batch.timestamps, 8, n));
  w.bytes(raw(batch.kinds, 1, n));
  if (flags & HAS_FLOATS) w.bytes(raw(batch.floats, 8, n));
  if (flags & HAS_INTS) w.bytes(raw(batch.ints, 8, n));
  if (flags & HAS_TEXTS) for (let i = 0; i < n; i++) if (batch.kinds[i]! >= STRING) w.string(batch.texts[i] ?? '');
  return frameInPlace(w.buf, w.pos);
}

/** Which optional columns a batch uses (one pass over its kinds). */
export function columnFlags(kinds: Uint8Array, n: number): number {
  let flags = 0;
  for (let i = 0; i < n; i++) {
    const k = kinds[i]!;
    flags |= k === FLOAT ? HAS_FLOATS : k === INT ? HAS_INTS : HAS_TEXTS;
  }
  return flags;
}

/** A samples record read back: a PointBatch's columns, its series as ids instead of keys. */
export type DecodedSamples = Omit<PointBatch, 'series' | 'seriesKeys'> & { ids: number[] };

/** Copies out aligned columns (record bytes have no alignment). */
function column<T>(r: ByteReader, n: number, bytesPerItem: number, make: (buf: ArrayBuffer) => T): T {
  const bytes = r.bytes(n * bytesPerItem);
  const copy = new Uint8Array(n * bytesPerItem);
  copy.set(bytes);
  return make(copy.buffer);
}

export function decodeSamples(r: ByteReader): DecodedSamples {
  const length = r.uvarint();
  const nIds = r.uvarint();
  const ids: number[] = [];
  for (let s = 0; s < nIds; s++) ids.push(r.uvarint());
  const flags = r.byte();
  const seriesIndex = column(r, length, 4, (b) => new Uint32Array(b));
  const timestamps = column(r, length, 8, (b) => new Float64Array(b));
  const kinds = column(r, length, 1, (b) => new Uint8Array(b));
  const floats = flags & HAS_FLOATS ? column(r, length, 8, (b) => new Float64Array(b)) : new Float64Array(length);
  const ints = flags & HAS_INTS ? column(r, length, 8, (b) => new BigInt64Array(b)) : new BigInt64Array(length);
  const texts: (string | undefined)[] = [];
  if (flags & HAS_TEXTS) {
    texts.length = length;
    for (let i = 0; i < length; i++) if (kinds[i]! >= STRING) texts[i] = r.string();
  }
  for (let i = 0; i < length; i++) if (seriesIndex[i]! >= nIds) throw new RangeError('sample series index out of range');
  return { ids, length, seriesIndex, timestamps, kinds, floats, ints, texts };
}
