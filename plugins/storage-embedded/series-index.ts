/**
 * The series index: series id ↔ metric + tags, with an inverted index (postings: one
 * sorted id list per metric and per tag pair) so a selector with literal tag values is
 * answered by intersecting postings instead of scanning every series. Persisted as
 * `series.log`, checksummed records (series-log.ts: one compressed batch of the series
 * created since the last checkpoint, appended at each checkpoint; they are in the WAL until
 * then); the
 * postings are rebuilt from it at open.
 */
import fs from 'node:fs';
import path from 'node:path';
import { ByteReader, ByteWriter, NameInterner, seriesKeyString, tagsPassSelector, type BucketColumns, type SeriesInfo, type SeriesSelector, type Tags } from '../../core';
import type { HeadSeries } from './head';
import { appendWhole, frameRecord, rewriteRecords, scanRecords, type RecordScan } from './record-file';
import type { ChunkRef } from './block';
import { fsyncDir } from './sync-file';
import { encodeSeriesBatch, readSeriesPayload } from './series-log';

// bound once: each read of an export through the core barrel is a getter call
const passes = tagsPassSelector;

/**
 * A series as the engine holds it. Every field exists from creation (newSeriesEntry), unset
 * ones as undefined: V8 then gives all entries one hidden class. Added later, as `frozen`
 * and `headHint` were at a series' first cut, they moved every entry to a new class, and
 * V8 threw away the optimized ingest code that depended on the old one (liveHead,
 * appendGrouped, newHead: "code dependencies") and compiled it again. The first cut still
 * costs some of that (V8 treats a field as constant until its second write), but less:
 * 56 such invalidations in a 10M-point load instead of 76 (docs/performance.md).
 */
export interface SeriesEntry {
  readonly id: number;
  readonly info: SeriesInfo;
  head: HeadSeries | undefined;
  /** points the previous head held when cut: the next head's initial capacity (fewer regrowths); 0 before the first cut */
  headHint: number;
  /** the raw points the previous head held back from sealing (head-series.ts: its hold, grown by late points); 0 before the first cut */
  sealHold: number;
  /** the head being cut into a block (older than `head`) */
  frozen: HeadSeries | undefined;
  /** chunks in blocks, oldest block first (each names its block: ChunkRef.block) */
  chunks: ChunkRef[];
  /** the last downsampled read of the series' blocks alone (downsampled-read.ts), while still valid */
  downsampled: DownsampledMemo | undefined;
}

/** A series' entry with every field set (see SeriesEntry: one hidden class for all). */
export function newSeriesEntry(id: number, info: SeriesInfo): SeriesEntry {
  return { id, info, head: undefined, headHint: 0, sealHold: 0, frozen: undefined, chunks: [], downsampled: undefined };
}

/** One series' buckets from its blocks, for one request and range, at one BlockSet generation. */
export interface DownsampledMemo {
  key: string;
  start: number;
  end: number;
  /** the bucketed range */
  vs: number;
  ve: number;
  generation: number;
  result: BucketColumns;
}

export function seriesIdString(id: number): string {
  return id.toString(16).toUpperCase().padStart(8, '0');
}

export class SeriesIndex {
  readonly byId: (SeriesEntry | undefined)[] = [];
  readonly byKey = new Map<string, SeriesEntry>();
  private readonly byMetric = new Map<string, number[]>();
  private readonly postings = new Map<string, number[]>();
  readonly tagKeys = new Set<string>();
  readonly tagValues = new Set<string>();
  private unsaved: SeriesEntry[] = [];
  private nextId = 1;
  /** the series' names, one string each: series read from series.log or the WAL bring their own copies */
  private readonly names = new NameInterner();
  count = 0;

  constructor(private readonly file: string) {}

  /**
   * Loads series.log. Bad records are reported with `copy`, the file the whole log was
   * first copied to (`series.log.corrupt-<ms>`): a corrupt tail (`corruption`) is truncated;
   * bad records in the middle (`skipped`) are skipped, the series after them loaded, and
   * the log rewritten to its valid records. The
   * series of a bad record are only in that copy (and their chunks, which compaction then
   * leaves alone: block-set.ts).
   */
  load(): { corruption?: RecordScan['corruption']; skipped: RecordScan['skipped']; copy: string } | undefined {
    if (!fs.existsSync(this.file)) return undefined;
    const bytes = fs.readFileSync(this.file);
    const scan = scanRecords(bytes);
    for (const payload of scan.records) {
      for (const { id, metric, tags } of readSeriesPayload(payload)) this.add(id, metric, tags, false);
    }
    if (!scan.corruption && scan.skipped.length === 0) return undefined;
    const copy = `${this.file}.corrupt-${Date.now()}`;
    fs.writeFileSync(copy, bytes);
    // the log keeps its valid records only: the next open neither skips nor copies again
    if (scan.skipped.length > 0) rewriteRecords(this.file, scan.records);
    else fs.truncateSync(this.file, scan.validBytes);
    return { corruption: scan.corruption, skipped: scan.skipped, copy };
  }

  newId(): number {
    return this.nextId++;
  }

  /** Makes sure `id` is never handed out to a new series. */
  reserveId(id: number): void {
    if (id >= this.nextId) this.nextId = id + 1;
  }

  /** Adds a series (from the log, the WAL or a write); ids only grow. */
  add(id: number, metric: string, tags: Tags, unsaved: boolean, key?: string): SeriesEntry {
    const existing = this.byId[id];
    if (existing) return existing;
    metric = this.names.intern(metric);
    const entry = newSeriesEntry(id, { id: seriesIdString(id), metric, tags: this.names.internValues({ ...tags }) });
    this.byId[id] = entry;
    this.byKey.set(key ?? seriesKeyString(metric, tags), entry);
    this.count++;
    if (id >= this.nextId) this.nextId = id + 1;
    push(this.byMetric, metric, id);
    for (const k in tags) {
      this.tagKeys.add(k);
      this.tagValues.add(tags[k]!);
      push(this.postings, k + '=' + tags[k], id);
    }
    if (unsaved) this.unsaved.push(entry);
    return entry;
  }

  /** Appends series created since the last save to series.log and fsyncs it. */
  save(): void {
    if (this.unsaved.length === 0) return;
    const record = frameRecord(encodeSeriesBatch(this.unsaved));
    const created = !fs.existsSync(this.file);
    const fd = fs.openSync(this.file, 'a');
    try {
      // whole or not at all: series saved after a torn record (their WAL dropped by then) would go with it
      appendWhole(fd, record, () => undefined);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    if (created) fsyncDir(path.dirname(this.file));
    this.unsaved = [];
  }

  /** Series matching a selector, in id order. */
  select(selector: Partial<SeriesSelector>): SeriesEntry[] {
    return [...this.matching(selector)];
  }

  /**
   * Series matching a selector, in id order, found as they are pulled: a reader that yields
   * to the event loop between series (engine.read, last, lookup) spreads a scan of 100k
   * series over its slices instead of matching them all at once.
   */
  *matching(selector: Partial<SeriesSelector>): Generator<SeriesEntry> {
    let ids: number[] | undefined = selector.metric !== undefined ? (this.byMetric.get(selector.metric) ?? []) : undefined;
    for (const predicate of selector.predicates ?? []) {
      if (!predicate.literals) continue;
      let union: number[] = [];
      for (const literal of predicate.literals) union = unionSorted(union, this.postings.get(predicate.key + '=' + literal) ?? []);
      ids = ids === undefined ? union : intersectSorted(ids, union);
    }
    const predicates = selector.predicates;
    const explicit = selector.explicitTagKeys;
    const count = ids ? ids.length : this.byId.length;
    for (let i = 0; i < count; i++) {
      const entry = ids ? this.byId[ids[i]!] : this.byId[i];
      if (!entry) continue;
      if (passes(entry.info.tags, predicates, explicit)) yield entry;
    }
  }

  hasMetric(name: string): boolean {
    return this.byMetric.has(name);
  }

  metrics(): IterableIterator<string> {
    return this.byMetric.keys();
  }
}

function push(map: Map<string, number[]>, key: string, id: number): void {
  const list = map.get(key);
  if (!list) return void map.set(key, [id]);
  if (list.length === 0 || list[list.length - 1]! < id) return void list.push(id);
  // ids normally arrive in order; keep the list sorted if one does not
  let at = list.length;
  while (at > 0 && list[at - 1]! > id) at--;
  if (list[at - 1] !== id) list.splice(at, 0, id);
}

function intersectSorted(a: number[], b: number[]): number[] {
  const out: number[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    if (a[i]! < b[j]!) i++;
    else if (a[i]! > b[j]!) j++;
    else {
      out.push(a[i]!);
      i++;
      j++;
    }
  }
  return out;
}

function unionSorted(a: number[], b: number[]): number[] {
  if (a.length === 0) return b;
  const out: number[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (j >= b.length || (i < a.length && a[i]! < b[j]!)) out.push(a[i++]!);
    else if (i >= a.length || b[j]! < a[i]!) out.push(b[j++]!);
    else {
      out.push(a[i]!);
      i++;
      j++;
    }
  }
  return out;
}
