/**
 * Merging the points of one chunk: a write's fragment into the stored chunk, and the
 * siblings concurrent daemons left on one key into one chunk. Both keep every timestamp
 * any input has; for a timestamp in several inputs the latest write wins, as in every
 * engine (docs/storage.md "Last write wins"). Works on columns, per chunk.
 */
import { allocPoints, type SeriesPoints } from '../../core';

function copyPoint(from: SeriesPoints, i: number, to: SeriesPoints, j: number): void {
  to.timestamps[j] = from.timestamps[i]!;
  to.kinds[j] = from.kinds[i]!;
  to.floats[j] = from.floats[i]!;
  to.ints[j] = from.ints[i]!;
  to.texts[j] = from.texts[i];
}

/**
 * `base` and `newer` (each sorted, unique timestamps) as one sorted chunk; on equal
 * timestamps `newer` wins.
 */
export function mergeNewer(base: SeriesPoints, newer: SeriesPoints): SeriesPoints {
  if (base.length === 0) return newer;
  const out = allocPoints(base.length + newer.length);
  let i = 0;
  let j = 0;
  let n = 0;
  while (i < base.length || j < newer.length) {
    if (j >= newer.length || (i < base.length && base.timestamps[i]! < newer.timestamps[j]!)) copyPoint(base, i++, out, n++);
    else {
      if (i < base.length && base.timestamps[i] === newer.timestamps[j]) i++; // replaced
      copyPoint(newer, j++, out, n++);
    }
  }
  out.length = n;
  return n === out.timestamps.length ? out : trim(out, n);
}

function trim(p: SeriesPoints, n: number): SeriesPoints {
  return { length: n, timestamps: p.timestamps.slice(0, n), kinds: p.kinds.slice(0, n), floats: p.floats.slice(0, n), ints: p.ints.slice(0, n), texts: p.texts.slice(0, n) };
}

/** Chunks oldest write first, merged: each later one wins on the timestamps it shares with earlier ones. */
export function mergeInOrder(chunks: readonly SeriesPoints[]): SeriesPoints {
  let out: SeriesPoints = allocPoints(0);
  for (const chunk of chunks) out = mergeNewer(out, chunk);
  return out;
}

/** The points of `p` outside [start, end]; `removed` is how many were inside. */
export function withoutRange(p: SeriesPoints, start: number, end: number): { kept: SeriesPoints; removed: number } {
  const out = allocPoints(p.length);
  let n = 0;
  for (let i = 0; i < p.length; i++) {
    const t = p.timestamps[i]!;
    if (t >= start && t <= end) continue;
    copyPoint(p, i, out, n++);
  }
  return { kept: trim(out, n), removed: p.length - n };
}

/** The points of `p` inside [start, end] (sorted input: two binary searches would do, one pass is enough per chunk). */
export function withinRange(p: SeriesPoints, start: number, end: number): SeriesPoints {
  let from = 0;
  while (from < p.length && p.timestamps[from]! < start) from++;
  let to = p.length;
  while (to > from && p.timestamps[to - 1]! > end) to--;
  if (from === 0 && to === p.length) return p;
  return { length: to - from, timestamps: p.timestamps.slice(from, to), kinds: p.kinds.slice(from, to), floats: p.floats.slice(from, to), ints: p.ints.slice(from, to), texts: p.texts.slice(from, to) };
}

/** Concatenates chunks of disjoint, increasing windows. */
export function concatPoints(chunks: readonly SeriesPoints[]): SeriesPoints {
  if (chunks.length === 1) return chunks[0]!;
  let total = 0;
  for (const c of chunks) total += c.length;
  const out = allocPoints(total);
  let n = 0;
  for (const c of chunks) {
    out.timestamps.set(c.timestamps.subarray(0, c.length), n);
    out.kinds.set(c.kinds.subarray(0, c.length), n);
    out.floats.set(c.floats.subarray(0, c.length), n);
    out.ints.set(c.ints.subarray(0, c.length), n);
    for (let i = 0; i < c.length; i++) out.texts[n + i] = c.texts[i];
    n += c.length;
  }
  return out;
}
