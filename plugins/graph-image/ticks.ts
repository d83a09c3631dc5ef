/** Axis ticks: "nice" numbers for the y axis, calendar-friendly steps for time. */

import { zoneOffset } from '../../lib/opentsdb';
const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const TIME_STEPS = [SECOND, 2 * SECOND, 5 * SECOND, 10 * SECOND, 15 * SECOND, 30 * SECOND, MINUTE, 2 * MINUTE, 5 * MINUTE, 10 * MINUTE, 15 * MINUTE, 30 * MINUTE, HOUR, 2 * HOUR, 3 * HOUR, 6 * HOUR, 12 * HOUR, DAY, 2 * DAY, 7 * DAY, 14 * DAY, 30 * DAY, 91 * DAY, 365 * DAY];

/** Ticks at multiples of 1, 2 or 5 × 10^k covering [min, max], about `count` of them. */
export function numberTicks(min: number, max: number, count: number): number[] {
  if (!(max > min)) return [min];
  const raw = (max - min) / Math.max(1, count);
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw) ?? 10 * power;
  // at the ends of the double range the step is no step: the span overflows to Infinity
  // (-1e308 … 1e308), or it underflows to 0 or cannot move a value (among subnormals, or
  // 1e-320 apart near 1): the loop below would never end (a /q render held the event loop
  // ~10 s and ~2 GB before V8 gave up). The two ends are the ticks then.
  const first = Math.ceil(min / step) * step;
  if (!(step > 0) || !Number.isFinite(step) || !Number.isFinite(first) || first + step === first) return [min, max];
  const ticks: number[] = [];
  const last = Number.isFinite(max + step * 1e-9) ? max + step * 1e-9 : max; // near the largest double the slack overflows
  for (let v = first, n = 0; v <= last && n < MAX_TICKS; v += step, n++) ticks.push(Math.abs(v) < step * 1e-9 ? 0 : Number(v.toPrecision(12)));
  return ticks;
}

/** Ticks one axis gets at most, whatever its range (a guard: a nice step gives ~count). */
const MAX_TICKS = 1000;

/** The y range rounded out to nice numbers (so the top and bottom carry a tick). */
export function niceRange(min: number, max: number, count: number): { min: number; max: number } {
  if (min === max) {
    const pad = Math.abs(min) * 0.1 || 1;
    return niceRange(min - pad, max + pad, count);
  }
  const ticks = numberTicks(min, max, count);
  const step = ticks.length > 1 ? ticks[1]! - ticks[0]! : (max - min) / count;
  const nice = { min: Math.floor(min / step + 1e-9) * step, max: Math.ceil(max / step - 1e-9) * step };
  // rounded out past the largest double (or by no step at all), the range stays as it is
  return Number.isFinite(nice.min) && Number.isFinite(nice.max) && nice.max > nice.min ? nice : { min, max };
}

/** A tick label: short, no floating noise (`0.30000000000000004` → `0.3`), k/M/G for big numbers. */
export function formatNumber(v: number): string {
  const abs = Math.abs(v);
  if (abs >= 1e15) return v.toExponential(2);
  // from 10,000 on: 25000 → 25k (1,000 … 9,999 stay whole: they are short enough)
  for (const [limit, unit, suffix] of [[1e12, 1e12, 'T'], [1e9, 1e9, 'G'], [1e6, 1e6, 'M'], [1e4, 1e3, 'k']] as const) {
    if (abs >= limit) return `${Number((v / unit).toPrecision(6))}${suffix}`;
  }
  return String(Number(v.toPrecision(6)));
}

export interface TimeTicks {
  ticks: number[];
  label(ms: number): string;
}

/** Ticks for [startMs, endMs] at a step giving at most `count` ticks, labelled in `timeZone`. */
export function timeTicks(startMs: number, endMs: number, count: number, timeZone = 'UTC'): TimeTicks {
  const span = Math.max(endMs - startMs, SECOND);
  const step = TIME_STEPS.find((s) => span / s <= count) ?? Math.ceil(span / count / DAY) * DAY;
  const offset = zoneOffsetMs(timeZone, startMs);
  const ticks: number[] = [];
  // Align in local time, so hour ticks fall on local hours and day ticks at local midnight.
  for (let t = Math.ceil((startMs + offset) / step) * step - offset; t <= endMs; t += step) ticks.push(t);
  const parts = (ms: number) => {
    const d = new Date(ms + zoneOffsetMs(timeZone, ms));
    const p = (n: number) => String(n).padStart(2, '0');
    return { date: `${d.getUTCFullYear()}/${p(d.getUTCMonth() + 1)}/${p(d.getUTCDate())}`, md: `${p(d.getUTCMonth() + 1)}/${p(d.getUTCDate())}`, hm: `${p(d.getUTCHours())}:${p(d.getUTCMinutes())}`, s: p(d.getUTCSeconds()) };
  };
  const label = (ms: number) => {
    const x = parts(ms);
    if (step >= DAY) return span > 300 * DAY ? x.date : x.md;
    if (step < MINUTE) return `${x.hm}:${x.s}`;
    return span > DAY ? `${x.md} ${x.hm}` : x.hm;
  };
  return { ticks, label };
}

/**
 * `timeZone`'s offset from UTC at `ms`, in ms: lib/opentsdb's zoneOffset (the query's, with
 * its formatter kept per zone, not made per label); 0 for a zone Intl does not know, whose
 * labels are then UTC's.
 */
export function zoneOffsetMs(timeZone: string, ms: number): number {
  try {
    return zoneOffset(ms, timeZone);
  } catch {
    return 0;
  }
}
