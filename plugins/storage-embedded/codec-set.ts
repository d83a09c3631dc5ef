/** Codec resolution lives in lib/chunks, shared by every storage backend; errors name this plugin. */
import type { Codec, Registry } from '../../core';
import { CodecSet as SharedCodecSet, DEFAULT_CODECS, type CodecPreferences } from '../../lib/chunks';

export { DEFAULT_CODECS, type CodecPreferences };

export class CodecSet extends SharedCodecSet {
  constructor(registry: Registry<Codec>, prefs: CodecPreferences) {
    super(registry, prefs, 'storage-embedded');
  }
}
