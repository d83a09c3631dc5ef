/**
 * The k-way merge of one series' sorted runs (chunks of several blocks, a head), as
 * `read()` merges them: in time order, a later run winning a shared timestamp (last write
 * wins). It hands out stretches — points [from, to) of one run that come next with no
 * other run's point among them — so a caller copies a stretch in one loop: runs in time
 * order with few overlaps, the usual case, are each one stretch. The runs are scanned once
 * per stretch, not per point; k is a handful.
 */
import type { SeriesPoints } from '../../core';

/** One run: points [from, to) of `points` (sorted, unique timestamps). */
export interface SortedRun {
  points: SeriesPoints;
  from: number;
  to: number;
}

export class RunMerge {
  private runs: readonly SortedRun[] = [];
  private cursors = new Int32Array(8);
  /** the current stretch (after next() answered true): points [from, to) of runs[run] */
  run = -1;
  from = 0;
  to = 0;

  /** Starts merging `runs`, given oldest first. */
  start(runs: readonly SortedRun[]): void {
    this.runs = runs;
    if (this.cursors.length < runs.length) this.cursors = new Int32Array(runs.length * 2);
    for (let j = 0; j < runs.length; j++) this.cursors[j] = runs[j]!.from;
  }

  /** Moves to the next stretch; false when every run is used up. */
  next(): boolean {
    const runs = this.runs;
    const cursors = this.cursors;
    const k = runs.length;
    // the smallest next timestamp (the newest run holding it wins), and the smallest of the others
    let t = Infinity;
    let winner = -1;
    let bound = Infinity;
    for (let j = 0; j < k; j++) {
      const run = runs[j]!;
      const c = cursors[j]!;
      if (c >= run.to) continue;
      const tj = run.points.timestamps[c]!;
      if (tj <= t) {
        if (t < bound) bound = t;
        t = tj;
        winner = j;
      } else if (tj < bound) {
        bound = tj;
      }
    }
    if (winner < 0) return false;
    const c = cursors[winner]!;
    this.run = winner;
    this.from = c;
    if (bound === t) {
      // a timestamp held more than once: the winner's point, and every run's cursor past it
      this.to = c + 1;
      for (let j = 0; j < k; j++) {
        const cj = cursors[j]!;
        if (cj < runs[j]!.to && runs[j]!.points.timestamps[cj] === t) cursors[j] = cj + 1;
      }
      return true;
    }
    // the winner's points before any other run's next one
    const end = stretchEnd(runs[winner]!.points.timestamps, c + 1, runs[winner]!.to, bound);
    cursors[winner] = end;
    this.to = end;
    return true;
  }
}

/**
 * The first index in ts[from, to) whose timestamp is >= bound (to when none): galloping
 * from `from` (1, 2, 4, … points), then a binary search of the last step. A stretch is
 * often a whole chunk or the rest of a run, found in a few probes instead of a probe a point.
 */
function stretchEnd(ts: Float64Array, from: number, to: number, bound: number): number {
  if (from >= to || ts[from]! >= bound) return from;
  if (ts[to - 1]! < bound) return to;
  // ts[lo] < bound <= ts[hi]
  let lo = from;
  let step = 1;
  let hi = from + step;
  while (hi < to - 1 && ts[hi]! < bound) {
    lo = hi;
    step *= 2;
    hi = lo + step;
  }
  if (hi > to - 1) hi = to - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >>> 1;
    if (ts[mid]! < bound) lo = mid;
    else hi = mid;
  }
  return hi;
}
