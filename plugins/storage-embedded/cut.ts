/**
 * A block cut: the frozen head encoded into a new block (Prometheus' head compaction).
 * Starting one rotates the WAL and freezes the head, so writes go on into fresh heads and
 * a new segment; once the block is installed, the segments before `keepFrom` hold nothing
 * that is not in a block and the engine drops them. Run by a JobRunner.
 *
 * With a ChunkEncoder the series are encoded on its worker thread (series-encoding.ts):
 * encoded here, a cut took ~15% of the storage thread from ingest.
 */
import type { ChunkEncoder } from '../../lib/chunks';
import type { BackgroundJob } from './background-job';
import type { BlockWriter } from './block';
import type { BlockSet } from './block-set';
import type { Head, HeadColumns } from './head';
import { HeadScratch } from './head-series';
import type { SeriesEntry } from './series-index';
import { SeriesEncoding } from './series-encoding';

export class CutJob implements BackgroundJob {
  /** series whose frozen heads this cut encodes, in block order (block-order.ts) */
  private readonly entries: SeriesEntry[];
  private readonly seq: number;
  /** absent when the head was empty: the cut then only rotates the WAL */
  private readonly writer?: BlockWriter;
  /** the frozen series written into the block (absent when the head was empty) */
  private readonly encoding?: SeriesEncoding;
  /** performance.now() at the start, for lastCheckpointMs */
  readonly started = performance.now();
  /** points in the frozen head */
  readonly points: number;
  /** the newest points carried back into the live head (Head.carryBack), for the caller to log again */
  readonly carried?: HeadColumns & { ids: Uint32Array };

  /**
   * Freezes `head`, keeping each series' points of its last `holdBackMs` live (Head.carryBack;
   * 0: none). `keepFrom` is the first WAL segment written after the freeze (from
   * Wal.rotate()): the ones before it are dropped once the block is installed, so the caller
   * logs `carried` in it before any other write. Throws when the block file cannot be
   * created (the head is given back).
   */
  constructor(
    private readonly head: Head,
    private readonly blocks: BlockSet,
    readonly keepFrom: number,
    holdBackMs = 0,
    encoder?: ChunkEncoder,
  ) {
    this.entries = head.freeze();
    if (holdBackMs > 0) this.carried = head.carryBack(this.entries, holdBackMs);
    head.sealFrozen(this.entries);
    this.points = head.frozenPoints;
    this.seq = blocks.allocSeq();
    try {
      this.writer = this.entries.length > 0 ? blocks.writer(this.seq) : undefined;
    } catch (err) {
      head.thaw(this.entries);
      throw err;
    }
    const entries = this.entries;
    if (this.writer) {
      // sealed frozen heads are decoded into scratch columns a series at a time; the encoding
      // holds at most one series read ahead (series-encoding.ts), so three scratches in turn
      // never overwrite one still read
      const scratches = [new HeadScratch(), new HeadScratch(), new HeadScratch()];
      let turn = 0;
      const source = {
        count: entries.length,
        pointsOf: (i: number) => entries[i]!.frozen?.materialize(scratches[turn++ % 3]!),
        idOf: (i: number) => entries[i]!.id,
        sizeOf: (i: number) => entries[i]!.frozen?.length ?? 0,
      };
      this.encoding = new SeriesEncoding(source, this.writer, encoder);
    }
  }

  /** Encodes (or has the encoder encode) frozen series until about `budget` points are done; true when all are written. */
  step(budget: number): boolean {
    return this.encoding ? this.encoding.step(budget) : true;
  }

  /** With slices on the encoder's thread and nothing else to do: its next answer. */
  idle(): Promise<void> | undefined {
    return this.encoding?.idle();
  }

  /** Installs the block and drops the frozen head. */
  finish(): void {
    if (this.writer) {
      try {
        this.writer.finish();
        this.blocks.add(this.seq);
      } catch (err) {
        this.abort();
        throw err;
      }
    }
    this.head.release(this.entries);
  }

  /** Gives the frozen points back to the head (the WAL before the cut is still on disk). */
  abort(): void {
    this.encoding?.abort();
    this.writer?.abort();
    this.head.thaw(this.entries);
  }
}
