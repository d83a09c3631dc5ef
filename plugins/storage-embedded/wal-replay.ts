/**
 * WAL replay at open (Prometheus' head_wal.go): every record of every segment is applied
 * again, in order, to the series index, the head, the annotations and (for deletes) the
 * blocks. A record that does not decode is logged and skipped; a torn or corrupt segment
 * tail was already cut off by Wal.replay(), and bad records in the middle of a segment
 * skipped (the records after them are replayed): both are counted and logged here.
 */
import type { Logger } from '../../core';
import type { AnnotationStore } from './annotations';
import type { Head } from './head';
import type { SeriesEntry, SeriesIndex } from './series-index';
import type { Counters } from './stats';
import type { SegmentScan } from './wal';
import { REC_ANNOTATION, REC_DELETE, REC_SAMPLES, REC_SERIES, decodeRecord, type DecodedSamples } from './wal-records';

export interface ReplayTarget {
  index: SeriesIndex;
  head: Head;
  annotations: AnnotationStore;
  /** applies a DELETE of [start, end] (ms) to the head and blocks */
  deletePoints(entries: SeriesEntry[], start: number, end: number): void;
}

/**
 * Applies one record. Throws RangeError for a record that does not decode, and for one
 * with samples of unknown series, once the samples of its known series are applied.
 */
function apply(payload: Uint8Array, t: ReplayTarget): void {
  const rec = decodeRecord(payload);
  if (rec.type === REC_SERIES) t.index.add(rec.id, rec.metric, rec.tags, true);
  else if (rec.type === REC_SAMPLES) {
    const entries = rec.samples.ids.map((id) => t.index.byId[id]);
    const unknown = entries.indexOf(undefined);
    if (unknown < 0) return t.head.append(entries as SeriesEntry[], rec.samples);
    // the points of the series the index holds are served; the rest stay in the segment's copy
    const known = knownSamples(rec.samples, entries);
    if (known.samples.length > 0) t.head.append(known.entries, known.samples);
    throw new RangeError(`samples for unknown series ${rec.samples.ids[unknown]}: ${rec.samples.length - known.samples.length} of the record's ${rec.samples.length} points skipped`);
  } else if (rec.type === REC_DELETE) {
    // Everything in blocks predates this record, so applying the delete again is exact.
    t.deletePoints(rec.ids.map((id) => t.index.byId[id]).filter((e): e is SeriesEntry => !!e), rec.start, rec.end);
  } else if (rec.type === REC_ANNOTATION) t.annotations.put(rec.annotation);
  else t.annotations.delete(rec.key);
}

/** The samples of the series in `entries` (undefined: unknown), the others' points left out. */
function knownSamples(samples: DecodedSamples, entries: readonly (SeriesEntry | undefined)[]): { entries: SeriesEntry[]; samples: DecodedSamples } {
  const slot = new Int32Array(entries.length).fill(-1);
  const known: SeriesEntry[] = [];
  const ids: number[] = [];
  for (let s = 0; s < entries.length; s++) {
    const entry = entries[s];
    if (entry === undefined) continue;
    slot[s] = known.length;
    known.push(entry);
    ids.push(samples.ids[s]!);
  }
  let kept = 0;
  for (let i = 0; i < samples.length; i++) if (slot[samples.seriesIndex[i]!]! >= 0) kept++;
  const out: DecodedSamples = {
    length: kept,
    ids,
    seriesIndex: new Uint32Array(kept),
    timestamps: new Float64Array(kept),
    kinds: new Uint8Array(kept),
    floats: new Float64Array(kept),
    ints: new BigInt64Array(kept),
    texts: [],
  };
  const hasTexts = samples.texts.length > 0;
  for (let i = 0, k = 0; i < samples.length; i++) {
    const s = slot[samples.seriesIndex[i]!]!;
    if (s < 0) continue;
    out.seriesIndex[k] = s;
    out.timestamps[k] = samples.timestamps[i]!;
    out.kinds[k] = samples.kinds[i]!;
    out.floats[k] = samples.floats[i]!;
    out.ints[k] = samples.ints[i]!;
    if (hasTexts) out.texts[k] = samples.texts[i];
    k++;
  }
  if (hasTexts) out.texts.length = kept;
  return { entries: known, samples: out };
}

/**
 * Replays `segments` into `target`. A record that does not apply (it does not decode, or
 * names a series neither the WAL nor series.log holds: a damaged series.log) is logged,
 * counted with the skipped records, and its segment copied first by `keepCopy` (unless
 * Wal.replay copied it already): the segment is deleted once a block holds the rest, and
 * the copy keeps the record's points for a repair by hand.
 */
export function replayWal(segments: readonly SegmentScan[], target: ReplayTarget, counters: Counters, log: Logger, keepCopy: (file: string) => string): void {
  let records = 0;
  for (const segment of segments) {
    let unapplied = 0;
    let firstError = '';
    for (const payload of segment.records) {
      try {
        apply(payload, target);
        records++;
      } catch (err) {
        if (unapplied++ === 0) firstError = (err as Error).message;
        counters.walSkippedRecords++;
        counters.walSkippedBytes += payload.length;
      }
    }
    if (unapplied > 0) {
      let copy = segment.copy;
      try {
        copy ??= keepCopy(segment.file);
      } catch (err) {
        log.error({ file: segment.file, err: (err as Error).message }, 'WAL segment could not be copied');
      }
      log.error({ file: segment.file, copy, records: unapplied, first: firstError }, 'WAL records that do not apply (they do not decode, or name a series series.log does not hold): skipped; the segment was copied first, see `copy`');
    }
    if (segment.skipped.length > 0) {
      for (const range of segment.skipped) {
        counters.walSkippedRecords++;
        counters.walSkippedBytes += range.bytes;
      }
      log.error(
        { file: segment.file, copy: segment.copy, skipped: segment.skipped },
        'WAL segment has corrupt records in the middle: skipped them and replayed every valid record after them (the segment was copied first, see `copy`)',
      );
    }
    if (segment.corruption) {
      counters.walTruncations++;
      counters.walTruncatedBytes += segment.corruption.droppedBytes;
      log.warn({ file: segment.file, ...segment.corruption }, 'WAL has a torn or corrupt tail: truncated; every earlier record was replayed');
    }
  }
  if (records > 0) log.info({ records, segments: segments.length, headPoints: target.head.points }, 'WAL replayed');
}
