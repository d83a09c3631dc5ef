/**
 * A k-way merge of overlapping numeric runs of one series into one run of doubles, for
 * downsampling them in the engine: where a series' blocks (or a block and the head) hold
 * the same span — points written late, blocks not yet compacted — the parts are merged
 * as `read()` merges them (a later part wins on a shared timestamp: last write wins) and
 * then summarised as one run (run-merge.ts finds the stretches). No allocation per point or
 * per call once the scratch has grown.
 */
import { int64ToDouble, int64Words, ValueKind, type SeriesPoints } from '../../core';
import { RunMerge, type SortedRun } from './run-merge';

const INT: number = ValueKind.Int;
/** bound once: each read of an export through the core barrel is a getter call, and this runs per point */
const toDouble = int64ToDouble;

/** One part: points [from, to) of `points` (sorted, unique timestamps, every value a number). */
export type NumericPart = SortedRun;

/** The merged run: `length` points in `timestamps` and `floats` (each value as a double), kinds all Float. */
export type MergedNumeric = SeriesPoints;

let merged: MergedNumeric = emptyRun(0);
const EMPTY_WORDS = new Int32Array(0);
const partWords: Int32Array[] = [];
const stretches = new RunMerge();

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
 * is taken. An integer becomes the double nearest it (`Number(int)`), as the downsampler reads it.
 */
export function mergeNumericParts(parts: readonly NumericPart[]): MergedNumeric {
  let total = 0;
  for (const part of parts) total += Math.max(0, part.to - part.from);
  if (merged.timestamps.length < total) merged = emptyRun(Math.max(total, merged.timestamps.length * 2));
  stretches.start(parts);
  // each part's int64 column as 32-bit words, made once a call (a view per stretch cost more than the stretch)
  for (let k = 0; k < parts.length; k++) partWords[k] = int64Words(parts[k]!.points.ints);
  const ts = merged.timestamps;
  const values = merged.floats;
  let n = 0;
  while (stretches.next()) {
    const w = parts[stretches.run]!.points;
    const wts = w.timestamps;
    const kinds = w.kinds;
    const words = partWords[stretches.run]!;
    for (let c = stretches.from; c < stretches.to; c++, n++) {
      ts[n] = wts[c]!;
      values[n] = kinds[c] === INT ? toDouble(words, c) : w.floats[c]!;
    }
  }
  merged.length = n;
  partWords.fill(EMPTY_WORDS, 0, parts.length); // the parts' buffers are not kept alive
  return merged;
}
