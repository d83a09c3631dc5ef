// How series, times and values are written in the GUI (always as text).
import { exactJsonText, isBigInt } from './exact-json.js';

/** `metric{k=v,…}`, the series' name in legends and tables. */
export function seriesLabel(series) {
  const tags = Object.entries(series.tags || {}).map(([k, v]) => `${k}=${v}`);
  return tags.length ? `${series.metric}{${tags.join(',')}}` : series.metric;
}

/** Epoch seconds (fractional for milliseconds) as `yyyy-MM-dd HH:mm:ss` UTC, `.SSS` added when the milliseconds are not 0. */
export function formatTime(seconds) {
  return new Date(Math.round(seconds * 1000)).toISOString().replace('T', ' ').replace(/\.000Z$/, '').replace(/Z$/, '');
}

/** A value as text: strings as they are, JSON as compact JSON (big integers exact), numbers plainly. */
export function formatValue(value) {
  if (value === null || value === undefined) return '';
  if (isBigInt(value)) return value.int;
  if (typeof value === 'object') return exactJsonText(value);
  return String(value);
}

/** A Date as OpenTSDB's absolute time `yyyy/MM/dd-HH:mm:ss`, in UTC (the daemon's default zone). */
export function toOpenTsdbTime(date) {
  const p = (n) => String(n).padStart(2, '0');
  return `${date.getUTCFullYear()}/${p(date.getUTCMonth() + 1)}/${p(date.getUTCDate())}-${p(date.getUTCHours())}:${p(date.getUTCMinutes())}:${p(date.getUTCSeconds())}`;
}

/**
 * An absolute OpenTSDB time as a Date (UTC, the daemon's default zone): `yyyy/MM/dd`,
 * `yyyy/MM/dd-HH:mm[:ss]`, or epoch seconds / milliseconds. Relative times (`1h-ago`,
 * `now`) and anything else: undefined.
 */
export function parseAbsoluteTime(text) {
  if (!text) return undefined;
  if (/^\d{1,13}$/.test(text)) return new Date(text.length > 10 ? Number(text) : Number(text) * 1000);
  const m = /^(\d{4})\/(\d{2})\/(\d{2})(?:[- ](\d{2}):(\d{2})(?::(\d{2}))?)?$/.exec(text);
  if (!m) return undefined;
  const date = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4] || 0), Number(m[5] || 0), Number(m[6] || 0)));
  return Number.isNaN(date.getTime()) ? undefined : date;
}

/** Eight distinguishable line colours. */
export const PALETTE = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#17becf', '#7f7f7f', '#bcbd22'];
