/**
 * The write-ahead log: numbered segment files of checksummed records
 * (record-file.ts). Appends are buffered and written + fdatasync'ed together: every
 * `sync` write waiting when a commit runs is acknowledged by that one fsync (group
 * commit); other writes are committed by a timer every flushIntervalMs.
 */
import fs from 'node:fs';
import path from 'node:path';
import { frameRecord, scanRecords, type RecordScan } from './record-file';

const MAX_IOVECS = 1024;
/** Buffered bytes beyond which appends are written to the file without waiting (fsync stays on the timer). */
const WRITE_THROUGH_BYTES = 8 << 20;

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
}

interface Waiter {
  resolve(): void;
  reject(err: unknown): void;
}

export class Wal {
  private fd = -1;
  private seq = 0;
  private pending: Uint8Array[] = [];
  private pendingBytes = 0;
  private unsynced = false;
  private waiters: Waiter[] = [];
  private scheduled = false;
  private timer?: NodeJS.Timeout;
  /** bytes appended to the current segment */
  segmentBytes = 0;

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

  /** Reads every segment; a corrupt tail is truncated on disk, and reported in the result. */
  replay(): SegmentScan[] {
    const out: SegmentScan[] = [];
    for (const { file, seq } of this.segments()) {
      const scan = scanRecords(fs.readFileSync(file));
      if (scan.corruption) fs.truncateSync(file, scan.validBytes);
      out.push({ ...scan, file, seq });
    }
    return out;
  }

  /** Starts a new segment after the existing ones; appends go there. */
  open(): void {
    fs.mkdirSync(this.dir, { recursive: true });
    const existing = this.segments();
    this.startSegment((existing.at(-1)?.seq ?? 0) + 1);
    this.timer = setInterval(() => this.commitNow(), this.flushIntervalMs);
    this.timer.unref();
  }

  private startSegment(seq: number): void {
    this.seq = seq;
    this.fd = fs.openSync(path.join(this.dir, segmentName(seq)), 'a');
    this.segmentBytes = 0;
    // make the new file's directory entry durable
    const dirFd = fs.openSync(this.dir, 'r');
    try {
      fs.fsyncSync(dirFd);
    } finally {
      fs.closeSync(dirFd);
    }
  }

  append(payload: Uint8Array): void {
    this.appendFramed(frameRecord(payload));
  }

  /** Appends a record framed by the caller (frameInPlace), without another copy. */
  appendFramed(framed: Uint8Array): void {
    this.pending.push(framed);
    this.pendingBytes += framed.length;
    if (this.pendingBytes >= WRITE_THROUGH_BYTES) this.writePending();
  }

  /** Resolves once everything appended so far is on disk (fsync'ed). */
  sync(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.waiters.push({ resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        // one tick later: every write of this tick shares the fsync
        setImmediate(() => this.commitNow());
      }
    });
  }

  private writePending(): void {
    if (this.pending.length === 0) return;
    const bufs = this.pending;
    this.pending = [];
    this.pendingBytes = 0;
    const sizeBefore = this.segmentBytes;
    try {
      for (let i = 0; i < bufs.length; i += MAX_IOVECS) {
        const slice = bufs.slice(i, i + MAX_IOVECS);
        let total = 0;
        for (const b of slice) total += b.length;
        let written = fs.writevSync(this.fd, slice);
        if (written < total) {
          // rare short write: finish from the concatenation
          const all = Buffer.concat(slice);
          while (written < total) written += fs.writeSync(this.fd, all, written, total - written);
        }
        this.segmentBytes += total;
      }
    } catch (err) {
      // Cut any partial record off (a torn record mid-file would hide every later one at
      // replay) and keep the records for the next commit.
      try {
        fs.ftruncateSync(this.fd, sizeBefore);
        this.segmentBytes = sizeBefore;
        this.pending = bufs.concat(this.pending);
        for (const b of bufs) this.pendingBytes += b.length;
      } catch {
        /* the error below is reported either way */
      }
      throw err;
    }
    this.unsynced = true;
  }

  /** Writes and fsyncs what is buffered, then acknowledges the waiting sync writes. */
  commitNow(): void {
    this.scheduled = false;
    const waiters = this.waiters;
    this.waiters = [];
    try {
      this.writePending();
      if (this.unsynced && this.fd >= 0) {
        fs.fdatasyncSync(this.fd);
        this.unsynced = false;
      }
      for (const w of waiters) w.resolve();
    } catch (err) {
      this.onError(err);
      for (const w of waiters) w.reject(err);
    }
  }

  /** Commits, then starts a new segment; returns the sequence of the first one to keep. */
  rotate(): number {
    this.commitNow();
    fs.closeSync(this.fd);
    this.startSegment(this.seq + 1);
    return this.seq;
  }

  /** Deletes the segments before `seq` (their contents are in blocks now). */
  dropBefore(seq: number): void {
    for (const s of this.segments()) if (s.seq < seq) fs.rmSync(s.file, { force: true });
  }

  close(): void {
    if (this.timer) clearInterval(this.timer);
    this.commitNow();
    if (this.fd >= 0) fs.closeSync(this.fd);
    this.fd = -1;
  }

  bytesOnDisk(): number {
    let n = 0;
    for (const s of this.segments()) n += fs.statSync(s.file).size;
    return n;
  }
}
