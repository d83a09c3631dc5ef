/**
 * The blocks of a data directory (`blocks/<seq>.blk`), oldest (lowest seq) first, and
 * each series' references to its chunks in them (SeriesEntry.chunks, oldest block first:
 * a newer block wins on a shared timestamp). Opening deletes unfinished `.tmp` files, sets
 * corrupt blocks aside as `.corrupt` and deletes blocks a compaction superseded.
 */
import fs from 'node:fs';
import path from 'node:path';
import { rangeOfSorted, type Logger, type SeriesPoints } from '../../core';
import { BlockReader, BlockWriter, blockFileName, blockSeqOf } from './block';
import type { CodecSet } from './codec-set';
import type { MergeScratch } from './merge-scratch';
import { EMPTY_POINTS, clipPoints, combinePoints } from './points';
import type { SeriesEntry, SeriesIndex } from './series-index';
import { fsyncDir } from './sync-file';
import type { Counters } from './stats';

export class BlockSet {
  /** open blocks in seq order */
  blocks: BlockReader[] = [];
  private nextSeq = 1;
  /** changes whenever any series' chunks may have: what a result computed from them is valid for */
  generation = 0;

  constructor(
    readonly dir: string,
    private readonly index: SeriesIndex,
    private readonly codecs: CodecSet,
    private readonly chunkMaxPoints: number,
    private readonly counters: Counters,
    private readonly log: Logger,
    /** called after blocks were closed and the series' chunk lists rebuilt without them (their ChunkRefs are stale) */
    private readonly blocksClosed: () => void = () => {},
  ) {}

  /** Opens every block in the directory (see the file comment for what is cleaned up). */
  load(): void {
    fs.mkdirSync(this.dir, { recursive: true });
    const readers: BlockReader[] = [];
    for (const file of fs.readdirSync(this.dir).sort()) {
      const full = path.join(this.dir, file);
      if (file.endsWith('.tmp')) {
        fs.rmSync(full, { force: true }); // an unfinished cut or compaction
        continue;
      }
      const seq = blockSeqOf(file);
      if (seq === undefined) continue;
      this.nextSeq = Math.max(this.nextSeq, seq + 1);
      try {
        const reader = new BlockReader(full, seq, this.codecs);
        readers.push(reader);
        if (reader.footerDamage !== undefined) {
          this.counters.damagedFooters++;
          this.log.warn(
            { file: full, damage: reader.footerDamage },
            'block footer damaged: its index was found without it and every chunk checked against its CRC32, so the block is served (`dsdb fsck --fix` writes the footer again)',
          );
        }
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
    this.generation++;
    this.blocksClosed();
    for (const entry of this.index.byId) if (entry) entry.chunks = [];
    this.blocks.sort((a, b) => a.seq - b.seq);
    let orphans = 0;
    for (const block of this.blocks) {
      block.orphanChunks = 0;
      for (const ref of block.refs) {
        // never hand out an id that a block already uses, even if series.log lost it
        this.index.reserveId(ref.seriesId);
        const entry = this.index.byId[ref.seriesId];
        if (entry) entry.chunks.push(ref);
        else block.orphanChunks++;
      }
      orphans += block.orphanChunks;
    }
    if (orphans > this.counters.orphanChunks) {
      this.counters.orphanChunks = orphans;
      this.log.error({ orphans, blocks: this.blocks.filter((b) => b.orphanChunks > 0).map((b) => path.basename(b.file)) }, 'chunks of series missing from series.log are not served; their blocks are kept as they are (never compacted) until series.log is restored or `dsdb fsck --fix` is run');
    }
  }

  /** The sequence number of a new block: higher than every block's so far. */
  allocSeq(): number {
    return this.nextSeq++;
  }

  /** A writer for block `seq`; `superseded` lists the blocks it replaces (a compaction's inputs). */
  writer(seq: number, superseded: readonly number[] = []): BlockWriter {
    return new BlockWriter(path.join(this.dir, blockFileName(seq)), this.codecs, this.chunkMaxPoints, superseded);
  }

  /**
   * Opens a block a job has just written (its file renamed into place), or, when it cannot
   * be opened (EMFILE, EIO…), deletes the file and throws: the job is then undone (a cut
   * gives its points back to the head, a compaction leaves its inputs installed), and a
   * file left behind would be installed at the next start with the points as they were
   * when it was written — deletes made since would come back, and a compaction's block
   * would drop its inputs (the `superseded` it names) with whatever they took on since.
   */
  private openWritten(seq: number): BlockReader {
    const file = path.join(this.dir, blockFileName(seq));
    try {
      const block = new BlockReader(file, seq, this.codecs);
      block.markChecked();
      return block;
    } catch (err) {
      fs.rmSync(file, { force: true });
      // durable, or a crash now could still leave it to the next start; the job's error is the one to report
      try {
        fsyncDir(this.dir);
      } catch {
        /* the removal stands either way */
      }
      throw err;
    }
  }

  /** Opens the finished block `seq` as the newest and points its series at its chunks. Throws (the file deleted) when it cannot be opened. */
  add(seq: number): BlockReader {
    const block = this.openWritten(seq);
    this.blocks.push(block);
    this.generation++;
    for (const ref of block.refs) this.index.byId[ref.seriesId]!.chunks.push(ref);
    return block;
  }

  /** Opens the finished block `seq` in place of `inputs` (a compaction's), then deletes them. Throws (the file deleted, the inputs kept) when it cannot be opened. */
  replace(inputs: ReadonlySet<BlockReader>, seq: number): void {
    const merged = this.openWritten(seq);
    this.blocks = [...this.blocks.filter((b) => !inputs.has(b)), merged];
    // closed before the rebuild, whose blocksClosed call drops what refers to them
    for (const block of inputs) block.close();
    this.rebuildChunkRefs();
    for (const block of inputs) fs.rmSync(block.file, { force: true });
  }

  /** Closes and deletes blocks (retention). */
  remove(blocks: readonly BlockReader[]): void {
    if (blocks.length === 0) return;
    for (const block of blocks) {
      block.close();
      fs.rmSync(block.file, { force: true });
    }
    this.blocks = this.blocks.filter((b) => !blocks.includes(b));
    this.rebuildChunkRefs();
  }

  /**
   * Rewrites blocks in place, each series' points passed through `keep` (which returns the
   * points to keep, possibly none). The new file replaces the old by rename, so a crash
   * leaves one or the other. Throws the first write error; blocks done before it stay done.
   */
  rewrite(blocks: Iterable<BlockReader>, keep: (seriesId: number, points: SeriesPoints) => SeriesPoints): void {
    try {
      for (const block of blocks) {
        const writer = new BlockWriter(block.file, this.codecs, this.chunkMaxPoints, block.superseded);
        try {
          // chunks of one series are contiguous in a block
          let parts: SeriesPoints[] = [];
          let seriesId = -1;
          const flush = (): void => {
            if (seriesId < 0) return;
            const points = keep(seriesId, combinePoints(parts));
            if (points.length > 0) writer.addSeries(seriesId, points);
          };
          for (const ref of block.refs) {
            if (ref.seriesId !== seriesId) {
              flush();
              seriesId = ref.seriesId;
              parts = [];
            }
            parts.push(block.readChunk(ref));
          }
          flush();
          writer.finish();
        } catch (err) {
          writer.abort();
          throw err;
        }
        block.close();
        this.blocks[this.blocks.indexOf(block)] = new BlockReader(block.file, block.seq, this.codecs);
      }
    } finally {
      this.rebuildChunkRefs();
    }
  }

  /**
   * The points of a series in its blocks within [start, end] (ms, inclusive), limited to
   * `only` when given; a corrupt chunk is counted, logged and skipped.
   */
  read(entry: SeriesEntry, start: number, end: number, only?: ReadonlySet<BlockReader>): SeriesPoints {
    if (entry.chunks.length === 0) return EMPTY_POINTS;
    const parts: SeriesPoints[] = [];
    for (const ref of entry.chunks) {
      const block = ref.block;
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

  /**
   * `read` into reused columns (merge-scratch.ts), for compaction: the same points, valid
   * until the scratch's next use, and no allocation per series or chunk.
   */
  readMerged(entry: SeriesEntry, start: number, end: number, only: ReadonlySet<BlockReader>, scratch: MergeScratch): SeriesPoints {
    scratch.reset();
    let k = 0;
    for (const ref of entry.chunks) {
      const block = ref.block;
      if (ref.maxT < start || ref.minT > end || !only.has(block)) continue;
      const into = scratch.input(k, ref.count);
      let n: number;
      try {
        n = block.readChunkInto(ref, into);
      } catch (err) {
        this.counters.corruptChunks++;
        this.log.error({ file: block.file, series: entry.info.id, err: (err as Error).message }, 'corrupt chunk skipped');
        continue;
      }
      const [from, to] = rangeOfSorted(into.timestamps, n, start, end);
      scratch.addRun(k++, from, to);
    }
    return scratch.merged();
  }

  /** Points in blocks, and the blocks' bytes on disk. */
  totals(): { points: number; bytes: number } {
    let points = 0;
    let bytes = 0;
    // per block, not per chunk: stats are asked every few seconds, and a store holds millions of chunks
    for (const block of this.blocks) {
      bytes += block.bytes;
      points += block.points;
    }
    return { points, bytes };
  }

  close(): void {
    for (const block of this.blocks) block.close();
  }
}
