/**
 * The chunks bucket: one Riak object per series and time window, holding that window's
 * points as one stored chunk (lib/chunks, format 2; Riak checksums values itself). The
 * bucket has allow_mult=true: a write carries the vclock it read (X-Riak-Vclock), so a
 * daemon that wrote without seeing another daemon's concurrent write leaves a sibling
 * instead of overwriting it. Every read and every write merges siblings point by point
 * (for a shared timestamp the sibling written last wins, by the write time each sibling
 * carries in X-Riak-Meta-Dsdb-Written) and the next write stores the merge with the
 * vclock that covers them all, resolving the conflict without losing a point.
 *
 * A write merges its points into the window's chunk: the daemon caches the chunks it
 * wrote last (points and vclock, LRU), so a writer does one PUT per series and window per
 * batch (returnbody answers the new vclock, and any sibling another daemon made
 * meanwhile); a chunk it does not hold is written blind and merged from the answer.
 * Writes to one key are serialized inside a daemon.
 */
import type { SeriesPoints } from '../../core';
import { decodeStoredChunk, encodeStoredChunk, type CodecSet } from '../../lib/chunks';
import type { RiakHttp, RiakObject } from './http';
import { chunkKey } from './keys';
import { mergeInOrder, mergeNewer } from './merge';

const WRITTEN = 'dsdb-written';

let lastWritten = 0;
/**
 * The write time a sibling carries: the wall clock, made strictly increasing within the
 * process, so that two writes of one daemon in the same millisecond still order (across
 * daemons the clocks order them, as HBase cell timestamps do for OpenTSDB).
 */
function writeTime(): number {
  lastWritten = Math.max(Date.now(), lastWritten + 1);
  return lastWritten;
}

interface Cached {
  points: SeriesPoints;
  vclock?: string;
}

/** A chunk read from Riak: its points (siblings merged) and the vclock covering them. */
export interface LoadedChunk {
  points: SeriesPoints;
  vclock?: string;
  siblings: number;
}

export class ChunkStore {
  private readonly cache = new Map<string, Cached>();
  private readonly locks = new Map<string, Promise<void>>();

  constructor(
    private readonly http: RiakHttp,
    readonly bucket: string,
    private readonly codecs: CodecSet,
    private readonly cacheLimit: number,
  ) {}

  /** Points of an object: its siblings, tombstones skipped, merged oldest write first. */
  private pointsOf(object: RiakObject): SeriesPoints {
    const live = object.siblings.filter((s) => !s.deleted && s.value.length > 0);
    if (live.length === 1) return decodeStoredChunk(live[0]!.value, this.codecs);
    // Oldest first, so that the latest write wins; the etag breaks ties the same way on every daemon.
    live.sort((a, b) => Number(a.meta.get(WRITTEN) ?? 0) - Number(b.meta.get(WRITTEN) ?? 0) || (a.etag < b.etag ? -1 : a.etag > b.etag ? 1 : 0));
    return mergeInOrder(live.map((s) => decodeStoredChunk(s.value, this.codecs)));
  }

  /** Reads chunk `key` from Riak (never from the cache: other daemons write too). */
  async load(key: string): Promise<LoadedChunk | undefined> {
    const object = await this.http.fetch(this.bucket, key);
    if (!object) return undefined;
    return { points: this.pointsOf(object), vclock: object.vclock, siblings: object.siblings.length };
  }

  /** Runs `fn` after every earlier operation on `key` of this daemon has settled. */
  private locked<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.locks.get(key) ?? Promise.resolve();
    const result = previous.then(fn);
    const tail = result.then(
      () => undefined,
      () => undefined,
    );
    this.locks.set(key, tail);
    void tail.then(() => {
      if (this.locks.get(key) === tail) this.locks.delete(key);
    });
    return result;
  }

  /** Stores `points` over the version `vclock` names, and remembers what Riak answered. */
  private async put(key: string, points: SeriesPoints, vclock: string | undefined): Promise<void> {
    const value = encodeStoredChunk(points, 0, points.length, this.codecs);
    try {
      const stored = await this.http.store(this.bucket, key, value, { vclock, meta: { [WRITTEN]: String(writeTime()) }, returnBody: true });
      // Siblings in the answer: another daemon wrote meanwhile; keep their merge for the next write.
      const merged = stored && stored.siblings.length > 1 ? this.pointsOf(stored) : points;
      this.remember(key, { points: merged, vclock: stored?.vclock });
    } catch (err) {
      // Whether the PUT landed is unknown: the next write reads the chunk again.
      this.cache.delete(key);
      throw err;
    }
  }

  private remember(key: string, entry: Cached): void {
    this.cache.delete(key);
    if (this.cache.size >= this.cacheLimit) this.cache.delete(this.cache.keys().next().value!);
    this.cache.set(key, entry);
  }

  /** Merges a write's points (sorted, unique) into the chunk of `id` and `window`; they win over stored ones. */
  append(id: string, window: number, fragment: SeriesPoints): Promise<void> {
    const key = chunkKey(id, window);
    return this.locked(key, async () => {
      // Not cached: PUT the fragment without a vclock instead of reading the chunk first. If the
      // chunk exists, Riak keeps both as siblings and answers them (returnbody): the merge is
      // cached and the next write stores it over both. One round trip instead of two, no loss.
      const base = this.cache.get(key);
      await this.put(key, base ? mergeNewer(base.points, fragment) : fragment, base?.vclock);
    });
  }

  /**
   * Reads a chunk for a query; a chunk with siblings is written back merged (read
   * repair), so conflicts do not wait for the next write to that window.
   */
  async read(key: string): Promise<SeriesPoints | undefined> {
    const loaded = await this.load(key);
    if (loaded && loaded.siblings > 1) {
      await this.locked(key, async () => {
        const fresh = await this.load(key);
        if (fresh && fresh.siblings > 1) await this.put(key, fresh.points, fresh.vclock);
      });
    }
    return loaded?.points;
  }

  /**
   * Rewrites chunk `key` with `change` applied to its current points (read from Riak,
   * siblings merged); `change` returns undefined to leave it as is. Returns what it returned.
   */
  rewrite<T>(key: string, change: (points: SeriesPoints) => { points: SeriesPoints; result: T } | undefined): Promise<T | undefined> {
    return this.locked(key, async () => {
      const loaded = await this.load(key);
      if (!loaded) return undefined;
      const changed = change(loaded.points);
      if (!changed) return undefined;
      await this.put(key, changed.points, loaded.vclock);
      return changed.result;
    });
  }

  /** Keys of the chunks of series `id` whose windows start in [fromWindow, toWindow], in time order. */
  async keys(id: string, fromWindow: number, toWindow: number): Promise<string[]> {
    const entries = await this.http.index(this.bucket, '$key', { start: chunkKey(id, fromWindow), end: chunkKey(id, toWindow) });
    return entries.map((e) => e.key).sort();
  }

  /** Waits for every write this daemon has in flight. */
  async settled(): Promise<void> {
    await Promise.all([...this.locks.values()]);
  }
}
