/**
 * The embedded storage engine, in the Prometheus tsdb shape; this class only coordinates
 * the parts (docs/storage-embedded.md has the file layout, docs/storage-format.md every
 * byte layout). Every write goes to the WAL (wal.ts, records in wal-records.ts) and into
 * the in-memory head (head.ts). The head is cut into an immutable block of compressed
 * chunks (cut.ts, block.ts, chunk.ts) when it grows past headMaxPoints or ages past
 * blockDurationMs, after which the WAL segments it covered are dropped; blocks of similar
 * size are merged (compact.ts). Cuts and compactions run in the background in slices
 * (background-job.ts); deletes, close and the explicit checkpoint()/compact() finish them
 * synchronously first. The series index (series-index.ts) maps metric + tags to ids, with
 * postings for tag filters.
 */
import fs from 'node:fs';
import path from 'node:path';
import {
  TimeSlice,
  slicedWorkRunning,
  DsdbError,
  type Annotation,
  type DownsampledRead,
  type DownsampleRequest,
  type Codec,
  type HelperThreads,
  type LastPoint,
  type Logger,
  type NameKind,
  type PointBatch,
  type Registry,
  type SeriesData,
  type SeriesInfo,
  type SeriesSelector,
  type StorageEngine,
  type StorageStats,
  type TimeRange,
  type WriteOptions,
  type WriteResult,
} from '../../core';
import { AnnotationStore } from './annotations';
import { appendBatch, logSamples } from './appender';
import { JobRunner } from './background-job';
import { ChunkRef } from './block';
import { BlockSet } from './block-set';
import { CodecSet, type CodecPreferences } from './codec-set';
import { CompactionJob, planCompaction, planIdleCompaction } from './compact';
import { CutJob } from './cut';
import { ChunkEncoder } from '../../lib/chunks';
import { sealingStats } from './head-series';
import { Head } from './head';
import { lockDir } from './lock';
import { lastPoint, readSeries } from './querier';
import { downsampleSeries, memoKey, summaryKey, type DownsampledSeries } from './downsampled-read';
import { SummaryCache } from './summary-cache';
import { deletePoints, expiredBlocks, retentionCutoff } from './retention';
import { SeriesIndex, type SeriesEntry } from './series-index';
import { newCounters, storageStats } from './stats';
import { Wal } from './wal';
import { replayWal } from './wal-replay';
import { encodeAnnotationRecord, encodeDeleteRecord, encodeUnannotateRecord } from './wal-records';
import { MetaLog } from './meta-log';

/** A compaction rests between slices while a write came within this many milliseconds. */
const COMPACTION_QUIET_MS = 1000;
/** Background jobs rest between slices while sliced work (a query) resumed within this many milliseconds. */
const QUERY_QUIET_MS = 100;
/** A resting job runs one slice in ten: its slice's time, then nine times that at rest. */
const REST_FACTOR = 9;
/** ms a write may wait for a cut to make room in the head before the engine logs a warning */
const SLOW_ROOM_WAIT_MS = 10_000;

export interface EmbeddedEngineOptions {
  /** absolute data directory */
  dataDir: string;
  /** ms between commits of writes made without `sync` */
  flushIntervalMs: number;
  headMaxPoints: number;
  /**
   * Heads keep all but each series' newest points compressed (head-series.ts, sealing;
   * as Prometheus' head chunks): ~2.5 bytes a regular point instead of 17, for ~30 ns a
   * point of the storage thread's time. false or absent: raw columns.
   */
  headCompression?: boolean;
  blockDurationMs: number;
  chunkMaxPoints: number;
  compactBlocks: number;
  /** ms without a write after which the newest blocks merge (planIdleCompaction) */
  compactIdleMs: number;
  /** points an idle merge writes at most */
  idleCompactMaxPoints: number;
  /**
   * ms: a background cut leaves each series' points this close to its newest in the head (at
   * most a quarter of them), so that points arriving a little late join them there instead
   * of overlapping the block (Head.carryBack). 0 or absent: a cut takes every point.
   */
  cutHoldBackMs?: number;
  /** points encoded per slice of a background cut or compaction: bounds the pause each causes */
  slicePoints: number;
  /**
   * Background cuts and compactions encode their chunks on a worker thread (lib/chunks
   * ChunkEncoder) when every codec they write with can load there. false or absent: on
   * the storage thread.
   */
  encodeOnWorker?: boolean;
  /** ms the encode thread may answer no job while jobs wait before it is ended as hung (lib/chunks DEFAULT_ANSWER_TIMEOUT_MS) */
  encodeAnswerTimeoutMs?: number;
  /** 0 keeps data forever */
  retentionMs: number;
  codecs: CodecPreferences;
  /** memory (bytes, objects and arrays counted) for chunk bucket summaries and series answers kept for downsampling queries (0: none) */
  summaryCacheBytes?: number;
}

export class EmbeddedEngine implements StorageEngine {
  /** UIDs, meta and trees (core MetaStore), in meta.log under the directory's lock. */
  readonly meta: MetaLog;
  readonly name = 'embedded';
  readonly capabilities = { sharedAcrossDaemons: false };
  readonly counters = newCounters();
  private index!: SeriesIndex;
  private wal!: Wal;
  private blocks!: BlockSet;
  private readonly head: Head;
  private readonly annotationStore: AnnotationStore;
  private readonly cuts: JobRunner<CutJob>;
  private readonly compactions: JobRunner<CompactionJob>;
  private lastCheckpoint = Date.now();
  /** performance.now() of the last write (compaction paces itself while writes flow) */
  private lastWriteAt = -Infinity;
  private cutScheduled = false;
  /** WAL segment drops waiting for the commit of points a cut carried back (dropCoveredSegments); never rejects */
  private walDrops: Promise<unknown> = Promise.resolve();
  /** while writes wait for a cut to make room in the head (waitForRoom): the wait they share, in arrival order */
  private roomWait?: Promise<void>;
  /**
   * Calls queued on roomWait and not resumed yet: roomWait stays set until the last one
   * resumes, so that a call arriving in between (a microtask after the cut ended) queues
   * behind them instead of overtaking them.
   */
  private roomWaiters = 0;
  /** encodes background cuts' chunks on a worker thread (options.encodeOnWorker) */
  private encoder?: ChunkEncoder;
  private unlock?: () => void;
  private timer?: NodeJS.Timeout;
  private idleTimer?: NodeJS.Timeout;
  private state: 'new' | 'open' | 'closed' = 'new';
  /** bucket summaries of block chunks for readDownsampled */
  readonly summaries: SummaryCache;

  constructor(
    private readonly options: EmbeddedEngineOptions,
    private readonly codecs: Registry<Codec>,
    private readonly log: Logger,
    /** the daemon's helper threads, where the chunk encoder runs (without them it makes a thread of its own) */
    private readonly threads?: HelperThreads,
  ) {
    this.head = new Head(options.headMaxPoints, options.headCompression ?? false);
    this.annotationStore = new AnnotationStore(options.dataDir, log);
    this.meta = new MetaLog(options.dataDir, log);
    this.summaries = new SummaryCache(options.summaryCacheBytes ?? 64 * 2 ** 20);
    // Slices of both jobs let a WAL fsync in flight be acknowledged first.
    const walCommit = () => this.wal?.committing;
    this.cuts = new JobRunner(
      options.slicePoints,
      {
        finished: (job, background) => this.afterCut(job, background),
        failed: (err) => this.log.error({ err }, 'cutting the head into a block failed; the WAL still holds its points'),
      },
      walCommit,
      // A cut is urgent while writes flow or wait for it (roomWait): the head waits for it.
      // Otherwise it gives way to queries, which read the head's points anyway.
      (sliceMs) => (slicedWorkRunning(QUERY_QUIET_MS) && !this.wroteWithin(COMPACTION_QUIET_MS) && this.roomWait === undefined ? sliceMs * REST_FACTOR : 0),
    );
    this.compactions = new JobRunner(
      options.slicePoints,
      {
        finished: (_job, background) => {
          this.counters.compactions++;
          // blocks cut while it ran may make the next merge due (explicit runs plan their own)
          if (background) setImmediate(() => this.state === 'open' && this.compactInBackgroundWhenDue());
        },
        failed: (err) => this.log.error({ err }, 'compaction failed; its input blocks are kept'),
      },
      walCommit,
      // while writes flow or queries run, a compaction takes at most a tenth of the thread:
      // it is never urgent (reads see every block), and ingest and queries are what a daemon
      // is for; once both pause it runs at full speed (measured: a quarter cost the 10M-point
      // telnet load ~10% of its rate; at full speed, the first count query after that load
      // took 3.6 s, most of it waiting behind the merge's slices)
      (sliceMs) => (this.wroteWithin(COMPACTION_QUIET_MS) || slicedWorkRunning(QUERY_QUIET_MS) ? sliceMs * REST_FACTOR : 0),
    );
  }

  private wroteWithin(ms: number): boolean {
    return performance.now() - this.lastWriteAt < ms;
  }

  /** The chunk encoder while it works (ChunkEncoder.usable), for the next cut or compaction. */
  private get usableEncoder(): ChunkEncoder | undefined {
    return this.encoder?.usable ? this.encoder : undefined;
  }

  async open(): Promise<void> {
    if (this.state !== 'new') throw new Error(`embedded engine cannot open from state ${this.state}`);
    const dir = this.options.dataDir;
    fs.mkdirSync(dir, { recursive: true });
    const codecSet = new CodecSet(this.codecs, this.options.codecs);
    if (this.options.encodeOnWorker) {
      this.encoder = ChunkEncoder.forCodecs(codecSet, (err) => {
        this.log.warn({ err }, 'encoding chunks on the worker thread failed; the block cut or compaction goes on on the storage thread');
        if (this.encoder && !this.encoder.usable) this.log.warn('the chunk encode thread keeps dying before it answers: block cuts and compactions encode on the storage thread from now on');
      }, { answerTimeoutMs: this.options.encodeAnswerTimeoutMs, threads: this.threads });
    }
    this.unlock = lockDir(dir);
    try {
      this.index = new SeriesIndex(path.join(dir, 'series.log'));
      const seriesCorruption = this.index.load();
      if (seriesCorruption?.corruption) {
        this.counters.seriesLogTruncations++;
        this.log.warn({ file: 'series.log', ...seriesCorruption.corruption, copy: seriesCorruption.copy }, 'series log has a corrupt tail: truncated (the whole log was copied first, see `copy`)');
      }
      if (seriesCorruption && seriesCorruption.skipped.length > 0) {
        this.log.error(
          { file: 'series.log', skipped: seriesCorruption.skipped, copy: seriesCorruption.copy },
          'series log has corrupt records in the middle: skipped them and loaded the series after them (the whole log was copied first, see `copy`)',
        );
      }
      // summaries kept on the chunks of blocks closed since are dropped (ChunkRef.block keeps a block's index reachable)
      this.blocks = new BlockSet(path.join(dir, 'blocks'), this.index, codecSet, this.options.chunkMaxPoints, this.counters, this.log, () =>
        this.summaries.dropWhere((owner) => owner instanceof ChunkRef && owner.block.closed),
      );
      this.blocks.load();
      this.annotationStore.load();
      this.meta.open();
      this.wal = new Wal(path.join(dir, 'wal'), this.options.flushIntervalMs, (err) =>
        this.log.error({ err }, 'WAL commit failed: writes since the last commit are in memory only until the next block cut'),
      );
      const target = { index: this.index, head: this.head, annotations: this.annotationStore, deletePoints: this.deletePoints };
      replayWal(this.wal.replay(), target, this.counters, this.log, (file) => this.wal.keepCopy(file));
      this.wal.open();
    } catch (err) {
      void this.meta.close();
      this.unlock();
      throw err;
    }
    this.state = 'open';
    // a head the WAL replay filled past headMaxPoints (a crash under load: the head and the
    // cut in progress were both in the WAL) is cut now, not at the next write
    if (this.head.points >= this.options.headMaxPoints) this.scheduleCut();
    // a compaction that was due when the last process stopped (or crashed) runs now
    this.compactInBackgroundWhenDue();
    // Age-based cuts and retention are checked on a slow timer; size-based cuts on write.
    this.timer = setInterval(() => this.maintain(), Math.min(this.options.blockDurationMs, 60_000));
    this.timer.unref();
    // the idle merge: checked a few times per idle period, so it starts soon after writes stop
    this.idleTimer = setInterval(() => this.state === 'open' && this.compactInBackgroundWhenDue(), Math.max(250, Math.min(this.options.compactIdleMs / 4, 60_000)));
    this.idleTimer.unref();
    this.log.info({ dataDir: dir, series: this.index.count, blocks: this.blocks.blocks.length, headPoints: this.head.points }, 'embedded storage open');
  }

  get isOpen(): boolean {
    return this.state === 'open';
  }

  private assertOpen(): void {
    if (this.state !== 'open') throw new DsdbError('DSDB_ERR_STORAGE_CLOSED', `embedded storage is ${this.state === 'new' ? 'not open yet' : 'closed'}`);
  }

  async write(batch: PointBatch, options?: WriteOptions): Promise<WriteResult> {
    this.assertOpen();
    // Backpressure (issue #17: memory bounded by configuration, not by load): while a cut
    // encodes the frozen head, a live head that filled up too waits for it, and so does
    // every write behind it (the order of writes is kept). Its transport's connection
    // pauses meanwhile (the write service's in-flight budget), so the heads hold at most
    // about twice headMaxPoints plus the writes in flight, whatever the load and however
    // slow the disk.
    if (this.roomWaiters > 0 || (this.head.points >= this.options.headMaxPoints && this.cuts.current !== undefined)) {
      this.roomWaiters++;
      try {
        await this.waitForRoom();
      } finally {
        this.leaveRoomQueue();
      }
      this.assertOpen();
    }
    this.lastWriteAt = performance.now();
    appendBatch(batch, this.index, this.wal, this.head);
    if (this.head.points >= this.options.headMaxPoints) this.scheduleCut();
    if (options?.sync) await this.wal.sync();
    return { written: batch.length };
  }

  /**
   * Waits until no cut is in progress or the live head is below headMaxPoints (a finished
   * cut whose live head filled up starts the next one, freezing it). One wait at a time,
   * shared by every write that arrives during it, which resume in arrival order.
   * Counted in stats as headFullWaits and headFullWaitMs.
   */
  private waitForRoom(): Promise<void> {
    if (this.roomWait) return this.roomWait;
    const started = performance.now();
    this.counters.headFullWaits++;
    const wait = async (): Promise<void> => {
      while (this.state === 'open' && this.cuts.current !== undefined && this.head.points >= this.options.headMaxPoints) await this.cuts.settled();
    };
    // a wait this long means the cuts cannot keep up (a slow disk, an encode thread that
    // hangs): said once a wait, so that an operator sees why ingest paused
    const slow = setTimeout(
      () => this.log.warn({ waitedMs: Math.round(performance.now() - started), headPoints: this.head.points, headMaxPoints: this.options.headMaxPoints }, 'writes are waiting for a block cut: the head is full (headMaxPoints) and the cut in progress has not finished'),
      SLOW_ROOM_WAIT_MS,
    );
    slow.unref();
    this.roomWait = wait().finally(() => {
      clearTimeout(slow);
      this.counters.headFullWaitMs += Math.round(performance.now() - started);
    });
    return this.roomWait;
  }

  /**
   * Leaves waitForRoom's queue: called in the caller's own continuation right after its
   * `await this.waitForRoom()` (with an async layer in between, a call could slip past the queue).
   */
  private leaveRoomQueue(): void {
    if (--this.roomWaiters === 0) this.roomWait = undefined;
  }

  async flush(): Promise<void> {
    this.assertOpen();
    await this.wal.flush();
  }

  /**
   * Rotates the WAL, saves new series and freezes the head into a new cut. A background cut
   * (`holdBack`) leaves each series' newest points in the head (options.cutHoldBackMs) and
   * logs them again in the new segment: the cut drops the old ones.
   */
  private startCut(holdBack = false): CutJob {
    const keepFrom = this.wal.rotate();
    this.index.save();
    const job = new CutJob(this.head, this.blocks, keepFrom, holdBack ? (this.options.cutHoldBackMs ?? 0) : 0, this.usableEncoder);
    if (job.carried) logSamples(this.wal, job.carried, job.carried.ids);
    return job;
  }

  /** Starts a background block cut on the next turn, unless one is scheduled or running. */
  private scheduleCut(): void {
    if (this.cutScheduled || this.cuts.current) return;
    this.cutScheduled = true;
    setImmediate(() => {
      this.cutScheduled = false;
      if (this.state === 'open' && !this.cuts.current) this.cutInBackground();
    });
  }

  private cutInBackground(): void {
    try {
      this.cuts.runInBackground(this.startCut(true));
    } catch (err) {
      this.log.error({ err }, 'starting a block cut failed; the WAL still holds the head');
    }
  }

  /** After a block is installed: drop the WAL it covers, then retention and compaction. */
  private afterCut(job: CutJob, background: boolean): void {
    this.annotationStore.save();
    this.dropCoveredSegments(job, background);
    this.lastCheckpoint = Date.now();
    this.counters.checkpoints++;
    this.counters.lastCheckpointMs = Math.round(performance.now() - job.started);
    this.log.debug({ points: job.points, ms: this.counters.lastCheckpointMs, blocks: this.blocks.blocks.length }, 'head cut into a block');
    this.dropExpiredBlocks();
    this.compactInBackgroundWhenDue();
    // Writes went on during a background cut: if they filled the head again, cut again
    // right away (no turn in between without a cut under way). A cut finished for a delete
    // or a checkpoint schedules the next one instead, so that it starts after the caller.
    if (this.head.points < this.options.headMaxPoints) return;
    if (background) this.cutInBackground();
    else this.scheduleCut();
  }

  /**
   * Drops the WAL segments before the cut's rotation: the block holds their points now.
   * Except the points the cut carried back into the live head (Head.carryBack): those were
   * logged again in the new segment's buffer only, and until a commit writes and fsyncs
   * it, the old segments are their one copy on disk. Dropped at once, a crash before the
   * next commit (a WAL timer away) lost points written with `sync` long before. So after a
   * cut that carried points, the drop waits for a commit (started now); if the commit
   * fails, the segments stay, and a replay reads them (their points already in blocks merge
   * as rewrites). Keeping a segment longer is always safe: a delete after it is a record
   * in a later segment, replayed after it.
   */
  private dropCoveredSegments(job: CutJob, background: boolean): void {
    if (job.carried === undefined) {
      this.wal.dropBefore(job.keepFrom, background);
      return;
    }
    const keepFrom = job.keepFrom;
    const committed = this.wal.flush();
    this.walDrops = Promise.all([this.walDrops, committed]).then(
      () => this.wal.dropBefore(keepFrom, true),
      () => undefined, // the commit failed: the WAL's onError reported it, the segments stay
    );
  }

  /**
   * Starts the compaction planCompaction finds due — or, when no write came for
   * `compactIdleMs`, planIdleCompaction — if any and none is running (a failure to start
   * is logged: the blocks stay). Idle with nothing to merge, it lets the meta log rewrite
   * its loose records.
   */
  private compactInBackgroundWhenDue(): void {
    if (this.compactions.current || this.cuts.current) return;
    const idle = performance.now() - this.lastWriteAt >= this.options.compactIdleMs;
    const planned = planCompaction(this.blocks.blocks, this.options.compactBlocks) ?? (idle ? planIdleCompaction(this.blocks.blocks, this.options.idleCompactMaxPoints) : undefined);
    // a merge would drop chunks whose series series.log lost (BlockReader.orphanChunks)
    const from = planned !== undefined && this.blocks.blocks.slice(planned).some((b) => b.orphanChunks > 0) ? undefined : planned;
    if (from === undefined) {
      // idle with the blocks merged: the meta log's records written one UID at a time are compressed
      if (idle) this.meta.rewriteWhenLoose(true);
      return;
    }
    try {
      const compaction = CompactionJob.start(this.blocks, this.index, from, retentionCutoff(this.options.retentionMs), this.usableEncoder);
      if (compaction) this.compactions.runInBackground(compaction);
    } catch (err) {
      this.log.error({ err }, 'starting a compaction failed; the blocks stay as they are');
    }
  }

  private maintain(): void {
    if (this.state !== 'open') return;
    try {
      if (this.head.points > 0 && Date.now() - this.lastCheckpoint >= this.options.blockDurationMs) this.scheduleCut();
      else if (!this.cuts.current) this.dropExpiredBlocks();
    } catch (err) {
      this.log.error({ err }, 'storage maintenance failed');
    }
  }

  /** Deletes blocks whose newest point is older than the retention period (not while a compaction reads them). */
  private dropExpiredBlocks(): void {
    if (this.compactions.current) return;
    this.blocks.remove(expiredBlocks(this.blocks.blocks, retentionCutoff(this.options.retentionMs)));
  }

  /**
   * Cuts the head into a block and drops the WAL it covered, now (finishing any cut in
   * progress first, and any compaction the cut starts). The daemon cuts in the background.
   */
  checkpoint(): void {
    this.assertOpen();
    this.cuts.finishNow();
    this.cuts.run(this.startCut());
    this.compactions.finishNow();
  }

  /**
   * Merges the blocks from index `from` (in seq order) to the newest into one block (newer
   * blocks win on a shared timestamp), dropping expired points, now. `compact()` merges all.
   */
  compact(from = 0): void {
    this.assertOpen();
    this.cuts.finishNow();
    this.compactions.finishNow();
    const job = CompactionJob.start(this.blocks, this.index, from, retentionCutoff(this.options.retentionMs), this.usableEncoder);
    if (job) this.compactions.run(job);
  }

  // read, last, lookup and suggest scan the series index lazily and yield to the event loop
  // every time slice (core/time-slice.ts), whoever reads them: a scan of 100k series, or
  // series that match nothing, never holds other clients for more than a slice.

  async *read(selector: SeriesSelector, range: TimeRange): AsyncIterable<SeriesData> {
    this.assertOpen();
    const start = Math.max(range.start, retentionCutoff(this.options.retentionMs));
    const slice = new TimeSlice();
    for (const entry of this.index.matching(selector)) {
      const points = readSeries(this.blocks, this.head, entry, start, range.end);
      if (points.length > 0) yield { series: entry.info, points };
      if (slice.due()) await slice.pause();
    }
  }

  /** `read` with downsampling in the engine over cached chunk summaries (downsampled-read.ts). */
  async *readDownsampled(selector: SeriesSelector, range: TimeRange, request: DownsampleRequest): AsyncIterable<DownsampledRead> {
    this.assertOpen();
    const start = Math.max(range.start, retentionCutoff(this.options.retentionMs));
    const slice = new TimeSlice();
    const key = summaryKey(request);
    const memo = memoKey(request);
    const shared = {};
    for (const entry of this.index.matching(selector)) {
      // downsampleSeries reads the heads' columns directly: the staged points go in first
      // (each series: writes come in while the caller holds a yielded one)
      this.head.drain();
      let buckets: DownsampledSeries | undefined;
      try {
        buckets = downsampleSeries(entry, start, range.end, request, this.summaries, this.blocks.generation, key, shared, memo);
      } catch (err) {
        // a corrupt chunk: the plain read counts, logs and skips it
        this.log.debug({ series: entry.info.id, err: (err as Error).message }, 'downsampled read falls back to the plain read');
      }
      if (buckets) {
        if (buckets.points > 0) yield { series: entry.info, buckets: { series: entry.info, ...buckets } };
      } else {
        const points = readSeries(this.blocks, this.head, entry, start, range.end);
        if (points.length > 0) yield { series: entry.info, points };
      }
      if (slice.due()) await slice.pause();
    }
  }

  async *last(selector: SeriesSelector, since = -Infinity): AsyncIterable<LastPoint> {
    this.assertOpen();
    const floor = Math.max(since, retentionCutoff(this.options.retentionMs));
    const slice = new TimeSlice();
    for (const entry of this.index.matching(selector)) {
      // lastPoint reads the heads' columns directly: the staged points go in first
      this.head.drain();
      const point = lastPoint(this.blocks, entry, floor);
      if (point) yield point;
      if (slice.due()) await slice.pause();
    }
  }

  async *lookup(selector: Partial<SeriesSelector>, limit = Infinity): AsyncIterable<SeriesInfo> {
    this.assertOpen();
    let n = 0;
    const slice = new TimeSlice();
    for (const entry of this.index.matching(selector)) {
      if (n++ >= limit) return;
      yield entry.info;
      if (slice.due()) await slice.pause();
    }
  }

  async hasName(kind: NameKind, name: string): Promise<boolean> {
    this.assertOpen();
    return kind === 'metrics' ? this.index.hasMetric(name) : kind === 'tagk' ? this.index.tagKeys.has(name) : this.index.tagValues.has(name);
  }

  /** The first `max` names with the prefix, in order: one pass, keeping only the best `max` (no sort of every match). */
  async suggest(kind: NameKind, prefix: string, max: number): Promise<string[]> {
    this.assertOpen();
    const names = kind === 'metrics' ? this.index.metrics() : kind === 'tagk' ? this.index.tagKeys.values() : this.index.tagValues.values();
    const best: string[] = [];
    if (max <= 0) return best;
    const slice = new TimeSlice();
    let seen = 0;
    for (const name of names) {
      if ((++seen & 4095) === 0 && slice.due()) await slice.pause();
      if (!name.startsWith(prefix)) continue;
      if (best.length === max && name >= best[max - 1]!) continue;
      // insert in order (binary search); drop the last when full
      let lo = 0;
      let hi = best.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (best[mid]! < name) lo = mid + 1;
        else hi = mid;
      }
      best.splice(lo, 0, name);
      if (best.length > max) best.pop();
    }
    return best;
  }

  private readonly deletePoints = (entries: SeriesEntry[], start: number, end: number): void => deletePoints(this.head, this.blocks, entries, start, end);

  async deleteRange(selector: SeriesSelector, range: TimeRange): Promise<number> {
    this.assertOpen();
    if (this.roomWaiters > 0) {
      // writes called before this delete wait for room in the head: they go first (call order
      // is apply order), and the cut they wait for is finished now, as the delete would anyway
      this.cuts.finishNow();
      this.roomWaiters++;
      try {
        await this.waitForRoom();
      } finally {
        this.leaveRoomQueue();
      }
      this.assertOpen();
    }
    this.cuts.finishNow(); // the block being cut must not keep deleted points
    this.compactions.finishNow(); // nor the block being compacted
    const entries = this.index.select(selector);
    let removed = 0;
    for (const entry of entries) removed += readSeries(this.blocks, this.head, entry, range.start, range.end).length;
    if (removed === 0) return 0;
    this.wal.append(encodeDeleteRecord(entries.map((e) => e.id), range.start, range.end));
    this.deletePoints(entries, range.start, range.end);
    await this.wal.sync();
    return removed;
  }

  async putAnnotation(annotation: Annotation): Promise<void> {
    this.assertOpen();
    const a = { ...annotation };
    this.wal.append(encodeAnnotationRecord(a));
    this.annotationStore.put(a);
    await this.wal.sync();
  }

  async annotations(range: TimeRange, tsuids?: readonly string[] | 'global'): Promise<Annotation[]> {
    this.assertOpen();
    return this.annotationStore.query(range, tsuids);
  }

  async deleteAnnotation(annotation: Pick<Annotation, 'startTime' | 'tsuid'>): Promise<boolean> {
    this.assertOpen();
    if (!this.annotationStore.has(annotation)) return false;
    this.wal.append(encodeUnannotateRecord(annotation));
    this.annotationStore.delete(annotation);
    await this.wal.sync();
    return true;
  }

  async stats(): Promise<StorageStats> {
    this.assertOpen();
    return this.statsNow();
  }

  /** The same figures synchronously, for hooks.kernel.collectStats (a SyncHook). */
  statsNow(): StorageStats {
    const blocks = this.blocks.totals();
    const seriesLog = path.join(this.options.dataDir, 'series.log');
    const stats = storageStats({
      series: this.index.count,
      blocks: this.blocks.blocks.length,
      blockPoints: blocks.points,
      blockBytes: blocks.bytes,
      headPoints: this.head.points + this.head.frozenPoints,
      walBytes: this.wal.bytesOnDisk(),
      seriesLogBytes: fs.existsSync(seriesLog) ? fs.statSync(seriesLog).size : 0,
      cutInProgress: this.cuts.current !== undefined,
      compactionInProgress: this.compactions.current !== undefined,
      counters: this.counters,
    });
    // the chunk summaries readDownsampled keeps (tsd.storage.bucketCache*: "summary" is a Prometheus type name, not for a metric)
    const cache = this.summaries.size;
    return { ...stats, bucketCacheEntries: cache.entries, bucketCacheBytes: cache.bytes, bucketCacheHits: this.summaries.hits, bucketCacheMisses: this.summaries.misses, headLateUnseals: sealingStats.lateUnseals };
  }

  async close(): Promise<void> {
    if (this.state !== 'open') return;
    if (this.timer) clearInterval(this.timer);
    if (this.idleTimer) clearInterval(this.idleTimer);
    try {
      // a clean shutdown leaves everything in blocks, so the next start replays nothing
      this.checkpoint();
    } catch (err) {
      this.log.error({ err }, 'final checkpoint failed; the WAL keeps the points');
    }
    // after a failure above: drop unfinished files (the WAL and the input blocks hold the data)
    this.compactions.abort();
    this.cuts.abort();
    this.state = 'closed';
    await this.meta.close();
    // segments a cut dropped only once its carried points were committed (dropCoveredSegments)
    await this.walDrops;
    await this.wal.close();
    this.blocks.close();
    await this.encoder?.close();
    this.unlock?.();
  }
}
