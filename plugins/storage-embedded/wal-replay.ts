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
import { REC_ANNOTATION, REC_DELETE, REC_SAMPLES, REC_SERIES, decodeRecord } from './wal-records';

export interface ReplayTarget {
  index: SeriesIndex;
  head: Head;
  annotations: AnnotationStore;
  /** applies a DELETE of [start, end] (ms) to the head and blocks */
  deletePoints(entries: SeriesEntry[], start: number, end: number): void;
}

/** Applies one record. Throws RangeError for a record that names an unknown series or does not decode. */
function apply(payload: Uint8Array, t: ReplayTarget): void {
  const rec = decodeRecord(payload);
  if (rec.type === REC_SERIES) t.index.add(rec.id, rec.metric, rec.tags, true);
  else if (rec.type === REC_SAMPLES) {
    const entries = rec.samples.ids.map((id) => {
      const entry = t.index.byId[id];
      if (!entry) throw new RangeError(`samples for unknown series ${id}`);
      return entry;
    });
    t.head.append(entries, rec.samples);
  } else if (rec.type === REC_DELETE) {
    // Everything in blocks predates this record, so applying the delete again is exact.
    t.deletePoints(rec.ids.map((id) => t.index.byId[id]).filter((e): e is SeriesEntry => !!e), rec.start, rec.end);
  } else if (rec.type === REC_ANNOTATION) t.annotations.put(rec.annotation);
  else t.annotations.delete(rec.key);
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
