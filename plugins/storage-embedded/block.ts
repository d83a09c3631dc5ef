/**
 * Block files: immutable, one per cut of the head or per compaction.
 *   "DSDBBLK1" | chunk bytes… | index | footer
 * index: uvarint superseded, (uvarint seq)*, uvarint entries, then per chunk in file order
 *        (chunks lie back to back from the magic on, so each one's offset is the previous
 *        one's end and is not stored):
 *        svarint seriesId − the previous entry's, uvarint length, u32 crc32, f64 minT, f64 maxT, uvarint count, uvarint flags
 *        flags: bit 0 set when the chunk's header shows every value a finite number
 *        (lib/chunks chunkValuesFinite), so a count reads no chunk byte; other bits 0.
 * footer (24 bytes): u32 index offset low, u32 index offset high, u32 index length,
 *        u32 crc32(index bytes as stored), "DSDBEND4" (the index above, deflate-raw
 *        compressed: ~6 bytes a chunk, most of it the CRC32).
 * Blocks written before are still read: "DSDBEND3" (the same entries without flags),
 * "DSDBEND2" (the index deflate-raw compressed, ~12 bytes a chunk) and "DSDBEND1" (stored
 * plain), these two with entries
 *        (uvarint seriesId, uvarint offset, uvarint length, u32 crc32, f64 minT, f64 maxT, uvarint count)
 * A block lists the blocks it supersedes (a compaction's inputs) so that a crash between
 * writing it and deleting them leaves no duplicates behind: they are deleted at open.
 */
import fs from 'node:fs';
import path from 'node:path';
import { crc32, deflateRawSync, inflateRawSync } from 'node:zlib';
import { ByteReader, ByteWriter, type SeriesPoints } from '../../core';
import type { CodecSet } from './codec-set';
import { CHUNK_META_FIELDS, chunkCount, writeSeriesChunks, type EncodedChunks } from '../../lib/chunks';
import { CHUNK_POINTS_MAX, CHUNK_POINTS_VERIFIED, chunkValuesFinite, decodeChunk, decodeChunkTimestampsInto, decodeChunkInto } from './chunk';
import { SyncFile, fsyncDir } from './sync-file';
import type { SummarySlots } from './summary-cache';

const MAGIC = Buffer.from('DSDBBLK1');
/** The footer magic of a block whose index is stored plain (written before compressed indexes). */
const END_MAGIC_PLAIN = Buffer.from('DSDBEND1');
/** The footer magic of a compressed index with each chunk's offset and series id stored whole. */
const END_MAGIC_WHOLE = Buffer.from('DSDBEND2');
/** The footer magic of a compressed index with implied offsets and series ids as deltas, without flags. */
const END_MAGIC_IMPLIED = Buffer.from('DSDBEND3');
/** The footer magic of END_MAGIC_IMPLIED's index with each entry's flags (written now). */
const END_MAGIC = Buffer.from('DSDBEND4');
/** The footer magics by format number (IndexLocation.format). */
const END_MAGICS = [END_MAGIC_PLAIN, END_MAGIC_WHOLE, END_MAGIC_IMPLIED, END_MAGIC] as const;
const FORMAT_PLAIN = 0;
const FORMAT_WHOLE = 1;
const FORMAT_IMPLIED = 2;
const FORMAT_FLAGGED = 3;

/** Where a block's index lies and how it is stored: `format` indexes END_MAGICS. */
export interface IndexLocation {
  format: number;
  offset: number;
  length: number;
}

/** An index read (BlockReader.parseIndex). */
interface ParsedIndex {
  columns: ChunkColumns;
  superseded: number[];
  points: number;
  location: IndexLocation;
  /** why the footer did not hold, when the index was found without it */
  damage: string | undefined;
}

/**
 * The 24-byte footer for an index at `location` (stored bytes `index`), as BlockWriter
 * writes it: what `dsdb fsck --fix` puts back over a damaged one.
 */
export function blockFooter(location: IndexLocation, index: Uint8Array): Buffer {
  const footer = Buffer.alloc(FOOTER_BYTES);
  footer.writeUInt32LE(location.offset % 2 ** 32, 0);
  footer.writeUInt32LE(Math.floor(location.offset / 2 ** 32), 4);
  footer.writeUInt32LE(location.length, 8);
  footer.writeUInt32LE(crc32(index), 12);
  END_MAGICS[location.format]!.copy(footer, 16);
  return footer;
}

/** Index entry flag: every value of the chunk is a finite number (its header says so). */
const FLAG_FINITE = 1;
export const FOOTER_BYTES = 24;
/** The fewest bytes an index entry takes (an implied entry of one-byte varints: 1 + 1 + 4 + 8 + 8 + 1). */
const MIN_ENTRY_BYTES = 23;
/**
 * Bytes read at once for chunks: a metric's series lie every few series apart in a block,
 * so one read serves the next dozens of chunks (one syscall, not one per chunk).
 */
const READ_AHEAD = 128 * 1024;
/**
 * Bytes of chunks gathered before one write: a cut writes ten thousand chunks of a few
 * hundred bytes, and a system call per chunk cost more than encoding some of them.
 */
const WRITE_BATCH = 256 * 1024;

/**
 * A block's chunk index as columns, one entry a chunk in file order: typed arrays outside
 * the V8 heap, 45 bytes a chunk. An object a chunk (and a `{ block, ref }` pair a series
 * listed, and the boxed doubles of its times) cost ~170 bytes of heap, and a store holds a
 * chunk reference per ~4,096 points of every series it keeps, each marked by every full
 * collection: 117 blocks of 10k series held 364 MB of heap (docs/performance.md).
 */
export interface ChunkColumns {
  readonly seriesIds: Float64Array;
  readonly offsets: Float64Array;
  readonly lengths: Uint32Array;
  readonly crcs: Uint32Array;
  readonly minTs: Float64Array;
  readonly maxTs: Float64Array;
  readonly counts: Uint32Array;
  /** what is known of each chunk's values: the FINITE_* and NUMERIC_* bits; CHECKED */
  readonly flags: Uint8Array;
}

/** ChunkColumns.flags bits: whether `finite` is known, and its value; the same for `numeric`. */
const FINITE_KNOWN = 1;
const FINITE = 2;
const NUMERIC_KNOWN = 4;
const NUMERIC = 8;
/** the chunk's bytes passed their CRC32 in this process (read, or written by it); never stored */
const CHECKED = 16;

function newChunkColumns(n: number): ChunkColumns {
  return {
    seriesIds: new Float64Array(n),
    offsets: new Float64Array(n),
    lengths: new Uint32Array(n),
    crcs: new Uint32Array(n),
    minTs: new Float64Array(n),
    maxTs: new Float64Array(n),
    counts: new Uint32Array(n),
    flags: new Uint8Array(n),
  };
}

/**
 * A chunk of an open block: its entry `index` in the block's ChunkColumns, read through
 * getters (one object of three fields a chunk, the same object for as long as the block is
 * open: summaries hang on it, summary-cache.ts).
 */
export class ChunkRef implements SummarySlots {
  summaries: SummarySlots['summaries'] = undefined;

  constructor(
    readonly block: BlockReader,
    readonly index: number,
  ) {}

  get seriesId(): number {
    return this.block.columns.seriesIds[this.index]!;
  }

  /** the chunk's first byte in the file */
  get offset(): number {
    return this.block.columns.offsets[this.index]!;
  }

  /** the chunk's bytes */
  get length(): number {
    return this.block.columns.lengths[this.index]!;
  }

  /** CRC32 of the chunk's bytes */
  get crc(): number {
    return this.block.columns.crcs[this.index]!;
  }

  /** its first and last timestamps (ms) */
  get minT(): number {
    return this.block.columns.minTs[this.index]!;
  }

  get maxT(): number {
    return this.block.columns.maxTs[this.index]!;
  }

  /** its points */
  get count(): number {
    return this.block.columns.counts[this.index]!;
  }

  /** whether every value of the chunk is a finite number: from the index (DSDBEND4), or read from its header on first use (BlockReader.valuesFinite); undefined until known */
  get finite(): boolean | undefined {
    const flags = this.block.columns.flags[this.index]!;
    return (flags & FINITE_KNOWN) === 0 ? undefined : (flags & FINITE) !== 0;
  }

  set finite(finite: boolean | undefined) {
    const flags = this.block.columns.flags;
    flags[this.index] = (flags[this.index]! & ~(FINITE_KNOWN | FINITE)) | (finite === undefined ? 0 : finite ? FINITE_KNOWN | FINITE : FINITE_KNOWN);
  }

  /** whether every value of the chunk is a number (set by the downsampled read on first decode); undefined until known */
  get numeric(): boolean | undefined {
    const flags = this.block.columns.flags[this.index]!;
    return (flags & NUMERIC_KNOWN) === 0 ? undefined : (flags & NUMERIC) !== 0;
  }

  set numeric(numeric: boolean | undefined) {
    const flags = this.block.columns.flags;
    flags[this.index] = (flags[this.index]! & ~(NUMERIC_KNOWN | NUMERIC)) | (numeric === undefined ? 0 : numeric ? NUMERIC_KNOWN | NUMERIC : NUMERIC_KNOWN);
  }
}

/** A chunk a BlockWriter has written: what its index entry holds. */
export interface WrittenChunk {
  seriesId: number;
  offset: number;
  length: number;
  crc: number;
  minT: number;
  maxT: number;
  count: number;
  finite: boolean;
}

export function blockFileName(seq: number): string {
  return `${String(seq).padStart(10, '0')}.blk`;
}

export function blockSeqOf(file: string): number | undefined {
  const m = /^(\d{10})\.blk$/.exec(file);
  return m ? Number(m[1]) : undefined;
}

/** Writes a block: chunks are appended series by series, then the index and footer. */
export class BlockWriter {
  private readonly file: SyncFile;
  /** bytes in the file so far */
  private written = 0;
  /** chunks encoded but not yet written: they start at file offset `written` */
  private readonly pending = new ByteWriter(WRITE_BATCH + 64 * 1024);
  private readonly refs: WrittenChunk[] = [];
  /** addSeries' index entries before they become refs (CHUNK_META_FIELDS numbers a chunk) */
  private meta = new Float64Array(64 * CHUNK_META_FIELDS);
  private readonly tmpPath: string;

  constructor(
    private readonly finalPath: string,
    private readonly codecs: CodecSet,
    private readonly chunkMaxPoints: number,
    private readonly superseded: readonly number[] = [],
  ) {
    this.tmpPath = finalPath + '.tmp';
    this.file = new SyncFile(fs.openSync(this.tmpPath, 'w'));
    this.put(MAGIC);
  }

  /** The file offset the next byte goes to. */
  private get offset(): number {
    return this.written + this.pending.pos;
  }

  private put(bytes: Uint8Array): void {
    this.flush();
    this.writeAll(bytes);
  }

  private writeAll(bytes: Uint8Array): void {
    let done = 0;
    while (done < bytes.length) done += fs.writeSync(this.file.fd, bytes, done, bytes.length - done, this.written + done);
    this.written += bytes.length;
  }

  /** Writes the pending chunks out. */
  private flush(): void {
    if (this.pending.pos === 0) return;
    this.writeAll(this.pending.buf.subarray(0, this.pending.pos));
    this.pending.reset();
  }

  /**
   * Adds a series' points (sorted, unique timestamps), cut into chunks of at most
   * chunkMaxPoints — and CHUNK_POINTS_MAX: a longer chunk of a constant series is a few
   * bytes, and a reader that cannot check its CRC32 takes its count for corruption.
   * The chunks are encoded straight into the pending bytes (no copy a chunk). Throws what
   * a codec throws, and then nothing of the series is in the block.
   */
  addSeries(seriesId: number, points: SeriesPoints): void {
    const chunks = chunkCount(points.length, this.chunkPoints);
    if (this.meta.length < chunks * CHUNK_META_FIELDS) this.meta = new Float64Array(chunks * CHUNK_META_FIELDS);
    const at = this.pending.pos;
    writeSeriesChunks(this.pending, points, 0, points.length, this.chunkPoints, this.codecs, seriesId, this.meta, 0);
    this.index(this.meta, chunks, this.written + at);
    if (this.pending.pos >= WRITE_BATCH) this.flush();
  }

  /** The most points a chunk of this block holds. */
  get chunkPoints(): number {
    return Math.min(this.chunkMaxPoints, CHUNK_POINTS_MAX);
  }

  /**
   * Adds chunks encoded elsewhere (lib/chunks ChunkEncoder): `bytes` back to back, each
   * described by CHUNK_META_FIELDS numbers of `meta` — what addSeries would have written
   * and indexed for the same series.
   */
  addEncoded(encoded: EncodedChunks): void {
    this.flush();
    this.index(encoded.meta, encoded.chunks, this.written);
    this.writeAll(encoded.bytes);
  }

  /** Indexes `chunks` chunks described in `meta` (CHUNK_META_FIELDS numbers each), lying back to back from file offset `offset`. */
  private index(meta: Float64Array, chunks: number, offset: number): void {
    for (let c = 0, m = 0; c < chunks; c++, m += CHUNK_META_FIELDS) {
      const length = meta[m + 1]!;
      this.refs.push({ seriesId: meta[m]!, offset, length, crc: meta[m + 2]!, minT: meta[m + 3]!, maxT: meta[m + 4]!, count: meta[m + 5]!, finite: meta[m + 6] === 1 });
      offset += length;
    }
  }

  get chunkCount(): number {
    return this.refs.length;
  }

  /** Writes index and footer, fsyncs and renames into place. Throws the system error. */
  finish(): void {
    const w = new ByteWriter(64 + this.refs.length * 32);
    w.uvarint(this.superseded.length);
    for (const seq of this.superseded) w.uvarint(seq);
    w.uvarint(this.refs.length);
    // Deltas and implied offsets: deflate cannot shorten a counter's varints, and they were
    // half of a compressed index (a CRC32 is the rest).
    let previousId = 0;
    for (const ref of this.refs) {
      w.svarint(ref.seriesId - previousId);
      previousId = ref.seriesId;
      w.uvarint(ref.length);
      w.u32(ref.crc);
      w.f64(ref.minT);
      w.f64(ref.maxT);
      w.uvarint(ref.count);
      w.uvarint(ref.finite ? FLAG_FINITE : 0);
    }
    const index = deflateRawSync(w.finish());
    const footer = blockFooter({ format: FORMAT_FLAGGED, offset: this.offset, length: index.length }, index);
    this.put(index);
    this.put(footer);
    this.file.fsyncNow();
    this.file.close();
    fs.renameSync(this.tmpPath, this.finalPath);
    fsyncDir(path.dirname(this.finalPath)); // the rename must be durable before the WAL it replaces is deleted
  }

  /** Drops the unfinished file. */
  abort(): void {
    this.file.close();
    fs.rmSync(this.tmpPath, { force: true });
  }
}

/** An open block: its index in memory, chunks read from the file on demand. */
/** Counts BlockReader instances: a key part that changes whenever a block's contents may have. */
let readers = 0;

export class BlockReader {
  /** one a chunk, in file order (ChunkRef: a view of `columns`) */
  readonly refs: ChunkRef[] = [];
  /** the chunk index (ChunkRef reads it) */
  readonly columns: ChunkColumns;
  /** unique per open reader (a rewrite in place under the same seq gets a new one): for caches */
  readonly instance = ++readers;
  readonly superseded: number[] = [];
  readonly bytes: number;
  /** points in all its chunks (compaction planning reads it every few seconds) */
  readonly points: number = 0;
  /**
   * Its chunks whose series series.log does not hold (block-set.ts counts them at load). A
   * block with any is never compacted: a merge writes only the series the index knows, so
   * it would delete them, where a series.log restored from a copy brings them back.
   */
  orphanChunks = 0;
  private fd: number;

  /**
   * Set when the footer was damaged and the index found anyway (recoverFooter): why the
   * footer did not hold. The engine serves such a block and logs it; `dsdb fsck --fix`
   * writes the footer again.
   */
  readonly footerDamage: string | undefined;
  /** Where the index was found: what a footer rewrite writes (fsck). */
  readonly indexLocation: IndexLocation;

  /** Throws an Error naming the problem when the file is not a valid block. */
  constructor(readonly file: string, readonly seq: number, private readonly codecs: CodecSet) {
    this.fd = fs.openSync(file, 'r');
    try {
      this.bytes = fs.fstatSync(this.fd).size;
      if (this.bytes < MAGIC.length + FOOTER_BYTES) throw new Error('file too short for a block');
      const head = this.read(0, MAGIC.length);
      if (!Buffer.from(head).equals(MAGIC)) throw new Error('bad magic');
      const footer = Buffer.from(this.read(this.bytes - FOOTER_BYTES, FOOTER_BYTES));
      let parsed: ParsedIndex;
      try {
        const location = this.locateIndex(footer);
        parsed = this.parseIndex(location, footer.readUInt32LE(12));
      } catch (err) {
        parsed = this.recoverFooter(footer, err as Error);
      }
      this.columns = parsed.columns;
      this.superseded.push(...parsed.superseded);
      this.points = parsed.points;
      this.footerDamage = parsed.damage;
      this.indexLocation = parsed.location;
      for (let i = 0; i < parsed.columns.seriesIds.length; i++) this.refs.push(new ChunkRef(this, i));
    } catch (err) {
      fs.closeSync(this.fd);
      throw err;
    }
  }

  /** The index's format and position as the footer gives them. Throws when they do not hold together. */
  private locateIndex(footer: Buffer): IndexLocation {
    const format = END_MAGICS.findIndex((m) => footer.subarray(16).equals(m));
    if (format < 0) throw new Error('bad footer magic (torn write?)');
    const offset = footer.readUInt32LE(0) + footer.readUInt32LE(4) * 2 ** 32;
    const length = footer.readUInt32LE(8);
    if (offset + length + FOOTER_BYTES !== this.bytes || offset < MAGIC.length) throw new Error('index position out of range');
    return { format, offset, length };
  }

  /**
   * Parses the index at `location`. `crc`: the footer's checksum of it, or undefined when the
   * footer is damaged: then the index must account for every chunk byte (back to back up to
   * the index) and every chunk's CRC32 must match, which no wrong guess passes.
   * Throws an Error naming the problem.
   */
  private parseIndex(location: IndexLocation, crc: number | undefined): ParsedIndex {
    const { format, offset: indexOffset, length: indexLength } = location;
    const flagged = format === FORMAT_FLAGGED;
    const implied = flagged || format === FORMAT_IMPLIED;
    const compressed = implied || format === FORMAT_WHOLE;
    const stored = this.read(indexOffset, indexLength);
    if (crc !== undefined && crc32(stored) !== crc) throw new Error('index checksum mismatch');
    const r = new ByteReader(compressed ? inflateRawSync(stored) : stored);
    const superseded: number[] = [];
    const nSuperseded = r.uvarint();
    if (nSuperseded > r.end - r.pos) throw new Error('superseded count out of range');
    for (let i = 0; i < nSuperseded; i++) superseded.push(r.uvarint());
    const n = r.uvarint();
    // every entry takes at least MIN_ENTRY_BYTES of the index: a larger count is a lie that would allocate
    if (n > (r.end - r.pos) / MIN_ENTRY_BYTES) throw new Error('chunk count out of range');
    const columns = newChunkColumns(n);
    let seriesId = 0;
    let offset = MAGIC.length;
    let points = 0;
    for (let i = 0; i < n; i++) {
      let length: number;
      let flags = 0;
      if (implied) {
        seriesId += r.svarint();
        length = r.uvarint();
      } else {
        seriesId = r.uvarint();
        offset = r.uvarint();
        length = r.uvarint();
      }
      const chunkCrc = r.u32();
      const minT = r.f64();
      const maxT = r.f64();
      const count = r.uvarint();
      // known from the index, not read from the chunk's header (valuesFinite) on a first count
      if (flagged) flags = (r.uvarint() & FLAG_FINITE) !== 0 ? FINITE_KNOWN | FINITE : FINITE_KNOWN;
      if (seriesId < 0 || offset + length > indexOffset) throw new Error('chunk reference out of range');
      // A checksum only proves the index is what was written: a writer's bug or a crafted
      // file could still claim a count readers would allocate for, or a series id past 2^53.
      if (!Number.isSafeInteger(seriesId) || length === 0 || length > 0xffffffff) throw new Error('chunk reference out of range');
      if (count < 1 || count > CHUNK_POINTS_VERIFIED) throw new Error(`chunk point count ${count} out of range`);
      if (!(minT <= maxT)) throw new Error('chunk time range out of order');
      if (crc === undefined && crc32(this.read(offset, length)) !== chunkCrc) throw new Error(`chunk ${i} does not match its checksum`);
      columns.seriesIds[i] = seriesId;
      columns.offsets[i] = offset;
      columns.lengths[i] = length;
      columns.crcs[i] = chunkCrc;
      columns.minTs[i] = minT;
      columns.maxTs[i] = maxT;
      columns.counts[i] = count;
      columns.flags[i] = flags;
      points += count;
      if (implied) offset += length;
    }
    if (crc === undefined && (!r.done || (implied && offset !== indexOffset))) throw new Error('the index does not account for every byte');
    return { columns, superseded, points, location, damage: undefined };
  }

  /**
   * A footer that does not hold (a flipped byte, a torn write of its last bytes) leaves the
   * index and chunks intact. Where it sits follows from either of the footer's position
   * fields (offset + length + footer = file size), and its format from the magic or, when
   * that is damaged, from trying each one, newest first. A guess is taken only when the
   * index then checks out in full (parseIndex without a checksum). Throws `first` when none does.
   */
  private recoverFooter(footer: Buffer, first: Error): ParsedIndex {
    const fromOffset = footer.readUInt32LE(0) + footer.readUInt32LE(4) * 2 ** 32;
    const fromLength = this.bytes - FOOTER_BYTES - footer.readUInt32LE(8);
    const magic = END_MAGICS.findIndex((m) => footer.subarray(16).equals(m));
    const formats = magic >= 0 ? [magic] : [FORMAT_FLAGGED, FORMAT_IMPLIED, FORMAT_WHOLE, FORMAT_PLAIN];
    const tried = new Set<number>();
    for (const offset of [fromOffset, fromLength]) {
      if (tried.has(offset) || offset < MAGIC.length || offset >= this.bytes - FOOTER_BYTES) continue;
      tried.add(offset);
      for (const format of formats) {
        try {
          const parsed = this.parseIndex({ format, offset, length: this.bytes - FOOTER_BYTES - offset }, undefined);
          return { ...parsed, damage: first.message };
        } catch {
          // not this guess
        }
      }
    }
    throw first;
  }

  private read(offset: number, length: number, into?: Buffer): Uint8Array {
    const out = into ?? Buffer.allocUnsafe(length);
    let done = 0;
    while (done < length) {
      const n = fs.readSync(this.fd, out, done, length - done, offset + done);
      if (n === 0) throw new Error('unexpected end of file');
      done += n;
    }
    return out;
  }

  /** Decodes one chunk; throws when its checksum or contents are corrupt. */
  readChunk(ref: ChunkRef): SeriesPoints {
    const points = decodeChunk(this.chunkBytes(ref), this.codecs, CHUNK_POINTS_VERIFIED); // its CRC32 passed
    if (points.length !== ref.count) throw new Error(`chunk point count mismatch in ${path.basename(this.file)} at ${ref.offset}`);
    return points;
  }

  /**
   * Decodes one chunk into `out` from index 0 (`out.length` at least `ref.count`): no
   * allocation per chunk, for readers that only look at the points (summaries). Returns the
   * point count; throws when its checksum or contents are corrupt.
   */
  readChunkInto(ref: ChunkRef, out: SeriesPoints): number {
    const count = decodeChunkInto(this.chunkBytes(ref), this.codecs, out, 0);
    if (count !== ref.count) throw new Error(`chunk point count mismatch in ${path.basename(this.file)} at ${ref.offset}`);
    return count;
  }

  /** As readChunkInto, the timestamps only (`out.timestamps`): the values are not decoded. */
  readTimestampsInto(ref: ChunkRef, out: SeriesPoints): number {
    const count = decodeChunkTimestampsInto(this.chunkBytes(ref), this.codecs, out, 0);
    if (count !== ref.count) throw new Error(`chunk point count mismatch in ${path.basename(this.file)} at ${ref.offset}`);
    return count;
  }

  /**
   * Whether every value of the chunk is a finite number: from the block index (DSDBEND4's
   * flags, set when it was read), else from the chunk's header (lib/chunks
   * chunkValuesFinite; kept on the ref). Throws when the chunk's checksum or header is corrupt.
   */
  valuesFinite(ref: ChunkRef): boolean {
    return (ref.finite ??= chunkValuesFinite(this.chunkBytes(ref), this.codecs));
  }

  /**
   * Checks that the chunk's bytes pass their CRC32, once a process: a reader that takes its
   * point count from the index (a count from chunk headers: downsampled-read.ts) calls it
   * first, so that a corrupt chunk, which every read of its points skips, is not counted
   * either. Throws as a read does when they do not pass.
   */
  checkBytes(ref: ChunkRef): void {
    if ((this.columns.flags[ref.index]! & CHECKED) === 0) this.chunkBytes(ref);
  }

  /** Marks every chunk checked (checkBytes): the block's bytes were written by this process, from the points they hold. */
  markChecked(): void {
    const flags = this.columns.flags;
    for (let i = 0; i < flags.length; i++) flags[i] = flags[i]! | CHECKED;
  }

  /** The bytes read ahead: readers of many series' chunks (a metric's, fsck) mostly find the next one here. */
  private window: { offset: number; bytes: Buffer } | undefined;
  /**
   * The memory windows of READ_AHEAD bytes are read into, reused: a query over a metric reads
   * a block window after window, and fresh memory for each cost a page fault every 4 KiB
   * (the largest item of a count after a load). Safe because every caller of chunkBytes
   * decodes the bytes before the next read.
   */
  private windowMemory: Buffer | undefined;

  /** A chunk's bytes, checked against its CRC32, from the read-ahead window or one read of up to READ_AHEAD bytes. */
  private chunkBytes(ref: ChunkRef): Uint8Array {
    let w = this.window;
    if (w === undefined || ref.offset < w.offset || ref.offset + ref.length > w.offset + w.bytes.length) {
      const length = Math.max(ref.length, Math.min(READ_AHEAD, this.bytes - ref.offset));
      const memory = length <= READ_AHEAD ? (this.windowMemory ??= Buffer.allocUnsafeSlow(READ_AHEAD)).subarray(0, length) : undefined;
      // forgotten first: a read that fails part-way has overwritten the old window's bytes
      this.window = undefined;
      w = this.window = { offset: ref.offset, bytes: this.read(ref.offset, length, memory) as Buffer };
    }
    const bytes = w.bytes.subarray(ref.offset - w.offset, ref.offset - w.offset + ref.length);
    if (crc32(bytes) !== ref.crc) throw new Error(`chunk checksum mismatch in ${path.basename(this.file)} at ${ref.offset}`);
    this.columns.flags[ref.index] = this.columns.flags[ref.index]! | CHECKED;
    return bytes;
  }

  close(): void {
    if (this.fd >= 0) fs.closeSync(this.fd);
    this.fd = -1;
    // its ChunkRefs may outlive it (a summary kept in the cache until dropped): not its read memory
    this.window = undefined;
    this.windowMemory = undefined;
  }

  /** Whether close() was called (a compaction, retention or rewrite replaced the block). */
  get closed(): boolean {
    return this.fd < 0;
  }
}
