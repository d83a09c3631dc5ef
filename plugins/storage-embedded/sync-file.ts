/**
 * An open file descriptor whose fsyncs can run on libuv's thread pool instead of the event
 * loop. A flush to disk takes milliseconds to seconds; run synchronously it stalls every
 * socket of the daemon, run here ingest goes on meanwhile. Closing waits for the fsyncs in
 * flight: closing earlier could let the number be reused by another open() and the pending
 * fsync hit the wrong file.
 */
import fs from 'node:fs';

export class SyncFile {
  private inFlight = 0;
  private closeWhenIdle = false;
  private closed = false;

  constructor(readonly fd: number) {}

  /**
   * fdatasync off the event loop: resolves once every byte written before the call is on
   * disk; rejects with the system error (EIO, ENOSPC…). Writes may go on meanwhile.
   */
  datasync(): Promise<void> {
    this.inFlight++;
    return new Promise((resolve, reject) => {
      fs.fdatasync(this.fd, (err) => {
        if (--this.inFlight === 0 && this.closeWhenIdle) this.closeNow();
        if (err) reject(err);
        else resolve();
      });
    });
  }

  /** fsync (data and metadata) on the event loop: for short flushes that must finish before the caller returns. */
  fsyncNow(): void {
    fs.fsyncSync(this.fd);
  }

  /** Closes now, or once the fsyncs in flight are done. */
  close(): void {
    if (this.inFlight > 0) this.closeWhenIdle = true;
    else this.closeNow();
  }

  private closeNow(): void {
    this.closeWhenIdle = false;
    if (this.closed) return;
    this.closed = true;
    try {
      fs.closeSync(this.fd);
    } catch {
      /* already closed */
    }
  }
}

/** Makes renames and creations in `dir` durable (on the event loop: a directory flush is short). */
export function fsyncDir(dir: string): void {
  const fd = fs.openSync(dir, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}
