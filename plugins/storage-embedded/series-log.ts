/**
 * series.log payloads (framed by record-file.ts). Two forms:
 *   - one series: the SERIES body, `uvarint id | string JSON {metric, tags}` (wal-records.ts);
 *     the form of logs written before batches, still read;
 *   - a batch: u8 0 | deflate-raw(SERIES body…): what save() appends. A checkpoint adds the
 *     series created since the last one together, and their names repeat (metric, tag keys
 *     and values), so the batch compresses ~8× (10,000 devops series: 90 bytes each as
 *     single records, ~11 in a batch).
 * A single-series payload never starts with 0: series ids start at 1 (uvarint first byte ≥ 1).
 */
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { ByteReader, ByteWriter, type Tags } from '../../core';
import { readSeriesBody, writeSeriesBody } from './wal-records';

const BATCH = 0;

export interface SeriesDefinition {
  id: number;
  metric: string;
  tags: Tags;
}

/** One payload holding every series given. */
export function encodeSeriesBatch(series: readonly { id: number; info: { metric: string; tags: Readonly<Tags> } }[]): Uint8Array {
  const w = new ByteWriter(64 * series.length + 16);
  for (const s of series) writeSeriesBody(w, s.id, s.info.metric, s.info.tags);
  const packed = deflateRawSync(w.finish());
  const out = new Uint8Array(packed.length + 1);
  out[0] = BATCH;
  out.set(packed, 1);
  return out;
}

/**
 * The series of one payload, either form. Throws (RangeError, SyntaxError, a zlib error)
 * on a payload that does not parse.
 */
export function readSeriesPayload(payload: Uint8Array): SeriesDefinition[] {
  if (payload.length === 0) throw new RangeError('empty series.log record');
  if (payload[0] !== BATCH) return [readSeriesBody(new ByteReader(payload))];
  const body = inflateRawSync(payload.subarray(1));
  const r = new ByteReader(body);
  const out: SeriesDefinition[] = [];
  while (!r.done) out.push(readSeriesBody(r));
  return out;
}
