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
});
