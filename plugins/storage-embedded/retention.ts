/**
 * How points leave storage: retention (points older than retentionMs are hidden from reads
 * at once, dropped from disk with whole blocks or by the next compaction) and deletes (a
 * DELETE record, applied to the head and by rewriting the blocks holding any of the points:
 * blocks are immutable otherwise, and there are no tombstones to apply at read time).
 */
import type { BlockReader } from './block';
import type { BlockSet } from './block-set';
import type { Head } from './head';
import { lowerBound, mergePoints, slicePoints } from './points';
import type { SeriesEntry } from './series-index';
import type { SeriesPoints } from '../../core';

/** The oldest timestamp (ms) still served; -Infinity when retentionMs is 0 (keep forever). */
export function retentionCutoff(retentionMs: number, now = Date.now()): number {
  return retentionMs > 0 ? now - retentionMs : -Infinity;
}

/** Blocks whose newest point is older than `cutoff`: they can be deleted whole. */
export function expiredBlocks(blocks: readonly BlockReader[], cutoff: number): BlockReader[] {
  if (cutoff === -Infinity) return [];
  return blocks.filter((b) => b.refs.every((ref) => ref.maxT < cutoff));
}

/**
 * Removes the points of `entries` in [start, end] (ms, inclusive) from the live head and
 * from blocks, rewriting each block that holds any. The caller has finished any cut and
 * compaction first, so no frozen head or block being written still holds them. Throws the
 * first block write error.
 */
export function deletePoints(head: Head, blocks: BlockSet, entries: readonly SeriesEntry[], start: number, end: number): void {
  const ids = new Set<number>();
  const touched = new Set<BlockReader>();
  for (const entry of entries) {
    ids.add(entry.id);
    head.deleteRange(entry, start, end);
    for (const ref of entry.chunks) if (ref.minT <= end && ref.maxT >= start) touched.add(ref.block);
  }
  if (touched.size === 0) return;
  blocks.rewrite(touched, (seriesId, points) => (ids.has(seriesId) ? removeRange(points, start, end) : points));
}

/** The points outside [start, end]. */
function removeRange(p: SeriesPoints, start: number, end: number): SeriesPoints {
  const from = lowerBound(p.timestamps, p.length, start);
  let to = from;
  while (to < p.length && p.timestamps[to]! <= end) to++;
  if (to === from) return p;
  return mergePoints(slicePoints(p, 0, from), slicePoints(p, to, p.length));
}
