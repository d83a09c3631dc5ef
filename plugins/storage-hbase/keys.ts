/**
 * Row keys and columns of the two tables (docs/storage-hbase.md has the why).
 *
 * Data table `<prefix>data`, family `d`:
 *   row    = salt (1 byte) | series id (4 bytes, big-endian) | window start (8 bytes,
 *            ms, big-endian int64 with the sign bit flipped so that keys sort by time)
 *   column = d:<16 hex seq><8 hex writer> — one cell per write fragment; hex qualifiers
 *            sort in write order, so the row's cells replay in order (last write wins).
 *
 * UID table `<prefix>uid`, family `u` (ASCII/UTF-8 keys):
 *   meta                       u:window_ms, u:salt_buckets  (first daemon decides)
 *   c:series                   u:next  decimal, the last series id handed out (check-and-put)
 *   k:<sha1 hex of series key> u:id    8 hex, claimed by check-and-put (one id per series)
 *   m:<metric>\0<8 hex id>     u:t     the tags as ASCII JSON (what lookups scan and filter)
 *   n:<m|k|v>:<name>           u:x     metric / tag key / tag value names (suggest)
 *   a:<16 hex start>:<tsuid>   u:a     an annotation's JSON body ('' tsuid = global)
 */
import { createHash } from 'node:crypto';
import type { NameKind } from '../../core';

export const DATA_FAMILY = 'd';
export const UID_FAMILY = 'u';
export const ROW_KEY_BYTES = 13;

/** Flips the sign bit so that unsigned byte order is numeric order. */
const SIGN = 1n << 63n;

export function writeWindow(buf: Buffer, offset: number, windowStart: number): void {
  buf.writeBigUInt64BE(BigInt.asUintN(64, BigInt(windowStart)) ^ SIGN, offset);
}

export function readWindow(buf: Buffer, offset: number): number {
  return Number(BigInt.asIntN(64, buf.readBigUInt64BE(offset) ^ SIGN));
}

export function saltOf(id: number, buckets: number): number {
  return id % buckets;
}

/** The row key of one series and window. */
export function dataRowKey(id: number, windowStart: number, buckets: number): Buffer {
  const key = Buffer.allocUnsafe(ROW_KEY_BYTES);
  key[0] = saltOf(id, buckets);
  key.writeUInt32BE(id, 1);
  writeWindow(key, 5, windowStart);
  return key;
}

export function rowSeriesId(key: Buffer): number {
  return key.readUInt32BE(1);
}

export function rowWindow(key: Buffer): number {
  return readWindow(key, 5);
}

/** Series ids are OpenTSDB-TSUID-like: 8 upper-case hex digits. */
export function seriesIdString(id: number): string {
  return id.toString(16).toUpperCase().padStart(8, '0');
}

export function parseSeriesId(id: string): number {
  return /^[0-9A-Fa-f]{8}$/.test(id) ? parseInt(id, 16) : -1;
}

export function forwardKey(seriesKey: string): string {
  return 'k:' + createHash('sha1').update(seriesKey).digest('hex');
}

export function metricRowPrefix(metric: string): Buffer {
  return Buffer.from('m:' + metric + '\0');
}

export function metricRowKey(metric: string, id: number): Buffer {
  return Buffer.from('m:' + metric + '\0' + seriesIdString(id));
}

/** [metric, id] of an `m:` row. */
export function parseMetricRow(key: Buffer): [string, number] {
  const text = key.toString('utf8');
  const nul = text.lastIndexOf('\0');
  return [text.slice(2, nul), parseInt(text.slice(nul + 1), 16)];
}

const NAME_LETTER: Record<NameKind, string> = { metrics: 'm', tagk: 'k', tagv: 'v' };

export function nameRowKey(kind: NameKind, name: string): Buffer {
  return Buffer.from(`n:${NAME_LETTER[kind]}:${name}`);
}

export function namePrefix(kind: NameKind): string {
  return `n:${NAME_LETTER[kind]}:`;
}

/** Tags as JSON with every non-ASCII character escaped, keys sorted: the gateway's regex filters read bytes as Latin-1. */
export function asciiJson(value: unknown): string {
  return JSON.stringify(value).replace(/[\u007f-\uffff]/g, (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0'));
}

export function annotationKey(startTime: number, tsuid: string): Buffer {
  const t = Buffer.allocUnsafe(8);
  writeWindow(t, 0, Math.floor(startTime));
  return Buffer.from(`a:${t.toString('hex')}:${tsuid}`);
}

export function annotationBound(time: number): Buffer {
  const t = Buffer.allocUnsafe(8);
  writeWindow(t, 0, Math.max(-(2 ** 62), Math.min(2 ** 62, Math.floor(time))));
  return Buffer.from(`a:${t.toString('hex')}:`);
}

/** The smallest key greater than every key starting with `prefix`. */
export function prefixEnd(prefix: Buffer): Buffer {
  const end = Buffer.from(prefix);
  for (let i = end.length - 1; i >= 0; i--) {
    if (end[i]! < 0xff) {
      end[i]!++;
      return end.subarray(0, i + 1);
    }
  }
  return Buffer.alloc(0);
}
