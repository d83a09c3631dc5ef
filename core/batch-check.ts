/**
 * The check every batch passes before it reaches a storage engine (the writer runs it),
 * so engines can trust a batch's columns: a known value kind, a finite timestamp and a
 * series index inside `series`, for every point.
 */
import { DsdbError } from './errors';
import { seriesCountOf } from './series-ref';
import type { PointBatch } from './storage';
import { ValueKind } from './types';

const FIRST_KIND = ValueKind.Int;
const LAST_KIND = ValueKind.Json;

/** Throws `DSDB_ERR_BAD_WRITE` naming the first bad point; nothing of the batch is written then. */
export function assertValidBatch(batch: PointBatch): void {
  const { kinds, timestamps, seriesIndex } = batch;
  const seriesCount = seriesCountOf(batch);
  for (let i = 0; i < batch.length; i++) {
    const kind = kinds[i]!;
    if (kind < FIRST_KIND || kind > LAST_KIND || !Number.isFinite(timestamps[i]!)) {
      throw new DsdbError('DSDB_ERR_BAD_WRITE', `point ${i} of the batch has kind ${kind} and timestamp ${timestamps[i]}`);
    }
    if (seriesIndex[i]! >= seriesCount) {
      throw new DsdbError('DSDB_ERR_BAD_WRITE', `point ${i} of the batch names series ${seriesIndex[i]} of ${seriesCount}`);
    }
  }
}
