// @ts-check
/**
 * The engine's MetaStore (DSDB's small key-value store for UIDs, meta and trees): every
 * entry in memory, every change a line of the same log as the points (`["meta", space,
 * key, value]`, `["unmeta", space, key]`), synced before the call resolves. The folder's
 * LOCK makes this process the only writer, and each call checks and changes memory in one
 * synchronous stretch, so `putIfAbsent` is atomic without any lock of its own.
 */
const records = require('./records');

/** @typedef {import('dsdb').MetaStore} MetaStoreContract */
/** @typedef {import('dsdb').MetaEntry} MetaEntry */
/** @typedef {import('./log-file').LogFile} LogFile */

/** @implements {MetaStoreContract} */
class LogMetaStore {
  /** @param {LogFile} log */
  constructor(log) {
    this.log = log;
    /** @type {Map<string, Map<string, string>>} space → key → value */
    this.spaces = new Map();
  }

  /** Replays a meta record (and is what every change does to memory). @param {string} space @param {string} key @param {string | undefined} value undefined: delete */
  apply(space, key, value) {
    let entries = this.spaces.get(space);
    if (value === undefined) {
      entries?.delete(key);
      return;
    }
    if (!entries) this.spaces.set(space, (entries = new Map()));
    entries.set(key, value);
  }

  /** @param {string} space @param {string} key */
  async get(space, key) {
    // a value another call is still syncing is not answered before it is on disk
    await this.log.sync();
    return this.spaces.get(space)?.get(key);
  }

  /** @param {string} space @param {string} key @param {string} value */
  async put(space, key, value) {
    this.apply(space, key, value);
    this.log.append(records.metaRecord(space, key, value));
    await this.log.sync();
  }

  /** @param {string} space @param {string} key @param {string} value */
  async putIfAbsent(space, key, value) {
    if (this.spaces.get(space)?.has(key)) {
      await this.log.sync();
      return false;
    }
    await this.put(space, key, value);
    return true;
  }

  /** @param {string} space @param {string} key */
  async delete(space, key) {
    if (!this.spaces.get(space)?.has(key)) {
      await this.log.sync();
      return false;
    }
    this.apply(space, key, undefined);
    this.log.append(records.unmetaRecord(space, key));
    await this.log.sync();
    return true;
  }

  /**
   * Entries of the space whose key starts with `prefix`, in key order, at most `limit`.
   * @param {string} space @param {string} prefix @param {number} [limit]
   * @returns {AsyncIterable<MetaEntry>}
   */
  async *scan(space, prefix, limit = Infinity) {
    await this.log.sync();
    const entries = this.spaces.get(space);
    if (!entries) return;
    const keys = [...entries.keys()].filter((k) => k.startsWith(prefix)).sort();
    let n = 0;
    for (const key of keys) {
      if (n++ >= limit) return;
      const value = entries.get(key);
      if (value !== undefined) yield { key, value };
    }
  }
}

module.exports = { LogMetaStore };
