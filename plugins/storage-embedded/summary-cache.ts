/**
 * Bucket summaries of block chunks (lib/chunks RunBuckets), kept so that a repeated
 * downsampling query does not decode its chunks again — the role VictoriaMetrics' rollup
 * result cache plays. A summary hangs on the chunk's reference (ChunkRef.summaries, one
 * slot per interval and aggregator), so a hit costs a property read and a short scan, not
 * a key built and hashed per chunk. Blocks are immutable and a compacted or rewritten block
 * gets new references, so an entry never goes stale. Bounded in bytes: the oldest entries
 * are dropped first (first in, first out — a hit does not reorder, to keep hits cheap).
 *
 * A summary is kept the second time it is made, not the first (TinyLFU's doorkeeper, as in
 * Caffeine: a bit per chunk and summary key in a small hashed bit set, cleared after as many
 * admissions as it has bits / 8). A query asked once — an ad-hoc scan of every chunk, the
 * count after a bulk load — then leaves no summaries behind to take memory or to push out
 * those of the queries asked again and again; a dashboard's summaries are kept from its
 * second refresh.
 */
import type { RunBuckets } from '../../lib/chunks';
import { runBytes } from '../../lib/chunks';

/** Where summaries live: a chunk reference's slots. */
export interface SummarySlots {
  summaries?: { key: string; run: RunBuckets }[];
}

/** Where a series' memo lives (SeriesEntry.downsampled): one joined answer per series. */
export interface MemoSlot {
  downsampled?: { result: { length: number } };
}

type Entry = { owner: SummarySlots; key: string; bytes: number; memo?: undefined } | { owner: MemoSlot; memo: object; bytes: number; key?: undefined };

export class SummaryCache {
  /** entries in insertion order; `first` is the oldest still counted */
  private readonly queue: Entry[] = [];
  private first = 0;
  private bytes = 0;
  hits = 0;
  misses = 0;

  /** doorkeeper bits (2^20: 128 KiB), and the summaries seen once since it was cleared */
  private readonly seenOnce = new Int32Array(1 << 15);
  private seenSinceClear = 0;

  /** `maxBytes`: 0 keeps nothing */
  constructor(private readonly maxBytes: number) {}

  /** Whether the summary `identity` names (a chunk and a summary key, hashed) was made before; marks it made. */
  private seenBefore(identity: number): boolean {
    const bit = identity & ((this.seenOnce.length << 5) - 1);
    const word = bit >>> 5;
    const mask = 1 << (bit & 31);
    if ((this.seenOnce[word]! & mask) !== 0) return true;
    this.seenOnce[word]! |= mask;
    // cleared before the bits fill up (then nearly everything would pass as seen)
    if (++this.seenSinceClear > this.seenOnce.length * 4) {
      this.seenOnce.fill(0);
      this.seenSinceClear = 0;
    }
    return false;
  }

  get(owner: SummarySlots, key: string): RunBuckets | undefined {
    const found = this.find(owner, key);
    if (found === undefined) this.misses++;
    else this.hits++;
    return found;
  }

  private find(owner: SummarySlots, key: string): RunBuckets | undefined {
    const slots = owner.summaries;
    if (slots !== undefined) for (let i = 0; i < slots.length; i++) if (slots[i]!.key === key) return slots[i]!.run;
    return undefined;
  }

  /**
   * Keeps `run` as `owner`'s summary for `key` — the second time it is offered (see the file
   * comment): `identity` is a number for the chunk and key (summaryIdentity).
   */
  set(owner: SummarySlots, key: string, run: RunBuckets, identity: number): void {
    const bytes = runBytes(run);
    if (bytes > this.maxBytes || this.find(owner, key) || !this.seenBefore(identity)) return;
    (owner.summaries ??= []).push({ key, run });
    this.admit({ owner, key, bytes });
  }

  /**
   * Counts a series' memo (just stored in `owner.downsampled`) against the same bound, so
   * memos and summaries together stay within `maxBytes`; when it does not fit at all, or
   * when it is the oldest entry once the bound is passed, the memo is dropped.
   */
  keepMemo(owner: MemoSlot): void {
    const memo = owner.downsampled;
    if (!memo) return;
    // the memo and its result objects, their typed arrays (~300 bytes each with its buffer) and the values (lib/chunks runBytes measures the same way)
    const bytes = 600 + 16 * memo.result.length;
    if (bytes > this.maxBytes) {
      owner.downsampled = undefined;
      return;
    }
    this.admit({ owner, memo, bytes });
  }

  private admit(entry: Entry): void {
    this.queue.push(entry);
    this.bytes += entry.bytes;
    while (this.bytes > this.maxBytes && this.first < this.queue.length) {
      const old = this.queue[this.first++]!;
      this.bytes -= old.bytes;
      if (old.memo !== undefined) {
        // a newer memo of the series replaced it already: nothing to drop
        if (old.owner.downsampled === old.memo) old.owner.downsampled = undefined;
        continue;
      }
      const slots = old.owner.summaries!;
      slots.splice(slots.findIndex((s) => s.key === old.key), 1);
      if (slots.length === 0) old.owner.summaries = undefined;
    }
    if (this.first > 1024 && this.first * 2 > this.queue.length) {
      this.queue.splice(0, this.first);
      this.first = 0;
    }
  }

  /**
   * Drops every summary whose owner `stale` names, all of its slots (the chunks of blocks a
   * compaction, retention or rewrite closed: no series lists them any more, so they are never
   * asked for again, and a kept summary's ChunkRef would keep its whole block index in memory).
   * Per block change, not per query: one pass over the entries.
   */
  dropWhere(stale: (owner: SummarySlots) => boolean): void {
    let kept = 0;
    for (let i = this.first; i < this.queue.length; i++) {
      const entry = this.queue[i]!;
      if (entry.memo === undefined && stale(entry.owner)) {
        this.bytes -= entry.bytes;
        entry.owner.summaries = undefined;
      } else {
        this.queue[kept++] = entry;
      }
    }
    this.queue.length = kept;
    this.first = 0;
  }

  get size(): { entries: number; bytes: number } {
    return { entries: this.queue.length - this.first, bytes: this.bytes };
  }
}

/** A 32-bit hash of a summary key (per request) and a chunk (its block's seq and its offset there), for the doorkeeper. */
export function summaryIdentity(keyHash: number, blockSeq: number, offset: number): number {
  let h = Math.imul(keyHash ^ blockSeq, 0x9e3779b1) ^ Math.imul(offset | 0, 0x85ebca6b) ^ Math.floor(offset / 2 ** 32);
  h ^= h >>> 15;
  h = Math.imul(h, 0x2c1b3c6d);
  h ^= h >>> 12;
  return h | 0;
}

let lastKey = '';
let lastKeyHash = 0;

/** A 32-bit hash of a summary key string (FNV-1a; the last one remembered: a query asks with one key). */
export function keyHashOf(key: string): number {
  if (key === lastKey) return lastKeyHash;
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
  lastKey = key;
  lastKeyHash = h | 0;
  return lastKeyHash;
}
