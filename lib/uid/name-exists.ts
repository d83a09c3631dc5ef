import type { NameKind, StorageEngine } from '../../core';

/**
 * Whether any stored series uses `name` as a `kind` (OpenTSDB's name→UID lookup, answered
 * from the engine's names): the engine's exact lookup where it has one, else its sorted
 * suggest with the name as prefix.
 */
export async function nameExists(storage: StorageEngine, kind: NameKind, name: string): Promise<boolean> {
  if (storage.hasName) return storage.hasName(kind, name);
  const [first] = await storage.suggest(kind, name, 1);
  return first === name;
}
