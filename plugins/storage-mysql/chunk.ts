/**
 * What `dsdb_chunks.data` holds: the chunk format every backend shares (lib/chunks), in
 * its stored frame (format byte 2), encoded with the codec plugins the CodecSet resolved
 * from the kernel's `codecs` registry. Rows written before it (format byte 1, this
 * plugin's former layout and codecs) stay readable through legacy-chunk.ts; compaction
 * and deletes rewrite them in the shared format.
 */
import type { Logger, SeriesPoints } from '../../core';
import { DEFAULT_CODECS, decodeStoredChunkInto, encodeStoredChunk, storedChunkPointCount, type CodecPreferences, type CodecSet } from '../../lib/chunks';
import { decodeLegacyChunk, LEGACY_FORMAT, legacyPointCount } from './legacy-chunk';

export class MysqlChunks {
  constructor(readonly codecs: CodecSet) {}

  /** Encodes points [start, end) of `points` (sorted, unique timestamps). */
  encode(points: SeriesPoints, start: number, end: number): Uint8Array {
    return encodeStoredChunk(points, start, end, this.codecs);
  }

  /** Number of points in a row's data, from its header. */
  static count(bytes: Uint8Array): number {
    return bytes[0] === LEGACY_FORMAT ? legacyPointCount(bytes) : storedChunkPointCount(bytes);
  }

  /** Decodes a row's data into `into` from `offset`; returns the number of points. */
  decode(bytes: Uint8Array, into: SeriesPoints, offset: number): number {
    return bytes[0] === LEGACY_FORMAT ? decodeLegacyChunk(bytes, this.codecs, into, offset) : decodeStoredChunkInto(bytes, this.codecs, into, offset);
  }
}

/** The `codecs` option: a name or a preference list per column. */
export type CodecOptions = { [K in keyof CodecPreferences]: string | string[] };

/** Names of this plugin's former codecs, mapped to the codec plugins that replace them. */
const FORMER_CODECS: Readonly<Record<string, string[]>> = {
  'mysql-dod-timestamp': DEFAULT_CODECS.timestamp,
  'mysql-delta-int64': DEFAULT_CODECS.int,
  'mysql-xor-float': DEFAULT_CODECS.float,
  'mysql-dict-string': DEFAULT_CODECS.string,
  'mysql-dict-json': DEFAULT_CODECS.json,
};

/** Preference lists from the option; a former built-in codec name becomes its replacement (logged). */
export function codecPreferences(options: Partial<CodecOptions> | undefined, log?: Logger): CodecPreferences {
  const out = { ...DEFAULT_CODECS };
  for (const column of Object.keys(DEFAULT_CODECS) as (keyof CodecPreferences)[]) {
    const value = options?.[column];
    if (value === undefined) continue;
    out[column] = (typeof value === 'string' ? [value] : value).flatMap((name) => {
      const replaced = FORMER_CODECS[name];
      if (!replaced) return [name];
      log?.warn({ column, codec: name, now: replaced }, 'storage-mysql: its own codecs were replaced by the codec plugins; writing with these (rows written before stay readable)');
      return replaced;
    });
  }
  return out;
}
