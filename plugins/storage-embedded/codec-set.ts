/**
 * The codecs the engine writes with, chosen by name from the `codecs` registry (filled
 * by codec plugins through hooks.codec.codecs), and every registered codec by its on-disk
 * id for reading.
 */
import { DsdbError, ValueKind, type Codec, type Registry } from '../../core';

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

export class CodecSet {
  readonly timestamp: Codec[];
  /** preference lists by ValueKind (index 1..4) */
  readonly byKind: Codec[][] = [];
  readonly byId = new Map<number, Codec>();

  constructor(registry: Registry<Codec>, prefs: CodecPreferences) {
    for (const [, codec] of registry) this.byId.set(codec.id, codec);
    const pick = (names: string[], what: string): Codec[] => {
      const list = names.map((n) => registry.get(n)).filter((c): c is Codec => c !== undefined);
      if (list.length === 0) {
        throw new DsdbError('DSDB_ERR_NO_STORAGE', `storage-embedded: no codec for ${what} is registered (wanted ${names.join(' or ')}); load the codec-* plugins`);
      }
      return list;
    };
    this.timestamp = pick(prefs.timestamp, 'timestamps');
    this.byKind[ValueKind.Int] = pick(prefs.int, 'integers');
    this.byKind[ValueKind.Float] = pick(prefs.float, 'floats');
    this.byKind[ValueKind.String] = pick(prefs.string, 'strings');
    this.byKind[ValueKind.Json] = pick(prefs.json, 'JSON');
  }
}
