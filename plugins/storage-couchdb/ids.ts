/**
 * Document ids. CouchDB's primary index (`_all_docs`, always up to date, sorted by id) is
 * the main index, so ids are chosen for the range scans the engine needs:
 *   s:<metric>:<sid>        a series; `sid` = first 96 bits of SHA-1(canonical series
 *                           key) in hex: deterministic, so every daemon creating the
 *                           series writes the same id and CouchDB keeps one document.
 *                           The metric in front makes "series of a metric" a range scan.
 *   c:<sid>:<window>        the chunk of one series in one time window; `window` is the
 *                           window start + 2^53, 17 decimal digits, so ids sort by time.
 *   n:m:<name> n:k:… n:v:…  metric names, tag keys, tag values (suggest is a range scan)
 *   a:<start>:<tsuid>       an annotation ('' tsuid: global), sorted by start time
 *   m:settings              settings every daemon must share (the window length)
 *   k:<space>␟<key>         a MetaStore entry (␟ = U+001F, which no space holds: lib/storage
 *                           checkMetaEntry), so a space, and a key prefix in it, is an id range
 */
import { createHash } from 'node:crypto';
import type { NameKind } from '../../core';

/** Sorts after every character a name can hold, for the end of a prefix range. */
export const HIGH = '\ufff0';
const OFFSET = 2 ** 53;

export const SETTINGS_ID = 'm:settings';
export const DESIGN_ID = '_design/dsdb';

/** The series id (tsuid) of a canonical series key: 24 hex digits. */
export function seriesId(seriesKey: string): string {
  return createHash('sha1').update(seriesKey).digest('hex').slice(0, 24).toUpperCase();
}

export function seriesDocId(metric: string, sid: string): string {
  return `s:${metric}:${sid}`;
}

/** The id range holding every series of a metric (other metrics starting `metric:` too: callers compare). */
export function seriesRange(metric?: string): [string, string] {
  return metric === undefined ? ['s:', `s:${HIGH}`] : [`s:${metric}:`, `s:${metric}:${HIGH}`];
}

/** A time (ms, possibly negative) as 17 digits that sort like the number. */
export function timeKey(t: number): string {
  return String(t + OFFSET).padStart(17, '0');
}

export function chunkDocId(sid: string, windowStart: number): string {
  return `c:${sid}:${timeKey(windowStart)}`;
}

/** Ids of a series' chunks whose window starts in [first, last]. */
export function chunkRange(sid: string, first: number, last: number): [string, string] {
  return [chunkDocId(sid, Math.max(first, -OFFSET)), chunkDocId(sid, Math.min(last, OFFSET))];
}

const NAME_PREFIX: Readonly<Record<NameKind, string>> = { metrics: 'n:m:', tagk: 'n:k:', tagv: 'n:v:' };

export function nameDocId(kind: NameKind, name: string): string {
  return NAME_PREFIX[kind] + name;
}

export function namePrefix(kind: NameKind): string {
  return NAME_PREFIX[kind];
}

export function annotationDocId(startTime: number, tsuid: string | undefined): string {
  return `a:${timeKey(startTime)}:${tsuid ?? ''}`;
}

export function annotationRange(start: number, end: number): [string, string] {
  return [`a:${timeKey(Math.max(start, -OFFSET))}:`, `a:${timeKey(Math.min(end, OFFSET))}:${HIGH}`];
}

/** Joins a MetaStore space and key; U+001F cannot occur in a space (lib/storage checkMetaEntry). */
const META_SEPARATOR = '\u001f';

export function metaDocId(space: string, key: string): string {
  return `k:${space}${META_SEPARATOR}${key}`;
}

/** An id after every id of the space (exclusive end): U+0020 follows the separator. */
export function metaSpaceEnd(space: string): string {
  return `k:${space}\u0020`;
}
