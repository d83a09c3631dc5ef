/**
 * Where a rollup point lands in time (RollupUtils.getRollupBasetime and
 * buildRollupQualifier): OpenTSDB stores it in the row of its row span (an hour, day, month
 * or year, UTC) at offset ⌊(ts − row start) / interval⌋ intervals, so its timestamp is
 * snapped to the interval grid counted from the row's start, not from the epoch.
 */
import type { RollupInterval } from './config';

/** The row start (seconds) holding `seconds` for the interval's row span. */
export function rollupBaseTime(seconds: number, interval: RollupInterval): number {
  if (interval.spanUnit === 'h') {
    const modulo = interval.spanMultiplier > 1 ? interval.spanMultiplier * 3600 : 3600;
    return seconds - (seconds % modulo);
  }
  const d = new Date(seconds * 1000);
  const year = d.getUTCFullYear();
  const month = interval.spanUnit === 'y' ? 0 : d.getUTCMonth();
  const day = interval.spanUnit === 'd' ? d.getUTCDate() : 1;
  return Date.UTC(year, month, day) / 1000;
}

/** The timestamp (seconds) OpenTSDB reads back for a rollup point written at `seconds`. */
export function rollupTimestamp(seconds: number, interval: RollupInterval): number {
  const base = rollupBaseTime(seconds, interval);
  return base + Math.floor((seconds - base) / interval.seconds) * interval.seconds;
}

/**
 * The rows a rollup query reads (TsdbQuery.getScanStartTimeSeconds/getScanEndTimeSeconds
 * with a rollup query), in ms, inclusive: from the row holding the start (one row earlier
 * for a rate) up to, not including, the row holding end + 1 s + a row's worth of intervals.
 * The second is OpenTSDB's: getScanEndTimeSeconds adds it to every end before its rollup
 * branch (its guard `end - (end * 1000) < 1` always holds), as for raw rows. It matters
 * where the intervals do not fill the row: 130 of 11m are 85,800 s of a 1d row, so an end
 * at 00:09:59 reads that day's row in OpenTSDB (and one at 00:09:58 does not, there too).
 */
export function rollupScanRange(startMs: number, endMs: number, interval: RollupInterval, rate: boolean): { start: number; end: number } {
  let start = rollupBaseTime(Math.floor(startMs / 1000), interval);
  if (rate) start = rollupBaseTime(start - 1, interval);
  const endS = Math.floor(endMs / 1000) + 1;
  const stop = rollupBaseTime(endS + interval.seconds * interval.intervals, interval);
  return { start: start * 1000, end: stop * 1000 - 1 };
}
