/**
 * Times on the command line, as OpenTSDB's CLI reads them: epoch seconds or
 * milliseconds, `2024/01/31-12:00:00` (UTC), an ISO date, or relative `1h-ago`.
 */
import { CliExit } from '../../core';
import { javaCalendarUtc, MAX_MILLISECONDS } from '../../lib/opentsdb';

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000, n: 2_592_000_000, y: 31_536_000_000 };

/**
 * Epoch milliseconds for `text`; `now` for relative times. Within what a put accepts:
 * a later time is bad usage (it is no Date, and would fail the run after its scan),
 * an earlier one (`999y-ago`) is the beginning.
 */
export function parseTime(text: string, what: string, now = Date.now()): number {
  const ms = readTime(text, what, now);
  if (ms > MAX_MILLISECONDS) throw new CliExit(`${what}: "${text}" is after ${MAX_MILLISECONDS} (the largest millisecond timestamp)`, 2);
  return Math.max(0, ms);
}

function readTime(text: string, what: string, now: number): number {
  if (/^\d+$/.test(text)) {
    const n = Number(text);
    return n <= 0xffffffff ? n * 1000 : n;
  }
  if (/^\d+\.\d{1,3}$/.test(text)) return Math.round(Number(text) * 1000);
  const ago = /^(\d+)(ms|s|m|h|d|w|n|y)-ago$/.exec(text);
  if (ago) return now - Number(ago[1]) * UNITS[ago[2]!]!;
  const tsdb = /^(\d{4})\/(\d{2})\/(\d{2})(?:[- ](\d{2}):(\d{2})(?::(\d{2}))?)?$/.exec(text);
  if (tsdb) {
    const [, y, mo, d, h = '0', mi = '0', s = '0'] = tsdb;
    // as the query reads it (Java's calendar: a year below 100 is that year, not 19xx)
    return javaCalendarUtc(Number(y), Number(mo), Number(d), Number(h), Number(mi), Number(s));
  }
  const iso = /^\d{4}-\d{2}-\d{2}/.test(text) ? Date.parse(text) : NaN;
  if (Number.isFinite(iso)) return iso;
  throw new CliExit(`${what}: cannot read "${text}" as a time (epoch seconds or ms, 2024/01/31-12:00:00, an ISO date, or 1h-ago)`, 2);
}

/** Whether a word reads as a time (used to tell START [END] from what follows). */
export function looksLikeTime(text: string): boolean {
  return /^\d+(\.\d{1,3})?$/.test(text) || /^\d+(ms|s|m|h|d|w|n|y)-ago$/.test(text) || /^\d{4}[/-]\d{2}[/-]\d{2}/.test(text);
}
