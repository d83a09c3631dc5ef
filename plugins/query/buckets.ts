/**
 * Where downsampling buckets start. Fixed intervals are epoch-aligned
 * (`ts − ts mod interval`, as OpenTSDB does); calendar intervals (`1dc`, `1nc`, or
 * useCalendar) follow the calendar of the query's time zone: days start at local
 * midnight, weeks on Sunday, months on the 1st, years on Jan 1, and multi-unit buckets
 * count from the start of the enclosing year (weeks: from a Sunday).
 */
import { floorToInterval } from '../../lib/chunks';
import type { DownsampleSpec } from './model';
import { epochToWallClock, wallClockToEpoch, zoneOffset } from '../../lib/opentsdb/time';

const DAY = 86_400_000;

export interface Bucketing {
  /** start of the bucket holding `ts` */
  floor(ts: number): number;
  /** start of the bucket after the one starting at `bucketStart` */
  next(bucketStart: number): number;
}

/**
 * `anchor`: for calendar seconds/minutes/hours, the time whose day (or hour, month) the grid
 * counts from — OpenTSDB computes it once, from the first point (or the first row read),
 * and steps on from there; without it each timestamp anchors its own.
 */
export function bucketing(spec: DownsampleSpec, zone: string, anchor?: number): Bucketing {
  const interval = spec.intervalMs;
  if (!spec.calendar) {
    return { floor: (ts) => floorToInterval(ts, interval), next: (b) => b + interval };
  }
  const subDay = spec.unit === 'ms' || spec.unit === 's' || spec.unit === 'm' || spec.unit === 'h';
  const base = subDay && anchor !== undefined ? calendarFloor(anchor, spec.count, spec.unit, interval, zone) : undefined;
  const floor =
    base !== undefined
      ? (ts: number) => base + Math.floor((ts - base) / interval) * interval
      : (ts: number) => calendarFloor(ts, spec.count, spec.unit, interval, zone);
  // A step of 1.5 nominal intervals always lands inside the next calendar bucket.
  return { floor, next: (b) => floor(b + interval * 1.5) };
}

function calendarFloor(ts: number, count: number, unit: string, interval: number, zone: string): number {
  switch (unit) {
    case 'ms':
    case 's':
    case 'm':
    case 'h': {
      // DateTime.previousInterval: from the top of the next larger unit when the count
      // divides it (second, minute, hour, day), else from the top of the one above
      // (minute, hour, day, month), stepping by the interval.
      const w = epochToWallClock(ts, zone);
      let anchor: number;
      if (unit === 'ms') anchor = 1000 % count === 0 ? ts - (ts % 1000) : wallClockToEpoch(w.year, w.month, w.day, w.hour, w.minute, 0, zone);
      else if (unit === 's') anchor = 60 % count === 0 ? wallClockToEpoch(w.year, w.month, w.day, w.hour, w.minute, 0, zone) : wallClockToEpoch(w.year, w.month, w.day, w.hour, 0, 0, zone);
      else if (unit === 'm') anchor = 60 % count === 0 ? wallClockToEpoch(w.year, w.month, w.day, w.hour, 0, 0, zone) : wallClockToEpoch(w.year, w.month, w.day, 0, 0, 0, zone);
      else anchor = 24 % count === 0 ? wallClockToEpoch(w.year, w.month, w.day, 0, 0, 0, zone) : wallClockToEpoch(w.year, w.month, 1, 0, 0, 0, zone);
      return anchor + Math.floor((ts - anchor) / interval) * interval;
    }
    case 'd': {
      const w = epochToWallClock(ts, zone);
      const dayOfYear = Math.round((Date.UTC(w.year, w.month - 1, w.day) - Date.UTC(w.year, 0, 1)) / DAY);
      const bucketDay = dayOfYear - (dayOfYear % count);
      return wallClockToEpoch(w.year, 1, 1 + bucketDay, 0, 0, 0, zone);
    }
    case 'w': {
      const w = epochToWallClock(ts, zone);
      // local day number since 1970-01-04, a Sunday
      const days = Math.round((Date.UTC(w.year, w.month - 1, w.day) - Date.UTC(1970, 0, 4)) / DAY);
      const span = 7 * count;
      const bucketDays = days - (((days % span) + span) % span);
      const d = new Date(Date.UTC(1970, 0, 4) + bucketDays * DAY);
      return wallClockToEpoch(d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate(), 0, 0, 0, zone);
    }
    case 'n': {
      const w = epochToWallClock(ts, zone);
      const month = w.month - 1 - ((w.month - 1) % count);
      return wallClockToEpoch(w.year, month + 1, 1, 0, 0, 0, zone);
    }
    default: {
      // years
      const w = epochToWallClock(ts, zone);
      return wallClockToEpoch(w.year - (w.year % count), 1, 1, 0, 0, 0, zone);
    }
  }
}
