import type { MetaEntry, MetaStore } from '../../core';
import { checkMetaEntry, checkMetaScan } from './meta-checks';

/**
 * A MetaStore held in process memory: the memory engine's, and the base of engines that
 * keep their metadata in one process and persist it themselves (the embedded engine).
 * `putIfAbsent` is atomic because JavaScript runs one call at a time.
 */
export class MemoryMetaStore implements MetaStore {
  private readonly spaces = new Map<string, Map<string, string>>();

  async get(space: string, key: string): Promise<string | undefined> {
    checkMetaEntry(space, key);
    return this.spaces.get(space)?.get(key);
  }

  async put(space: string, key: string, value: string): Promise<void> {
    checkMetaEntry(space, key, value);
    this.space(space).set(key, value);
  }

  async putIfAbsent(space: string, key: string, value: string): Promise<boolean> {
    checkMetaEntry(space, key, value);
    const entries = this.space(space);
    if (entries.has(key)) return false;
    entries.set(key, value);
    return true;
  }

  async delete(space: string, key: string): Promise<boolean> {
    checkMetaEntry(space, key);
    return this.spaces.get(space)?.delete(key) ?? false;
  }

  async *scan(space: string, prefix: string, limit = Infinity): AsyncIterable<MetaEntry> {
    checkMetaScan(space, prefix, limit);
    const entries = this.spaces.get(space);
    if (!entries) return;
    // Sorting per scan keeps writes O(1); scans are rare (search, tree builds, admin).
    const keys = [...entries.keys()].filter((k) => k.startsWith(prefix)).sort();
    let n = 0;
    for (const key of keys) {
      if (n++ >= limit) return;
      const value = entries.get(key);
      if (value !== undefined) yield { key, value };
    }
  }

  /** Every entry, for engines that persist a snapshot. */
  entries(): Array<{ space: string; key: string; value: string }> {
    const out: Array<{ space: string; key: string; value: string }> = [];
    for (const [space, entries] of this.spaces) for (const [key, value] of entries) out.push({ space, key, value });
    return out;
  }

  private space(space: string): Map<string, string> {
    let entries = this.spaces.get(space);
    if (!entries) this.spaces.set(space, (entries = new Map()));
    return entries;
  }
}
