/**
 * A chunk document: the points of one series in one time window, as one stored chunk of
 * the shared format (lib/chunks) in a base64 field.
 *
 * Why a base64 field and not an attachment: a read fetches many windows in one
 * `_all_docs?include_docs` request, and only inline fields come back that way (an
 * attachment is a request of its own, or base64 again with `attachments=true`); a write
 * sends inline attachments as base64 anyway. CouchDB compresses document bodies (snappy),
 * which takes back much of base64's third. The stored frame carries a CRC32 (format 3):
 * nothing else checks the bytes on their way through JSON, HTTP and a cluster's copies.
 */
import { allocPoints, slicePoints, type SeriesPoints } from '../../core';
import { decodeStoredChunk, encodeStoredChunk, type CodecSet } from '../../lib/chunks';

export interface ChunkDoc {
  _id: string;
  _rev?: string;
  _conflicts?: string[];
  type: 'chunk';
  /** series id */
  s: string;
  /** window start, ms */
  w: number;
  /** points */
  n: number;
  /** the stored chunk, base64 */
  d: string;
}

export function encodeChunkDoc(codecs: CodecSet, id: string, rev: string | undefined, sid: string, window: number, points: SeriesPoints): ChunkDoc {
  const bytes = encodeStoredChunk(points, 0, points.length, codecs, { checksum: true });
  const doc: ChunkDoc = { _id: id, type: 'chunk', s: sid, w: window, n: points.length, d: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64') };
  if (rev !== undefined) doc._rev = rev;
  return doc;
}

/** The points of a chunk document. Throws RangeError on bytes that do not parse or fail their checksum. */
export function decodeChunkDoc(codecs: CodecSet, doc: ChunkDoc): SeriesPoints {
  return decodeStoredChunk(Buffer.from(doc.d, 'base64'), codecs);
}

/**
 * `base` and `add` merged by timestamp (both sorted, one value per timestamp); on a
 * timestamp in both, `add`'s value wins (last write wins).
 */
export function mergePoints(base: SeriesPoints | undefined, add: SeriesPoints): SeriesPoints {
  if (!base || base.length === 0) return add;
  let i = 0;
  let j = 0;
  let n = 0;
  const out = allocPoints(base.length + add.length);
  while (i < base.length || j < add.length) {
    let from: SeriesPoints;
    let k: number;
    if (j >= add.length || (i < base.length && base.timestamps[i]! < add.timestamps[j]!)) {
      from = base;
      k = i++;
    } else {
      if (i < base.length && base.timestamps[i] === add.timestamps[j]) i++; // replaced
      from = add;
      k = j++;
    }
    out.timestamps[n] = from.timestamps[k]!;
    out.kinds[n] = from.kinds[k]!;
    out.floats[n] = from.floats[k]!;
    out.ints[n] = from.ints[k]!;
    out.texts[n++] = from.texts[k];
  }
  return n === out.length ? out : slicePoints(out, 0, n);
}

/** Points of `p` outside [start, end] (a delete), or `p` itself when none is inside. */
export function withoutRange(p: SeriesPoints, start: number, end: number): SeriesPoints {
  let inside = 0;
  for (let i = 0; i < p.length; i++) if (p.timestamps[i]! >= start && p.timestamps[i]! <= end) inside++;
  if (inside === 0) return p;
  const out = allocPoints(p.length - inside);
  let n = 0;
  for (let i = 0; i < p.length; i++) {
    const t = p.timestamps[i]!;
    if (t >= start && t <= end) continue;
    out.timestamps[n] = t;
    out.kinds[n] = p.kinds[i]!;
    out.floats[n] = p.floats[i]!;
    out.ints[n] = p.ints[i]!;
    out.texts[n++] = p.texts[i];
  }
  return out;
}
