// @ts-check
/**
 * The append-only log file: the engine's only file. At open it hands back every complete
 * line written before; afterwards lines are appended, never changed.
 *
 * Durability: appended lines wait in memory and reach the disk together on `sync()`
 * (write + fdatasync). A write with `sync: true` awaits it; the rest are synced by a timer
 * every `flushIntervalMs`, which is the engine's promise for unsynced writes. Calls to
 * `sync()` that arrive while one runs share the next one (group commit): fifty writers
 * asking for sync cost two fdatasyncs, not fifty.
 */
const fs = require('node:fs');
const path = require('node:path');

class LogFile {
  /**
   * @param {string} file the log's path; its folder is created if missing
   * @param {number} flushIntervalMs unsynced lines reach the disk at least this often
   * @param {(err: unknown) => void} onBackgroundError the timer's sync has no caller to reject
   */
  constructor(file, flushIntervalMs, onBackgroundError) {
    this.file = file;
    this.flushIntervalMs = flushIntervalMs;
    this.onBackgroundError = onBackgroundError;
    /** @type {fs.promises.FileHandle | undefined} */
    this.handle = undefined;
    /** @type {string[]} lines appended since the last sync took them */
    this.pending = [];
    /** @type {Promise<void> | undefined} the sync that new callers join (not started yet) */
    this.nextSync = undefined;
    /** @type {Promise<unknown>} the last sync queued; the next one starts after it */
    this.lastSync = Promise.resolve();
    /** @type {unknown} a failed write leaves a hole in the log: refuse every later one */
    this.failure = undefined;
    /** @type {NodeJS.Timeout | undefined} */
    this.timer = undefined;
  }

  /**
   * Opens (or creates) the log and returns its complete lines, oldest first.
   * @returns {Promise<string[]>}
   */
  async open() {
    const dir = path.dirname(this.file);
    await fs.promises.mkdir(dir, { recursive: true });
    /** @type {Buffer} */
    let data;
    let created = false;
    try {
      data = await fs.promises.readFile(this.file);
    } catch (err) {
      if (/** @type {NodeJS.ErrnoException} */ (err).code !== 'ENOENT') throw err;
      data = Buffer.alloc(0);
      created = true;
    }
    this.handle = await fs.promises.open(this.file, 'a');
    // A crash in the middle of an append leaves a last line without its newline: the write
    // it belonged to was never acknowledged as synced, so it is cut off, and new lines
    // start on a clean line.
    const complete = data.lastIndexOf(0x0a) + 1;
    if (complete < data.length) {
      await this.handle.truncate(complete);
      await this.handle.sync();
    }
    // A new file is only durable once its directory entry is: fsync the folder too.
    if (created) {
      const folder = await fs.promises.open(dir, 'r');
      await folder.sync();
      await folder.close();
    }
    this.timer = setInterval(() => {
      if (this.pending.length > 0) this.sync().catch(this.onBackgroundError);
    }, this.flushIntervalMs);
    this.timer.unref(); // the timer alone must not keep a process alive
    const text = data.subarray(0, complete).toString('utf8');
    return text === '' ? [] : text.slice(0, -1).split('\n');
  }

  /** Queues text (whole lines, each ending in '\n'); `sync()` makes it durable. */
  append(/** @type {string} */ text) {
    this.pending.push(text);
  }

  /** Resolves once everything appended before the call is on disk. */
  sync() {
    if (!this.nextSync) {
      const run = this.lastSync.then(() => {
        this.nextSync = undefined; // from here on, new callers need the sync after this one
        return this.writePending();
      });
      this.nextSync = run;
      this.lastSync = run.catch(() => undefined);
    }
    return this.nextSync;
  }

  async writePending() {
    if (this.failure) throw this.failure;
    if (!this.handle) throw new Error(`log ${this.file} is not open`);
    // Nothing pending: earlier lines were taken by a sync that already finished (the
    // chain runs one at a time), so there is nothing to fdatasync either.
    if (this.pending.length === 0) return;
    const text = this.pending.join('');
    this.pending = [];
    try {
      await this.handle.appendFile(text);
      await this.handle.datasync();
    } catch (err) {
      this.failure = err;
      throw err;
    }
  }

  /** Bytes in the file (what is synced or being synced). */
  async size() {
    return this.handle ? (await this.handle.stat()).size : 0;
  }

  /** Syncs what is pending and closes the file. */
  async close() {
    clearInterval(this.timer);
    if (!this.handle) return;
    try {
      await this.sync();
    } finally {
      await this.handle.close();
      this.handle = undefined;
    }
  }
}

module.exports = { LogFile };
