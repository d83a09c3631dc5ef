/**
 * The MetaStore cases of the storage conformance suite (storage-conformance.ts runs them
 * inside its own describe, on the same fresh engine per test). Each test uses spaces of
 * its own with a random suffix, so a backend that keeps its meta table between tests
 * (a shared database, a bucket) still starts every test empty.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { MetaEntry, StorageEngine } from '../storage';

async function entries(it: AsyncIterable<MetaEntry>): Promise<[string, string][]> {
  const out: [string, string][] = [];
  for await (const e of it) out.push([e.key, e.value]);
  return out;
}

/** The access the cases need to the suite's current engine. */
export interface MetaCaseContext {
  engine(): StorageEngine;
  /** Closes and reopens the engine over the same data; undefined for an engine that does not persist. */
  reopen?: () => Promise<void>;
}

export function defineMetaCases(ctx: MetaCaseContext): void {
  /** A space name no other test (or earlier run on the same backend) used. */
  const space = (name: string) => `${name}-${randomBytes(5).toString('hex')}`;
  const meta = () => ctx.engine().meta;

  it('meta store: get, put, overwrite and delete; an empty value is a value', async () => {
    const s = space('crud');
    assert.equal(await meta().get(s, 'k'), undefined);
    await meta().put(s, 'k', 'one');
    assert.equal(await meta().get(s, 'k'), 'one');
    await meta().put(s, 'k', 'two');
    assert.equal(await meta().get(s, 'k'), 'two');
    assert.equal(await meta().delete(s, 'k'), true);
    assert.equal(await meta().delete(s, 'k'), false);
    assert.equal(await meta().get(s, 'k'), undefined);
    assert.equal(await meta().delete(s, 'never'), false);
    await meta().put(s, 'empty', '');
    assert.equal(await meta().get(s, 'empty'), '');
    assert.equal(await meta().putIfAbsent(s, 'empty', 'x'), false, 'an empty value is present');
    assert.equal(await meta().get(s, 'empty'), '');
    assert.equal(await meta().putIfAbsent(s, 'k', 'three'), true, 'a deleted key is absent again');
    assert.equal(await meta().get(s, 'k'), 'three');
    assert.deepEqual(await entries(meta().scan(s, '')), [['empty', ''], ['k', 'three']]);
  });

  it('meta store: 50 concurrent putIfAbsent on one key store exactly one value, the winner\'s', async () => {
    const s = space('race');
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => meta().putIfAbsent(s, 'uid:metrics:sys.cpu', `value-${i}`)));
    const winners = results.flatMap((won, i) => (won ? [i] : []));
    assert.equal(winners.length, 1, `exactly one winner (got ${winners.length})`);
    assert.equal(await meta().get(s, 'uid:metrics:sys.cpu'), `value-${winners[0]}`);
    assert.equal(await meta().putIfAbsent(s, 'uid:metrics:sys.cpu', 'late'), false);
    assert.deepEqual(await entries(meta().scan(s, '')), [['uid:metrics:sys.cpu', `value-${winners[0]}`]]);
  });

  it('meta store: scans in key order by prefix and limit; unicode and 64 KiB values round-trip', async () => {
    const s = space('scan');
    const big = Array.from({ length: 65536 }, (_, i) => String.fromCharCode(97 + (i % 26))).join('');
    const unicode = 'ünïcødé ✓ 日本語 🚀 "quoted" \\ \n\t end';
    const values: Record<string, string> = {
      'a:b:c': 'abc',
      b: 'bee',
      'a:b': unicode,
      a: 'a',
      'a:c': big,
      ab: 'ab',
      'a~': 'tilde',
      'a b': 'space',
      'a:bz': 'abz',
      'A:b': 'upper',
      'a:b/': 'slash',
    };
    await Promise.all(Object.entries(values).map(([k, v]) => meta().put(s, k, v)));
    const sorted = Object.keys(values).sort();
    const all = await entries(meta().scan(s, ''));
    assert.deepEqual(all.map(([k]) => k), sorted);
    for (const [k, v] of all) assert.equal(v, values[k], `value of ${k}`);
    assert.equal((await meta().get(s, 'a:c'))?.length, 65536);
    assert.equal(await meta().get(s, 'a:b'), unicode);
    assert.deepEqual((await entries(meta().scan(s, 'a:'))).map(([k]) => k), ['a:b', 'a:b/', 'a:b:c', 'a:bz', 'a:c']);
    assert.deepEqual((await entries(meta().scan(s, 'a:b'))).map(([k]) => k), ['a:b', 'a:b/', 'a:b:c', 'a:bz']);
    assert.deepEqual((await entries(meta().scan(s, 'a:b:'))).map(([k]) => k), ['a:b:c']);
    assert.deepEqual((await entries(meta().scan(s, 'a', 3))).map(([k]) => k), sorted.filter((k) => k.startsWith('a')).slice(0, 3));
    assert.deepEqual((await entries(meta().scan(s, '', 1))).map(([k]) => k), ['A:b']);
    assert.deepEqual(await entries(meta().scan(s, '', 0)), []);
    assert.deepEqual(await entries(meta().scan(s, 'zz')), []);
    assert.deepEqual(await entries(meta().scan(s, 'a:b:c:')), []);
  });

  it('meta store: a scan pages through 1,200 entries in order, and stops early when asked', async () => {
    const s = space('pages');
    const keys = Array.from({ length: 1200 }, (_, i) => `tsmeta:${String(i).padStart(6, '0')}`);
    for (let i = 0; i < keys.length; i += 50) await Promise.all(keys.slice(i, i + 50).map((k) => meta().put(s, k, `{"n":${k.slice(7)}}`)));
    const all = await entries(meta().scan(s, 'tsmeta:'));
    assert.equal(all.length, keys.length);
    assert.deepEqual(all.map(([k]) => k), keys);
    assert.equal(all[1199]![1], '{"n":001199}');
    assert.deepEqual((await entries(meta().scan(s, 'tsmeta:', 1001))).map(([k]) => k), keys.slice(0, 1001));
    let seen = 0;
    for await (const e of meta().scan(s, 'tsmeta:00')) {
      assert.equal(e.key, keys[seen]);
      if (++seen === 5) break;
    }
    assert.equal(seen, 5);
  });

  it('meta store: spaces are isolated, also when one space name is a prefix of another', async () => {
    const a = space('iso');
    const b = `${a}:b`;
    const c = `${a}b`;
    await meta().put(a, 'k', 'in a');
    await meta().put(a, 'b:k', 'in a, key b:k');
    await meta().put(b, 'k', 'in b');
    await meta().put(c, 'k', 'in c');
    assert.equal(await meta().putIfAbsent(b, 'only-b', 'x'), true);
    assert.equal(await meta().get(a, 'k'), 'in a');
    assert.equal(await meta().get(b, 'k'), 'in b');
    assert.equal(await meta().get(c, 'k'), 'in c');
    assert.equal(await meta().get(a, 'only-b'), undefined);
    assert.deepEqual(await entries(meta().scan(a, '')), [['b:k', 'in a, key b:k'], ['k', 'in a']]);
    assert.deepEqual(await entries(meta().scan(b, '')), [['k', 'in b'], ['only-b', 'x']]);
    assert.equal(await meta().delete(b, 'k'), true);
    assert.equal(await meta().get(a, 'k'), 'in a');
    assert.equal(await meta().get(c, 'k'), 'in c');
    assert.equal(await meta().putIfAbsent(a, 'only-b', 'y'), true, 'a key of another space does not count');
  });

  it('meta store: entries survive close and reopen (persistent engines)', async function () {
    if (!ctx.reopen) this.skip();
    const s = space('durable');
    await meta().put(s, 'uid:metrics:a', '000001');
    await meta().put(s, 'uid:metrics:b', '000002');
    assert.equal(await meta().putIfAbsent(s, 'uid:tagk:host', '000001'), true);
    await meta().put(s, 'gone', 'x');
    assert.equal(await meta().delete(s, 'gone'), true);
    await meta().put(s, 'uid:metrics:a', '000003');
    await ctx.reopen!();
    assert.deepEqual(await entries(meta().scan(s, '')), [
      ['uid:metrics:a', '000003'],
      ['uid:metrics:b', '000002'],
      ['uid:tagk:host', '000001'],
    ]);
    assert.equal(await meta().get(s, 'gone'), undefined);
    assert.equal(await meta().putIfAbsent(s, 'uid:tagk:host', '000009'), false);
    await meta().put(s, 'after', 'reopen');
    await ctx.reopen!();
    assert.equal(await meta().get(s, 'after'), 'reopen');
  });
}
