/**
 * A stable sort that yields to the event loop: sorting the 100k members of one group by
 * row key is ~2M string comparisons, too long to hold other clients. Runs of RUN items
 * are sorted with Array.prototype.sort (stable), then merged pairwise, looking at the
 * time slice every RUN items; the order is the one `items.sort(compare)` gives.
 */
import type { TimeSlice } from '../../core';

const RUN = 4096;

/** Sorts `items` (in place when short; else returns a new sorted array). */
export async function sortPaced<T>(items: T[], compare: (a: T, b: T) => number, slice: TimeSlice): Promise<T[]> {
  const n = items.length;
  if (n <= RUN) return items.sort(compare);
  let src = items;
  for (let lo = 0; lo < n; lo += RUN) {
    const run = src.slice(lo, Math.min(lo + RUN, n)).sort(compare);
    for (let j = 0; j < run.length; j++) src[lo + j] = run[j]!;
    if (slice.due()) await slice.pause();
  }
  let dst = new Array<T>(n);
  for (let width = RUN; width < n; width *= 2) {
    let k = 0;
    for (let lo = 0; lo < n; lo += 2 * width) {
      const mid = Math.min(lo + width, n);
      const hi = Math.min(lo + 2 * width, n);
      let i = lo;
      let j = mid;
      while (i < mid || j < hi) {
        dst[k++] = j >= hi || (i < mid && compare(src[i]!, src[j]!) <= 0) ? src[i++]! : src[j++]!;
        if ((k & (RUN - 1)) === 0 && slice.due()) await slice.pause();
      }
    }
    const swap = src;
    src = dst;
    dst = swap;
  }
  return src;
}
