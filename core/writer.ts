/**
 * The write service (`writer` in the container): the one way points reach storage.
 * Every transport — telnet `put`, `/api/put`, protobuf, remote_write, `dsdb import` —
 * hands it whole batches, and it owns what they would otherwise each repeat:
 *  - "no storage": a `DsdbError` with code `DSDB_ERR_NO_STORAGE`, which each transport
 *    answers in its own protocol's form;
 *  - backpressure: at most `writeMaxInFlightPoints` points are on their way to storage at
 *    once; a batch beyond that waits (its connection is paused by the transport awaiting
 *    it), so no queue grows with load;
 *  - the per-batch hooks `write.beforeWrite` (a waterfall that may replace the batch),
 *    `write.prepare` (work that must precede the write and leaves the batch as it is) and
 *    `write.afterWrite` — per batch, never per point;
 *  - counts for `/api/stats` and `/metrics` (`writer.batches`, `writer.points`,
 *    `writer.errors`, tagged by source);
 *  - draining on shutdown: the kernel awaits `drain()` before it closes storage, so no
 *    accepted batch is cut off.
 */
import { assertValidBatch } from './batch-check';
import type { DsdbContainer } from './container';
import { DsdbError } from './errors';
import type { StatsCollector } from './extension-points';
import type { KernelHooks } from './hooks';
import type { PointBatch, StorageEngine, WriteResult } from './storage';
import { seriesKeyString } from './types';

/** What a batch is and where it came from, passed to the write hooks. */
export interface WriteInfo {
  /** the transport that sent it: `telnet`, `http`, `protobuf`, `remote_write`, `import`, … */
  source: string;
  /** resolve only once the points are durable (`/api/put?sync`, protobuf `sync`) */
  sync: boolean;
}

export interface WriteService {
  /**
   * Writes one batch: waits for capacity, runs `beforeWrite`, `storage.write`, then
   * `afterWrite`. Rejects with `DSDB_ERR_NO_STORAGE` when no engine is configured, or
   * with the engine's error (nothing of a rejected batch is acknowledged).
   */
  write(batch: PointBatch, info: WriteInfo): Promise<WriteResult>;
  /** Whether a storage engine is there to write to. */
  readonly hasStorage: boolean;
  /** Resolves once every batch accepted so far has settled. */
  drain(): Promise<void>;
  /** Records the writer's figures into a stats collector. */
  recordStats(collector: StatsCollector): void;
}

interface SourceCounts {
  batches: number;
  points: number;
  errors: number;
}

/**
 * What a `beforeWrite` tap hands back gets the same check as any batch, and its series
 * keys are derived again from `series`: engines find series by `seriesKeys`, so a tap
 * that relabels `series` in place must not leave the old keys (points would land in
 * the old series now, and in the new one after a WAL replay). Per series, not per point.
 */
function checkTapResult(batch: PointBatch): void {
  if (typeof batch !== 'object' || batch === null || !Array.isArray(batch.series) || !Array.isArray(batch.seriesKeys) || batch.series.length !== batch.seriesKeys.length) {
    throw new DsdbError('DSDB_ERR_BAD_WRITE', 'a write.beforeWrite tap returned something that is not a PointBatch (series and seriesKeys must be arrays of one length)');
  }
  assertValidBatch(batch);
  // the tap may have changed any series: what consumers memoized on the refs no longer holds
  batch.seriesRefs = undefined;
  batch.seriesSlots = undefined;
  for (let s = 0; s < batch.series.length; s++) {
    const series = batch.series[s]!;
    batch.seriesKeys[s] = seriesKeyString(series.metric, series.tags);
  }
}

/**
 * The batch with series objects of its own, for beforeWrite taps: transports hand out the
 * same series and tags objects for every batch of a series (their caches), so a tap that
 * relabels `series[s].tags` in place — which docs/plugins.md allows — must get copies, or
 * its change would land again on the next batch's already changed tags. Per series, only
 * when a beforeWrite tap is there.
 */
function withOwnSeries(batch: PointBatch): PointBatch {
  // fields named, not spread: a batch may keep private state (put-parse-pool's slot table) a tap must not get
  return {
    length: batch.length,
    series: batch.series.map((s) => ({ metric: s.metric, tags: { ...s.tags } })),
    seriesKeys: [...batch.seriesKeys],
    seriesIndex: batch.seriesIndex,
    timestamps: batch.timestamps,
    kinds: batch.kinds,
    floats: batch.floats,
    ints: batch.ints,
    texts: batch.texts,
  };
}

export class Writer implements WriteService {
  private inFlightPoints = 0;
  private readonly inFlight = new Set<Promise<unknown>>();
  /** transports waiting for capacity, oldest first; at most one per paused connection */
  private readonly waiting: (() => void)[] = [];
  private readonly counts = new Map<string, SourceCounts>();

  constructor(
    private readonly hooks: KernelHooks,
    private readonly container: DsdbContainer,
    private readonly maxInFlightPoints: number,
  ) {}

  get hasStorage(): boolean {
    return this.container.hasRegistration('storage');
  }

  async write(batch: PointBatch, info: WriteInfo): Promise<WriteResult> {
    const counts = this.countsOf(info.source);
    counts.batches++;
    if (!this.hasStorage) {
      counts.errors += batch.length;
      throw new DsdbError('DSDB_ERR_NO_STORAGE', 'no storage engine is configured');
    }
    const storage: StorageEngine = this.container.resolve('storage');
    try {
      assertValidBatch(batch);
    } catch (err) {
      counts.errors += batch.length;
      throw err;
    }
    // A batch larger than the whole budget still goes alone, or it would wait forever.
    while (this.inFlightPoints > 0 && this.inFlightPoints + batch.length > this.maxInFlightPoints) {
      await new Promise<void>((resume) => this.waiting.push(resume));
    }
    const size = batch.length;
    this.inFlightPoints += size;
    const work = this.run(storage, batch, info);
    this.inFlight.add(work);
    try {
      const result = await work;
      counts.points += result.written;
      return result;
    } catch (err) {
      counts.errors += size;
      throw err;
    } finally {
      this.inFlight.delete(work);
      this.inFlightPoints -= size;
      this.waiting.shift()?.();
    }
  }

  private async run(storage: StorageEngine, batch: PointBatch, info: WriteInfo): Promise<WriteResult> {
    const before = this.hooks.write.beforeWrite;
    let toWrite = batch;
    if (before.isUsed()) {
      try {
        toWrite = await before.promise(withOwnSeries(batch), info);
      } catch (err) {
        throw new DsdbError('DSDB_ERR_BAD_WRITE', `a write.beforeWrite tap refused the batch: ${(err as Error)?.message ?? String(err)}`);
      }
      checkTapResult(toWrite);
    }
    const prepare = this.hooks.write.prepare;
    if (prepare.isUsed()) {
      try {
        await prepare.promise(toWrite, info);
      } catch (err) {
        throw new DsdbError('DSDB_ERR_BAD_WRITE', `a write.prepare tap refused the batch: ${(err as Error)?.message ?? String(err)}`);
      }
    }
    const result = await storage.write(toWrite, { sync: info.sync });
    if (this.hooks.write.afterWrite.isUsed()) this.hooks.write.afterWrite.call(toWrite, info);
    return result;
  }

  async drain(): Promise<void> {
    while (this.inFlight.size > 0 || this.waiting.length > 0) {
      await Promise.allSettled([...this.inFlight]);
      if (this.inFlight.size === 0) this.waiting.shift()?.();
    }
  }

  recordStats(collector: StatsCollector): void {
    for (const [source, counts] of this.counts) {
      collector.record('writer.batches', counts.batches, { source });
      collector.record('writer.points', counts.points, { source });
      collector.record('writer.errors', counts.errors, { source });
    }
  }

  private countsOf(source: string): SourceCounts {
    let counts = this.counts.get(source);
    if (!counts) this.counts.set(source, (counts = { batches: 0, points: 0, errors: 0 }));
    return counts;
  }
}
