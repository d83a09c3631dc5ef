/**
 * From a decoded (uncompressed) prometheus.WriteRequest to a batch. Two readers give the
 * same result:
 *  - `readWriteRequestBytes`, the common request straight from the protobuf bytes: each
 *    series is found by hashing the raw bytes of its labels (lib/opentsdb's SeriesCache, as
 *    the telnet and JSON readers do), so a known series costs no label objects, no name
 *    mapping and no check; samples go to the batch's columns as they are read. Anything
 *    it does not take — a series whose labels are refused, labels not in one run, a
 *    negative or over-2^53 timestamp, a field key over 32 bits, a malformed message — makes
 *    it give up (`undefined`);
 *  - `admitDecoded`, over protobufjs' decode of the same bytes (the reference), which
 *    answers every request, refusals included.
 * NaN and infinite samples are skipped by both (OpenTSDB's model has no place for them).
 * A sample whose timestamp is outside 1 … 9999999999999 ms is refused (the byte reader
 * gives up on it, so the reference counts it): queries, deletes and exports reach no
 * further (OpenTSDB's millisecond bound), and the other transports refuse such points too.
 */
import type { BatchBuilder } from '../../core';
import { hashRanges, SeriesCache, type CachedSeries } from '../../lib/opentsdb/series-cache';
import { WireReader } from '../../lib/protowire';
import { seriesKeyString } from '../../core';
import { mapSeries } from './map-series';
import type { PromLabel, PromWriteRequest } from './prompb';
import { MAX_MILLISECONDS } from '../../lib/opentsdb/rules';

/** Whether a sample's timestamp (ms) is one DSDB stores: 1 to MAX_MILLISECONDS. */
function sampleTimeInRange(ms: number): boolean {
  return ms >= 1 && ms <= MAX_MILLISECONDS;
}

export interface Admitted {
  /** samples skipped as NaN or infinite */
  skipped: number;
  /** samples refused: those of series whose labels were refused, and those with a timestamp out of range */
  refused: number;
  firstError: string | undefined;
}

/** The reference reader, over protobufjs' objects. */
export function admitDecoded(message: PromWriteRequest, batch: BatchBuilder, maxTags: number): Admitted {
  const out: Admitted = { skipped: 0, refused: 0, firstError: undefined };
  for (const series of message.timeseries) {
    if (series.samples.length === 0) continue;
    const mapped = mapSeries(series.labels, maxTags);
    if (mapped.error !== undefined) {
      out.refused += series.samples.length;
      out.firstError ??= mapped.error;
      continue;
    }
    const index = batch.seriesOf(mapped.metric, mapped.tags);
    for (const sample of series.samples) {
      if (!Number.isFinite(sample.value)) {
        out.skipped++;
        continue;
      }
      const ts = typeof sample.timestamp === 'number' ? sample.timestamp : sample.timestamp.toNumber();
      if (!sampleTimeInRange(ts)) {
        out.refused++;
        out.firstError ??= `timestamp out of range: ${String(sample.timestamp)} ms for metric=${mapped.metric} (1 to ${MAX_MILLISECONDS} ms)`;
        continue;
      }
      batch.pushFloat(index, ts, sample.value);
    }
  }
  return out;
}

/** Cache entries of this reader also carry the series' batch slot, as the telnet parser's do. */
/** Series by label bytes, one cache per `maxTags` (a series cached under a larger bound must be checked again under a smaller one). */
const caches = new Map<number, SeriesCache>();
function cacheFor(maxTags: number): SeriesCache {
  let cache = caches.get(maxTags);
  // a request is read synchronously into its own batch: one batch at a time
  if (!cache) caches.set(maxTags, (cache = new SeriesCache({ oneBatchAtATime: true })));
  return cache;
}
/** One reader for every request: a request is read synchronously. */
const reader = new WireReader();
let sampleStarts = new Int32Array(64);
let sampleEnds = new Int32Array(64);

/** The fast reader (see the file comment); undefined sends the request to admitDecoded. */
export function readWriteRequestBytes(bytes: Uint8Array, batch: BatchBuilder, maxTags: number): Admitted | undefined {
  const w = reader;
  w.reset(bytes);
  const out: Admitted = { skipped: 0, refused: 0, firstError: undefined };
  const end = bytes.length;
  while (w.pos < end) {
    const key = w.key(end);
    if (!w.ok) return undefined;
    if (key === ((1 << 3) | 2)) {
      const length = w.varint(end);
      const seriesEnd = w.pos + length;
      if (!w.ok || seriesEnd > end) return undefined;
      if (!readSeries(w, seriesEnd, batch, maxTags, out)) return undefined;
      w.pos = seriesEnd;
    } else {
      if (key >>> 3 === 1) return undefined;
      w.skip(key, end);
      if (!w.ok) return undefined;
    }
  }
  return out;
}

function readSeries(w: WireReader, end: number, batch: BatchBuilder, maxTags: number, out: Admitted): boolean {
  const bytes = w.bytes;
  let labelsStart = -1;
  let labelsEnd = -1;
  let samples = 0;
  while (w.pos < end) {
    const fieldStart = w.pos;
    const key = w.key(end);
    if (!w.ok) return false;
    if (key === ((1 << 3) | 2)) {
      // labels in one run: the run's bytes name the series
      if (labelsStart < 0) labelsStart = fieldStart;
      else if (labelsEnd !== fieldStart) return false;
      const length = w.varint(end);
      w.pos += length;
      labelsEnd = w.pos;
    } else if (key === ((2 << 3) | 2)) {
      const length = w.varint(end);
      if (samples === sampleStarts.length) growSamples();
      sampleStarts[samples] = w.pos;
      sampleEnds[samples] = w.pos + length;
      samples++;
      w.pos += length;
    } else {
      if (key >>> 3 === 1 || key >>> 3 === 2) return false; // a known field in another wire type: the reference decides
      w.skip(key, end); // exemplars, native histograms: not stored
    }
    if (!w.ok || w.pos > end) return false;
  }
  if (labelsStart < 0) labelsStart = labelsEnd = end;
  // protobufjs decodes (and checks) the labels of a series without samples too
  if (samples === 0) return labelsOf(w, labelsStart, labelsEnd) !== undefined;
  const cache = cacheFor(maxTags);
  let series = cache.lookup(bytes, labelsStart, labelsEnd, labelsEnd, labelsEnd);
  if (series === undefined) {
    series = newSeries(w, cache, hashRanges(bytes, labelsStart, labelsEnd, labelsEnd, labelsEnd), labelsStart, labelsEnd, maxTags);
    if (series === undefined) return false;
  }
  const index = cache.indexIn(series, batch);
  for (let s = 0; s < samples; s++) {
    w.pos = sampleStarts[s]!;
    const sampleEnd = sampleEnds[s]!;
    let value = 0;
    let timestamp = 0;
    while (w.pos < sampleEnd) {
      const key = w.key(sampleEnd);
      if (key === ((1 << 3) | 1)) value = w.double(sampleEnd);
      else if (key === ((2 << 3) | 0)) timestamp = w.varint(sampleEnd);
      else if (key >>> 3 === 1 || key >>> 3 === 2) return false;
      else w.skip(key, sampleEnd);
      if (!w.ok) return false;
    }
    if (!Number.isFinite(value)) {
      out.skipped++;
      continue;
    }
    // out of range: the reference reader refuses it and says why
    if (!sampleTimeInRange(timestamp)) return false;
    batch.pushFloat(index, timestamp, value);
  }
  return true;
}

/** The labels of [start, end), decoded as protobufjs decodes them (UTF-8 checked); undefined when it would throw. */
function labelsOf(w: WireReader, start: number, end: number): PromLabel[] | undefined {
  const labels: PromLabel[] = [];
  return w.stringPairs(start, end, (name, value) => labels.push({ name, value }) > 0) ? labels : undefined;
}

/** A series first seen: its labels mapped and checked; undefined when refused (the reference reader answers). */
function newSeries(w: WireReader, cache: SeriesCache, hash: number, start: number, end: number, maxTags: number): CachedSeries | undefined {
  const bytes = w.bytes;
  const labels = labelsOf(w, start, end);
  if (!labels) return undefined;
  const mapped = mapSeries(labels, maxTags);
  if (mapped.error !== undefined) return undefined;
  const seriesBytes = Buffer.concat([Buffer.from(bytes.subarray(start, end)), Buffer.from([0x20])]);
  return cache.add(hash, seriesBytes, mapped.metric, mapped.tags, seriesKeyString(mapped.metric, mapped.tags));
}

function growSamples(): void {
  const starts = new Int32Array(sampleStarts.length * 2);
  const ends = new Int32Array(sampleEnds.length * 2);
  starts.set(sampleStarts);
  ends.set(sampleEnds);
  sampleStarts = starts;
  sampleEnds = ends;
}
