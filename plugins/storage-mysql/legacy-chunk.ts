/**
 * Read-only: rows of `dsdb_chunks` written before storage-mysql used the shared chunk
 * format (lib/chunks). They start with the byte 1:
 *
 *   u8 1 | uvarint count | u8 tsCodec | uvarint len | timestamp bytes
 *   | u8 kind (0 = mixed, then `count` kind bytes)
 *   | for each kind present, in kind order: u8 codec | uvarint len | value bytes
 *
 * Codec ids 0xF0–0xF4 were this plugin's own codecs, decoded here; any other id is a
 * codec plugin's, found in the codec set. Nothing writes this layout any more: compaction
 * and deletes rewrite a window's rows in the shared format.
 */
import { allocPoints, ByteReader, ValueKind, type SeriesPoints } from '../../core';
import type { CodecSet } from '../../lib/chunks';

export const LEGACY_FORMAT = 1;

type Decode = (r: ByteReader, count: number, into: SeriesPoints, offset: number) => void;

function timestamps(r: ByteReader, count: number, into: SeriesPoints, offset: number): void {
  let t = 0;
  let delta = 0;
  for (let i = 0; i < count; i++) {
    if (i === 0) t = r.svarint();
    else t += delta += r.svarint();
    into.timestamps[offset + i] = t;
  }
}

const f64 = new Float64Array(1);
const f64Halves = new Uint32Array(f64.buffer); // [lo, hi] on little-endian CPUs (all Node targets)

/** A scale byte: > 0 for decimal values as scaled integer deltas, 0 for XOR of the middle bytes. */
function floats(r: ByteReader, count: number, into: SeriesPoints, offset: number): void {
  const scale = r.byte();
  if (scale > 0) {
    const factor = 10 ** (scale - 1);
    let v = 0;
    for (let i = 0; i < count; i++) into.floats[offset + i] = (v += r.svarint()) / factor;
    return;
  }
  let hi = 0;
  let lo = 0;
  for (let i = 0; i < count; i++) {
    const head = r.byte();
    if (head !== 0xff) {
      const lead = head >>> 4;
      const trail = head & 0x0f;
      for (let b = lead; b < 8 - trail; b++) {
        const v = r.byte();
        if (b < 4) hi = (hi ^ (v << ((3 - b) * 8))) >>> 0;
        else lo = (lo ^ (v << ((7 - b) * 8))) >>> 0;
      }
    }
    f64Halves[1] = hi;
    f64Halves[0] = lo;
    into.floats[offset + i] = f64[0]!;
  }
}

/** Zigzag varint deltas modulo 2^64, on uint32 halves. */
function ints(r: ByteReader, count: number, into: SeriesPoints, offset: number): void {
  const halves = new Uint32Array(into.ints.buffer, into.ints.byteOffset, into.ints.length * 2);
  let hi = 0;
  let lo = 0;
  for (let i = 0; i < count; i++) {
    r.uvarint64();
    const mask = r.lo & 1 ? 0xffffffff : 0;
    const dLo = (((r.lo >>> 1) | (r.hi << 31)) ^ mask) >>> 0;
    const dHi = ((r.hi >>> 1) ^ mask) >>> 0;
    const sum = lo + dLo;
    lo = sum >>> 0;
    hi = (hi + dHi + (sum > 0xffffffff ? 1 : 0)) >>> 0;
    halves[2 * (offset + i)] = lo;
    halves[2 * (offset + i) + 1] = hi;
  }
}

/** Strings and JSON: 0 + length + UTF-8 for a new dictionary entry, else 1 + its index. */
function texts(r: ByteReader, count: number, into: SeriesPoints, offset: number): void {
  const dict: string[] = [];
  for (let i = 0; i < count; i++) {
    const code = r.uvarint();
    if (code === 0) dict.push(r.string());
    else if (code > dict.length) throw new RangeError('chunk dictionary reference out of range');
    into.texts[offset + i] = dict[code === 0 ? dict.length - 1 : code - 1];
  }
}

/** The plugin's former codecs by id: timestamps, floats, int64, strings, JSON. */
const OWN: ReadonlyMap<number, Decode> = new Map([
  [0xf0, timestamps],
  [0xf1, floats],
  [0xf2, ints],
  [0xf3, texts],
  [0xf4, texts],
]);

const KINDS = [ValueKind.Int, ValueKind.Float, ValueKind.String, ValueKind.Json] as const;

function column(r: ByteReader, codecs: CodecSet, count: number, into: SeriesPoints, offset: number): void {
  const id = r.byte();
  const bytes = r.bytes(r.uvarint());
  const own = OWN.get(id);
  if (own) own(new ByteReader(bytes), count, into, offset);
  else codecs.codec(id).decode(bytes, count, into, offset);
}

/** The number of points of a legacy row, from its header. */
export function legacyPointCount(bytes: Uint8Array): number {
  const r = new ByteReader(bytes, 1);
  return r.uvarint();
}

/** Decodes a legacy row into `into` from `offset`; returns the number of points. */
export function decodeLegacyChunk(bytes: Uint8Array, codecs: CodecSet, into: SeriesPoints, offset: number): number {
  const r = new ByteReader(bytes);
  if (r.byte() !== LEGACY_FORMAT) throw new RangeError('not a legacy storage-mysql chunk');
  const count = r.uvarint();
  if (offset + count > into.length) throw new RangeError('chunk point count past the output');
  column(r, codecs, count, into, offset);
  const kind = r.byte();
  if (kind !== 0) {
    into.kinds.fill(kind, offset, offset + count);
    column(r, codecs, count, into, offset);
    return count;
  }
  into.kinds.set(r.bytes(count), offset);
  for (const k of KINDS) {
    let n = 0;
    for (let i = offset; i < offset + count; i++) if (into.kinds[i] === k) n++;
    if (n === 0) continue;
    const packed = allocPoints(n);
    column(r, codecs, n, packed, 0);
    for (let i = offset, j = 0; i < offset + count; i++) {
      if (into.kinds[i] !== k) continue;
      into.floats[i] = packed.floats[j]!;
      into.ints[i] = packed.ints[j]!;
      into.texts[i] = packed.texts[j++];
    }
  }
  return count;
}
