/**
 * The CouchDB engine's MetaStore: one document per entry, id `k:<space>` U+001F `<key>`
 * (ids.ts), holding `{ type: 'meta', space, key, value }`. CouchDB's revision check is the
 * atomic primitive: creating a document whose id exists answers 409, so `putIfAbsent` is
 * a PUT without `_rev` (201: this call stored it; 409: it exists). `put` and `delete` read
 * the current `_rev` and try again on 409. A scan walks `_all_docs` (sorted by id, byte
 * order) from the space and prefix on, a page at a time. docs/storage-couchdb.md says what
 * this guarantees on a cluster.
 */
import type { MetaEntry, MetaStore } from '../../core';
import { checkMetaEntry, checkMetaScan } from '../../lib/storage';
import { isConflict, type Couch } from './couch';
import { metaDocId, metaSpaceEnd } from './ids';
import type { Retrying } from './retrying';

interface MetaDoc {
  _id: string;
  _rev?: string;
  type: 'meta';
  space: string;
  key: string;
  value: string;
}

/** documents per `_all_docs` page of a scan */
const SCAN_PAGE = 500;
/** rounds of read-revision → write when other writers keep changing the document */
const CONFLICT_ROUNDS = 50;

export class CouchMetaStore implements MetaStore {
  constructor(
    private readonly couch: Couch,
    private readonly retrying: Retrying,
    private readonly deadlineMs: () => number,
  ) {}

  async get(space: string, key: string): Promise<string | undefined> {
    checkMetaEntry(space, key);
    const doc = await this.retrying(() => this.current(metaDocId(space, key)), this.deadlineMs(), `meta ${space}/${key} could not be read`);
    return doc?.value;
  }

  async put(space: string, key: string, value: string): Promise<void> {
    checkMetaEntry(space, key, value);
    const id = metaDocId(space, key);
    const doc: MetaDoc = { _id: id, type: 'meta', space, key, value };
    await this.retrying(
      async () => {
        for (let round = 0; ; round++) {
          const rev = (await this.current(id))?._rev;
          try {
            await this.couch.request({ method: 'PUT', path: encodeURIComponent(id), body: rev ? { ...doc, _rev: rev } : doc });
            return;
          } catch (err) {
            if (!isConflict(err) || round >= CONFLICT_ROUNDS) throw err;
          }
        }
      },
      this.deadlineMs(),
      `meta ${space}/${key} was not stored`,
    );
  }

  /**
   * A create without `_rev`: 409 when the document exists (or another daemon created it
   * first). After a lost answer the retry reports false for this call's own document: the
   * stored value, which get() returns, stays the authority.
   */
  async putIfAbsent(space: string, key: string, value: string): Promise<boolean> {
    checkMetaEntry(space, key, value);
    const id = metaDocId(space, key);
    const doc: MetaDoc = { _id: id, type: 'meta', space, key, value };
    return this.retrying(
      async () => {
        try {
          await this.couch.request({ method: 'PUT', path: encodeURIComponent(id), body: doc });
          return true;
        } catch (err) {
          if (isConflict(err)) return false;
          throw err;
        }
      },
      this.deadlineMs(),
      `meta ${space}/${key} was not stored`,
    );
  }

  async delete(space: string, key: string): Promise<boolean> {
    checkMetaEntry(space, key);
    const id = metaDocId(space, key);
    return this.retrying(
      async () => {
        for (let round = 0; ; round++) {
          const rev = (await this.current(id))?._rev;
          if (rev === undefined) return false;
          try {
            await this.couch.request({ method: 'DELETE', path: encodeURIComponent(id), qs: { rev } });
            return true;
          } catch (err) {
            // 404: deleted meanwhile by another daemon (which then reports true)
            if ((err as { statusCode?: number }).statusCode === 404) return false;
            if (!isConflict(err) || round >= CONFLICT_ROUNDS) throw err;
          }
        }
      },
      this.deadlineMs(),
      `meta ${space}/${key} was not deleted`,
    );
  }

  /**
   * `_all_docs` pages from the first id with the prefix up to the end of the space; the
   * walk stops at the first id without the prefix (ids with a prefix are contiguous in
   * byte order).
   */
  async *scan(space: string, prefix: string, limit = Infinity): AsyncIterable<MetaEntry> {
    checkMetaScan(space, prefix, limit);
    const first = metaDocId(space, prefix);
    const end = metaSpaceEnd(space);
    let startkey = first;
    let skip = 0;
    let left = limit;
    while (left > 0) {
      const n = Math.min(SCAN_PAGE, left);
      const res = await this.retrying(
        () => this.couch.request<{ rows: { id: string; doc?: MetaDoc | null }[] }>({ path: '_all_docs', qs: { startkey, endkey: end, inclusive_end: false, include_docs: true, limit: n, skip } }),
        this.deadlineMs(),
        `meta space ${space} could not be scanned`,
      );
      for (const row of res.rows) {
        if (!row.id.startsWith(first)) return;
        const doc = row.doc;
        if (doc && doc.type === 'meta') {
          yield { key: doc.key, value: doc.value };
          left--;
        }
      }
      if (res.rows.length < n) return;
      // the next page starts after the last id of this one
      startkey = res.rows[res.rows.length - 1]!.id;
      skip = 1;
    }
  }

  /** The live document, or undefined (missing or deleted). */
  private async current(id: string): Promise<MetaDoc | undefined> {
    const [row] = await this.couch.fetch<MetaDoc>([id]);
    return row?.doc ?? undefined;
  }
}
