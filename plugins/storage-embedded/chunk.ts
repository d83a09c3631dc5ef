/**
 * One chunk: the points of one series in a block, each column encoded by a codec.
 * Layout (docs/storage-format.md):
 *   uvarint count
 *   u8 timestamp codec id | uvarint length | bytes
 *   u8 kinds mode: 0 = one kind (u8 kind) | 1 = runs (uvarint runs, (u8 kind, uvarint length)*)
 *   u8 sections, then per value kind present, ascending:
 *     u8 kind | u8 codec id | uvarint values | uvarint length | bytes
 * A series mixing kinds has one section per kind, each holding only that kind's values.
 */
import { ByteReader, ByteWriter, type Codec, type SeriesPoints } from '../../core';
import type { CodecSet } from './codec-set';
import { allocPoints } from './points';

const MAX_KIND = 4;

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

export function encodeChunk(points: SeriesPoints, start: number, end: number, codecs: CodecSet): Uint8Array {
  const count = end - start;
  const w = new ByteWriter(64 + count * 2);
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
  if (present <= 1) {
    w.byte(0);
    w.byte(count > 0 ? points.kinds[start]! : 0);
  } else {
    w.byte(1);
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
    const list = codecs.byKind[kind]!;
    if (present === 1) writeSection(w, firstAccepting(list, points, start, end), points, start, end);
    else {
      const own = gatherKind(points, start, end, kind, perKind[kind]!);
      writeSection(w, firstAccepting(list, own, 0, own.length), own, 0, own.length);
    }
  }
  return w.finish();
}

function codecById(codecs: CodecSet, id: number): Codec {
  const codec = codecs.byId.get(id);
  if (!codec) throw new RangeError(`chunk uses codec id ${id}, which no loaded codec plugin provides`);
  return codec;
}

/** Decodes a whole chunk. Throws RangeError on bytes that do not parse (corruption). */
export function decodeChunk(bytes: Uint8Array, codecs: CodecSet): SeriesPoints {
  const r = new ByteReader(bytes);
  const count = r.uvarint();
  if (count > bytes.length * 8 + 1024) throw new RangeError('chunk point count out of range');
  const out = allocPoints(count);
  const tsCodec = codecById(codecs, r.byte());
  const tsLength = r.uvarint();
  tsCodec.decode(r.bytes(tsLength), count, out, 0);

  const mode = r.byte();
  if (mode === 0) out.kinds.fill(r.byte());
  else if (mode === 1) {
    const runs = r.uvarint();
    let n = 0;
    for (let k = 0; k < runs; k++) {
      const kind = r.byte();
      const length = r.uvarint();
      if (n + length > count) throw new RangeError('chunk kind runs past the point count');
      out.kinds.fill(kind, n, n + length);
      n += length;
    }
  } else throw new RangeError(`chunk kinds mode ${mode} unknown`);

  const sections = r.byte();
  for (let s = 0; s < sections; s++) {
    const kind = r.byte();
    const codec = codecById(codecs, r.byte());
    const values = r.uvarint();
    const bytesOf = r.bytes(r.uvarint());
    if (codec.target !== kind) throw new RangeError(`chunk section for kind ${kind} uses codec ${codec.name}`);
    if (sections === 1) {
      if (values !== count) throw new RangeError('chunk section count differs from the point count');
      codec.decode(bytesOf, count, out, 0);
      continue;
    }
    if (values > count) throw new RangeError('chunk section count out of range');
    const own = allocPoints(values);
    codec.decode(bytesOf, values, own, 0);
    // scatter back to the positions of this kind
    let n = 0;
    for (let i = 0; i < count && n < values; i++) {
      if (out.kinds[i] !== kind) continue;
      out.floats[i] = own.floats[n]!;
      out.ints[i] = own.ints[n]!;
      out.texts[i] = own.texts[n];
      n++;
    }
  }
  return out;
}
