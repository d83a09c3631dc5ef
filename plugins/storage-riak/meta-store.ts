/**
 * The Riak engine's MetaStore: one object per entry in the bucket `<prefix>metastore`, key
 * `<space>` U+001F `<key>` (U+001F cannot occur in a space: lib/storage checkMetaEntry), so
 * a space, and a key prefix in it, is a range of the `$key` index. The bucket keeps
 * siblings (allow_mult, dotted version vectors): two daemons writing one key at once leave
 * both versions, and every reader picks the same one.
 *
 * Riak (without its strong-consistency subsystem, which needs a cluster of more than three
 * nodes) has no compare-and-set, so `putIfAbsent` is a claim in three steps:
 *  1. a PUT with `If-None-Match: *` and a random token (X-Riak-Meta-Token): a key that
 *     holds an object answers 412, and the call has lost;
 *  2. CLAIM_SETTLE_MS later, a read of every sibling: a writer whose If-None-Match check
 *     passed at the same moment has left its own sibling by then;
 *  3. the winner is the `settled` sibling with the smallest token, or, when none is
 *     settled, the sibling with the smallest token: every claimant reads the same set and
 *     picks the same winner, which then rewrites its value as `settled` over the siblings'
 *     version vector (so the key holds one object again, and a straggler's later sibling
 *     loses to it).
 * Two winners for one key need a request whose If-None-Match check and write lie more than
 * CLAIM_SETTLE_MS apart inside Riak; docs/storage-riak.md says what this guarantees.
 * The token also makes a retried claim recognise its own sibling after a lost answer.
 * One engine sends one request at a time per key (putIfAbsent, put and delete queue up),
 * so the claims that race are those of different daemons.
 */
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { MetaEntry, MetaStore } from '../../core';
import { checkMetaEntry, checkMetaScan } from '../../lib/storage';
import type { RiakHttp, RiakObject, Sibling } from './http';
import type { Retrying } from './retrying';

/** How long a claimant waits for a concurrent claimant's sibling before it reads them. */
export const CLAIM_SETTLE_MS = 100;
const SEPARATOR = '\u001f';
/** The largest code point: the inclusive end of a `$key` range of keys with a prefix. */
const KEY_MAX = '\u{10ffff}';
/** keys per `$key` page of a scan (their objects are fetched in parallel) */
const SCAN_PAGE = 500;
/** rounds of a claim whose key is deleted while it claims */
const CLAIM_ROUNDS = 5;
const CONTENT_TYPE = 'text/plain; charset=utf-8';

const idOf = (space: string, key: string) => `${space}${SEPARATOR}${key}`;
const newToken = () => randomBytes(8).toString('hex');

/** The versions of an object that hold an entry: not tombstones, and written by this store (they carry a token). */
function live(object: RiakObject | undefined): Sibling[] {
  return object ? object.siblings.filter((s) => !s.deleted && s.meta.has('token')) : [];
}

/** The version every reader takes: the smallest token among the settled ones, else among all. */
function winnerOf(siblings: Sibling[]): Sibling | undefined {
  const settled = siblings.filter((s) => s.meta.get('settled') === '1');
  let best: Sibling | undefined;
  for (const s of settled.length > 0 ? settled : siblings) if (!best || s.meta.get('token')! < best.meta.get('token')!) best = s;
  return best;
}

export class RiakMetaStore implements MetaStore {
  /** claims that found another claimant's sibling beside their own (resolved by token) */
  readonly counters = { contestedClaims: 0 };
  /** the last queued call per object key: one request chain per key in this engine */
  private readonly queues = new Map<string, Promise<unknown>>();

  constructor(
    private readonly http: RiakHttp,
    private readonly bucket: string,
    private readonly retrying: Retrying,
    private readonly deadlineMs: () => number,
  ) {}

  /** The bucket's properties: siblings kept (no last-write-wins), dotted version vectors. */
  static bucketProps(nVal?: number): Record<string, unknown> {
    return { ...(nVal !== undefined ? { n_val: nVal } : {}), allow_mult: true, last_write_wins: false, dvv_enabled: true };
  }

  /** Runs `fn` after the calls queued before it on the same key. */
  private serial<T>(id: string, fn: () => Promise<T>): Promise<T> {
    const before = this.queues.get(id) ?? Promise.resolve();
    const run = before.then(fn, fn);
    const tail = run.catch(() => undefined);
    this.queues.set(id, tail);
    void tail.then(() => {
      if (this.queues.get(id) === tail) this.queues.delete(id);
    });
    return run;
  }

  private fetch(id: string, what: string): Promise<RiakObject | undefined> {
    return this.retrying(() => this.http.fetch(this.bucket, id), this.deadlineMs(), what);
  }

  async get(space: string, key: string): Promise<string | undefined> {
    checkMetaEntry(space, key);
    const object = await this.fetch(idOf(space, key), `meta ${space}/${key} could not be read`);
    return winnerOf(live(object))?.value.toString('utf8');
  }

  async put(space: string, key: string, value: string): Promise<void> {
    checkMetaEntry(space, key, value);
    const id = idOf(space, key);
    await this.serial(id, () =>
      this.retrying(
        async () => {
          const current = await this.http.fetch(this.bucket, id);
          await this.http.store(this.bucket, id, value, { vclock: current?.vclock, contentType: CONTENT_TYPE, meta: { token: newToken(), settled: '1' } });
        },
        this.deadlineMs(),
        `meta ${space}/${key} was not stored`,
      ),
    );
  }

  async putIfAbsent(space: string, key: string, value: string): Promise<boolean> {
    checkMetaEntry(space, key, value);
    const id = idOf(space, key);
    const what = `meta ${space}/${key} was not stored`;
    return this.serial(id, async () => {
      const token = newToken();
      for (let round = 0; round < CLAIM_ROUNDS; round++) {
        const created = await this.retrying(() => this.http.create(this.bucket, id, value, { contentType: CONTENT_TYPE, meta: { token } }), this.deadlineMs(), what);
        if (created !== 'exists') await sleep(CLAIM_SETTLE_MS);
        const object = await this.fetch(id, what);
        const siblings = live(object);
        const winner = winnerOf(siblings);
        if (!winner) {
          if (created === 'exists') continue; // deleted between the 412 and the read: claim again
          return false; // our own sibling deleted already by another daemon
        }
        if (siblings.length > 1) this.counters.contestedClaims++;
        if (winner.meta.get('token') !== token) return false;
        if (siblings.length > 1 || winner.meta.get('settled') !== '1') {
          await this.retrying(() => this.http.store(this.bucket, id, value, { vclock: object!.vclock, contentType: CONTENT_TYPE, meta: { token, settled: '1' } }), this.deadlineMs(), what);
        }
        return true;
      }
      return false;
    });
  }

  /** Deletes with the object's version vector. Two daemons deleting one key at once may both answer true. */
  async delete(space: string, key: string): Promise<boolean> {
    checkMetaEntry(space, key);
    const id = idOf(space, key);
    return this.serial(id, () =>
      this.retrying(
        async () => {
          const object = await this.http.fetch(this.bucket, id);
          if (live(object).length === 0) return false;
          await this.http.remove(this.bucket, id, object!.vclock);
          return true;
        },
        this.deadlineMs(),
        `meta ${space}/${key} was not deleted`,
      ),
    );
  }

  /**
   * Pages of the `$key` index from the prefix on (sorted by key bytes), each key's object
   * fetched; keys whose object is gone (a tombstone the index still lists) are skipped.
   */
  async *scan(space: string, prefix: string, limit = Infinity): AsyncIterable<MetaEntry> {
    checkMetaScan(space, prefix, limit);
    const first = idOf(space, prefix);
    const end = first + KEY_MAX;
    const skip = space.length + 1;
    let start = first;
    let left = limit;
    while (left > 0) {
      const page = await this.retrying(() => this.http.index(this.bucket, '$key', { start, end, maxResults: SCAN_PAGE }, SCAN_PAGE), this.deadlineMs(), `meta space ${space} could not be scanned`);
      const keys = page.map((e) => e.key).filter((k) => k.startsWith(first));
      const objects = await Promise.all(keys.map((k) => this.fetch(k, `meta space ${space} could not be scanned`)));
      for (let i = 0; i < keys.length; i++) {
        const winner = winnerOf(live(objects[i]));
        if (!winner) continue;
        yield { key: keys[i]!.slice(skip), value: winner.value.toString('utf8') };
        if (--left <= 0) return;
      }
      if (page.length < SCAN_PAGE) return;
      // the next page starts just after the last key of this one
      start = page[page.length - 1]!.key + '\u0000';
    }
  }
}
