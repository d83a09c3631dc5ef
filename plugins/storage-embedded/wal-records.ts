/**
 * Every WAL record type, its encoding and its decoding (Prometheus' tsdb/record). A record
 * is a payload inside the checksummed framing of record-file.ts; its first byte is the type:
 *   1 SERIES      uvarint id | string JSON {metric, tags}
 *   2 SAMPLES     uvarint n | uvarint series | (uvarint id)* | u8 flags |
 *                 u32[n] series index | f64[n] timestamps | u8[n] kinds |
 *                 f64[n] floats (flags&1) | i64[n] ints (flags&2) |
 *                 64-bit values (flags&8: a float's bits or an int64's, as the kind says) |
 *                 strings of text kinds (flags&4)
 *   3 DELETE      uvarint ids | (uvarint id)* | f64 start | f64 end   (ms, inclusive)
 *   4 ANNOTATION  string JSON annotation
 *   5 UNANNOTATE  string JSON {startTime, tsuid}
 * SAMPLES copies the batch's columns as raw bytes: writing a point costs a memcpy share,
 * not an encode call. Multi-byte columns are little-endian (the host order of every
 * platform Node supports in practice). `string` is ByteWriter's uvarint length + UTF-8.
 * series.log holds SERIES payloads without the type byte (series-index.ts).
 */
import { ByteReader, ByteWriter, ValueKind, type Annotation, type PointBatch, type Tags } from '../../core';
import type { HeadColumns } from './head';

export const REC_SERIES = 1;
export const REC_SAMPLES = 2;
export const REC_DELETE = 3;
export const REC_ANNOTATION = 4;
export const REC_UNANNOTATE = 5;

/** Whether a WAL payload can start with `b` (its record type): what resync looks for after a bad record (record-file.ts). */
export function isWalRecordType(b: number): boolean {
  return b >= REC_SERIES && b <= REC_UNANNOTATE;
}

const FLOAT: number = ValueKind.Float;
const INT: number = ValueKind.Int;
const STRING: number = ValueKind.String;
const HAS_FLOATS = 1;
const HAS_INTS = 2;
const HAS_TEXTS = 4;
/** One value column for floats and integers (a batch whose floats and ints share their bytes): instead of flags 1 and 2 */
const HAS_VALUES = 8;

/** A samples record read back: a PointBatch's columns, its series as ids instead of keys. */
export type DecodedSamples = Omit<PointBatch, 'series' | 'seriesKeys'> & { ids: number[] };

/** What an annotation is identified by (UNANNOTATE carries only this). */
export type AnnotationKey = Pick<Annotation, 'startTime' | 'tsuid'>;

/** A decoded record, by type. */
export type WalRecord =
  | { type: typeof REC_SERIES; id: number; metric: string; tags: Tags }
  | { type: typeof REC_SAMPLES; samples: DecodedSamples }
  | { type: typeof REC_DELETE; ids: number[]; start: number; end: number }
  | { type: typeof REC_ANNOTATION; annotation: Annotation }
  | { type: typeof REC_UNANNOTATE; key: AnnotationKey };

function raw(view: ArrayBufferView, bytesPerItem: number, n: number): Uint8Array {
  return new Uint8Array(view.buffer, view.byteOffset, n * bytesPerItem);
}

/** The body of a SERIES record (also a series.log record): `uvarint id | string JSON`. */
export function writeSeriesBody(w: ByteWriter, id: number, metric: string, tags: Readonly<Tags>): void {
  w.uvarint(id);
  w.string(JSON.stringify({ metric, tags }));
}

/** Reads what writeSeriesBody wrote. Throws SyntaxError on bad JSON, RangeError on a short buffer. */
export function readSeriesBody(r: ByteReader): { id: number; metric: string; tags: Tags } {
  const id = r.uvarint();
  const { metric, tags } = JSON.parse(r.string()) as { metric: string; tags: Tags };
  return { id, metric, tags };
}

/** Bytes a SERIES payload takes about, to reserve for writeSeriesRecord (the writer grows if it needs more). */
export const SERIES_RECORD_BYTES = 128;

/** Writes a SERIES payload (type byte included) into `w`. */
export function writeSeriesRecord(w: ByteWriter, id: number, metric: string, tags: Readonly<Tags>): void {
  w.byte(REC_SERIES);
  writeSeriesBody(w, id, metric, tags);
}


/** Bytes a SAMPLES payload takes, about (texts counted at 8 bytes each): what to reserve for writeSamples. */
export function samplesBytes(n: number, series: number, flags: number): number {
  return 32 + series * 5 + n * 13 + (flags & HAS_FLOATS ? n * 8 : 0) + (flags & HAS_INTS ? n * 8 : 0) + (flags & HAS_VALUES ? n * 8 : 0) + (flags & HAS_TEXTS ? n * 8 : 0);
}

/** Writes a SAMPLES payload (type byte included) into `w`: the batch's columns copied as raw bytes. */
export function writeSamples(w: ByteWriter, batch: HeadColumns, ids: Uint32Array, flags: number): void {
  const n = batch.length;
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
  if (flags & HAS_VALUES) w.bytes(raw(batch.floats, 8, n));
  if (flags & HAS_TEXTS) for (let i = 0; i < n; i++) if (batch.kinds[i]! >= STRING) w.string(batch.texts[i] ?? '');
}

/**
 * Which optional columns a batch uses (one pass over its kinds): floats and integers as
 * one value column when it has both and its `floats` and `ints` are views of the same
 * bytes (BatchBuilder.takePacked's batches, the head's carry-back), as two otherwise.
 */
export function columnFlags(batch: Pick<HeadColumns, 'kinds' | 'floats' | 'ints'>, n: number): number {
  const kinds = batch.kinds;
  let flags = 0;
  for (let i = 0; i < n; i++) {
    const k = kinds[i]!;
    flags |= k === FLOAT ? HAS_FLOATS : k === INT ? HAS_INTS : HAS_TEXTS;
  }
  const { floats, ints } = batch;
  const both = HAS_FLOATS | HAS_INTS;
  if ((flags & both) === both && floats.buffer === ints.buffer && floats.byteOffset === ints.byteOffset) flags = (flags & ~both) | HAS_VALUES;
  return flags;
}

/** Copies out aligned columns (record bytes have no alignment). */
function column<T>(r: ByteReader, n: number, bytesPerItem: number, make: (buf: ArrayBuffer) => T): T {
  const bytes = r.bytes(n * bytesPerItem);
  const copy = new Uint8Array(n * bytesPerItem);
  copy.set(bytes);
  return make(copy.buffer);
}

/** The series ids a SAMPLES body names, without decoding its columns (fsck). */
export function readSamplesIds(r: ByteReader): number[] {
  r.uvarint(); // points
  const ids: number[] = [];
  for (let n = r.uvarint(), s = 0; s < n; s++) ids.push(r.uvarint());
  return ids;
}

/** Decodes a SAMPLES body (after the type byte). Throws RangeError when it does not parse. */
export function decodeSamples(r: ByteReader): DecodedSamples {
  const length = r.uvarint();
  const nIds = r.uvarint();
  const ids: number[] = [];
  for (let s = 0; s < nIds; s++) ids.push(r.uvarint());
  const flags = r.byte();
  const seriesIndex = column(r, length, 4, (b) => new Uint32Array(b));
  const timestamps = column(r, length, 8, (b) => new Float64Array(b));
  const kinds = column(r, length, 1, (b) => new Uint8Array(b));
  let floats: Float64Array;
  let ints: BigInt64Array;
  if (flags & HAS_VALUES) {
    // one column: floats and ints are two views of it, as the batch logged had them
    floats = column(r, length, 8, (b) => new Float64Array(b));
    ints = new BigInt64Array(floats.buffer);
  } else {
    floats = flags & HAS_FLOATS ? column(r, length, 8, (b) => new Float64Array(b)) : new Float64Array(length);
    ints = flags & HAS_INTS ? column(r, length, 8, (b) => new BigInt64Array(b)) : new BigInt64Array(length);
  }
  const texts: (string | undefined)[] = [];
  if (flags & HAS_TEXTS) {
    texts.length = length;
    for (let i = 0; i < length; i++) if (kinds[i]! >= STRING) texts[i] = r.string();
  }
  for (let i = 0; i < length; i++) if (seriesIndex[i]! >= nIds) throw new RangeError('sample series index out of range');
  return { ids, length, seriesIndex, timestamps, kinds, floats, ints, texts };
}

/** DELETE of [start, end] (ms, inclusive) in the given series. */
export function encodeDeleteRecord(ids: readonly number[], start: number, end: number): Uint8Array {
  const w = new ByteWriter(32 + ids.length * 3);
  w.byte(REC_DELETE);
  w.uvarint(ids.length);
  for (const id of ids) w.uvarint(id);
  w.f64(start);
  w.f64(end);
  return w.finish();
}

export function encodeAnnotationRecord(annotation: Annotation): Uint8Array {
  const w = new ByteWriter(128);
  w.byte(REC_ANNOTATION);
  w.string(JSON.stringify(annotation));
  return w.finish();
}

export function encodeUnannotateRecord(key: AnnotationKey): Uint8Array {
  const w = new ByteWriter(64);
  w.byte(REC_UNANNOTATE);
  w.string(JSON.stringify({ startTime: key.startTime, tsuid: key.tsuid }));
  return w.finish();
}

/** Decodes any record. Throws RangeError (or SyntaxError for bad JSON) when it does not parse. */
export function decodeRecord(payload: Uint8Array): WalRecord {
  const r = new ByteReader(payload);
  const type = r.byte();
  switch (type) {
    case REC_SERIES:
      return { type, ...readSeriesBody(r) };
    case REC_SAMPLES:
      return { type, samples: decodeSamples(r) };
    case REC_DELETE: {
      const ids: number[] = [];
      for (let n = r.uvarint(); n > 0; n--) ids.push(r.uvarint());
      return { type, ids, start: r.f64(), end: r.f64() };
    }
    case REC_ANNOTATION:
      return { type, annotation: JSON.parse(r.string()) as Annotation };
    case REC_UNANNOTATE:
      return { type, key: JSON.parse(r.string()) as AnnotationKey };
    default:
      throw new RangeError(`unknown WAL record type ${type}`);
  }
}
