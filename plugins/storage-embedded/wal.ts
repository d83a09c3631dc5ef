/**
 * The write-ahead log: numbered segment files (`wal/0000000001.wal`…) of checksummed
 * records (record-file.ts; the record types are in wal-records.ts).
 *
 * Group commit. Appends are buffered in memory. A commit writes the buffer to the segment
 * (a copy into the page cache, on the event loop) and then fdatasyncs it on the thread pool
 * (sync-file.ts); the writes waiting in `sync()` when the commit started form its group and
 * are acknowledged when that fsync returns. While it runs, ingest keeps appending, and new
 * `sync()` callers gather into the next group, committed as soon as the one in flight is
 * done: one fsync in flight at a time, however many writers wait. Writes without `sync` are
 * committed by a timer every flushIntervalMs.
 *
 * Order: fsyncs run one after another, oldest segment first, so a sync write is
 * acknowledged only once every record appended before it is on disk, in whichever segment
 * (a rotation does not wait for the old segment's fsync; the next commit includes it).
 */
import fs from 'node:fs';
import path from 'node:path';
import { ByteWriter } from '../../core';
import { frameAt, RECORD_HEADER_BYTES, rewriteRecords, scanRecords, type RecordScan } from './record-file';
import { SyncFile, fsyncDir } from './sync-file';
import { isWalRecordType } from './wal-records';

/**
 * Buffered bytes beyond which appends are written to the file without waiting (fsync stays
 * with the commits). Records are framed in one reused buffer of about this size: the WAL
 * costs no allocation per record and holds at most this much between commits.
 */
const WRITE_THROUGH_BYTES = 1 << 20;

export function segmentName(seq: number): string {
  return `${String(seq).padStart(10, '0')}.wal`;
}

function segmentSeq(file: string): number | undefined {
  const m = /^(\d{10})\.wal$/.exec(file);
  return m ? Number(m[1]) : undefined;
}

export interface SegmentScan extends RecordScan {
  file: string;
  seq: number;
  /** where the segment was copied before replay, when it had bad records in the middle */
  copy?: string;
}

interface Waiter {
  resolve(): void;
  reject(err: unknown): void;
}

/** An open segment. */
interface Segment {
  seq: number;
  file: SyncFile;
  /** bytes written to it */
  bytes: number;
  /** written bytes are not all fsync'ed yet */
  unsynced: boolean;
}

export class Wal {
  private current?: Segment;
  /** earlier segments with unsynced bytes: fsync'ed by the next commit, then closed */
  private retired: Segment[] = [];
  /** framed records appended and not yet written to the segment, in order */
  private pending = new ByteWriter(WRITE_THROUGH_BYTES + (WRITE_THROUGH_BYTES >> 2));
  /** where the record being written by beginRecord() starts, or -1 */
  private recordStart = -1;
  /** the next group: sync writes waiting for the next commit */
  private waiters: Waiter[] = [];
  private scheduled = false;
  /** the commit whose fsync is running, if any */
  private inFlight?: Promise<void>;
  /** a commit was asked for while one was in flight: start it when that one ends */
  private again = false;
  private timer?: NodeJS.Timeout;
  /**
   * Background deletes of dropped segments, chained oldest first: a crash never leaves an
   * older segment (points a later delete record removed) without the newer ones.
   */
  private removing: Promise<void> = Promise.resolve();

  constructor(
    private readonly dir: string,
    private readonly flushIntervalMs: number,
    /** told when a commit fails (disk full, I/O error): waiting sync writes are rejected, timer commits have no one else to tell */
    private readonly onError: (err: unknown) => void = () => undefined,
  ) {}

  /** Segments on disk, oldest first. */
  segments(): { file: string; seq: number }[] {
    if (!fs.existsSync(this.dir)) return [];
    return fs
      .readdirSync(this.dir)
      .map((f) => ({ file: path.join(this.dir, f), seq: segmentSeq(f) }))
      .filter((s): s is { file: string; seq: number } => s.seq !== undefined)
      .sort((a, b) => a.seq - b.seq);
  }

  /**
   * Reads every segment; a corrupt tail is truncated on disk, and reported in the result. A
   * segment with bad records in the middle (skipped; the records after them are read) is
   * first copied to `<segment>.corrupt-<ms>` (`copy`), since the segment itself is deleted
   * once a block holds its points, then rewritten to its valid records.
   */
  replay(): SegmentScan[] {
    const out: SegmentScan[] = [];
    for (const { file, seq } of this.segments()) {
      const bytes = fs.readFileSync(file);
      const scan = scanRecords(bytes, { firstByte: isWalRecordType });
      let copy: string | undefined;
      if (scan.skipped.length > 0) {
        copy = `${file}.corrupt-${Date.now()}`;
        fs.writeFileSync(copy, bytes);
        // the segment keeps its valid records only: the next open neither skips nor copies again
        rewriteRecords(file, scan.records);
      } else if (scan.corruption) fs.truncateSync(file, scan.validBytes);
      out.push({ ...scan, file, seq, copy });
    }
    return out;
  }

  /**
   * Copies a replayed segment to `<segment>.corrupt-<ms>` and returns the copy's path: for
   * a segment holding records the replay could not apply (wal-replay.ts), since the segment
   * itself is deleted once a block holds the points it could apply.
   */
  keepCopy(file: string): string {
    const copy = `${file}.corrupt-${Date.now()}`;
    fs.copyFileSync(file, copy);
    return copy;
  }

  /**
   * Starts a new segment after the existing ones; appends go there. Existing segments
   * that are empty (a run that crashed before writing anything) are deleted first: they
   * hold no record, and every unclean restart left one more (a crash loop grew the WAL
   * directory without end).
   */
  open(): void {
    fs.mkdirSync(this.dir, { recursive: true });
    const existing = this.segments();
    for (const s of existing) if (fs.statSync(s.file, { throwIfNoEntry: false })?.size === 0) fs.rmSync(s.file, { force: true });
    this.startSegment((existing.at(-1)?.seq ?? 0) + 1);
    this.timer = setInterval(() => this.commit(), this.flushIntervalMs);
    this.timer.unref();
  }

  private startSegment(seq: number): void {
    const fd = fs.openSync(path.join(this.dir, segmentName(seq)), 'a');
    this.current = { seq, file: new SyncFile(fd), bytes: 0, unsynced: false };
    fsyncDir(this.dir); // the new file's directory entry must be durable before records in it are acknowledged
  }

  append(payload: Uint8Array): void {
    this.beginRecord(payload.length).bytes(payload);
    this.endRecord();
  }

  /**
   * Starts a record written in place into the WAL's buffer: the caller writes the payload
   * (about `bytes` of it; the writer grows if it needs more) into the returned writer, then
   * calls endRecord(). No other append may come in between.
   */
  beginRecord(bytes: number): ByteWriter {
    const w = this.pending;
    w.ensure(RECORD_HEADER_BYTES + bytes);
    this.recordStart = w.pos;
    w.pos += RECORD_HEADER_BYTES;
    return w;
  }

  /** Frames the record begun by beginRecord() (length and checksum) and appends it. */
  endRecord(): void {
    const w = this.pending;
    frameAt(w.buf, this.recordStart, w.pos);
    this.recordStart = -1;
    if (w.pos >= WRITE_THROUGH_BYTES) this.writePending();
  }

  /**
   * Resolves once everything appended so far is on disk (fsync'ed); rejects with the
   * write or fsync error. The commit starts a tick later, so that every write of this tick
   * joins the group and shares its fsync.
   */
  sync(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.waiters.push({ resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.commit());
      }
    });
  }

  /** Like sync(), but starts the commit now (or right after the one in flight). */
  flush(): Promise<void> {
    const done = new Promise<void>((resolve, reject) => this.waiters.push({ resolve, reject }));
    this.commit();
    return done;
  }

  /** Writes the buffered records to the current segment (page cache; no fsync). Throws the write error. */
  private writePending(): void {
    const w = this.pending;
    const total = w.pos;
    if (total === 0) return;
    const segment = this.current!;
    const sizeBefore = segment.bytes;
    try {
      let written = 0;
      while (written < total) written += fs.writeSync(segment.file.fd, w.buf, written, total - written);
      segment.bytes += total;
      // a buffer grown for a large record goes back to its usual size
      if (w.buf.length > 2 * WRITE_THROUGH_BYTES) this.pending = new ByteWriter(WRITE_THROUGH_BYTES + (WRITE_THROUGH_BYTES >> 2));
      else w.pos = 0;
    } catch (err) {
      // Cut any partial record off (a torn record mid-file would hide every later one at
      // replay) and keep the records, buffered, for the next commit.
      try {
        fs.ftruncateSync(segment.file.fd, sizeBefore);
        segment.bytes = sizeBefore;
      } catch {
        /* the error is reported either way */
      }
      throw err;
    } finally {
      if (segment.bytes > 0) segment.unsynced = true;
    }
  }

  /**
   * Starts a group commit: writes what is buffered, fsyncs it off the event loop, then
   * acknowledges the group. With a commit in flight it only marks that another is wanted.
   */
  commit(): void {
    this.scheduled = false;
    if (this.inFlight) {
      this.again = true;
      return;
    }
    const waiters = this.waiters;
    this.waiters = [];
    try {
      this.writePending();
    } catch (err) {
      this.fail(err, waiters);
      return;
    }
    const targets = this.retired;
    this.retired = [];
    if (this.current?.unsynced) targets.push(this.current);
    if (targets.length === 0) {
      for (const w of waiters) w.resolve();
      return;
    }
    for (const s of targets) s.unsynced = false;
    this.inFlight = this.fsyncInOrder(targets).then(
      () => {
        for (const w of waiters) w.resolve();
      },
      (err: unknown) => {
        // whatever may not be on disk is retried by the next commit, oldest segment first
        for (const s of targets) s.unsynced = true;
        const retry = targets.filter((s) => s !== this.current && !this.retired.includes(s));
        this.retired = [...retry, ...this.retired];
        this.fail(err, waiters);
      },
    );
    void this.inFlight.then(() => {
      this.inFlight = undefined;
      // a segment rotated out while its fsync ran is in `retired` again: the next commit closes it
      for (const s of targets) if (s !== this.current && !s.unsynced && !this.retired.includes(s)) s.file.close();
      if (this.again) {
        this.again = false;
        this.commit();
      }
    });
  }

  private async fsyncInOrder(segments: Segment[]): Promise<void> {
    for (const s of segments) await s.file.datasync();
  }

  private fail(err: unknown, waiters: Waiter[]): void {
    this.onError(err);
    for (const w of waiters) w.reject(err);
  }

  /**
   * Writes what is buffered to the current segment and starts a new one; the old one is
   * fsync'ed by the commit started here, off the event loop. Returns the sequence of the
   * first segment to keep once everything before it is in a block.
   */
  rotate(): number {
    const old = this.current!;
    try {
      this.writePending();
    } catch (err) {
      // the records stay buffered and go to the new segment
      const waiters = this.waiters;
      this.waiters = [];
      this.fail(err, waiters);
    }
    this.retired.push(old); // fsync'ed and closed by the commit below (or the next, with one in flight)
    this.startSegment(old.seq + 1);
    this.commit();
    return this.current!.seq;
  }

  /** The commit whose fsync is running, if any; it never rejects (errors go to onError and the waiting writers). */
  get committing(): Promise<void> | undefined {
    return this.inFlight;
  }

  /**
   * Deletes the segments before `seq` (their contents are in blocks now). An fsync in flight
   * on one is harmless. `inBackground` (a background cut's) unlinks them on libuv's thread
   * pool: unlinking a cut's tens of MB held the event loop ~50 ms a cut (measured, the
   * 10M-point telnet load). Otherwise (a checkpoint, a delete, close) they are gone on
   * return, with any a background drop has not finished yet. A segment whose unlink fails
   * stays listed, so the next drop tries it again; replaying it is harmless (last write
   * wins, and the delete records of later segments follow it).
   */
  dropBefore(seq: number, inBackground = false): void {
    for (const s of this.segments()) {
      if (s.seq >= seq) continue;
      if (!inBackground) fs.rmSync(s.file, { force: true });
      else this.removing = this.removing.then(() => fs.promises.rm(s.file, { force: true })).catch(() => undefined);
    }
  }

  /** Commits what is left (after the commit in flight), then closes every segment. Commit errors go to onError. */
  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    while (this.inFlight) await this.inFlight;
    const done = this.flush();
    while (this.inFlight) await this.inFlight;
    await done.catch(() => undefined);
    for (const s of this.retired) s.file.close();
    this.retired = [];
    this.current?.file.close();
    this.current = undefined;
    await this.removing;
  }

  bytesOnDisk(): number {
    let n = 0;
    // a segment may be unlinked in the background between the listing and its stat
    for (const s of this.segments()) n += fs.statSync(s.file, { throwIfNoEntry: false })?.size ?? 0;
    return n;
  }
}
