/**
 * The engine's counters and the figures `stats()` reports (as `storage.<name>` in
 * /api/stats and `stats`). Counters count events since open, except lastCheckpointMs
 * (duration of the last block cut, ms) and orphanChunks (chunks found without a series).
 * damagedFooters counts blocks served with a damaged footer (their index found without it).
 * walSkippedRecords/walSkippedBytes count bad records in the middle of WAL segments that
 * replay skipped (the records after them were replayed), walTruncations the torn tails cut off.
 */
import type { StorageStats } from '../../core';

export type Counters = Record<
  'walTruncations' | 'walTruncatedBytes' | 'walSkippedRecords' | 'walSkippedBytes' | 'corruptChunks' | 'corruptBlocks' | 'damagedFooters' | 'orphanChunks' | 'seriesLogTruncations' | 'checkpoints' | 'compactions' | 'lastCheckpointMs' | 'headFullWaits' | 'headFullWaitMs',
  number
>;

export function newCounters(): Counters {
  return { walTruncations: 0, walTruncatedBytes: 0, walSkippedRecords: 0, walSkippedBytes: 0, corruptChunks: 0, corruptBlocks: 0, damagedFooters: 0, orphanChunks: 0, seriesLogTruncations: 0, checkpoints: 0, compactions: 0, lastCheckpointMs: 0, headFullWaits: 0, headFullWaitMs: 0 };
}

/** What the engine's parts hold right now: points, bytes (files' sizes) and jobs in progress. */
export interface StatsInput {
  series: number;
  blocks: number;
  blockPoints: number;
  blockBytes: number;
  /** points in live and frozen heads */
  headPoints: number;
  walBytes: number;
  seriesLogBytes: number;
  cutInProgress: boolean;
  compactionInProgress: boolean;
  counters: Counters;
}

export function storageStats(s: StatsInput): StorageStats {
  return {
    series: s.series,
    points: s.blockPoints + s.headPoints,
    blockPoints: s.blockPoints,
    headPoints: s.headPoints,
    blocks: s.blocks,
    cutInProgress: s.cutInProgress ? 1 : 0,
    compactionInProgress: s.compactionInProgress ? 1 : 0,
    blockBytes: s.blockBytes,
    walBytes: s.walBytes,
    bytesOnDisk: s.blockBytes + s.walBytes + s.seriesLogBytes,
    ...s.counters,
  };
}
