/**
 * Reused columns for reading a series' chunks and merging them, for the jobs that read
 * every series once (compaction): each chunk is decoded into its own grown-once buffer
 * and the runs are merged into one output, newer runs winning a shared timestamp (last
 * write wins, as `combinePoints`). Nothing is allocated per series or per chunk once the
 * buffers have grown to the longest series: the allocations a compaction made per chunk
 * (columns, a text slot per point) were most of the daemon's peak memory beyond its heads.
 */
import { allocPoints, ValueKind, type SeriesPoints } from '../../core';

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
interface Run {
  source: Buffered;
  from: number;
  to: number;
}

export class MergeScratch {
  private readonly inputs: Buffered[] = [];
  private output: Buffered = buffered(0);
  private readonly runs: Run[] = [];
  private cursors = new Int32Array(8);

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
    if (to > from) this.runs.push({ source: this.inputs[k]!, from, to });
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
    if (this.cursors.length < runs.length) this.cursors = new Int32Array(2 * runs.length);
    const cursors = this.cursors;
    const k = runs.length;
    for (let j = 0; j < k; j++) cursors[j] = runs[j]!.from;
    const out = this.output;
    let n = 0;
    for (;;) {
      // the smallest next timestamp (the newest run holding it wins), and the smallest of the others
      let t = Infinity;
      let winner = -1;
      let bound = Infinity;
      for (let j = 0; j < k; j++) {
        const run = runs[j]!;
        const c = cursors[j]!;
        if (c >= run.to) continue;
        const tj = run.source.points.timestamps[c]!;
        if (tj <= t) {
          if (t < bound) bound = t;
          t = tj;
          winner = j;
        } else if (tj < bound) {
          bound = tj;
        }
      }
      if (winner < 0) break;
      const run = runs[winner]!;
      let c = cursors[winner]!;
      if (bound === t) {
        copyPoint(out, n++, run.source, c);
        for (let j = 0; j < k; j++) {
          const c2 = cursors[j]!;
          if (c2 < runs[j]!.to && runs[j]!.source.points.timestamps[c2] === t) cursors[j] = c2 + 1;
        }
        continue;
      }
      // the winner's points before any other run's next one, as one stretch (chunks in time order: all of them)
      const ts = run.source.points.timestamps;
      for (const to = run.to; c < to && ts[c]! < bound; c++) copyPoint(out, n++, run.source, c);
      cursors[winner] = c;
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
