/**
 * Reading one series across its sources, oldest to newest: blocks, the head being cut,
 * the live head (later sources win on a shared timestamp, as they hold later writes).
 */
import { ValueKind, type LastPoint, type SeriesPoints } from '../../core';
import type { BlockSet } from './block-set';
import type { Head } from './head';
import { HeadScratch } from './head-series';
import { combinePoints } from './points';
import type { SeriesEntry } from './series-index';

const FLOAT: number = ValueKind.Float;
const INT: number = ValueKind.Int;

/** The series' points in [start, end] (ms, inclusive). */
export function readSeries(blocks: BlockSet, head: Head, entry: SeriesEntry, start: number, end: number): SeriesPoints {
  const parts = [blocks.read(entry, start, end)];
  head.collect(entry, start, end, parts);
  return combinePoints(parts);
}

/** Columns a head sealed whole is decoded into for lastPoint, reused (lastPoint is synchronous). */
const lastScratch = new HeadScratch();

/**
 * The series' newest point at or after `floor` (ms), or undefined. Reads at most the chunks
 * holding the newest timestamp. Reads the heads' columns: the caller drains the head's
 * staged points first (Head.drain).
 */
export function lastPoint(blocks: BlockSet, entry: SeriesEntry, floor: number): LastPoint | undefined {
  // newest source first; an older source wins only with a strictly later timestamp
  let points: SeriesPoints | undefined;
  let at = -1;
  let t = -Infinity;
  for (const head of [entry.head, entry.frozen]) {
    if (!head || head.length === 0) continue;
    // the newest point is the columns' last; a head sealed whole (a frozen one: Head.sealFrozen)
    // is decoded into scratch columns, not unsealed (that would bring its raw columns back)
    head.mergeTail();
    const p = head.columnLength > 0 ? head : head.materialize(lastScratch);
    const n = head.columnLength > 0 ? head.columnLength : p.length;
    if (p.timestamps[n - 1]! > t) {
      points = p;
      at = n - 1;
      t = p.timestamps[at]!;
    }
  }
  let newestRef = -1;
  for (let c = 0; c < entry.chunks.length; c++) if (newestRef < 0 || entry.chunks[c]!.maxT >= entry.chunks[newestRef]!.maxT) newestRef = c;
  if (newestRef >= 0 && entry.chunks[newestRef]!.maxT > t) {
    // the newest chunk, merged with any older block sharing its last timestamp
    const maxT = entry.chunks[newestRef]!.maxT;
    points = blocks.read(entry, maxT, maxT);
    at = points.length - 1;
  }
  const i = points ? at : -1;
  if (!points || i < 0 || points.timestamps[i]! < floor) return undefined;
  // a head's floats and ints share one buffer: read the column the kind names
  const kind = points.kinds[i]!;
  return { series: entry.info, timestamp: points.timestamps[i]!, kind: kind as LastPoint['kind'], float: kind === FLOAT ? points.floats[i]! : 0, int: kind === INT ? points.ints[i]! : 0n, text: points.texts[i] };
}
