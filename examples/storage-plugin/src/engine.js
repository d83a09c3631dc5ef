// @ts-check
/**
 * The `logfile` storage engine: DSDB's storage contract (docs/storage.md) over one
 * append-only log file and an in-memory index.
 *
 *   write  → update the index (readers see the points at once), append one line per new
 *            series and per point to the log; with `sync`, wait for the fsync
 *   read   → answered from memory, never from the file
 *   open   → replay the log, line by line, into an empty index
 *
 * Replaying in write order gives back exactly the state before: a later point at the same
 * (series, timestamp) replaces the earlier one again, a tombstone removes only the points
 * written before it. The price of the design: all data lives in memory and the log only
 * grows (see README.md for what a bigger engine adds).
 */
const fs = require('node:fs');
const path = require('node:path');
// seriesKeyString: DSDB's canonical series key, the one batches carry in `seriesKeys`
const { seriesKeyString } = require('dsdb');
const { lockFolder } = require('./lock');
const { LogFile } = require('./log-file');
const { LogMetaStore } = require('./meta-store');
const records = require('./records');
const { SeriesIndex } = require('./series-index');

/** @typedef {import('dsdb').StorageEngine} StorageEngine */
/** @typedef {import('dsdb').PointBatch} PointBatch */
/** @typedef {import('dsdb').WriteOptions} WriteOptions */
/** @typedef {import('dsdb').WriteResult} WriteResult */
/** @typedef {import('dsdb').SeriesSelector} SeriesSelector */
/** @typedef {import('dsdb').TimeRange} TimeRange */
/** @typedef {import('dsdb').SeriesData} SeriesData */
/** @typedef {import('dsdb').SeriesInfo} SeriesInfo */
/** @typedef {import('dsdb').LastPoint} LastPoint */
/** @typedef {import('dsdb').NameKind} NameKind */
/** @typedef {import('dsdb').Annotation} Annotation */
/** @typedef {import('dsdb').StorageStats} StorageStats */
/** @typedef {import('dsdb').Logger} Logger */
/** @typedef {import('./records').LogRecord} LogRecord */

const LOG_NAME = 'points.log';

/** @implements {StorageEngine} */
class LogfileEngine {
  /**
   * @param {{ dir: string, flushIntervalMs: number }} options `dir` absolute
   * @param {Logger} logger
   */
  constructor(options, logger) {
    this.name = 'logfile';
    this.dir = options.dir;
    /** @type {(() => Promise<void>) | undefined} releases the folder's LOCK */
    this.unlock = undefined;
    // One process owns the log (a second daemon on the same folder would interleave lines).
    this.capabilities = { sharedAcrossDaemons: false };
    this.logger = logger;
    this.log = new LogFile(path.join(options.dir, LOG_NAME), options.flushIntervalMs, (err) =>
      logger.error({ err }, 'logfile: background sync failed; later writes will fail'),
    );
    this.index = new SeriesIndex();
    /** @type {Map<string, Annotation>} by `tsuid@startTime` (tsuid empty for a global one) */
    this.notes = new Map();
    this.points = 0;
    /** UIDs, meta and trees: DSDB's MetaStore, kept in the same log */
    this.meta = new LogMetaStore(this.log);
  }

  async open() {
    await fs.promises.mkdir(this.dir, { recursive: true });
    this.unlock = await lockFolder(this.dir);
    /** @type {string[]} */
    let lines;
    try {
      lines = await this.log.open();
      this.replay(lines);
    } catch (err) {
      await this.log.close().catch(() => undefined);
      await this.unlock();
      throw err;
    }
    this.logger.info({ dir: this.dir, series: this.index.size, points: this.points, records: lines.length }, 'logfile: log replayed');
  }

  /** @param {string[]} lines */
  replay(lines) {
    for (let i = 0; i < lines.length; i++) {
      try {
        this.apply(records.parseRecord(lines[i]));
      } catch (err) {
        throw new Error(`logfile: ${this.log.file} line ${i + 1} is damaged: ${/** @type {Error} */ (err).message}`);
      }
    }
  }

  /** Replays one record into memory: the same changes `write`, `deleteRange` and the annotation methods make. */
  apply(/** @type {LogRecord} */ r) {
    switch (r.type) {
      case 'series': {
        const { metric, tags } = r.series;
        this.index.add(seriesKeyString(metric, tags), r.series);
        return;
      }
      case 'point': {
        const series = this.index.byId.get(r.id);
        if (!series) throw new Error(`point of unknown series ${r.id}`);
        const before = series.length;
        series.append(r.timestamp, r.kind, r.float, r.int, r.text);
        this.points += series.length - before;
        return;
      }
      case 'delete': {
        const series = this.index.byId.get(r.id);
        if (series) this.points -= series.deleteRange(r.start, r.end);
        return;
      }
      case 'annotation':
        this.notes.set(noteKey(r.annotation), r.annotation);
        return;
      case 'unannotate':
        this.notes.delete(noteKey(r));
        return;
      case 'meta':
        this.meta.apply(r.space, r.key, r.value);
        return;
    }
  }

  async close() {
    try {
      await this.log.close();
    } finally {
      await this.unlock?.();
      this.unlock = undefined;
    }
  }

  async flush() {
    await this.log.sync();
  }

  /**
   * @param {PointBatch} batch checked by DSDB's writer already: kinds, timestamps and indexes are valid
   * @param {WriteOptions} [options]
   * @returns {Promise<WriteResult>}
   */
  async write(batch, options = {}) {
    // Resolve each distinct series of the batch once; a new one gets its log line first,
    // so that on replay every point line finds its series.
    const seriesOf = batch.series.map((key, s) => {
      let series = this.index.byKey.get(batch.seriesKeys[s]);
      if (!series) {
        series = this.index.add(batch.seriesKeys[s], { id: this.index.nextId(), metric: key.metric, tags: { ...key.tags } });
        this.log.append(records.seriesRecord(series.info));
      }
      return series;
    });
    // All in one synchronous stretch: concurrent writes reach memory and the log in the
    // same order, so replay ends where memory is.
    const lines = new Array(batch.length);
    for (let i = 0; i < batch.length; i++) {
      const series = seriesOf[batch.seriesIndex[i]];
      const before = series.length;
      series.append(batch.timestamps[i], batch.kinds[i], batch.floats[i], batch.ints[i], batch.texts[i]);
      this.points += series.length - before;
      lines[i] = records.pointRecord(series.info.id, batch, i);
    }
    this.log.append(lines.join(''));
    if (options.sync) await this.log.sync();
    return { written: batch.length };
  }

  /**
   * @param {SeriesSelector} selector @param {TimeRange} range
   * @returns {AsyncIterable<SeriesData>}
   */
  async *read(selector, range) {
    for (const series of this.index.select(selector)) {
      // copied per series as the reader gets to it, never all series at once
      const points = series.slice(range.start, range.end);
      if (points.length > 0) yield { series: series.info, points };
    }
  }

  /**
   * @param {SeriesSelector} selector @param {number} [since]
   * @returns {AsyncIterable<LastPoint>}
   */
  async *last(selector, since = -Infinity) {
    for (const series of this.index.select(selector)) {
      const i = series.length - 1;
      if (i < 0 || series.timestamps[i] < since) continue;
      yield {
        series: series.info,
        timestamp: series.timestamps[i],
        kind: /** @type {LastPoint['kind']} */ (series.kinds[i]),
        float: series.floats[i],
        int: series.ints[i],
        text: series.texts[i],
      };
    }
  }

  /**
   * @param {Partial<SeriesSelector>} selector @param {number} [limit]
   * @returns {AsyncIterable<SeriesInfo>}
   */
  async *lookup(selector, limit = Infinity) {
    let n = 0;
    for (const series of this.index.select(selector)) {
      if (n++ >= limit) return;
      yield series.info;
    }
  }

  /** @param {NameKind} kind @param {string} prefix @param {number} max */
  async suggest(kind, prefix, max) {
    return this.index.suggest(kind, prefix, max);
  }

  /**
   * Tombstones are synced before the call returns: a delete is rare and expected to stick.
   * @param {SeriesSelector} selector @param {TimeRange} range
   */
  async deleteRange(selector, range) {
    let removed = 0;
    for (const series of this.index.select(selector)) {
      const n = series.deleteRange(range.start, range.end);
      if (n === 0) continue; // nothing to replay
      removed += n;
      this.log.append(records.deleteRecord(series.info.id, range.start, range.end));
    }
    this.points -= removed;
    if (removed > 0) await this.log.sync();
    return removed;
  }

  /** Replaces an annotation at the same (tsuid, startTime). @param {Annotation} annotation */
  async putAnnotation(annotation) {
    const copy = { ...annotation };
    this.notes.set(noteKey(copy), copy);
    this.log.append(records.annotationRecord(copy));
    await this.log.sync();
  }

  /**
   * @param {TimeRange} range @param {readonly string[] | 'global'} [tsuids]
   * @returns {Promise<Annotation[]>}
   */
  async annotations(range, tsuids) {
    return [...this.notes.values()]
      .filter((a) => a.startTime >= range.start && a.startTime <= range.end)
      .filter((a) => (tsuids === 'global' ? !a.tsuid : tsuids ? a.tsuid !== undefined && tsuids.includes(a.tsuid) : true))
      .sort((a, b) => a.startTime - b.startTime);
  }

  /** @param {Pick<Annotation, 'startTime' | 'tsuid'>} annotation */
  async deleteAnnotation(annotation) {
    if (!this.notes.delete(noteKey(annotation))) return false;
    this.log.append(records.unannotateRecord(annotation.startTime, annotation.tsuid));
    await this.log.sync();
    return true;
  }

  /** @returns {Promise<StorageStats>} */
  async stats() {
    return { series: this.index.size, points: this.points, bytesOnDisk: await this.log.size() };
  }
}

/** @param {Pick<Annotation, 'startTime' | 'tsuid'>} a */
function noteKey(a) {
  return `${a.tsuid ?? ''}@${a.startTime}`;
}

module.exports = { LogfileEngine };
