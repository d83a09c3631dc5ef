/**
 * `codec-compact-json`: JSON objects in a compact binary form. Per chunk, object keys go
 * in one dictionary and repeated documents are stored once; a document is a tagged tree
 * (null/false/true, varint integers, doubles, strings, arrays, objects of key indexes).
 * The stored text is canonical JSON, and a document is encoded as a tree only when
 * `JSON.stringify(JSON.parse(text)) === text`, so decoding gives back the exact text;
 * any other text is kept verbatim.
 */
import type { Codec, JsonValue, SeriesPoints } from '../../core';
import { ByteReader, ByteWriter } from '../../core/codec-io';

const DOC_RAW = 0;
const DOC_TREE = 1;
const DOC_REPEAT = 2;

const T_NULL = 0;
const T_FALSE = 1;
const T_TRUE = 2;
const T_INT = 3;
const T_DOUBLE = 4;
const T_STRING = 5;
const T_ARRAY = 6;
const T_OBJECT = 7;
const MAX_DEPTH = 256;

function writeTree(w: ByteWriter, value: JsonValue, keys: Map<string, number>): void {
  if (value === null) return w.byte(T_NULL);
  if (value === false) return w.byte(T_FALSE);
  if (value === true) return w.byte(T_TRUE);
  if (typeof value === 'number') {
    if (Number.isInteger(value) && Math.abs(value) < 2 ** 50 && !Object.is(value, -0)) {
      w.byte(T_INT);
      return w.svarint(value);
    }
    w.byte(T_DOUBLE);
    return w.f64(value);
  }
  if (typeof value === 'string') {
    w.byte(T_STRING);
    return w.string(value);
  }
  if (Array.isArray(value)) {
    w.byte(T_ARRAY);
    w.uvarint(value.length);
    for (const item of value) writeTree(w, item, keys);
    return;
  }
  const entries = Object.keys(value);
  w.byte(T_OBJECT);
  w.uvarint(entries.length);
  for (const key of entries) {
    let index = keys.get(key);
    if (index === undefined) keys.set(key, (index = keys.size));
    w.uvarint(index);
    writeTree(w, value[key]!, keys);
  }
}

function readTree(r: ByteReader, keys: string[], depth: number): JsonValue {
  if (depth > MAX_DEPTH) throw new RangeError('compact-json nesting too deep');
  const tag = r.byte();
  switch (tag) {
    case T_NULL:
      return null;
    case T_FALSE:
      return false;
    case T_TRUE:
      return true;
    case T_INT:
      return r.svarint();
    case T_DOUBLE:
      return r.f64();
    case T_STRING:
      return r.string();
    case T_ARRAY: {
      const n = r.uvarint();
      if (n > r.end) throw new RangeError('compact-json array length out of range');
      const out: JsonValue[] = new Array(n);
      for (let i = 0; i < n; i++) out[i] = readTree(r, keys, depth + 1);
      return out;
    }
    case T_OBJECT: {
      const n = r.uvarint();
      // no prototype: a "__proto__" key stays an own key, as JSON.parse makes it
      const out = Object.create(null) as Record<string, JsonValue>;
      for (let i = 0; i < n; i++) {
        const key = keys[r.uvarint()];
        if (key === undefined) throw new RangeError('compact-json key index out of range');
        out[key] = readTree(r, keys, depth + 1);
      }
      return out;
    }
    default:
      throw new RangeError(`compact-json unknown tag ${tag}`);
  }
}

export const compactJsonCodec: Codec = {
  name: 'compact-json',
  worker: { module: __filename, exportName: 'compactJsonCodec' },
  id: 6,
  target: 4 /* ValueKind.Json */,
  encode(points: SeriesPoints, start: number, end: number): Uint8Array {
    const keys = new Map<string, number>();
    const seen = new Map<string, number>();
    const body = new ByteWriter(64 + (end - start) * 8);
    for (let i = start; i < end; i++) {
      const text = points.texts[i] ?? 'null';
      const earlier = seen.get(text);
      if (earlier !== undefined) {
        body.byte(DOC_REPEAT);
        body.uvarint(earlier);
        continue;
      }
      seen.set(text, i - start);
      let tree: JsonValue | undefined;
      try {
        const parsed = JSON.parse(text) as JsonValue;
        if (JSON.stringify(parsed) === text) tree = parsed;
      } catch {
        tree = undefined;
      }
      if (tree === undefined) {
        body.byte(DOC_RAW);
        body.string(text);
      } else {
        body.byte(DOC_TREE);
        writeTree(body, tree, keys);
      }
    }
    const w = new ByteWriter(64 + body.pos);
    w.uvarint(keys.size);
    for (const key of keys.keys()) w.string(key);
    w.bytes(body.buf.subarray(0, body.pos));
    return w.finish();
  },
  decode(bytes: Uint8Array, count: number, into: SeriesPoints, offset: number): void {
    const r = new ByteReader(bytes);
    const size = r.uvarint();
    if (size > bytes.length) throw new RangeError('compact-json key dictionary size out of range');
    const keys: string[] = new Array(size);
    for (let k = 0; k < size; k++) keys[k] = r.string();
    for (let i = 0; i < count; i++) {
      const kind = r.byte();
      if (kind === DOC_REPEAT) {
        const earlier = r.uvarint();
        if (earlier >= i) throw new RangeError('compact-json repeat index out of range');
        into.texts[offset + i] = into.texts[offset + earlier];
      } else if (kind === DOC_RAW) {
        into.texts[offset + i] = r.string();
      } else if (kind === DOC_TREE) {
        into.texts[offset + i] = JSON.stringify(readTree(r, keys, 0));
      } else {
        throw new RangeError(`compact-json unknown document kind ${kind}`);
      }
    }
  },
};
