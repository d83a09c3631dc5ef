/**
 * How DSDB names things in Riak. Keys and 2i terms sort bytewise in Riak (leveled keeps
 * them as binaries), so times are written as fixed-width, sign-prefixed decimals and a
 * range of keys is a range of time.
 *
 *  - series id: the first 16 bytes of sha1(canonical series key), upper-case hex. Every
 *    daemon computes the same id for a series without asking anyone: ids are race-free by
 *    construction; the series object stores the key, so a hash collision is detected.
 *  - chunk key: `<series id>:<window start>`; the `$key` index answers "the windows of a
 *    series between two times" with one range query.
 *  - series term (`series_bin`): the metric and the sorted tags, URI-encoded so that the
 *    term holds no comma or space (Riak's header list separators) and `|`, `=` and `&`
 *    separate its parts: `metric|k1=v1&k2=v2`. A range over `metric|` is the metric
 *    index, and returns every series of the metric with its tags (return_terms).
 *  - tag term (`tag_bin`): `k=v`, URI-encoded the same way, for literal tag lookups.
 */
import { createHash } from 'node:crypto';
import { setTag, type SeriesInfo, type SeriesKey } from '../../core';

const enc = encodeURIComponent;

/** The series id of a canonical series key (`seriesKeyString`). */
export function seriesIdOf(seriesKey: string): string {
  return createHash('sha1').update(seriesKey).digest('hex').slice(0, 32).toUpperCase();
}

export function isSeriesId(id: string): boolean {
  return /^[0-9A-F]{32}$/.test(id);
}

/** Milliseconds as a key part that sorts like the number: `n`/`p` then 16 digits. */
export function timeKey(ms: number): string {
  const t = Math.max(-9e15, Math.min(9e15, ms));
  return t < 0 ? 'n' + String(9e15 + t).padStart(16, '0') : 'p' + String(t).padStart(16, '0');
}

export function parseTimeKey(key: string): number {
  const n = Number(key.slice(1));
  return key[0] === 'n' ? n - 9e15 : n;
}

export function chunkKey(id: string, windowStart: number): string {
  return `${id}:${timeKey(windowStart)}`;
}

/** The window start a chunk key names. */
export function windowOfChunkKey(key: string): number {
  return parseTimeKey(key.slice(key.indexOf(':') + 1));
}

export function seriesTerm(series: SeriesKey): string {
  const keys = Object.keys(series.tags).sort();
  return `${enc(series.metric)}|${keys.map((k) => `${enc(k)}=${enc(series.tags[k]!)}`).join('&')}`;
}

/** The first and last possible series term of a metric (or of every metric). */
export function seriesTermRange(metric?: string): { start: string; end: string } {
  // '~' (0x7e) is the highest character encodeURIComponent leaves; 0x7f sorts after every term.
  return metric === undefined ? { start: '!', end: '\x7f' } : { start: `${enc(metric)}|`, end: `${enc(metric)}|\x7f` };
}

/** The series a series term names. */
export function seriesOfTerm(id: string, term: string): SeriesInfo {
  const bar = term.indexOf('|');
  const tags: Record<string, string> = {};
  const rest = term.slice(bar + 1);
  if (rest.length > 0) {
    for (const pair of rest.split('&')) {
      const eq = pair.indexOf('=');
      setTag(tags, decodeURIComponent(pair.slice(0, eq)), decodeURIComponent(pair.slice(eq + 1)));
    }
  }
  return { id, metric: decodeURIComponent(term.slice(0, bar)), tags };
}

export function tagTerm(key: string, value: string): string {
  return `${enc(key)}=${enc(value)}`;
}

/** Keys of the names bucket: m/k/v, a colon, the name; `$key` ranges give suggestions. */
export const NAME_PREFIX = { metrics: 'm:', tagk: 'k:', tagv: 'v:' } as const;

/** The annotation key: the tsuid ('' for a global one), `|`, the start time. */
export function annotationKey(tsuid: string | undefined, startTime: number): string {
  return `${tsuid ?? ''}|${timeKey(startTime)}`;
}
