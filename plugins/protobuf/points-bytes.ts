/**
 * The byte-level reader of `POST /api/put` protobuf bodies (dsdb.proto WriteRequest): the
 * common request — points with a metric, a positive timestamp, tags and an int, double or
 * string value — goes from the bytes to the batch's columns. A point's series is found by
 * hashing the raw bytes of its metric and tags fields (lib/opentsdb's SeriesCache, as the
 * telnet, JSON and remote_write readers do), so only a series first seen here is decoded
 * and checked (with /api/put's checks, lib/opentsdb validateDataPoint).
 *
 * Anything else — a JSON value, a refused point, a field in an unexpected wire type, tags
 * not in one run, two values, invalid UTF-8, a malformed message — makes it give up
 * (`undefined`): the caller empties the batch and reads the body with protobufjs and the
 * PutCollector (admit.ts), whose answers are the reference. test/write/protobuf-bytes.test.ts
 * compares the two.
 */
import { seriesKeyString, ValueKind, type BatchBuilder } from '../../core';
import { newValueSlot, plainTags, timestampInRange, toMilliseconds, validateDataPoint } from '../../lib/opentsdb';
import { hashRanges, SeriesCache, type CachedSeries } from '../../lib/opentsdb/series-cache';
import { WireReader, WT_BYTES, WT_FIXED64, WT_VARINT } from '../../lib/protowire';

// a request is read synchronously into its own batch: one batch at a time
const cache = new SeriesCache({ oneBatchAtATime: true });
const slot = newValueSlot();
/** One reader for every request: decode is synchronous. */
const w = new WireReader();

/** Reads every point of `body` into `batch`: the number of points, or undefined (use the reference reader). */
export function readPutProtobuf(body: Uint8Array, batch: BatchBuilder): number | undefined {
  w.reset(body);
  const end = body.length;
  let count = 0;
  while (w.pos < end) {
    const key = w.key(end);
    if (!w.ok) return undefined;
    const field = key >>> 3;
    if (field === 1) {
      if ((key & 7) !== WT_BYTES) return undefined;
      const length = w.varint(end);
      const pointEnd = w.pos + length;
      if (!w.ok || pointEnd > end || !readPoint(pointEnd, batch)) return undefined;
      w.pos = pointEnd;
      count++;
    } else if (field === 4) {
      // authorization (raw TCP only): protobufjs checks its UTF-8 too
      if ((key & 7) !== WT_BYTES) return undefined;
      const length = w.varint(end);
      if (!w.ok || w.pos + length > end || w.text(w.pos, w.pos + length) === undefined) return undefined;
      w.pos += length;
    } else {
      if ((field === 2 || field === 3) && (key & 7) !== WT_VARINT) return undefined;
      w.skip(key, end);
      if (!w.ok) return undefined;
    }
  }
  return count > 0 ? count : undefined;
}

function readPoint(end: number, batch: BatchBuilder): boolean {
  let metricStart = -1;
  let metricEnd = -1;
  let tagsStart = -1;
  let tagsEnd = -1;
  let timestamp = 0;
  let values = 0;
  while (w.pos < end) {
    const fieldStart = w.pos;
    const key = w.key(end);
    if (!w.ok) return false;
    const field = key >>> 3;
    const type = key & 7;
    if (field === 1 && type === WT_BYTES) {
      if (metricStart >= 0) return false; // given twice: protobufjs keeps the last
      const length = w.varint(end);
      metricStart = w.pos;
      metricEnd = w.pos += length;
    } else if (field === 2 && type === WT_VARINT) {
      timestamp = w.varint(end); // over 53 bits (or negative): ok = false
    } else if (field === 3 && type === WT_BYTES) {
      if (tagsStart < 0) tagsStart = fieldStart;
      else if (tagsEnd !== fieldStart) return false; // tags in one run only
      const length = w.varint(end);
      w.pos += length;
      tagsEnd = w.pos;
    } else if (field === 4 && type === WT_VARINT) {
      const zigzag = w.varint(end);
      slot.kind = ValueKind.Int;
      slot.int = BigInt(zigzag % 2 === 0 ? zigzag / 2 : -(zigzag + 1) / 2);
      slot.float = 0;
      slot.text = undefined;
      values++;
    } else if (field === 5 && type === WT_FIXED64) {
      slot.kind = ValueKind.Float;
      slot.float = w.double(end);
      slot.int = 0n;
      slot.text = undefined;
      values++;
    } else if (field === 6 && type === WT_BYTES) {
      const length = w.varint(end);
      const value = w.ok && w.pos + length <= end ? w.text(w.pos, w.pos + length) : undefined;
      if (value === undefined) return false;
      slot.kind = ValueKind.String;
      slot.text = value;
      slot.int = 0n;
      slot.float = 0;
      w.pos += length;
      values++;
    } else if (field >= 1 && field <= 7) {
      return false; // a JSON value, or a known field in another wire type
    } else {
      w.skip(key, end);
    }
    if (!w.ok || w.pos > end) return false;
  }
  if (values !== 1 || metricStart < 0 || metricStart === metricEnd || tagsStart < 0 || !(timestamp > 0)) return false;
  let series = cache.lookup(w.bytes, metricStart, metricEnd, tagsStart, tagsEnd);
  if (series === undefined) {
    series = newSeries(hashRanges(w.bytes, metricStart, metricEnd, tagsStart, tagsEnd), metricStart, metricEnd, tagsStart, tagsEnd, timestamp);
    if (series === undefined) return false;
  } else if ((slot.kind === ValueKind.Float && !Number.isFinite(slot.float)) || !timestampInRange(timestamp)) {
    return false;
  }
  const index = cache.indexIn(series, batch);
  batch.push(index, toMilliseconds(timestamp), slot.kind, slot.float, slot.int, slot.text);
  return true;
}

/** Decodes the metric and the tag map entries as protobufjs does, then /api/put's checks; undefined when refused. */
function newSeries(hash: number, metricStart: number, metricEnd: number, tagsStart: number, tagsEnd: number, timestamp: number): CachedSeries | undefined {
  const metric = w.text(metricStart, metricEnd);
  if (metric === undefined) return undefined;
  const tags = Object.create(null) as Record<string, string>;
  let tagCount = 0;
  const saved = w.pos;
  // a repeated key (protobufjs keeps the last) or `__proto__` (an object's prototype there): the reference decides
  const read = w.stringPairs(tagsStart, tagsEnd, (key, value) => {
    if (key in tags || key === '__proto__') return false;
    tags[key] = value;
    tagCount++;
    return true;
  });
  if (!read) return undefined;
  w.pos = saved;
  const invalid = validateDataPoint({ metric, timestamp, timestampText: String(timestamp), tags, tagCount }, slot);
  if (invalid) return undefined;
  const aLength = metricEnd - metricStart;
  const bytes = Buffer.allocUnsafe(aLength + 1 + (tagsEnd - tagsStart));
  bytes.set(w.bytes.subarray(metricStart, metricEnd), 0);
  bytes[aLength] = 0x20;
  bytes.set(w.bytes.subarray(tagsStart, tagsEnd), aLength + 1);
  const plain = plainTags(tags);
  // the metric's length too: a lookup then compares where the metric ends (an invalid metric
  // holding a space and tag bytes must not match a cached series of the same total bytes)
  return cache.add(hash, bytes, metric, plain, seriesKeyString(metric, plain), aLength);
}
