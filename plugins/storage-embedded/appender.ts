/**
 * The write path (Prometheus' head_append.go): a batch is validated whole, its series are
 * resolved (new ones get an id and a SERIES record), its points are logged as one SAMPLES
 * record and appended to the head. Durability is the caller's: the WAL commits the records
 * on its timer, or at once for a `sync` write.
 */
import { assertValidBatch, newSeriesRefSlot, seriesCountOf, type PointBatch } from '../../core';
import type { Head, HeadColumns } from './head';
import type { SeriesEntry, SeriesIndex } from './series-index';
import type { Wal } from './wal';
import { columnFlags, samplesBytes, SERIES_RECORD_BYTES, writeSamples, writeSeriesRecord } from './wal-records';

/** Where this engine keeps a series' SeriesEntry on the batch's SeriesRefs. */
const ENTRY_SLOT = newSeriesRefSlot();
/** Where this engine keeps, on a batch's SeriesSpace, its series ids by slot (SlotIds). */
const SPACE_IDS_SLOT = newSeriesRefSlot();

/**
 * A SeriesSpace's series ids by slot, for one SeriesIndex: `ids[slot]` is the id + 1 of
 * the slot's series, 0 while not resolved. Bound to the index, so that an id found in it
 * is this index's without a check a series: an index never drops an entry, and another
 * engine or a reopened one has another index. Ids in a typed array rather than entries in
 * an array: a batch names nearly every series of a fleet, and reading each one's entry
 * was a cache miss a series a batch (~16 ns; 0.1–0.15 s of a 10M-point load).
 */
interface SlotIds {
  index: SeriesIndex;
  ids: Uint32Array;
}

/**
 * appendBatch's ids of a batch's series, reused from batch to batch (it runs to its end
 * before the next starts): a batch holds each of a large fleet's series about once, so an
 * array made per batch was as many words of garbage as points.
 */
let ids = new Uint32Array(1024);

/** Logs and appends a batch; nothing of a batch that fails validation is stored. */
export function appendBatch(batch: PointBatch, index: SeriesIndex, wal: Wal, head: Head): void {
  // The writer checked it already; engines are also called directly (tools, tests), so check again.
  assertValidBatch(batch);
  // Resolve each distinct series once; new ones are logged before the samples naming them.
  const count = seriesCountOf(batch);
  if (ids.length < count) ids = new Uint32Array(Math.max(count, 2 * ids.length));
  const slotted = batch.seriesSlots;
  if (slotted !== undefined) {
    // series as slots of the transport's space: their ids by slot, the same array every
    // batch; another index's (another engine's, or one from before a reopen) start over
    let memo = slotted.space.memo[SPACE_IDS_SLOT] as SlotIds | undefined;
    if (memo === undefined || memo.index !== index) slotted.space.memo[SPACE_IDS_SLOT] = memo = { index, ids: new Uint32Array(1024) };
    let idsBySlot = memo.ids;
    const slots = slotted.slots;
    for (let s = 0; s < count; s++) {
      const slot = slots[s]!;
      if (slot >= idsBySlot.length) {
        const grown = new Uint32Array(Math.max(slot + 1, 2 * idsBySlot.length));
        grown.set(idsBySlot);
        idsBySlot = memo.ids = grown;
      }
      let id = idsBySlot[slot]! - 1;
      if (id < 0) {
        id = resolveSeries(batch, s, index, wal).id;
        idsBySlot[slot] = id + 1;
      }
      ids[s] = id;
    }
  } else {
    const byId = index.byId;
    const refs = batch.seriesRefs;
    for (let s = 0; s < count; s++) {
      // a series met before through the same ref: its entry, if this index's (no lookup by key)
      const ref = refs?.[s];
      let entry = ref?.memo[ENTRY_SLOT] as SeriesEntry | undefined;
      if (entry === undefined || byId[entry.id] !== entry) {
        entry = resolveSeries(batch, s, index, wal);
        if (ref) ref.memo[ENTRY_SLOT] = entry;
      }
      ids[s] = entry.id;
    }
  }
  logSamples(wal, batch, ids.subarray(0, count));
  head.appendIds(index.byId, ids, batch, count);
}

/** Series `s` of the batch in the index by its key; a new one gets an id and is logged (its SERIES record precedes the samples naming it). */
function resolveSeries(batch: PointBatch, s: number, index: SeriesIndex, wal: Wal): SeriesEntry {
  const key = batch.seriesKeys[s]!;
  let entry = index.byKey.get(key);
  if (!entry) {
    const { metric, tags } = batch.series[s]!;
    entry = index.add(index.newId(), metric, tags, true, key);
    // written in place into the WAL's buffer (no record buffer a new series)
    writeSeriesRecord(wal.beginRecord(SERIES_RECORD_BYTES), entry.id, metric, tags);
    wal.endRecord();
  }
  return entry;
}

/**
 * Logs points as one SAMPLES record, written straight into the WAL's buffer (no record
 * allocated per batch); `ids[columns.seriesIndex[i]]` is point i's series. Also a cut's
 * points carried back into the head (Head.carryBack), logged again after the rotation.
 */
export function logSamples(wal: Wal, columns: HeadColumns, ids: Uint32Array): void {
  const flags = columnFlags(columns, columns.length);
  writeSamples(wal.beginRecord(samplesBytes(columns.length, ids.length, flags)), columns, ids, flags);
  wal.endRecord();
}
