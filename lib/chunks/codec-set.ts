/**
 * The codecs a storage engine writes with, chosen by name from the kernel's `codecs`
 * registry (filled by codec plugins through hooks.codec.codecs), and every registered
 * codec by its one-byte id for reading. Every backend resolves its codecs here, so they
 * all write the same chunks (chunk.ts) with the same codec plugins.
 */
// core's files, not its barrel: encode-worker.ts loads this on a thread that needs no kernel
import type { Codec, Registry } from '../../core';
import { DsdbError } from '../../core/errors';
import { ValueKind } from '../../core/types';

export interface CodecPreferences {
  timestamp: string[];
  int: string[];
  float: string[];
  string: string[];
  json: string[];
}

export const DEFAULT_CODECS: CodecPreferences = {
  timestamp: ['delta-of-delta'],
  int: ['zigzag-varint'],
  float: ['decimal-float', 'xor-float'],
  string: ['dict-string'],
  json: ['compact-json'],
};

/** The plugin that provides each default codec, so a missing one is named in the error. */
export const CODEC_PLUGINS: Readonly<Record<string, string>> = {
  'delta-of-delta': 'codec-delta-of-delta',
  'zigzag-varint': 'codec-zigzag-int',
  'decimal-float': 'codec-decimal-float',
  'xor-float': 'codec-xor-float',
  'dict-string': 'codec-dict-string',
  'compact-json': 'codec-compact-json',
};

const COLUMNS = [
  ['timestamp', 'timestamps'],
  ['int', 'integers'],
  ['float', 'floats'],
  ['string', 'strings'],
  ['json', 'JSON'],
] as const;

/** A chunk column with its preference list. */
export type CodecColumn = keyof CodecPreferences;
/** Every column: what a storage engine must be able to write. */
export const ALL_CODEC_COLUMNS: readonly CodecColumn[] = COLUMNS.map(([column]) => column);
/** The columns of numeric points (all that lib/chunks' encode worker is sent). */
export const NUMERIC_CODEC_COLUMNS: readonly CodecColumn[] = ['timestamp', 'int', 'float'];

export class CodecSet {
  readonly timestamp: Codec[];
  /** preference lists by ValueKind (index 1..4) */
  readonly byKind: Codec[][] = [];
  readonly byId = new Map<number, Codec>();

  /**
   * Throws DSDB_ERR_NO_STORAGE naming the codec plugins to load when one of the `required`
   * columns has none of its preferred codecs registered (another column may then have no
   * codec: it is never written). `owner` (the storage plugin) starts the message.
   */
  constructor(registry: Registry<Codec>, prefs: CodecPreferences, owner = 'storage', required: readonly CodecColumn[] = ALL_CODEC_COLUMNS) {
    for (const [, codec] of registry) this.byId.set(codec.id, codec);
    const lists: Record<string, Codec[]> = {};
    const missing: string[] = [];
    for (const [column, what] of COLUMNS) {
      const names = prefs[column];
      const list = names.map((n) => registry.get(n)).filter((c): c is Codec => c !== undefined);
      lists[column] = list;
      if (list.length === 0 && required.includes(column)) {
        const providers = names.map((n) => (CODEC_PLUGINS[n] ? `plugin ${CODEC_PLUGINS[n]}` : `a plugin providing codec "${n}"`));
        missing.push(`${what}: ${names.join(' or ')} (load ${providers.join(' or ')})`);
      }
    }
    if (missing.length > 0) {
      throw new DsdbError('DSDB_ERR_NO_STORAGE', `${owner}: no codec registered for ${missing.join('; ')}; chunks are encoded by the codec-* plugins, add them to the config's plugins`);
    }
    this.timestamp = lists.timestamp!;
    this.byKind[ValueKind.Int] = lists.int!;
    this.byKind[ValueKind.Float] = lists.float!;
    this.byKind[ValueKind.String] = lists.string!;
    this.byKind[ValueKind.Json] = lists.json!;
  }

  /** The codec that wrote a column, by the id in the chunk. Throws RangeError when none is loaded. */
  codec(id: number): Codec {
    const codec = this.byId.get(id);
    if (!codec) throw new RangeError(`chunk uses codec id ${id}, which no loaded codec plugin provides`);
    return codec;
  }
}
