/**
 * Compaction: merging blocks into one (Prometheus' LeveledCompactor, size-tiered here).
 * plan() picks what to merge; a CompactionJob writes the merged block, run by a JobRunner.
 */
import { inBlockOrder } from './block-order';
import type { BackgroundJob } from './background-job';
import type { BlockReader, BlockWriter } from './block';
import type { BlockSet } from './block-set';
import type { SeriesEntry, SeriesIndex } from './series-index';
import type { ChunkEncoder } from '../../lib/chunks';
import { MergeScratch } from './merge-scratch';
import { SeriesEncoding } from './series-encoding';

/**
 * How much bigger than the newer blocks together a block may be and still join their run.
 * Blocks cut at the same head size differ by a batch's points (2,004,505 then 2,003,545):
 * without slack, an older block a few points bigger stopped every merge.
 */
const SIMILAR = 1.25;

/**
 * Size-tiered planning: the newest run of blocks in which no block is bigger than all
 * newer ones together (give or take SIMILAR) is merged once it has `minBlocks` blocks. Similar sizes merge, big
 * old blocks are left alone, so each point is rewritten O(log n) times, not at every
 * merge. Only a newest run is merged, so the result is still newer than every other block
 * and last-write-wins order holds. Returns the index (in seq order) of the run's first
 * block, or undefined when nothing is due.
 */
export function planCompaction(blocks: readonly BlockReader[], minBlocks: number): number | undefined {
  const sizes = blocks.map((b) => b.points);
  let run = 0;
  let total = 0;
  for (let i = blocks.length - 1; i >= 0; i--) {
    if (run > 0 && sizes[i]! > total * SIMILAR) break;
    total += sizes[i]!;
    run++;
  }
  return run >= minBlocks ? blocks.length - run : undefined;
}

/**
 * Planning for an idle engine (no write for `compactIdleMs`): the newest blocks that
 * together hold at most `maxPoints` points, when there are two or more, merge into one. A
 * load that ends leaves the size tiers mid-way (8M points in one block, the last cut's 2M
 * in another, each series in two chunks); settled data sits in as few chunks as the cap
 * allows, each costing its header and index entry once. Returns the index of the first
 * block to merge, or undefined.
 */
export function planIdleCompaction(blocks: readonly BlockReader[], maxPoints: number): number | undefined {
  let total = 0;
  let from = blocks.length;
  for (let i = blocks.length - 1; i >= 0; i--) {
    total += blocks[i]!.points;
    if (total > maxPoints) break;
    from = i;
  }
  return blocks.length - from >= 2 ? from : undefined;
}

/**
 * Merges blocks from index `from` (in seq order) to the newest into one block, newer
 * blocks winning on a shared timestamp and points before `cutoff` (ms; -Infinity keeps
 * all) dropped. The merged block names its inputs as superseded, so a crash after it is
 * written but before they are deleted leaves no duplicates (block-set.ts deletes them).
 */
export class CompactionJob implements BackgroundJob {
  private readonly seq: number;
  private readonly writer: BlockWriter;
  /** the input blocks */
  readonly merging: ReadonlySet<BlockReader>;
  /** series with chunks in the inputs */
  private readonly entries: SeriesEntry[] = [];
  /** the merged series written into the block */
  private readonly encoding: SeriesEncoding;

  /** Use CompactionJob.start(), which says when there is nothing to do. */
  private constructor(
    private readonly blocks: BlockSet,
    index: SeriesIndex,
    inputs: readonly BlockReader[],
    cutoff: number,
    encoder: ChunkEncoder | undefined,
  ) {
    const merging = (this.merging = new Set(inputs));
    this.seq = blocks.allocSeq();
    const entries = this.entries;
    for (const entry of index.byId) if (entry && entry.chunks.some((ref) => merging.has(ref.block))) entries.push(entry);
    inBlockOrder(entries);
    this.writer = blocks.writer(this.seq, inputs.map((b) => b.seq));
    // decode and merge buffers reused series after series; a series is read (again, after a worker failure) when needed
    const scratch = new MergeScratch();
    const source = {
      count: entries.length,
      pointsOf: (i: number) => blocks.readMerged(entries[i]!, cutoff, Infinity, merging, scratch),
      idOf: (i: number) => entries[i]!.id,
      // the points of its chunks in the inputs: at least what the merge keeps
      sizeOf: (i: number) => {
        let n = 0;
        for (const ref of entries[i]!.chunks) if (merging.has(ref.block) && ref.maxT >= cutoff) n += ref.count;
        return n;
      },
    };
    this.encoding = new SeriesEncoding(source, this.writer, encoder);
  }

  /** A compaction of blocks[from…], or undefined when it would change nothing. Throws when the file cannot be created. */
  static start(blocks: BlockSet, index: SeriesIndex, from: number, cutoff: number, encoder?: ChunkEncoder): CompactionJob | undefined {
    const inputs = blocks.blocks.slice(from);
    // one block is worth rewriting only to drop expired points
    if (inputs.length === 0 || (inputs.length === 1 && cutoff === -Infinity)) return undefined;
    return new CompactionJob(blocks, index, inputs, cutoff, encoder);
  }

  /** Merges series until about `budget` points are written (or sent to the encoder's thread); true when all are written. */
  step(budget: number): boolean {
    return this.encoding.step(budget);
  }

  /** With slices on the encoder's thread and nothing else to do: its next answer. */
  idle(): Promise<void> | undefined {
    return this.encoding.idle();
  }


  /** Installs the merged block in place of its inputs and deletes them. */
  finish(): void {
    try {
      this.writer.finish();
    } catch (err) {
      this.abort();
      throw err;
    }
    this.blocks.replace(this.merging, this.seq);
  }

  abort(): void {
    this.encoding.abort();
    this.writer.abort();
  }
}
