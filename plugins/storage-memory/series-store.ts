/**
 * One series held in memory: the kernel's SortedPoints (sorted growable columns, last
 * write wins on a duplicate timestamp) plus the series it belongs to.
 */
import { slicePoints, SortedPoints, type SeriesInfo, type SeriesPoints } from '../../core';

export class MemorySeries extends SortedPoints {
  constructor(readonly info: SeriesInfo) {
    super(16);
  }

  /** Copies points in [start, end] (inclusive, ms) into fresh columns. */
  slice(start: number, end: number): SeriesPoints {
    const [from, to] = this.rangeOf(start, end);
    return slicePoints(this, from, to);
  }
}
