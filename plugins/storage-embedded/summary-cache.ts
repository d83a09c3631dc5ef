/**
 * Bucket summaries of block chunks (lib/chunks RunBuckets), kept so that a repeated
 * downsampling query does not decode its chunks again — the role VictoriaMetrics' rollup
 * result cache plays. A summary hangs on the chunk's reference (ChunkRef.summaries, one
 * slot per interval and aggregator), so a hit costs a property read and a short scan, not
 * a key built and hashed per chunk. Blocks are immutable and a compacted or rewritten block
 * gets new references, so an entry never goes stale. Bounded in bytes: the oldest entries
 * are dropped first (first in, first out — a hit does not reorder, to keep hits cheap).
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

  /** `maxBytes`: 0 keeps nothing */
  constructor(private readonly maxBytes: number) {}

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

  set(owner: SummarySlots, key: string, run: RunBuckets): void {
    const bytes = runBytes(run);
    if (bytes > this.maxBytes || this.find(owner, key)) return;
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

  get size(): { entries: number; bytes: number } {
    return { entries: this.queue.length - this.first, bytes: this.bytes };
  }
}
