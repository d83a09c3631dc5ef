/**
 * Reused columns for reading a series' chunks and merging them, for the jobs that read
 * every series once (compaction): each chunk is decoded into its own grown-once buffer
 * and the runs are merged into one output, newer runs winning a shared timestamp (last
 * write wins, as `combinePoints`). Nothing is allocated per series or per chunk once the
 * buffers have grown to the longest series: the allocations a compaction made per chunk
 * (columns, a text slot per point) were most of the daemon's peak memory beyond its heads.
 */
import { allocPoints, ValueKind, type SeriesPoints } from '../../core';
import { RunMerge, type SortedRun } from '../../lib/chunks';

const STRING: number = ValueKind.String;
const JSON_KIND: number = ValueKind.Json;

/** One decode buffer, with its integers as 32-bit words (copied without a bigint). */
interface Buffered {
  points: SeriesPoints;
  words: Int32Array;
}

function buffered(capacity: number): Buffered {
  const points = allocPoints(capacity);
  return { points, words: new Int32Array(points.ints.buffer, points.ints.byteOffset, 2 * capacity) };
}

/** A run to merge: points [from, to) of a decode buffer. */
interface Run extends SortedRun {
  source: Buffered;
}

export class MergeScratch {
  private readonly inputs: Buffered[] = [];
  private output: Buffered = buffered(0);
  private readonly runs: Run[] = [];
  private readonly stretches = new RunMerge();

  /** Starts a series: forgets the runs of the previous one. */
  reset(): void {
    this.runs.length = 0;
  }

  /** The k-th decode buffer of this series, with room for `count` points. */
  input(k: number, count: number): SeriesPoints {
    let b = this.inputs[k];
    if (!b || b.points.length < count) b = this.inputs[k] = buffered(Math.max(count, 2 * (b?.points.length ?? 0)));
    return b.points;
  }

  /** Adds points [from, to) of input buffer `k` as the next (newer) run. */
  addRun(k: number, from: number, to: number): void {
    if (to > from) this.runs.push({ points: this.inputs[k]!.points, source: this.inputs[k]!, from, to });
  }

  /**
   * The runs merged, oldest first, newer winning a shared timestamp: columns valid until the
   * next call (`length` set; the arrays may be longer). Texts are set only at string and
   * JSON points.
   */
  merged(): SeriesPoints {
    const runs = this.runs;
    let total = 0;
    for (const run of runs) total += run.to - run.from;
    const capacity = this.output.points.timestamps.length;
    if (capacity < total) this.output = buffered(Math.max(total, 2 * capacity));
    const out = this.output;
    const stretches = this.stretches;
    stretches.start(runs);
    let n = 0;
    while (stretches.next()) {
      const source = runs[stretches.run]!.source;
      for (let c = stretches.from; c < stretches.to; c++) copyPoint(out, n++, source, c);
    }
    out.points.length = n;
    return out.points;
  }
}

function copyPoint(out: Buffered, n: number, src: Buffered, c: number): void {
  const p = src.points;
  const o = out.points;
  const kind = p.kinds[c]!;
  o.timestamps[n] = p.timestamps[c]!;
  o.kinds[n] = kind;
  o.floats[n] = p.floats[c]!;
  out.words[2 * n] = src.words[2 * c]!;
  out.words[2 * n + 1] = src.words[2 * c + 1]!;
  if (kind === STRING || kind === JSON_KIND) o.texts[n] = p.texts[c];
}
