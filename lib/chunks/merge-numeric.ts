/**
 * A k-way merge of overlapping numeric runs of one series into one run of doubles, for
 * downsampling them in the engine: where a series' blocks (or a block and the head) hold
 * the same span — points written late, blocks not yet compacted — the parts are merged
 * as `read()` merges them (a later part wins on a shared timestamp: last write wins) and
 * then summarised as one run. One pass over the points and no allocation per point or
 * per call once the scratch has grown: k is a series' overlapping chunks, a handful.
 */
import { ValueKind, type SeriesPoints } from '../../core';

const INT: number = ValueKind.Int;

/** One part: points [from, to) of `points` (sorted, unique timestamps, every value a number). */
export interface NumericPart {
  points: SeriesPoints;
  from: number;
  to: number;
}

/** The merged run: `length` points in `timestamps` and `floats` (each value as a double), kinds all Float. */
export type MergedNumeric = SeriesPoints;

let merged: MergedNumeric = emptyRun(0);
let cursors = new Int32Array(8);

function emptyRun(capacity: number): MergedNumeric {
  return {
    length: 0,
    timestamps: new Float64Array(capacity),
    kinds: new Uint8Array(capacity).fill(ValueKind.Float),
    floats: new Float64Array(capacity),
    ints: new BigInt64Array(0),
    texts: [],
  };
}

/**
 * Merges `parts`, given oldest first, into a scratch run that the next call overwrites
 * (copy what must be kept). On a timestamp held by several parts the newest part's value
 * is taken. An integer becomes `Number(int)`, as the downsampler reads it.
 */
export function mergeNumericParts(parts: readonly NumericPart[]): MergedNumeric {
  let total = 0;
  for (const part of parts) total += Math.max(0, part.to - part.from);
  if (merged.timestamps.length < total) merged = emptyRun(Math.max(total, merged.timestamps.length * 2));
  if (cursors.length < parts.length) cursors = new Int32Array(parts.length * 2);
  const k = parts.length;
  for (let j = 0; j < k; j++) cursors[j] = parts[j]!.from;
  const ts = merged.timestamps;
  const values = merged.floats;
  let n = 0;
  for (;;) {
    // the smallest next timestamp (the newest part holding it wins), and the smallest of the others
    let t = Infinity;
    let winner = -1;
    let bound = Infinity;
    for (let j = 0; j < k; j++) {
      const part = parts[j]!;
      const c = cursors[j]!;
      if (c >= part.to) continue;
      const tj = part.points.timestamps[c]!;
      if (tj <= t) {
        if (t < bound) bound = t;
        t = tj;
        winner = j;
      } else if (tj < bound) {
        bound = tj;
      }
    }
    if (winner < 0) break;
    const part = parts[winner]!;
    const w = part.points;
    const wts = w.timestamps;
    const kinds = w.kinds;
    let c = cursors[winner]!;
    if (bound === t) {
      // a timestamp held twice: the winner's point, every part's cursor past it
      ts[n] = t;
      values[n] = kinds[c] === INT ? Number(w.ints[c]!) : w.floats[c]!;
      n++;
      for (let j = 0; j < k; j++) {
        const c2 = cursors[j]!;
        if (c2 < parts[j]!.to && parts[j]!.points.timestamps[c2] === t) cursors[j] = c2 + 1;
      }
      continue;
    }
    // the winner's points before any other part's next one: copied as a run (in time order
    // with few overlaps, the usual case, this is nearly the whole merge)
    const to = part.to;
    for (; c < to && wts[c]! < bound; c++, n++) {
      ts[n] = wts[c]!;
      values[n] = kinds[c] === INT ? Number(w.ints[c]!) : w.floats[c]!;
    }
    cursors[winner] = c;
  }
  merged.length = n;
  return merged;
}
