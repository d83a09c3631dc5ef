/**
 * The embedded storage engine, in the Prometheus tsdb shape: every write goes to the WAL
 * (wal.ts) and into an in-memory head; the head is cut into an immutable block file of
 * compressed chunks (block.ts, chunk.ts) when it grows past headMaxPoints or ages past
 * blockDurationMs, after which the WAL segments it covered are dropped; blocks of similar
 * size are compacted (size-tiered). Cuts and compactions run in the background in slices
 * (CutJob, CompactionJob); deletes, close and the explicit checkpoint()/compact() finish
 * them synchronously first. The series index (series-index.ts) maps metric + tags to ids with
 * postings for tag filters. docs/storage-format.md has every byte layout.
 */
import fs from 'node:fs';
import path from 'node:path';
import {
  ByteReader,
  ByteWriter,
  DsdbError,
  ValueKind,
  type Annotation,
  type Codec,
  type LastPoint,
  type Logger,
  type NameKind,
  type PointBatch,
  type Registry,
  type SeriesData,
  type SeriesInfo,
  type SeriesPoints,
  type SeriesSelector,
  type StorageEngine,
  type StorageStats,
  type TimeRange,
  type WriteOptions,
  type WriteResult,
} from '../../core';
import { BlockReader, BlockWriter, blockFileName, blockSeqOf, fsyncDir } from './block';
import { CodecSet, type CodecPreferences } from './codec-set';
import { HeadSeries } from './head-series';
import { lockDir } from './lock';
import { EMPTY_POINTS, clipPoints, combinePoints, lowerBound, mergePoints, slicePoints } from './points';
import { SeriesIndex, type SeriesEntry } from './series-index';
import { Wal, type SegmentScan } from './wal';
import {
  REC_ANNOTATION,
  REC_DELETE,
  REC_SAMPLES,
  REC_SERIES,
  REC_UNANNOTATE,
  columnFlags,
  decodeSamples,
  encodeSamples,
  encodeSeriesRecord,
} from './wal-records';

export interface EmbeddedEngineOptions {
  /** absolute data directory */
  dataDir: string;
  flushIntervalMs: number;
  headMaxPoints: number;
  blockDurationMs: number;
  chunkMaxPoints: number;
  compactBlocks: number;
  /** points encoded per slice of a background cut or compaction: bounds the pause each causes */
  slicePoints: number;
  /** 0 keeps data forever */
  retentionMs: number;
  codecs: CodecPreferences;
}

// Module constants: reading ValueKind through the core barrel's re-export getter per point costs.
const INT: number = ValueKind.Int;
const STRING: number = ValueKind.String;
const JSON_KIND: number = ValueKind.Json;


interface CompactionJob {
  seq: number;
  file: string;
  writer: BlockWriter;
  /** the input blocks: a newest run, so the merged block is newer than every other */
  merging: Set<BlockReader>;
  entries: SeriesEntry[];
  next: number;
  cutoff: number;
}

interface CutJob {
  seq: number;
  /** first WAL segment to keep once the block is installed */
  keepFrom: number;
  writer?: BlockWriter;
  entries: SeriesEntry[];
  next: number;
  started: number;
  points: number;
  installed: boolean;
}

type Counters = Record<'walTruncations' | 'walTruncatedBytes' | 'corruptChunks' | 'corruptBlocks' | 'orphanChunks' | 'seriesLogTruncations' | 'checkpoints' | 'compactions' | 'lastCheckpointMs', number>;

export class EmbeddedEngine implements StorageEngine {
  readonly name = 'embedded';
  readonly capabilities = { sharedAcrossDaemons: false };
  private codecSet!: CodecSet;
  private index!: SeriesIndex;
  private wal!: Wal;
  private blocks: BlockReader[] = [];
  private nextBlockSeq = 1;
  /** series with points in the head */
  private dirty = new Set<SeriesEntry>();
  private headPoints = 0;
  private lastCheckpoint = Date.now();
  private checkpointScheduled = false;
  /** the block cut in progress, if any */
  private cut?: CutJob;
  /** the compaction in progress, if any */
  private compaction?: CompactionJob;
  /** points in frozen heads (being cut) */
  private frozenPoints = 0;
  private annotationMap = new Map<string, Annotation>();
  private annotationsDirty = false;
  private unlock?: () => void;
  private timer?: NodeJS.Timeout;
  private state: 'new' | 'open' | 'closed' = 'new';
  readonly counters: Counters = { walTruncations: 0, walTruncatedBytes: 0, corruptChunks: 0, corruptBlocks: 0, orphanChunks: 0, seriesLogTruncations: 0, checkpoints: 0, compactions: 0, lastCheckpointMs: 0 };

  constructor(
    private readonly options: EmbeddedEngineOptions,
    private readonly codecs: Registry<Codec>,
    private readonly log: Logger,
  ) {}

  private get blocksDir(): string {
    return path.join(this.options.dataDir, 'blocks');
  }

  async open(): Promise<void> {
    if (this.state !== 'new') throw new Error(`embedded engine cannot open from state ${this.state}`);
    const dir = this.options.dataDir;
    fs.mkdirSync(this.blocksDir, { recursive: true });
    this.codecSet = new CodecSet(this.codecs, this.options.codecs);
    this.unlock = lockDir(dir);
    try {
      this.index = new SeriesIndex(path.join(dir, 'series.log'));
      const seriesCorruption = this.index.load();
      if (seriesCorruption) {
        this.counters.seriesLogTruncations++;
        this.log.warn({ file: 'series.log', ...seriesCorruption }, 'series log has a corrupt tail: truncated');
      }
      this.loadBlocks();
      this.loadAnnotations();
      this.wal = new Wal(path.join(dir, 'wal'), this.options.flushIntervalMs, (err) =>
        this.log.error({ err }, 'WAL commit failed: writes since the last commit are in memory only until the next block cut'),
      );
      this.replay(this.wal.replay());
      this.wal.open();
    } catch (err) {
      this.unlock();
      throw err;
    }
    this.state = 'open';
    // Age-based cuts and retention are checked on a slow timer; size-based cuts on write.
    this.timer = setInterval(() => this.maintain(), Math.min(this.options.blockDurationMs, 60_000));
    this.timer.unref();
    this.log.info({ dataDir: dir, series: this.index.count, blocks: this.blocks.length, headPoints: this.headPoints }, 'embedded storage open');
  }

  private loadBlocks(): void {
    const readers: BlockReader[] = [];
    for (const file of fs.readdirSync(this.blocksDir).sort()) {
      const full = path.join(this.blocksDir, file);
      if (file.endsWith('.tmp')) {
        fs.rmSync(full, { force: true }); // an unfinished cut or compaction
        continue;
      }
      const seq = blockSeqOf(file);
      if (seq === undefined) continue;
      this.nextBlockSeq = Math.max(this.nextBlockSeq, seq + 1);
      try {
        readers.push(new BlockReader(full, seq, this.codecSet));
      } catch (err) {
        this.counters.corruptBlocks++;
        fs.renameSync(full, full + '.corrupt');
        this.log.error({ file: full, err: (err as Error).message }, 'corrupt block file: set aside as .corrupt, its points are not served');
      }
    }
    const superseded = new Set(readers.flatMap((r) => r.superseded));
    this.blocks = readers.filter((r) => {
      if (!superseded.has(r.seq)) return true;
      r.close();
      fs.rmSync(r.file, { force: true }); // left by a crash after a compaction
      return false;
    });
    this.rebuildChunkRefs();
  }

  /** Points every series at its chunks, oldest block first. */
  private rebuildChunkRefs(): void {
    for (const entry of this.index.byId) if (entry) entry.chunks = [];
    this.blocks.sort((a, b) => a.seq - b.seq);
    let orphans = 0;
    for (const block of this.blocks) {
      for (const ref of block.refs) {
        // never hand out an id that a block already uses, even if series.log lost it
        this.index.reserveId(ref.seriesId);
        const entry = this.index.byId[ref.seriesId];
        if (entry) entry.chunks.push({ block, ref });
        else orphans++;
      }
    }
    if (orphans > this.counters.orphanChunks) {
      this.counters.orphanChunks = orphans;
      this.log.error({ orphans }, 'chunks of series missing from series.log are not served');
    }
  }

  private loadAnnotations(): void {
    const file = path.join(this.options.dataDir, 'annotations.json');
    if (!fs.existsSync(file)) return;
    try {
      for (const a of JSON.parse(fs.readFileSync(file, 'utf8')) as Annotation[]) this.annotationMap.set(annotationKey(a), a);
    } catch (err) {
      fs.renameSync(file, file + '.corrupt');
      this.log.error({ file, err: (err as Error).message }, 'corrupt annotations file: set aside as .corrupt');
    }
  }

  private replay(segments: SegmentScan[]): void {
    let records = 0;
    for (const segment of segments) {
      for (const payload of segment.records) {
        try {
          this.applyRecord(payload);
          records++;
        } catch (err) {
          this.log.error({ file: segment.file, err: (err as Error).message }, 'WAL record does not decode: skipped');
        }
      }
      if (segment.corruption) {
        this.counters.walTruncations++;
        this.counters.walTruncatedBytes += segment.corruption.droppedBytes;
        this.log.warn({ file: segment.file, ...segment.corruption }, 'WAL has a torn or corrupt tail: truncated; every earlier record was replayed');
      }
    }
    if (records > 0) this.log.info({ records, segments: segments.length, headPoints: this.headPoints }, 'WAL replayed');
  }

  private applyRecord(payload: Uint8Array): void {
    const r = new ByteReader(payload);
    const type = r.byte();
    if (type === REC_SERIES) {
      const id = r.uvarint();
      const { metric, tags } = JSON.parse(r.string()) as SeriesInfo;
      this.index.add(id, metric, tags, true);
    } else if (type === REC_SAMPLES) {
      const s = decodeSamples(r);
      const entries = s.ids.map((id) => {
        const entry = this.index.byId[id];
        if (!entry) throw new RangeError(`samples for unknown series ${id}`);
        return entry;
      });
      this.applyToHead(entries, s.length, s.seriesIndex, s.timestamps, s.kinds, s.floats, s.ints, s.texts);
    } else if (type === REC_DELETE) {
      const ids: number[] = [];
      for (let n = r.uvarint(); n > 0; n--) ids.push(r.uvarint());
      const start = r.f64();
      const end = r.f64();
      // Everything in blocks predates this record, so re-applying the delete is exact.
      this.applyDelete(ids.map((id) => this.index.byId[id]).filter((e): e is SeriesEntry => !!e), start, end);
    } else if (type === REC_ANNOTATION) {
      const a = JSON.parse(r.string()) as Annotation;
      this.annotationMap.set(annotationKey(a), a);
      this.annotationsDirty = true;
    } else if (type === REC_UNANNOTATE) {
      this.annotationMap.delete(annotationKey(JSON.parse(r.string()) as Annotation));
      this.annotationsDirty = true;
    } else throw new RangeError(`unknown WAL record type ${type}`);
  }

  private applyToHead(
    entries: SeriesEntry[],
    n: number,
    seriesIndex: Uint32Array,
    timestamps: Float64Array,
    kinds: Uint8Array,
    floats: Float64Array,
    ints: BigInt64Array,
    texts: (string | undefined)[],
  ): void {
    const heads: HeadSeries[] = new Array(entries.length);
    for (let s = 0; s < entries.length; s++) {
      const entry = entries[s]!;
      heads[s] = entry.head ??= new HeadSeries(entry.headHint);
      this.dirty.add(entry);
    }
    for (let i = 0; i < n; i++) {
      const kind = kinds[i]!;
      // reading a BigInt64Array element allocates a bigint: only for integer points
      heads[seriesIndex[i]!]!.append(timestamps[i]!, kind, floats[i]!, kind === INT ? ints[i]! : 0n, kind >= STRING ? texts[i] : undefined);
    }
    this.headPoints += n;
  }

  get isOpen(): boolean {
    return this.state === 'open';
  }

  private assertOpen(): void {
    if (this.state !== 'open') throw new DsdbError('DSDB_ERR_STORAGE_CLOSED', `embedded storage is ${this.state === 'new' ? 'not open yet' : 'closed'}`);
  }

  async write(batch: PointBatch, options?: WriteOptions): Promise<WriteResult> {
    this.assertOpen();
    const n = batch.length;
    for (let i = 0; i < n; i++) {
      const k = batch.kinds[i]!;
      if (k < INT || k > JSON_KIND || !Number.isFinite(batch.timestamps[i]!)) {
        throw new DsdbError('DSDB_ERR_BAD_WRITE', `point ${i} of the batch has kind ${k} and timestamp ${batch.timestamps[i]}`);
      }
      if (batch.seriesIndex[i]! >= batch.series.length) throw new DsdbError('DSDB_ERR_BAD_WRITE', `point ${i} of the batch names series ${batch.seriesIndex[i]} of ${batch.series.length}`);
    }
    // Resolve each distinct series once; new ones are logged before the samples naming them.
    const entries: SeriesEntry[] = new Array(batch.series.length);
    const ids = new Uint32Array(batch.series.length);
    for (let s = 0; s < batch.series.length; s++) {
      const key = batch.seriesKeys[s]!;
      let entry = this.index.byKey.get(key);
      if (!entry) {
        const { metric, tags } = batch.series[s]!;
        entry = this.index.add(this.index.newId(), metric, tags, true, key);
        this.wal.append(encodeSeriesRecord(entry.id, metric, tags));
      }
      entries[s] = entry;
      ids[s] = entry.id;
    }
    this.wal.appendFramed(encodeSamples(batch, ids, columnFlags(batch.kinds, n)));
    this.applyToHead(entries, n, batch.seriesIndex, batch.timestamps, batch.kinds, batch.floats, batch.ints, batch.texts);
    if (this.headPoints >= this.options.headMaxPoints) this.scheduleCheckpoint();
    if (options?.sync) await this.wal.sync();
    return { written: n };
  }

  async flush(): Promise<void> {
    this.assertOpen();
    this.wal.commitNow();
  }

  /** Starts a block cut that encodes in slices between other work (see CutJob). */
  private scheduleCheckpoint(): void {
    if (this.checkpointScheduled || this.cut) return;
    this.checkpointScheduled = true;
    setImmediate(() => {
      this.checkpointScheduled = false;
      if (this.state !== 'open' || this.cut) return;
      let job: CutJob;
      try {
        job = this.startCut();
      } catch (err) {
        this.log.error({ err }, 'starting a block cut failed; the WAL still holds the head');
        return;
      }
      const drive = (): void => {
        if (this.cut !== job) return; // finished synchronously meanwhile (delete, close, checkpoint)
        try {
          if (this.stepCut(job, this.options.slicePoints)) this.finishCut(job);
          else setImmediate(drive);
        } catch (err) {
          if (!job.installed) this.abortCut(job);
          this.log.error({ err }, 'cutting the head into a block failed; the WAL still holds its points');
        }
      };
      setImmediate(drive);
    });
  }

  private maintain(): void {
    if (this.state !== 'open') return;
    try {
      if (this.headPoints > 0 && Date.now() - this.lastCheckpoint >= this.options.blockDurationMs) this.scheduleCheckpoint();
      else if (this.options.retentionMs > 0 && !this.cut) this.dropExpiredBlocks();
    } catch (err) {
      this.log.error({ err }, 'storage maintenance failed');
    }
  }

  /**
   * Cuts the head into a block and drops the WAL it covered, now (finishing any cut in
   * progress first). The daemon cuts in the background instead (scheduleCheckpoint).
   */
  checkpoint(): void {
    this.assertOpen();
    this.finishCutNow();
    const job = this.startCut();
    try {
      this.stepCut(job, Infinity);
    } catch (err) {
      this.abortCut(job);
      throw err;
    }
    this.finishCut(job);
    this.finishCompactionNow(); // "now" includes the compaction the cut may have started
  }

  /**
   * Freezes the head: from here writes go to fresh heads and a new WAL segment, while the
   * frozen heads are encoded into a block. Reads see blocks, then frozen heads, then heads.
   */
  private startCut(): CutJob {
    this.finishCutNow();
    const keepFrom = this.wal.rotate();
    this.index.save();
    const entries = [...this.dirty].sort((a, b) => a.id - b.id);
    for (const entry of entries) {
      entry.frozen = entry.head;
      entry.headHint = Math.min(entry.head?.length ?? 0, 1 << 16);
      entry.head = undefined;
    }
    this.dirty.clear();
    this.frozenPoints = this.headPoints;
    this.headPoints = 0;
    const seq = this.nextBlockSeq++;
    const writer = entries.length > 0 ? new BlockWriter(path.join(this.blocksDir, blockFileName(seq)), this.codecSet, this.options.chunkMaxPoints) : undefined;
    const job: CutJob = { seq, keepFrom, writer, entries, next: 0, started: performance.now(), points: this.frozenPoints, installed: false };
    this.cut = job;
    return job;
  }

  /** Encodes frozen series until about `budget` points are done; true when all are. */
  private stepCut(job: CutJob, budget: number): boolean {
    let done = 0;
    while (job.next < job.entries.length && done < budget) {
      const entry = job.entries[job.next++]!;
      const frozen = entry.frozen;
      if (frozen && frozen.length > 0) {
        job.writer!.addSeries(entry.id, frozen);
        done += frozen.length;
      }
    }
    return job.next >= job.entries.length;
  }

  /** Installs the finished block, drops the WAL it covers, then compacts. */
  private finishCut(job: CutJob): void {
    if (job.writer) {
      try {
        job.writer.finish();
      } catch (err) {
        this.abortCut(job);
        throw err;
      }
      const block = new BlockReader(path.join(this.blocksDir, blockFileName(job.seq)), job.seq, this.codecSet);
      this.blocks.push(block);
      for (const ref of block.refs) this.index.byId[ref.seriesId]!.chunks.push({ block, ref });
    }
    job.installed = true;
    for (const entry of job.entries) entry.frozen = undefined;
    this.frozenPoints = 0;
    this.cut = undefined;
    this.saveAnnotations();
    this.wal.dropBefore(job.keepFrom);
    this.lastCheckpoint = Date.now();
    this.counters.checkpoints++;
    this.counters.lastCheckpointMs = Math.round(performance.now() - job.started);
    this.log.debug({ points: job.points, ms: this.counters.lastCheckpointMs, blocks: this.blocks.length }, 'head cut into a block');
    this.dropExpiredBlocks();
    this.compactNewest();
    if (this.headPoints >= this.options.headMaxPoints) this.scheduleCheckpoint();
  }

  /** Gives the frozen points back to the heads (the WAL before the cut is still on disk). */
  private abortCut(job: CutJob): void {
    job.writer?.abort();
    for (const entry of job.entries) {
      const frozen = entry.frozen;
      if (!frozen) continue;
      const head = entry.head;
      // the live head is newer: replaying it onto the frozen one keeps last-write-wins
      if (head) for (let i = 0; i < head.length; i++) frozen.append(head.timestamps[i]!, head.kinds[i]!, head.floats[i]!, head.ints[i]!, head.texts[i]);
      entry.head = frozen;
      entry.frozen = undefined;
      this.dirty.add(entry);
    }
    this.headPoints += this.frozenPoints;
    this.frozenPoints = 0;
    this.cut = undefined;
  }

  /** Completes a background cut synchronously (before deletes, compaction, close). */
  private finishCutNow(): void {
    const job = this.cut;
    if (!job) return;
    try {
      this.stepCut(job, Infinity);
    } catch (err) {
      this.abortCut(job);
      throw err;
    }
    this.finishCut(job);
  }

  /**
   * Size-tiered compaction: the newest run of blocks in which no block is bigger than all
   * newer ones together is merged once it has `compactBlocks` blocks. Similar sizes merge,
   * big old blocks are left alone, so each point is rewritten O(log n) times, not at every
   * merge. Only a newest run is merged, so the result is still newer than every other block
   * and last-write-wins order holds.
   */
  private compactNewest(): void {
    const sizes = this.blocks.map((b) => b.refs.reduce((n, ref) => n + ref.count, 0));
    let run = 0;
    let total = 0;
    for (let i = this.blocks.length - 1; i >= 0; i--) {
      if (run > 0 && sizes[i]! > total) break;
      total += sizes[i]!;
      run++;
    }
    if (run >= this.options.compactBlocks) this.compactInBackground(this.blocks.length - run);
  }

  /** Runs a compaction in slices between other work, like a block cut. */
  private compactInBackground(from: number): void {
    if (this.compaction) return;
    const job = this.startCompaction(from);
    if (!job) return;
    const drive = (): void => {
      if (this.compaction !== job) return; // finished synchronously meanwhile
      try {
        if (this.stepCompaction(job, this.options.slicePoints)) this.finishCompaction(job);
        else setImmediate(drive);
      } catch (err) {
        this.abortCompaction(job);
        this.log.error({ err }, 'compaction failed; its input blocks are kept');
      }
    };
    setImmediate(drive);
  }

  private saveAnnotations(): void {
    if (!this.annotationsDirty) return;
    const file = path.join(this.options.dataDir, 'annotations.json');
    const tmp = file + '.tmp';
    const fd = fs.openSync(tmp, 'w');
    try {
      fs.writeSync(fd, JSON.stringify([...this.annotationMap.values()]));
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, file);
    fsyncDir(this.options.dataDir);
    this.annotationsDirty = false;
  }

  private retentionCutoff(): number {
    return this.options.retentionMs > 0 ? Date.now() - this.options.retentionMs : -Infinity;
  }

  /** Deletes blocks whose newest point is older than the retention period. */
  private dropExpiredBlocks(): void {
    const cutoff = this.retentionCutoff();
    if (cutoff === -Infinity || this.compaction) return; // not under a compaction's inputs
    const expired = this.blocks.filter((b) => b.refs.every((ref) => ref.maxT < cutoff));
    if (expired.length === 0) return;
    for (const block of expired) {
      block.close();
      fs.rmSync(block.file, { force: true });
    }
    this.blocks = this.blocks.filter((b) => !expired.includes(b));
    this.rebuildChunkRefs();
  }

  /**
   * Merges the blocks from index `from` (in seq order) to the newest into one block (newer
   * blocks win on a shared timestamp), dropping expired points, now. `compact()` merges all.
   */
  compact(from = 0): void {
    this.assertOpen();
    this.finishCutNow();
    this.finishCompactionNow();
    const job = this.startCompaction(from);
    if (job) this.completeCompaction(job);
  }

  private startCompaction(from: number): CompactionJob | undefined {
    const inputs = this.blocks.slice(from);
    // one block is worth rewriting only to drop expired points
    if (inputs.length === 0 || (inputs.length === 1 && this.retentionCutoff() === -Infinity)) return undefined;
    const merging = new Set(inputs);
    const seq = this.nextBlockSeq++;
    const file = path.join(this.blocksDir, blockFileName(seq));
    const entries: SeriesEntry[] = [];
    for (const entry of this.index.byId) if (entry && entry.chunks.some((c) => merging.has(c.block))) entries.push(entry);
    const writer = new BlockWriter(file, this.codecSet, this.options.chunkMaxPoints, inputs.map((b) => b.seq));
    const job: CompactionJob = { seq, file, writer, merging, entries, next: 0, cutoff: this.retentionCutoff() };
    this.compaction = job;
    return job;
  }

  /** Merges series until about `budget` points are written; true when all are. */
  private stepCompaction(job: CompactionJob, budget: number): boolean {
    let done = 0;
    while (job.next < job.entries.length && done < budget) {
      const entry = job.entries[job.next++]!;
      const points = this.readBlocks(entry, job.cutoff, Infinity, job.merging);
      if (points.length > 0) job.writer.addSeries(entry.id, points);
      done += points.length + 1;
    }
    return job.next >= job.entries.length;
  }

  /** Installs the merged block in place of its inputs and deletes them. */
  private finishCompaction(job: CompactionJob): void {
    job.writer.finish();
    this.compaction = undefined;
    this.blocks = [...this.blocks.filter((b) => !job.merging.has(b)), new BlockReader(job.file, job.seq, this.codecSet)];
    this.rebuildChunkRefs();
    for (const block of job.merging) {
      block.close();
      fs.rmSync(block.file, { force: true });
    }
    this.counters.compactions++;
  }

  private abortCompaction(job: CompactionJob): void {
    job.writer.abort();
    if (this.compaction === job) this.compaction = undefined;
  }

  private completeCompaction(job: CompactionJob): void {
    try {
      this.stepCompaction(job, Infinity);
      this.finishCompaction(job);
    } catch (err) {
      this.abortCompaction(job);
      throw err;
    }
  }

  /** Completes a background compaction synchronously (before deletes, retention, close). */
  private finishCompactionNow(): void {
    if (this.compaction) this.completeCompaction(this.compaction);
  }

  /** The points of a series in its blocks within [start, end]; a corrupt chunk is reported and skipped. */
  private readBlocks(entry: SeriesEntry, start: number, end: number, only?: Set<BlockReader>): SeriesPoints {
    const parts: SeriesPoints[] = [];
    for (const { block, ref } of entry.chunks) {
      if (ref.maxT < start || ref.minT > end || (only && !only.has(block))) continue;
      try {
        parts.push(clipPoints(block.readChunk(ref), start, end));
      } catch (err) {
        this.counters.corruptChunks++;
        this.log.error({ file: block.file, series: entry.info.id, err: (err as Error).message }, 'corrupt chunk skipped');
      }
    }
    return combinePoints(parts);
  }

  private readSeries(entry: SeriesEntry, start: number, end: number): SeriesPoints {
    // oldest to newest: blocks, the head being cut, the live head
    const parts = [entry.chunks.length > 0 ? this.readBlocks(entry, start, end) : EMPTY_POINTS];
    for (const head of [entry.frozen, entry.head]) {
      if (!head || head.length === 0) continue;
      const [from, to] = head.rangeOf(start, end);
      if (to > from) parts.push(slicePoints(head, from, to));
    }
    return combinePoints(parts);
  }

  async *read(selector: SeriesSelector, range: TimeRange): AsyncIterable<SeriesData> {
    this.assertOpen();
    const start = Math.max(range.start, this.retentionCutoff());
    for (const entry of this.index.select(selector)) {
      const points = this.readSeries(entry, start, range.end);
      if (points.length > 0) yield { series: entry.info, points };
    }
  }

  async *last(selector: SeriesSelector, since = -Infinity): AsyncIterable<LastPoint> {
    this.assertOpen();
    const floor = Math.max(since, this.retentionCutoff());
    for (const entry of this.index.select(selector)) {
      const point = this.lastOf(entry, floor);
      if (point) yield point;
    }
  }

  private lastOf(entry: SeriesEntry, floor: number): LastPoint | undefined {
    // newest source first; an older source wins only with a strictly later timestamp
    let points: SeriesPoints | undefined;
    let t = -Infinity;
    for (const head of [entry.head, entry.frozen]) {
      if (head && head.length > 0 && head.timestamps[head.length - 1]! > t) {
        points = head;
        t = head.timestamps[head.length - 1]!;
      }
    }
    let newestRef = -1;
    for (let c = 0; c < entry.chunks.length; c++) if (newestRef < 0 || entry.chunks[c]!.ref.maxT >= entry.chunks[newestRef]!.ref.maxT) newestRef = c;
    if (newestRef >= 0 && entry.chunks[newestRef]!.ref.maxT > t) {
      // the newest chunk, merged with any older block sharing its last timestamp
      const maxT = entry.chunks[newestRef]!.ref.maxT;
      points = this.readBlocks(entry, maxT, maxT);
    }
    const i = points ? points.length - 1 : -1;
    if (!points || i < 0 || points.timestamps[i]! < floor) return undefined;
    return { series: entry.info, timestamp: points.timestamps[i]!, kind: points.kinds[i]! as LastPoint['kind'], float: points.floats[i]!, int: points.ints[i]!, text: points.texts[i] };
  }

  async *lookup(selector: Partial<SeriesSelector>, limit = Infinity): AsyncIterable<SeriesInfo> {
    this.assertOpen();
    let n = 0;
    for (const entry of this.index.select(selector)) {
      if (n++ >= limit) return;
      yield entry.info;
    }
  }

  async suggest(kind: NameKind, prefix: string, max: number): Promise<string[]> {
    this.assertOpen();
    const names = kind === 'metrics' ? this.index.metrics() : kind === 'tagk' ? this.index.tagKeys.values() : this.index.tagValues.values();
    const out: string[] = [];
    for (const name of names) if (name.startsWith(prefix)) out.push(name);
    return out.sort().slice(0, max);
  }

  async deleteRange(selector: SeriesSelector, range: TimeRange): Promise<number> {
    this.assertOpen();
    this.finishCutNow(); // the block being cut must not keep deleted points
    this.finishCompactionNow(); // nor the block being compacted
    const entries = this.index.select(selector);
    let removed = 0;
    for (const entry of entries) removed += this.readSeries(entry, range.start, range.end).length;
    if (removed === 0) return 0;
    const w = new ByteWriter(32 + entries.length * 3);
    w.byte(REC_DELETE);
    w.uvarint(entries.length);
    for (const entry of entries) w.uvarint(entry.id);
    w.f64(range.start);
    w.f64(range.end);
    this.wal.append(w.finish());
    this.applyDelete(entries, range.start, range.end);
    await this.wal.sync();
    return removed;
  }

  /** Removes points from the head and rewrites the blocks holding any of them. */
  private applyDelete(entries: SeriesEntry[], start: number, end: number): void {
    const ids = new Set<number>();
    const touched = new Set<BlockReader>();
    for (const entry of entries) {
      ids.add(entry.id);
      if (entry.head) this.headPoints -= entry.head.deleteRange(start, end);
      for (const { block, ref } of entry.chunks) if (ref.minT <= end && ref.maxT >= start) touched.add(block);
    }
    if (touched.size === 0) return;
    for (const block of touched) {
      const writer = new BlockWriter(block.file, this.codecSet, this.options.chunkMaxPoints, block.superseded);
      try {
        // chunks of one series are contiguous in a block
        let pending: SeriesPoints = EMPTY_POINTS;
        let pendingId = -1;
        const flushPending = (): void => {
          if (pendingId < 0) return;
          if (ids.has(pendingId)) pending = removeRange(pending, start, end);
          if (pending.length > 0) writer.addSeries(pendingId, pending);
        };
        for (const ref of block.refs) {
          if (ref.seriesId !== pendingId) {
            flushPending();
            pendingId = ref.seriesId;
            pending = EMPTY_POINTS;
          }
          pending = mergePoints(pending, block.readChunk(ref));
        }
        flushPending();
        writer.finish();
      } catch (err) {
        writer.abort();
        throw err;
      }
      block.close();
      const index = this.blocks.indexOf(block);
      this.blocks[index] = new BlockReader(block.file, block.seq, this.codecSet);
    }
    this.rebuildChunkRefs();
  }

  async putAnnotation(annotation: Annotation): Promise<void> {
    this.assertOpen();
    const a = { ...annotation };
    const w = new ByteWriter(128);
    w.byte(REC_ANNOTATION);
    w.string(JSON.stringify(a));
    this.wal.append(w.finish());
    this.annotationMap.set(annotationKey(a), a);
    this.annotationsDirty = true;
    await this.wal.sync();
  }

  async annotations(range: TimeRange, tsuids?: readonly string[] | 'global'): Promise<Annotation[]> {
    this.assertOpen();
    const out: Annotation[] = [];
    for (const a of this.annotationMap.values()) {
      if (a.startTime < range.start || a.startTime > range.end) continue;
      if (tsuids === 'global' ? a.tsuid !== undefined : tsuids ? a.tsuid === undefined || !tsuids.includes(a.tsuid) : false) continue;
      out.push({ ...a });
    }
    return out.sort((x, y) => x.startTime - y.startTime);
  }

  async deleteAnnotation(annotation: Pick<Annotation, 'startTime' | 'tsuid'>): Promise<boolean> {
    this.assertOpen();
    const key = annotationKey(annotation);
    if (!this.annotationMap.has(key)) return false;
    const w = new ByteWriter(64);
    w.byte(REC_UNANNOTATE);
    w.string(JSON.stringify({ startTime: annotation.startTime, tsuid: annotation.tsuid }));
    this.wal.append(w.finish());
    this.annotationMap.delete(key);
    this.annotationsDirty = true;
    await this.wal.sync();
    return true;
  }

  async stats(): Promise<StorageStats> {
    this.assertOpen();
    return this.statsNow();
  }

  /** The same figures synchronously, for hooks.kernel.collectStats (a SyncHook). */
  statsNow(): StorageStats {
    let blockPoints = 0;
    let blockBytes = 0;
    for (const block of this.blocks) {
      blockBytes += block.bytes;
      for (const ref of block.refs) blockPoints += ref.count;
    }
    const seriesLog = path.join(this.options.dataDir, 'series.log');
    const seriesBytes = fs.existsSync(seriesLog) ? fs.statSync(seriesLog).size : 0;
    const walBytes = this.wal.bytesOnDisk();
    return {
      series: this.index.count,
      points: blockPoints + this.headPoints + this.frozenPoints,
      blockPoints,
      headPoints: this.headPoints + this.frozenPoints,
      blocks: this.blocks.length,
      cutInProgress: this.cut ? 1 : 0,
      compactionInProgress: this.compaction ? 1 : 0,
      blockBytes,
      walBytes,
      bytesOnDisk: blockBytes + walBytes + seriesBytes,
      ...this.counters,
    };
  }

  async close(): Promise<void> {
    if (this.state !== 'open') return;
    if (this.timer) clearInterval(this.timer);
    try {
      // a clean shutdown leaves everything in blocks, so the next start replays nothing
      this.checkpoint();
    } catch (err) {
      this.log.error({ err }, 'final checkpoint failed; the WAL keeps the points');
    }
    // after a failure above: drop unfinished files (the WAL and the input blocks hold the data)
    if (this.compaction) this.abortCompaction(this.compaction);
    if (this.cut) this.abortCut(this.cut);
    this.state = 'closed';
    this.wal.close();
    for (const block of this.blocks) block.close();
    this.unlock?.();
  }
}

function annotationKey(a: Pick<Annotation, 'startTime' | 'tsuid'>): string {
  return `${a.tsuid ?? ''}@${a.startTime}`;
}

/** The points outside [start, end]. */
function removeRange(p: SeriesPoints, start: number, end: number): SeriesPoints {
  const from = lowerBound(p.timestamps, p.length, start);
  let to = from;
  while (to < p.length && p.timestamps[to]! <= end) to++;
  if (to === from) return p;
  return mergePoints(slicePoints(p, 0, from), slicePoints(p, to, p.length));
}
