/**
 * Remembers the series of the `put` lines already seen, keyed by the raw bytes of the
 * metric and tag words, so a known series is found by hashing bytes: no strings, no
 * tag objects and no re-validation per line. Only a line with new bytes pays for
 * parsing and checking its names.
 *
 * Each distinct series key has one SeriesIdentity in the cache, shared by every byte form
 * that names it (`a=1 b=2` and `b=2 a=1`). A batch builder fed by one such cache at a
 * time (`oneBatchAtATime`) then takes a series the first time a batch sees it without a
 * keyed lookup (BatchBuilder.addDistinctSeries): the identity's (epoch, index) already
 * say whether it is in the batch. This is Prometheus' series reference idea
 * (storage.SeriesRef): the per-point work is a comparison, not a hash-map probe.
 */
import type { BatchBuilder } from '../../core/batch-builder';
import type { SeriesRef } from '../../core/series-ref';
import type { SeriesKey, Tags } from '../../core/types';
import { NameInterner } from '../../core/name-interner';
import type { PointTemplate } from './put-json-bytes';

/** One series key as the cache knows it; one object per key while the cache is not renewed. */
export interface SeriesIdentity extends SeriesRef {
  /** seriesKeyString(metric, tags) */
  readonly key: string;
  /** the batch (by epoch) this series was last added to, and its index there */
  epoch: number;
  index: number;
  /**
   * A parse worker's slot for this series and the number of the slot table that gave it
   * (put-parse-worker's SlotTable; -1 before): fields of the identity itself, read right
   * after the parse touched it, where a memo array would be one more object to load.
   */
  workerSlot: number;
  workerTable: number;
}

export interface CachedSeries {
  hash: number;
  /**
   * The series' bytes are `bytes[at, at + length)`: metric bytes, one space, then the tag
   * words' bytes exactly as on the line. `bytes` is one of the cache's slabs, shared by the
   * series cached after it (a Buffer and a DataView a series were ~170 bytes of a parse
   * thread's heap for ~45 bytes of text).
   */
  bytes: Uint8Array;
  /** the slab as a DataView: compared with a line four bytes at a time (PutLineParser.guessedLine) */
  view: DataView<ArrayBufferLike>;
  at: number;
  length: number;
  /** `{ metric, tags }`, the same object in every batch (no allocation per batch); its tags in this byte form's order */
  series: SeriesKey;
  /** shared by every byte form of this key; holds the key */
  identity: SeriesIdentity;
  next: CachedSeries | undefined;
  /** the length of the first range in `bytes` (the metric's bytes), or -1 when the caller did not say */
  firstLength: number;
  /**
   * The series the line after this series' last line named, last time (SeriesCache.follow):
   * the guess for the next line. Collectors send a fleet's series in the same order every
   * round, so most lines are the series the previous round had after the previous line's.
   */
  successor: CachedSeries | undefined;
  /** the `/api/put` JSON reader's last point object of this series (put-json-bytes.ts), or undefined */
  template: PointTemplate | undefined;
}

/**
 * A 32-bit hash of two byte ranges with a separator between them: murmur3_32's word step
 * and finalizer (4 bytes a round, a third of FNV-1a's multiplications per byte; the hash is
 * the per-line cost of finding a known series). Only compared within one process's
 * caches, never stored.
 */
export function hashRanges(bytes: Uint8Array, aStart: number, aEnd: number, bStart: number, bEnd: number): number {
  let h = hashRange(0x9747b28c, bytes, aStart, aEnd);
  h = mixWord(h, 0x20);
  h = hashRange(h, bytes, bStart, bEnd);
  h ^= aEnd - aStart + bEnd - bStart;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h | 0;
}

function mixWord(h: number, k: number): number {
  k = Math.imul(k, 0xcc9e2d51);
  k = (k << 15) | (k >>> 17);
  h ^= Math.imul(k, 0x1b873593);
  h = (h << 13) | (h >>> 19);
  return (Math.imul(h, 5) + 0xe6546b64) | 0;
}

function hashRange(h: number, bytes: Uint8Array, start: number, end: number): number {
  let i = start;
  for (; i + 4 <= end; i += 4) h = mixWord(h, bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24));
  // the tail, one byte a word: distinct from any full word of the same bytes by the length mixed in above
  for (; i < end; i++) h = mixWord(h, bytes[i]!);
  return h;
}

/** Bytes of one slab of cached series' bytes: ~1,400 series of the benchmark's fleet. */
const SLAB_BYTES = 64 << 10;

export interface SeriesCacheOptions {
  /** entries remembered before the cache starts over (default 2^18) */
  maxEntries?: number;
  /**
   * The caller builds one batch at a time from this cache: it takes (or drops) a batch
   * before it adds to another. Then identities replace the batch's keyed lookup. Leave it
   * off when several batches fill at once (a builder per connection over one cache).
   */
  oneBatchAtATime?: boolean;
}

/**
 * Whether `bytes[i, i + end - j)` (`view` over the same bytes) equals `known[j, end)`
 * (`knownView` over it): four bytes at a time, a quarter of the compares of a byte loop,
 * then the last few. The caller has checked that the range lies within `bytes`.
 */
export function sameRun(view: DataView<ArrayBufferLike>, bytes: Uint8Array, i: number, knownView: DataView<ArrayBufferLike>, known: Uint8Array, j: number, end: number): boolean {
  for (; j + 4 <= end; j += 4, i += 4) if (view.getInt32(i) !== knownView.getInt32(j)) return false;
  for (; j < end; j++, i++) if (bytes[i] !== known[j]) return false;
  return true;
}

/**
 * Whether the entry's bytes are `bytes[aStart, aEnd)`, one separator byte, then
 * `bytes[bStart, bEnd)` (`view`: a DataView over `bytes`), compared four bytes at a time.
 * The separator is not compared, so where the first range ends is: by the entry's
 * `firstLength` when it has one (a metric holding a space and tag bytes would otherwise
 * match another series' bytes of the same total length). Entries without it come from
 * readers whose first range cannot hold the separator (a telnet line's words) or that
 * look up one range only (remote_write's labels).
 */
function sameBytes(entry: CachedSeries, bytes: Uint8Array, view: DataView<ArrayBufferLike>, aStart: number, aEnd: number, bStart: number, bEnd: number): boolean {
  const aLength = aEnd - aStart;
  const length = entry.length;
  if (length !== aLength + 1 + (bEnd - bStart)) return false;
  if (entry.firstLength >= 0 && entry.firstLength !== aLength) return false;
  const known = entry.bytes;
  const at = entry.at;
  return sameRun(view, bytes, aStart, entry.view, known, at, at + aLength) && sameRun(view, bytes, bStart, entry.view, known, at + aLength + 1, at + length);
}

export class SeriesCache {
  private readonly table = new Map<number, CachedSeries>();
  private readonly identities = new Map<string, SeriesIdentity>();
  private readonly maxEntries: number;
  private readonly oneBatchAtATime: boolean;
  /** the epoch of the batch a series was last added to, and of the batch in which the cache last started over */
  private lastEpoch = 0;
  private renewedIn = -1;
  /** the series of the last line followed (`follow`); undefined after the cache starts over */
  private last: CachedSeries | undefined;
  /** the bytes viewOf last saw, and its view */
  private viewed: Uint8Array = new Uint8Array(0);
  private view: DataView<ArrayBufferLike> = new DataView(new ArrayBuffer(0));
  /** the cached series' names, one string each however many series name them */
  private readonly names = new NameInterner();
  /** the slab the next series' bytes go to, its DataView, and its bytes in use */
  private slab: Uint8Array = new Uint8Array(0);
  private slabView: DataView<ArrayBufferLike> = new DataView(this.slab.buffer);
  private slabUsed = 0;

  constructor(options: SeriesCacheOptions = {}) {
    this.maxEntries = options.maxEntries ?? 1 << 18;
    this.oneBatchAtATime = options.oneBatchAtATime ?? false;
  }

  /** The series whose bytes are `bytes[aStart, aEnd)`, a separator, then `bytes[bStart, bEnd)`, hashed as `hash` (hashRanges); undefined when unknown. */
  find(hash: number, bytes: Uint8Array, aStart: number, aEnd: number, bStart: number, bEnd: number): CachedSeries | undefined {
    const view = this.viewOf(bytes);
    for (let entry = this.table.get(hash); entry; entry = entry.next) {
      if (sameBytes(entry, bytes, view, aStart, aEnd, bStart, bEnd)) return entry;
    }
    return undefined;
  }

  /** A DataView over `bytes`, made once for a body or packet read line after line (not once a lookup). */
  private viewOf(bytes: Uint8Array): DataView<ArrayBufferLike> {
    if (bytes !== this.viewed) {
      this.viewed = bytes;
      this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    }
    return this.view;
  }

  /**
   * `find` that tries the guess first (`guess`: the series that followed the last one found
   * last time), hashing only when the guess is not the series; follows what it finds. For
   * readers of bodies that name series in a repeated order (a collector's rounds).
   */
  lookup(bytes: Uint8Array, aStart: number, aEnd: number, bStart: number, bEnd: number): CachedSeries | undefined {
    const guess = this.guess();
    const found =
      guess !== undefined && sameBytes(guess, bytes, this.viewOf(bytes), aStart, aEnd, bStart, bEnd) ? guess : this.find(hashRanges(bytes, aStart, aEnd, bStart, bEnd), bytes, aStart, aEnd, bStart, bEnd);
    if (found !== undefined) this.follow(found);
    return found;
  }

  /**
   * Remembers a series under its bytes (`bytes`: what CachedSeries' range holds, copied; `tags` plain and
   * checked; `key` = seriesKeyString(metric, tags); `firstLength`: the first range's bytes,
   * for a caller that reads `firstLength` back) and returns its entry, followed (`follow`).
   */
  add(hash: number, bytes: Uint8Array, metric: string, tags: Tags, key: string, firstLength = -1): CachedSeries {
    // A bound, not an LRU: a cache of every series ever seen would grow without limit
    // under high churn; starting over costs only re-validation.
    if (this.table.size >= this.maxEntries) {
      this.table.clear();
      this.identities.clear();
      // the slabs and the names go with the entries that point into them
      this.slab = new Uint8Array(0);
      this.slabUsed = 0;
      this.names.clear();
      // the batch being built may hold identities that are gone now: its later series are looked up by key
      this.renewedIn = this.lastEpoch;
      // the guesses lead to entries that are gone: an identity of theirs in a batch beside a new one would name its series twice
      this.last = undefined;
    }
    let identity = this.identities.get(key);
    if (!identity) {
      identity = { key, epoch: 0, index: 0, memo: [], workerSlot: -1, workerTable: -1 };
      this.identities.set(key, identity);
    }
    const at = this.place(bytes);
    const entry: CachedSeries = {
      hash,
      bytes: this.slab,
      view: this.slabView,
      at,
      length: bytes.length,
      series: { metric: this.names.intern(metric), tags: this.names.internValues(tags) },
      identity,
      next: this.table.get(hash),
      firstLength,
      successor: undefined,
      template: undefined,
    };
    this.table.set(hash, entry);
    // a series is added when a line has just named it
    this.follow(entry);
    return entry;
  }

  /** Copies `bytes` into the current slab (a new one when it has no room) and returns where they start. */
  private place(bytes: Uint8Array): number {
    if (this.slabUsed + bytes.length > this.slab.length) {
      // a series longer than a slab gets a slab of its own size
      this.slab = new Uint8Array(Math.max(SLAB_BYTES, bytes.length));
      this.slabView = new DataView(this.slab.buffer);
      this.slabUsed = 0;
    }
    const at = this.slabUsed;
    this.slab.set(bytes, at);
    this.slabUsed = at + bytes.length;
    return at;
  }

  /**
   * The guess for the next line's series: what followed the last line's series last time
   * (undefined when there is none). A caller checks the guess against the line's bytes
   * before it uses it, and falls back to `find`; it then calls `follow` with the series it
   * found (`lookup` does both; `add` follows the series it adds).
   */
  guess(): CachedSeries | undefined {
    return this.last === undefined ? undefined : this.last.successor;
  }

  /** Records that `entry` named the line after the last one followed (one store, when the order changed). */
  follow(entry: CachedSeries): void {
    const last = this.last;
    if (last !== undefined && last.successor !== entry) last.successor = entry;
    this.last = entry;
  }

  /** The series' index in `batch`, added on its first point there; per point only a comparison of epochs. */
  indexIn(entry: CachedSeries, batch: BatchBuilder): number {
    const identity = entry.identity;
    const epoch = batch.epoch;
    if (identity.epoch !== epoch) {
      identity.index =
        this.oneBatchAtATime && this.renewedIn !== epoch
          ? batch.addDistinctSeries(identity.key, entry.series, identity)
          : batch.seriesFor(identity.key, entry.series.metric, entry.series.tags);
      identity.epoch = epoch;
      this.lastEpoch = epoch;
    }
    return identity.index;
  }
}
