/**
 * `codec-dict-string`: strings dictionary-coded per chunk. Discrete series repeat a few
 * values (states, versions, hostnames), so each distinct string is stored once and every
 * point is a varint index into that dictionary.
 */
import type { Codec, SeriesPoints } from '../../core';
import { ByteReader, ByteWriter } from '../../core/codec-io';

export const dictStringCodec: Codec = {
  name: 'dict-string',
  worker: { module: __filename, exportName: 'dictStringCodec' },
  id: 5,
  target: 3 /* ValueKind.String */,
  encode(points: SeriesPoints, start: number, end: number): Uint8Array {
    const dict = new Map<string, number>();
    const indexes = new ByteWriter(16 + (end - start));
    for (let i = start; i < end; i++) {
      const s = points.texts[i] ?? '';
      let index = dict.get(s);
      if (index === undefined) dict.set(s, (index = dict.size));
      indexes.uvarint(index);
    }
    const w = new ByteWriter(64 + indexes.pos);
    w.uvarint(dict.size);
    for (const s of dict.keys()) w.string(s);
    w.bytes(indexes.buf.subarray(0, indexes.pos));
    return w.finish();
  },
  decode(bytes: Uint8Array, count: number, into: SeriesPoints, offset: number): void {
    const r = new ByteReader(bytes);
    const size = r.uvarint();
    if (size > bytes.length) throw new RangeError('dict-string dictionary size out of range');
    const dict: string[] = new Array(size);
    for (let d = 0; d < size; d++) dict[d] = r.string();
    for (let i = 0; i < count; i++) {
      const index = r.uvarint();
      if (index >= size) throw new RangeError('dict-string index out of range');
      into.texts[offset + i] = dict[index];
    }
  },
};
