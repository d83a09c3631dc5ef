/**
 * The embedded engine's MetaStore (UIDs, UID/TS meta, trees): every entry in memory, every
 * change appended to `meta.log` in the data directory as a checksummed record
 * (record-file.ts framing) and fdatasync'ed before its promise resolves. Open replays the
 * log (a torn tail from a crash is truncated, as the series log's); once the log holds
 * more dead records than live ones it is rewritten with the live entries only (temporary
 * file, fsync, rename). The data directory's LOCK (lock.ts) makes this process the only
 * writer, so `putIfAbsent` is atomic by running one call at a time on the event loop.
 *
 * Record payload (little-endian): u8 op (1 put, 2 delete) | u16 space bytes | space |
 * u16 key bytes | key | value (the rest; absent for a delete), all UTF-8; or u8 3 (batch) |
 * deflate-raw((uvarint n | n bytes of such a payload)…). Records are appended at each
 * commit: a group commit of BATCH_MIN or more (the UIDs and TSMetas of a write batch's new
 * series) goes as one compressed batch, ~5× smaller (their keys and fields repeat).
 * Records written alone (a new UID at a time: its id, its name and the kind's max id) and
 * dead ones are "loose": once they amount to a sixteenth of the live entries, the log is
 * rewritten at the next open or close, or when writes pause if it is small enough for the
 * pause not to matter (rewriteWhenLoose), which compresses them too (~3× smaller on the
 * benchmark's 10,000 series).
 */
import fs from 'node:fs';
import path from 'node:path';
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { ByteReader, ByteWriter, DsdbError, type Logger, type MetaEntry, type MetaStore } from '../../core';
import { checkMetaEntry, checkMetaScan } from '../../lib/storage';
import { appendWhole, frameRecord, scanRecords, writeFully } from './record-file';
import { fsyncDir, SyncFile } from './sync-file';

const OP_PUT = 1;
const OP_DELETE = 2;
const OP_BATCH = 3;
/** Records in one commit from which they are written as one compressed batch. */
const BATCH_MIN = 8;
/** Records per compressed batch when the log is rewritten. */
const REWRITE_BATCH = 4096;
/** The log is rewritten when it is this much larger than its live entries (and past 1 MiB). */
const REWRITE_RATIO = 2;
const REWRITE_MIN_BYTES = 1 << 20;
/** Loose bytes (records written alone, or dead) below which rewriteWhenLoose leaves the log as it is. */
const LOOSE_MIN_BYTES = 32 << 10;
/** rewriteWhenLoose rewrites once the loose bytes are this fraction of the live ones: its cost, ∝ live, stays amortised. */
const LOOSE_RATIO = 1 / 16;
/**
 * Live bytes up to which a rewrite may run while the daemon serves (~20 ms on the event
 * loop a MiB); a bigger log's loose records wait for the next open or close.
 */
const SERVING_REWRITE_MAX_BYTES = 1 << 20;
/**
 * After a failed rewrite (a full disk, say), the next try while serving waits this long: a
 * failure is logged once per wait, not at every commit or idle tick. Open and close always try.
 */
const REWRITE_RETRY_MS = 10 * 60_000;

export const META_LOG = 'meta.log';
/**
 * zlib's fastest level: a batch's records repeat their keys' prefixes and, for TSMetas, one
 * JSON text, which level 1 finds as well as the default (1,024 TSMetas: 4,078 bytes against
 * 4,071) in a quarter of the time (~200 ns a record against ~850).
 */
const DEFLATE_LEVEL = 1;

/**
 * One record's payload, in one allocation (the strings written straight in, not each made
 * a Buffer and copied: four allocations a record before, and a group commit of a batch's
 * new series is thousands of records). Throws RangeError past 65,535 bytes of space or key
 * (checkMetaEntry refuses those first).
 */
function encode(op: number, space: string, key: string, value?: string): Buffer {
  const spaceBytes = Buffer.byteLength(space);
  const keyBytes = Buffer.byteLength(key);
  const valueBytes = value === undefined ? 0 : Buffer.byteLength(value);
  const out = Buffer.allocUnsafe(5 + spaceBytes + keyBytes + valueBytes);
  out[0] = op;
  out.writeUInt16LE(spaceBytes, 1);
  out.write(space, 3);
  out.writeUInt16LE(keyBytes, 3 + spaceBytes);
  out.write(key, 5 + spaceBytes);
  if (value !== undefined) out.write(value, 5 + spaceBytes + keyBytes);
  return out;
}

/** The bytes encode() gives a PUT record, without making it (live-byte accounting). */
function putRecordBytes(space: string, key: string, value: string): number {
  return 5 + Buffer.byteLength(space) + Buffer.byteLength(key) + Buffer.byteLength(value);
}

/** The frames of `records` (encoded payloads): one compressed batch when there are BATCH_MIN or more. */
function frameAll(records: readonly Buffer[]): Buffer {
  if (records.length < BATCH_MIN) return Buffer.concat(records.map((r) => frameRecord(r)));
  const w = new ByteWriter(records.reduce((n, r) => n + r.length + 3, 0));
  for (const r of records) {
    w.uvarint(r.length);
    w.bytes(r);
  }
  const packed = deflateRawSync(w.finish(), { level: DEFLATE_LEVEL });
  const payload = Buffer.allocUnsafe(packed.length + 1);
  payload[0] = OP_BATCH;
  packed.copy(payload, 1);
  return frameRecord(payload);
}

/** The payloads of one record: itself, or a batch's. Throws on a batch that does not inflate. */
function* payloadsOf(rec: Uint8Array): Generator<Uint8Array> {
  if (rec[0] !== OP_BATCH) {
    yield rec;
    return;
  }
  const r = new ByteReader(inflateRawSync(rec.subarray(1)));
  while (!r.done) yield r.bytes(r.uvarint());
}

function decode(rec: Uint8Array): { op: number; space: string; key: string; value: string } {
  const b = Buffer.from(rec.buffer, rec.byteOffset, rec.byteLength);
  const sl = b.readUInt16LE(1);
  const kl = b.readUInt16LE(3 + sl);
  return { op: b[0]!, space: b.toString('utf8', 3, 3 + sl), key: b.toString('utf8', 5 + sl, 5 + sl + kl), value: b.toString('utf8', 5 + sl + kl) };
}

export class MetaLog implements MetaStore {
  /** space → key → value */
  private readonly spaces = new Map<string, Map<string, string>>();
  private file?: SyncFile;
  /** bytes of the records logged since the last rewrite, framed and counted uncompressed */
  private fileBytes = 0;
  /** bytes the live entries take as records (uncompressed): what a rewritten log holds */
  private liveBytes = 0;
  /** bytes of the records written alone (uncompressed, framed) since the last rewrite */
  private aloneBytes = 0;
  /** the commit every write so far waits for; reads wait for it too (no answer from an unsynced write) */
  private committed: Promise<void> = Promise.resolve();
  private syncing = false;
  /** Date.now() before which no rewrite is tried while serving (after a failed one) */
  private rewriteRetryAt = 0;
  /** records appended since the last commit wrote them */
  private pending: Buffer[] = [];
  private syncAgain?: { promise: Promise<void>; resolve: () => void; reject: (err: unknown) => void };

  constructor(
    private readonly dataDir: string,
    private readonly log: Logger,
  ) {}

  private get filePath(): string {
    return path.join(this.dataDir, META_LOG);
  }

  /** Replays meta.log (truncating a torn tail) and opens it for appends. Call under the directory lock. */
  open(): void {
    const file = this.filePath;
    const buf = fs.existsSync(file) ? fs.readFileSync(file) : Buffer.alloc(0);
    const scan = scanRecords(buf);
    const state = new Map<string, { space: string; key: string; value: string }>();
    let logged = 0;
    for (const rec of scan.records) {
      if (rec[0] !== OP_BATCH) this.aloneBytes += 8 + rec.length;
      for (const payload of payloadsOf(rec)) {
        logged += 8 + payload.length;
        const r = decode(payload);
        const id = `${r.space}\u0000${r.key}`;
        if (r.op === OP_PUT) state.set(id, r);
        else state.delete(id);
      }
    }
    for (const { space, key, value } of state.values()) {
      this.set(space, key, value);
      this.liveBytes += 8 + putRecordBytes(space, key, value);
    }
    if (scan.skipped.length > 0) this.log.error({ file: META_LOG, skipped: scan.skipped }, 'meta log has corrupt records in the middle: skipped them and read the records after them');
    if (scan.corruption) {
      this.log.warn({ file: META_LOG, ...scan.corruption }, 'meta log has a corrupt tail: truncated');
      fs.truncateSync(file, scan.validBytes);
    }
    this.file = new SyncFile(fs.openSync(file, 'a'));
    this.fileBytes = logged;
    if (this.overgrown() || this.loose()) this.tryRewrite();
  }

  /** Whether the file is past REWRITE_MIN_BYTES and REWRITE_RATIO times its live entries. */
  private overgrown(): boolean {
    return this.fileBytes > REWRITE_MIN_BYTES && this.fileBytes > REWRITE_RATIO * this.liveBytes;
  }

  /** Whether the loose records (alone or dead) are worth a rewrite. */
  private loose(): boolean {
    const loose = this.aloneBytes + this.fileBytes - this.liveBytes;
    return loose >= LOOSE_MIN_BYTES && loose >= LOOSE_RATIO * this.liveBytes;
  }

  /**
   * Rewrites the log with its live entries, compressed, when its loose records are worth it
   * and no commit is under way. The engine calls it when writes pause (`serving`: only a
   * log of at most SERVING_REWRITE_MAX_BYTES live, so that the pause stays short) and at
   * close. Returns whether it did. A failure is logged (the log stays as it was).
   */
  rewriteWhenLoose(serving: boolean): boolean {
    if (!this.file || this.syncing || this.pending.length > 0 || !this.loose()) return false;
    if (serving && (this.liveBytes > SERVING_REWRITE_MAX_BYTES || Date.now() < this.rewriteRetryAt)) return false;
    return this.tryRewrite();
  }

  /** Rewrites, or logs why not and puts the next try while serving REWRITE_RETRY_MS away. The log stays usable either way. */
  private tryRewrite(): boolean {
    try {
      this.rewrite();
      this.rewriteRetryAt = 0;
      return true;
    } catch (err) {
      this.rewriteRetryAt = Date.now() + REWRITE_RETRY_MS;
      this.log.error({ err, file: META_LOG }, 'rewriting the meta log failed; it stays as it is (tried again in 10 minutes, or at close)');
      return false;
    }
  }

  /** Waits for the writes in flight, writes what a failed write left queued, and closes the file. */
  async close(): Promise<void> {
    await this.durable();
    // records a failed write kept (their entries are in memory, readers saw them) get a last try
    if (this.file && this.pending.length > 0) await this.commit().catch(() => undefined);
    await this.durable();
    this.rewriteWhenLoose(false);
    this.file?.close();
    this.file = undefined;
  }

  private assertOpen(): SyncFile {
    if (!this.file) throw new DsdbError('DSDB_ERR_STORAGE_CLOSED', 'embedded storage is not open: its meta store cannot be used');
    return this.file;
  }

  async get(space: string, key: string): Promise<string | undefined> {
    checkMetaEntry(space, key);
    this.assertOpen();
    await this.durable();
    return this.spaces.get(space)?.get(key);
  }

  async put(space: string, key: string, value: string): Promise<void> {
    checkMetaEntry(space, key, value);
    this.append(OP_PUT, space, key, value, this.spaces.get(space)?.get(key));
    this.set(space, key, value);
    await this.commit();
  }

  async putIfAbsent(space: string, key: string, value: string): Promise<boolean> {
    checkMetaEntry(space, key, value);
    this.assertOpen();
    if (!this.claim(space, key, value)) {
      await this.durable(); // the winner's value is on disk before anyone learns of it
      return false;
    }
    await this.commit();
    return true;
  }

  /**
   * Logs and sets the entry when its key is absent; whether it did. Checks, appends and
   * sets with no await in between, so no other call runs in between.
   */
  private claim(space: string, key: string, value: string): boolean {
    if (this.spaces.get(space)?.has(key)) return false;
    this.append(OP_PUT, space, key, value, undefined);
    this.set(space, key, value);
    return true;
  }

  /** putIfAbsent for each entry in order, all made durable by one commit (MetaStore.putAllIfAbsent). */
  async putAllIfAbsent(space: string, entries: readonly MetaEntry[]): Promise<boolean[]> {
    for (const e of entries) checkMetaEntry(space, e.key, e.value);
    this.assertOpen();
    const stored = new Array<boolean>(entries.length);
    let any = false;
    for (let i = 0; i < entries.length; i++) {
      const { key, value } = entries[i]!;
      stored[i] = this.claim(space, key, value);
      if (stored[i]) any = true;
    }
    // an entry found present was stored by an earlier write: on disk once that commit is
    if (any) await this.commit();
    else await this.durable();
    return stored;
  }

  async delete(space: string, key: string): Promise<boolean> {
    checkMetaEntry(space, key);
    this.assertOpen();
    const entries = this.spaces.get(space);
    const old = entries?.get(key);
    if (old === undefined) {
      await this.durable();
      return false;
    }
    this.append(OP_DELETE, space, key, undefined, old);
    entries!.delete(key);
    await this.commit();
    return true;
  }

  async *scan(space: string, prefix: string, limit = Infinity): AsyncIterable<MetaEntry> {
    checkMetaScan(space, prefix, limit);
    this.assertOpen();
    await this.durable();
    const entries = this.spaces.get(space);
    if (!entries) return;
    // Sorting per scan keeps writes O(1); scans are rare (search, tree builds, admin).
    const keys = [...entries.keys()].filter((k) => k.startsWith(prefix)).sort();
    let n = 0;
    for (const key of keys) {
      if (n++ >= limit) return;
      const value = entries.get(key);
      if (value !== undefined) yield { key, value };
    }
  }

  private set(space: string, key: string, value: string): void {
    let entries = this.spaces.get(space);
    if (!entries) this.spaces.set(space, (entries = new Map()));
    entries.set(key, value);
  }

  /** Waits for the commit in flight (a failed one was reported to its writer and logged). */
  private durable(): Promise<void> {
    return this.committed.catch(() => undefined);
  }

  /**
   * Queues one record for the next commit (the log's order is the calls' order) and
   * accounts for live bytes. Sizes are counted uncompressed, framed, so that the rewrite
   * rule compares like with like.
   */
  private append(op: number, space: string, key: string, value: string | undefined, old: string | undefined): void {
    this.assertOpen();
    const record = encode(op, space, key, value);
    this.pending.push(record);
    this.fileBytes += 8 + record.length;
    if (old !== undefined) this.liveBytes -= 8 + putRecordBytes(space, key, old);
    if (op === OP_PUT) this.liveBytes += 8 + record.length;
  }

  /** Writes the queued records whole (appendWhole), or keeps them for the next commit. */
  private writePending(file: SyncFile): void {
    if (this.pending.length === 0) return;
    appendWhole(file.fd, frameAll(this.pending), (cut) =>
      this.log.error({ err: cut, file: META_LOG }, 'meta log: a torn write could not be cut off; the next open truncates the log there'),
    );
    if (this.pending.length < BATCH_MIN) for (const record of this.pending) this.aloneBytes += 8 + record.length;
    this.pending = [];
  }

  /**
   * Resolves once every record appended so far is on disk. One fdatasync at a time; calls
   * arriving meanwhile share the next one (group commit). The log is rewritten after a
   * commit once it is mostly dead records.
   */
  private commit(): Promise<void> {
    if (this.syncing) {
      if (!this.syncAgain) {
        let resolve!: () => void;
        let reject!: (err: unknown) => void;
        const promise = new Promise<void>((res, rej) => ((resolve = res), (reject = rej)));
        this.syncAgain = { promise, resolve, reject };
      }
      this.committed = this.syncAgain.promise;
      return this.syncAgain.promise;
    }
    const file = this.assertOpen();
    try {
      this.writePending(file);
    } catch (err) {
      this.log.error({ err, file: META_LOG }, 'meta log write failed: the changes stay in memory and are written at the next commit');
      return Promise.reject(err);
    }
    this.syncing = true;
    const done = file.datasync();
    done.catch((err) => this.log.error({ err, file: META_LOG }, 'meta log fdatasync failed: the writes since the last one may be lost in a crash'));
    void done.finally(() => {
      this.syncing = false;
      const next = this.syncAgain;
      this.syncAgain = undefined;
      if (next) this.commit().then(next.resolve, next.reject);
      else if (this.file && this.overgrown() && Date.now() >= this.rewriteRetryAt) {
        this.tryRewrite();
      }
    }).catch(() => undefined);
    this.committed = done;
    return done;
  }

  /** Writes the live entries to meta.log.tmp, fsyncs it and renames it over meta.log (on the event loop: no call interleaves). */
  private rewrite(): void {
    const tmp = this.filePath + '.tmp';
    const fd = fs.openSync(tmp, 'w');
    let bytes = 0;
    try {
      const parts: Buffer[] = [];
      let batch: Buffer[] = [];
      for (const [space, entries] of this.spaces) {
        for (const [key, value] of entries) {
          const record = encode(OP_PUT, space, key, value);
          batch.push(record);
          bytes += 8 + record.length;
          if (batch.length === REWRITE_BATCH) {
            parts.push(frameAll(batch));
            batch = [];
          }
        }
      }
      parts.push(frameAll(batch));
      writeFully(fd, Buffer.concat(parts)); // a short write renamed over meta.log would lose entries
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, this.filePath);
    fsyncDir(this.dataDir);
    // fsyncs in flight on the old file finish on it (its records are all in the new one)
    this.file?.close();
    this.file = new SyncFile(fs.openSync(this.filePath, 'a'));
    this.fileBytes = bytes;
    this.liveBytes = bytes;
    this.aloneBytes = 0;
    this.log.debug({ file: META_LOG, bytes }, 'meta log rewritten with its live entries');
  }
}
