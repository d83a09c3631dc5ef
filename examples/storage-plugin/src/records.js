// @ts-check
/**
 * The log's record format: one JSON array per line, its first element naming the record.
 *
 *   ["series", id, metric, tags]            a series, written before its first point
 *   ["point", id, timestamp, kind, value]   one point; a later one at the same timestamp wins
 *   ["delete", id, start, end]              a tombstone: the series' points in [start, end] are gone
 *   ["annotation", annotation]              puts (or replaces) an annotation
 *   ["unannotate", startTime, tsuid|null]   deletes an annotation
 *   ["meta", space, key, value]             puts (or replaces) a MetaStore entry
 *   ["unmeta", space, key]                  deletes a MetaStore entry
 *
 * Text lines cost more bytes than a binary format, but anyone can read the file with
 * `less`, and JSON.parse finds a torn last line for us. Values travel as strings where
 * JSON numbers would lose them: a 64-bit integer as its decimal digits (a JSON number is
 * a double, exact only up to 2^53) and a float as JS prints it (String() of a double
 * reads back to the same double, and it spells NaN, Infinity and -0, which JSON cannot).
 */
const { ValueKind } = require('dsdb');

/** @typedef {import('dsdb').SeriesInfo} SeriesInfo */
/** @typedef {import('dsdb').Annotation} Annotation */
/** @typedef {import('dsdb').PointBatch} PointBatch */

/**
 * A record read back from the log.
 * @typedef {{ type: 'series', series: SeriesInfo }
 *   | { type: 'point', id: string, timestamp: number, kind: number, float: number, int: bigint, text: string | undefined }
 *   | { type: 'delete', id: string, start: number, end: number }
 *   | { type: 'annotation', annotation: Annotation }
 *   | { type: 'unannotate', startTime: number, tsuid: string | undefined }
 *   | { type: 'meta', space: string, key: string, value: string | undefined }} LogRecord
 */

/** @param {SeriesInfo} series */
function seriesRecord(series) {
  return JSON.stringify(['series', series.id, series.metric, series.tags]) + '\n';
}

/**
 * Point `i` of a batch, read from the column its kind names.
 * @param {string} id @param {PointBatch} batch @param {number} i
 */
function pointRecord(id, batch, i) {
  const kind = batch.kinds[i];
  const value =
    kind === ValueKind.Int ? batch.ints[i].toString()
    : kind === ValueKind.Float ? floatText(batch.floats[i])
    : batch.texts[i];
  return JSON.stringify(['point', id, batch.timestamps[i], kind, value]) + '\n';
}

/** @param {string} id @param {number} start @param {number} end */
function deleteRecord(id, start, end) {
  return JSON.stringify(['delete', id, start, end]) + '\n';
}

/** @param {Annotation} annotation */
function annotationRecord(annotation) {
  return JSON.stringify(['annotation', annotation]) + '\n';
}

/** @param {number} startTime @param {string | undefined} tsuid */
function unannotateRecord(startTime, tsuid) {
  return JSON.stringify(['unannotate', startTime, tsuid ?? null]) + '\n';
}

/** @param {string} space @param {string} key @param {string} value */
function metaRecord(space, key, value) {
  return JSON.stringify(['meta', space, key, value]) + '\n';
}

/** @param {string} space @param {string} key */
function unmetaRecord(space, key) {
  return JSON.stringify(['unmeta', space, key]) + '\n';
}

/** String() drops the sign of -0; everything else it prints reads back exactly. */
function floatText(/** @type {number} */ value) {
  return Object.is(value, -0) ? '-0' : String(value);
}

/**
 * Parses one line; throws on anything it does not know, so a damaged log stops the
 * engine from opening instead of silently losing data.
 * @param {string} line
 * @returns {LogRecord}
 */
function parseRecord(line) {
  const r = JSON.parse(line);
  switch (r[0]) {
    case 'series':
      return { type: 'series', series: { id: r[1], metric: r[2], tags: r[3] } };
    case 'point': {
      const kind = r[3];
      return {
        type: 'point',
        id: r[1],
        timestamp: r[2],
        kind,
        int: kind === ValueKind.Int ? BigInt(r[4]) : 0n,
        float: kind === ValueKind.Float ? Number(r[4]) : 0,
        text: kind === ValueKind.String || kind === ValueKind.Json ? r[4] : undefined,
      };
    }
    case 'delete':
      return { type: 'delete', id: r[1], start: r[2], end: r[3] };
    case 'annotation':
      return { type: 'annotation', annotation: r[1] };
    case 'unannotate':
      return { type: 'unannotate', startTime: r[1], tsuid: r[2] ?? undefined };
    case 'meta':
      return { type: 'meta', space: r[1], key: r[2], value: r[3] };
    case 'unmeta':
      return { type: 'meta', space: r[1], key: r[2], value: undefined };
    default:
      throw new Error(`unknown log record ${JSON.stringify(r[0])}`);
  }
}

module.exports = { seriesRecord, pointRecord, deleteRecord, annotationRecord, unannotateRecord, metaRecord, unmetaRecord, parseRecord };
