/**
 * The chunk format: the points of one series in one time window, sorted, one value per
 * timestamp, each column encoded by a codec whose one-byte id is written in the chunk:
 *
 *   u8 version(1) | uvarint count | u8 tsCodec | uvarint len | timestamp bytes
 *   | u8 kind (0 = mixed, then `count` kind bytes)
 *   | for each kind present, in kind order: u8 codec | uvarint len | value bytes
 *
 * Codecs are found by name in the kernel's `codecs` registry (codec plugins), else among
 * this plugin's own (codecs.ts); decoding looks the id up the same way.
 */
import { allocPoints, ByteReader, ByteWriter, ValueKind, type Codec, type CodecTarget, type Registry, type SeriesPoints } from '../../core';
import { BUILTIN_CODECS } from './codecs';

const VERSION = 1;
const KINDS = [ValueKind.Int, ValueKind.Float, ValueKind.String, ValueKind.Json] as const;

export interface CodecNames {
  timestamp: string;
  int: string;
  float: string;
  string: string;
  json: string;
}

export const DEFAULT_CODEC_NAMES: CodecNames = {
  timestamp: 'mysql-dod-timestamp',
  int: 'mysql-delta-int64',
  float: 'mysql-xor-float',
  string: 'mysql-dict-string',
  json: 'mysql-dict-json',
};


export class ChunkCodec {
  /** encoder per target: index 0 timestamps, then by ValueKind */
  private readonly encoders: Codec[] = [];
  private readonly byId = new Map<number, Codec>();

  constructor(names: CodecNames, registry?: Registry<Codec>) {
    const find = (name: string, target: CodecTarget): Codec => {
      const codec = registry?.get(name) ?? BUILTIN_CODECS.find((c) => c.name === name);
      if (!codec) throw new Error(`storage-mysql: no codec named "${name}" (loaded: ${[...(registry?.names() ?? []), ...BUILTIN_CODECS.map((c) => c.name)].join(', ')})`);
      if (codec.target !== target) throw new Error(`storage-mysql: codec "${name}" encodes ${codec.target}, not ${target}`);
      return codec;
    };
    this.encoders[0] = find(names.timestamp, 'timestamp');
    this.encoders[ValueKind.Int] = find(names.int, ValueKind.Int);
    this.encoders[ValueKind.Float] = find(names.float, ValueKind.Float);
    this.encoders[ValueKind.String] = find(names.string, ValueKind.String);
    this.encoders[ValueKind.Json] = find(names.json, ValueKind.Json);
    for (const [, codec] of registry ?? []) this.byId.set(codec.id, codec);
    // Our own ids win: chunks written with them must always decode with them.
    for (const codec of BUILTIN_CODECS) this.byId.set(codec.id, codec);
  }

  /** Encodes points [start, end) of `points` (sorted, unique timestamps). */
  encode(points: SeriesPoints, start: number, end: number): Uint8Array {
    const count = end - start;
    const w = new ByteWriter(count * 4 + 32);
    w.byte(VERSION);
    w.uvarint(count);
    this.section(w, this.encoders[0]!, points, start, end);
    const first = points.kinds[start]!;
    let mixed = false;
    for (let i = start + 1; i < end; i++) if (points.kinds[i] !== first) mixed = true;
    if (!mixed) {
      w.byte(first);
      this.section(w, this.encoders[first]!, points, start, end);
      return w.finish();
    }
    w.byte(0);
    w.bytes(points.kinds.subarray(start, end));
    for (const kind of KINDS) {
      // Mixed kinds: each value codec gets only the points of its kind, packed.
      let n = 0;
      for (let i = start; i < end; i++) if (points.kinds[i] === kind) n++;
      if (n === 0) continue;
      const packed = allocPoints(n);
      let j = 0;
      for (let i = start; i < end; i++) {
        if (points.kinds[i] !== kind) continue;
        packed.timestamps[j] = points.timestamps[i]!;
        packed.kinds[j] = kind;
        packed.floats[j] = points.floats[i]!;
        packed.ints[j] = points.ints[i]!;
        packed.texts[j++] = points.texts[i];
      }
      this.section(w, this.encoders[kind]!, packed, 0, n);
    }
    return w.finish();
  }

  private section(w: ByteWriter, codec: Codec, points: SeriesPoints, start: number, end: number): void {
    const bytes = codec.encode(points, start, end);
    w.byte(codec.id);
    w.uvarint(bytes.length);
    w.bytes(bytes);
  }

  /** Number of points in a chunk, from its header. */
  static count(bytes: Uint8Array): number {
    const r = new ByteReader(bytes);
    r.byte();
    return r.uvarint();
  }

  /** Decodes a chunk into `into` from `offset`; returns the number of points. */
  decode(bytes: Uint8Array, into: SeriesPoints, offset: number): number {
    const r = new ByteReader(bytes);
    const version = r.byte();
    if (version !== VERSION) throw new Error(`storage-mysql: unknown chunk version ${version}`);
    const count = r.uvarint();
    this.codec(r.byte()).decode(r.bytes(r.uvarint()), count, into, offset);
    const kind = r.byte();
    if (kind !== 0) {
      into.kinds.fill(kind, offset, offset + count);
      this.codec(r.byte()).decode(r.bytes(r.uvarint()), count, into, offset);
      return count;
    }
    into.kinds.set(r.bytes(count), offset);
    for (const k of KINDS) {
      let n = 0;
      for (let i = offset; i < offset + count; i++) if (into.kinds[i] === k) n++;
      if (n === 0) continue;
      const packed = allocPoints(n);
      this.codec(r.byte()).decode(r.bytes(r.uvarint()), n, packed, 0);
      let j = 0;
      for (let i = offset; i < offset + count; i++) {
        if (into.kinds[i] !== k) continue;
        into.floats[i] = packed.floats[j]!;
        into.ints[i] = packed.ints[j]!;
        into.texts[i] = packed.texts[j++];
      }
    }
    return count;
  }

  private codec(id: number): Codec {
    const codec = this.byId.get(id);
    if (!codec) throw new Error(`storage-mysql: chunk uses codec id ${id}, which no loaded plugin provides`);
    return codec;
  }
}
