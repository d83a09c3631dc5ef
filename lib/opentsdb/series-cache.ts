/**
 * Remembers the series of the `put` lines already seen, keyed by the raw bytes of the
 * metric and tag words, so a known series is found by hashing bytes: no strings, no
 * tag objects and no re-validation per line. Only a line with new bytes pays for
 * parsing and checking its names.
 */
import type { BatchBuilder } from '../../core/batch-builder';
import type { Tags } from '../../core/types';

export interface CachedSeries {
  hash: number;
  /** metric bytes, one space, then the tag words' bytes exactly as on the line */
  bytes: Buffer;
  metric: string;
  tags: Tags;
  /** seriesKeyString(metric, tags) */
  key: string;
  /** the batch (by epoch) this series was last added to, and its index there */
  epoch: number;
  index: number;
  next: CachedSeries | undefined;
}

/** FNV-1a over two byte ranges with a separator between them. */
export function hashRanges(bytes: Uint8Array, aStart: number, aEnd: number, bStart: number, bEnd: number): number {
  let h = 0x811c9dc5;
  for (let i = aStart; i < aEnd; i++) h = Math.imul(h ^ bytes[i]!, 0x01000193);
  h = Math.imul(h ^ 0x20, 0x01000193);
  for (let i = bStart; i < bEnd; i++) h = Math.imul(h ^ bytes[i]!, 0x01000193);
  return h >>> 0;
}

export class SeriesCache {
  private readonly table = new Map<number, CachedSeries>();

  constructor(private readonly maxEntries = 1 << 18) {}

  find(hash: number, bytes: Uint8Array, aStart: number, aEnd: number, bStart: number, bEnd: number): CachedSeries | undefined {
    const aLen = aEnd - aStart;
    const total = aLen + 1 + (bEnd - bStart);
    for (let entry = this.table.get(hash); entry; entry = entry.next) {
      const known = entry.bytes;
      if (known.length !== total) continue;
      let same = true;
      for (let i = 0; i < aLen; i++) {
        if (known[i] !== bytes[aStart + i]) {
          same = false;
          break;
        }
      }
      if (!same) continue;
      for (let i = bStart, j = aLen + 1; i < bEnd; i++, j++) {
        if (known[j] !== bytes[i]) {
          same = false;
          break;
        }
      }
      if (same) return entry;
    }
    return undefined;
  }

  add(entry: CachedSeries): void {
    // A bound, not an LRU: a cache of every series ever seen would grow without limit
    // under high churn; starting over costs only re-validation.
    if (this.table.size >= this.maxEntries) this.table.clear();
    entry.next = this.table.get(entry.hash);
    this.table.set(entry.hash, entry);
  }
}

/** The series' index in `batch`, added on its first point there; per point only a comparison of epochs. */
export function batchIndexOf(series: CachedSeries, batch: BatchBuilder): number {
  if (series.epoch !== batch.epoch) {
    series.index = batch.seriesFor(series.key, series.metric, series.tags);
    series.epoch = batch.epoch;
  }
  return series.index;
}
