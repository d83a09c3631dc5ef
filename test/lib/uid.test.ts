/** lib/uid: UID assignment over a MetaStore (order, races between daemons, caches, limits), TSUIDs. */
import { expect } from 'chai';
import type { MetaEntry, MetaStore } from '../../core';
import { MemoryMetaStore } from '../../lib/storage/memory-meta-store';
import { MetaUidService, splitTsuid, UidNameError, UidsExhaustedError } from '../../lib/uid';

/** A MetaStore that yields between operations (another daemon's calls interleave) and counts reads. */
class SlowStore implements MetaStore {
  gets = 0;
  constructor(private readonly inner: MetaStore) {}
  private async tick(): Promise<void> {
    await new Promise((r) => setImmediate(r));
  }
  async get(space: string, key: string) {
    this.gets++;
    await this.tick();
    return this.inner.get(space, key);
  }
  async put(space: string, key: string, value: string) {
    await this.tick();
    return this.inner.put(space, key, value);
  }
  async putIfAbsent(space: string, key: string, value: string) {
    await this.tick();
    return this.inner.putIfAbsent(space, key, value);
  }
  async delete(space: string, key: string) {
    await this.tick();
    return this.inner.delete(space, key);
  }
  scan(space: string, prefix: string, limit?: number): AsyncIterable<MetaEntry> {
    return this.inner.scan(space, prefix, limit);
  }
}

/** A MetaStore whose writes each wait for a "sync" that serves every write made meanwhile (a group commit), counting the syncs. */
class GroupCommitStore extends SlowStore {
  syncs = 0;
  private sync?: Promise<void>;
  private committed(): Promise<void> {
    this.sync ??= new Promise<void>((r) => setTimeout(r, 1)).then(() => {
      this.syncs++;
      this.sync = undefined;
    });
    return this.sync;
  }
  override async put(space: string, key: string, value: string) {
    await super.put(space, key, value);
    await this.committed();
  }
  override async putIfAbsent(space: string, key: string, value: string) {
    const done = await super.putIfAbsent(space, key, value);
    await this.committed();
    return done;
  }
}

/** 300 series over 10 metrics, 100 hosts, 3 tag keys: new names of every kind, asked in one batch. */
const fleet = Array.from({ length: 300 }, (_, i) => ({ metric: `m${i % 10}`, tags: { host: `h${i % 100}`, dc: `dc${i % 3}`, ...(i % 2 ? { rack: `r${i % 7}` } : {}) } }));

describe('lib/uid MetaUidService', () => {
  it('assigns 1, 2, 3… per kind in first-seen order, as 6 upper-case hex digits', async () => {
    const uids = new MetaUidService(new MemoryMetaStore());
    expect(await Promise.all(['a', 'b', 'a', 'c'].map((n) => uids.getOrCreate('metric', n)))).to.deep.equal(['000001', '000002', '000001', '000003']);
    expect(await uids.getOrCreate('tagk', 'host')).to.equal('000001');
    expect(await uids.getId('metric', 'b')).to.equal('000002');
    expect(await uids.getId('metric', 'zz')).to.equal(undefined);
    expect(await uids.getName('metric', '000003')).to.equal('c');
    expect(await uids.getName('metric', '00000a')).to.equal(undefined);
  });

  it('builds TSUIDs with tag pairs sorted by tag key UID, and resolves them back', async () => {
    const uids = new MetaUidService(new MemoryMetaStore());
    await uids.getOrCreate('tagk', 'zone'); // zone 000001 sorts before host 000002
    const tsuid = await uids.tsuid({ metric: 'cpu', tags: { host: 'web01', zone: 'eu' } });
    expect(tsuid).to.equal('000001' + '000001000002' + '000002000001');
    expect(splitTsuid(tsuid)).to.deep.equal({ metric: '000001', tags: [['000001', '000002'], ['000002', '000001']] });
    expect(await uids.resolveTsuid(tsuid.toLowerCase())).to.deep.equal({ metric: 'cpu', tags: { zone: 'eu', host: 'web01' } });
    expect(await uids.resolveTsuid('000001000009000001')).to.equal(undefined);
    expect(await uids.resolveTsuid('0000010000')).to.equal(undefined);
    expect(await uids.existingTsuid({ metric: 'cpu', tags: { host: 'web01', zone: 'eu' } })).to.equal(tsuid);
    expect(await uids.existingTsuid({ metric: 'cpu', tags: { host: 'new' } })).to.equal(undefined);
  });

  it('two daemons over one store: every name one UID, both agree, a lost race wastes an id', async () => {
    const shared = new MemoryMetaStore();
    const a = new MetaUidService(new SlowStore(shared));
    const b = new MetaUidService(new SlowStore(shared));
    const names = Array.from({ length: 30 }, (_, i) => `m${i % 20}`);
    const [fromA, fromB] = await Promise.all([Promise.all(names.map((n) => a.getOrCreate('metric', n))), Promise.all([...names].reverse().map((n) => b.getOrCreate('metric', n)))]);
    const byName = new Map<string, string>();
    names.forEach((n, i) => byName.set(n, fromA[i]!));
    [...names].reverse().forEach((n, i) => expect(fromB[i], n).to.equal(byName.get(n)));
    const ids = [...new Set(byName.values())];
    expect(ids).to.have.length(20); // unique
    const fresh = new MetaUidService(shared);
    for (const [n, id] of byName) {
      expect(await fresh.getId('metric', n)).to.equal(id);
      expect(await fresh.getName('metric', id)).to.equal(n);
    }
    // claimed ids that lost the name race name nothing
    const claimed: string[] = [];
    for await (const e of shared.scan('uid', 'i:metric:')) claimed.push(e.key.slice('i:metric:'.length));
    expect(claimed.length).to.be.greaterThan(20);
    for (const id of claimed.filter((c) => !ids.includes(c))) expect(await fresh.getName('metric', id)).to.equal(undefined);
  });

  it('caches name→UID (bounded): a known name is not read again; an evicted one is read', async () => {
    const store = new SlowStore(new MemoryMetaStore());
    const uids = new MetaUidService(store, { cacheSize: 2 });
    for (const n of ['a', 'b']) await uids.getOrCreate('metric', n);
    const before = store.gets;
    expect(await uids.getId('metric', 'a')).to.equal('000001');
    expect(store.gets).to.equal(before);
    await uids.getOrCreate('metric', 'c');
    await uids.getOrCreate('metric', 'd'); // a and b are out
    const again = store.gets;
    expect(await uids.getId('metric', 'a')).to.equal('000001');
    expect(store.gets).to.be.greaterThan(again);
  });


  it('cachedTsuid: the TSUID from cached UIDs without the store, undefined when a name is not cached', async () => {
    const store = new SlowStore(new MemoryMetaStore());
    const writer = new MetaUidService(store);
    const series = { metric: 'cpu', tags: { host: 'web01', zone: 'eu' } };
    await writer.getOrCreate('tagk', 'zone'); // zone's UID sorts first, as in OpenTSDB's row key
    const tsuid = await writer.tsuid(series);
    expect(writer.cachedTsuid(series)).to.equal(tsuid);
    // another daemon's service over the same store: nothing cached until it asks
    const reader = new MetaUidService(store, { cacheSize: 2 });
    expect(reader.cachedTsuid(series)).to.equal(undefined);
    const gets = store.gets;
    expect(await reader.existingTsuid(series)).to.equal(tsuid);
    expect(store.gets).to.be.greaterThan(gets);
    // cached now (the cache holds two names a kind): answered without a read
    const after = store.gets;
    expect(reader.cachedTsuid(series)).to.equal(tsuid);
    expect(await reader.existingTsuid(series)).to.equal(tsuid);
    expect(store.gets).to.equal(after);
    // a tag value without a UID, or one evicted from the cache: undefined, not a wrong TSUID
    expect(reader.cachedTsuid({ metric: 'cpu', tags: { host: 'web02', zone: 'eu' } })).to.equal(undefined);
    await writer.tsuid({ metric: 'cpu', tags: { host: 'a', zone: 'b' } });
    await reader.existingTsuid({ metric: 'cpu', tags: { host: 'a', zone: 'b' } }); // web01 and eu out of the reader's cache
    expect(reader.cachedTsuid(series)).to.equal(undefined);
    expect(await reader.existingTsuid(series)).to.equal(tsuid);
  });
  it('refuses a UID beyond 3 bytes', async () => {
    const store = new MemoryMetaStore();
    await store.put('uid', 'max:tagv', 'FFFFFF');
    const uids = new MetaUidService(store);
    let error: unknown;
    try {
      await uids.getOrCreate('tagv', 'one-too-many');
    } catch (err) {
      error = err;
    }
    expect(error).to.be.instanceOf(UidsExhaustedError);
    expect((error as Error).message).to.equal('All Unique IDs for tagv on 3 bytes are already assigned!');
  });

  it('renames: the UID stays, the old name goes, a taken or unknown name is refused', async () => {
    const store = new MemoryMetaStore();
    const uids = new MetaUidService(store);
    await uids.getOrCreate('tagv', 'old');
    await uids.getOrCreate('tagv', 'taken');
    expect(await uids.rename('tagv', 'old', 'new')).to.equal('000001');
    expect(await uids.getId('tagv', 'new')).to.equal('000001');
    expect(await uids.getName('tagv', '000001')).to.equal('new');
    expect(await new MetaUidService(store).getId('tagv', 'old')).to.equal(undefined);
    const refused = async (from: string, to: string) => uids.rename('tagv', from, to).then(() => undefined, (e: UidNameError) => e.reason);
    expect(await refused('new', 'taken')).to.equal('exists');
    expect(await refused('gone', 'x')).to.equal('unknown');
  });

  it('tsuids: a batch of new series gets the UIDs one series after another would, in a few rounds of writes', async () => {
    const oneByOne = new MetaUidService(new MemoryMetaStore());
    const expected: string[] = [];
    for (const series of fleet) expected.push(await oneByOne.tsuid(series));
    const store = new GroupCommitStore(new MemoryMetaStore());
    const batched = new MetaUidService(store);
    expect(await batched.tsuids(fleet)).to.deep.equal(expected);
    // 10 + 3 + 103 new names: one round a kind (claims, then forward keys), rounds of the
    // kinds overlapping; one name after another it was 2 syncs a name (232)
    expect(store.syncs).to.be.within(1, 6);
    for (const kind of ['metric', 'tagk', 'tagv'] as const) {
      for await (const e of store.scan('uid', `n:${kind}:`)) expect(await oneByOne.getId(kind, e.key.slice(`n:${kind}:`.length))).to.equal(e.value);
    }
    // known names are not written again
    const syncs = store.syncs;
    expect(await batched.tsuids(fleet.slice(0, 50))).to.deep.equal(expected.slice(0, 50));
    expect(store.syncs).to.equal(syncs);
  });

  it('tsuids: a name that cannot have a UID fails its series only', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    after(() => process.off('unhandledRejection', onUnhandled));
    const store = new MemoryMetaStore();
    await store.put('uid', 'max:tagv', 'FFFFFE');
    const uids = new MetaUidService(store);
    const long = 'x'.repeat(1001);
    const results = await uids.tsuids([
      { metric: 'ok', tags: { host: 'a' } },
      { metric: long, tags: { host: 'a' } },
      { metric: 'ok', tags: { host: 'b' } },
      { metric: 'ok', tags: { host: 'c' } },
      // two names of one series that cannot have UIDs: the first in the TSUID's order (the
      // metric, then each tag key and value), and no unhandled rejection
      { metric: long, tags: { host: long } },
    ]);
    expect((results[4] as Error).message).to.equal("A metric name of 1001 bytes is longer than a UID's name can be (1000)");
    expect(results[0]).to.equal('000001' + '000001' + 'FFFFFF');
    expect(results[1]).to.be.instanceOf(UidNameError);
    expect((results[1] as Error).message).to.equal("A metric name of 1001 bytes is longer than a UID's name can be (1000)");
    for (const exhausted of results.slice(2, 4)) {
      expect(exhausted).to.be.instanceOf(UidsExhaustedError);
      expect((exhausted as Error).message).to.equal('All Unique IDs for tagv on 3 bytes are already assigned!');
    }
    expect(await uids.getId('tagv', 'b')).to.equal(undefined);
    await new Promise((r) => setTimeout(r, 10));
    expect(unhandled).to.deep.equal([]);
  });

  it('tsuids: a kind whose round fails while another kind\'s is still writing leaves no unhandled rejection, and a new name shared by many series is claimed once', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    after(() => process.off('unhandledRejection', onUnhandled));
    const claims: string[] = [];
    const store = new (class extends SlowStore {
      override async putIfAbsent(space: string, key: string, value: string) {
        if (key.startsWith('i:')) claims.push(key.slice(0, 7));
        // the tag values' claims fail at once; the metrics' take 30 ms
        if (key.startsWith('i:tagv:')) throw new Error('disk on fire');
        if (key.startsWith('i:metric:')) await new Promise((r) => setTimeout(r, 30));
        return super.putIfAbsent(space, key, value);
      }
    })(new MemoryMetaStore());
    const uids = new MetaUidService(store);
    const fleet = Array.from({ length: 10 }, (_, i) => ({ metric: `m${i}`, tags: { host: 'shared' } }));
    const results = await uids.tsuids(fleet);
    expect(results.map((r) => (r instanceof Error ? r.message : r))).to.deep.equal(fleet.map(() => 'disk on fire'));
    // one claim for the shared host (and its tag key), one a metric
    expect(claims.filter((c) => c === 'i:tagv:').length).to.equal(1);
    expect(claims.filter((c) => c === 'i:metri').length).to.equal(10);
    await new Promise((r) => setTimeout(r, 10));
    expect(unhandled).to.deep.equal([]);
  });

  it('tsuids: a store failure fails the round\'s series, and the names are asked again later', async () => {
    const inner = new MemoryMetaStore();
    let failing = true;
    const store = new (class extends SlowStore {
      override async putIfAbsent(space: string, key: string, value: string) {
        if (failing && key.startsWith('i:tagv:')) throw new Error('disk on fire');
        return super.putIfAbsent(space, key, value);
      }
    })(inner);
    const uids = new MetaUidService(store);
    const first = await uids.tsuids([{ metric: 'm', tags: { host: 'a' } }, { metric: 'm', tags: { host: 'b' } }]);
    expect(first.map((r) => (r instanceof Error ? r.message : r))).to.deep.equal(['disk on fire', 'disk on fire']);
    failing = false;
    expect(await uids.tsuids([{ metric: 'm', tags: { host: 'b' } }])).to.deep.equal(['000001' + '000001' + '000001']);
  });
});
