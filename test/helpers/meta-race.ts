/**
 * The MetaStore race of the shared backends' two-daemon tests: two engines, each with its
 * own connections to one server, call putIfAbsent on the same keys at the same moment.
 * The server must let exactly one of each pair through, and both engines must then read
 * the winner's value (get and scan).
 */
import { randomBytes } from 'node:crypto';
import { expect } from 'chai';
import type { MetaStore } from '../../core';
import { MetaUidService } from '../../lib/uid/meta-uid-service';

export interface RaceOutcome {
  /** keys won by the first and by the second engine */
  wonByA: number;
  wonByB: number;
}

export async function raceForKeys(a: MetaStore, b: MetaStore, keys = 200): Promise<RaceOutcome> {
  const space = `race-${randomBytes(5).toString('hex')}`;
  const names = Array.from({ length: keys }, (_, i) => `uid:metrics:race.${String(i).padStart(4, '0')}`);
  // both engines' calls for one key are issued in the same turn, every key at once
  const results = await Promise.all(names.map((key, i) => Promise.all([a.putIfAbsent(space, key, `A${i}`), b.putIfAbsent(space, key, `B${i}`)])));
  let wonByA = 0;
  let wonByB = 0;
  const expected: [string, string][] = [];
  for (let i = 0; i < keys; i++) {
    const [byA, byB] = results[i]!;
    expect(Number(byA) + Number(byB), `${names[i]}: won by A ${byA}, by B ${byB}`).to.equal(1);
    if (byA) wonByA++;
    else wonByB++;
    expected.push([names[i]!, byA ? `A${i}` : `B${i}`]);
  }
  const [fromA, fromB] = await Promise.all([Promise.all(names.map((k) => a.get(space, k))), Promise.all(names.map((k) => b.get(space, k)))]);
  expect(fromA).to.deep.equal(expected.map(([, v]) => v));
  expect(fromB).to.deep.equal(expected.map(([, v]) => v));
  for (const store of [a, b]) {
    const scanned: [string, string][] = [];
    for await (const e of store.scan(space, 'uid:metrics:')) scanned.push([e.key, e.value]);
    expect(scanned).to.deep.equal(expected);
  }
  // a late claim by either loses
  expect(await a.putIfAbsent(space, names[0]!, 'late')).to.equal(false);
  expect(await b.putIfAbsent(space, names[keys - 1]!, 'late')).to.equal(false);
  return { wonByA, wonByB };
}

/** Both engines delete the same keys at once: each delete reports true exactly once. */
export async function raceForDeletes(a: MetaStore, b: MetaStore, keys = 100): Promise<void> {
  const space = `delrace-${randomBytes(5).toString('hex')}`;
  const names = Array.from({ length: keys }, (_, i) => `tsmeta:${String(i).padStart(4, '0')}`);
  await Promise.all(names.map((k, i) => a.put(space, k, `v${i}`)));
  const results = await Promise.all(names.map((key) => Promise.all([a.delete(space, key), b.delete(space, key)])));
  results.forEach(([byA, byB], i) => expect(Number(byA) + Number(byB), `${names[i]}: deleted by A ${byA}, by B ${byB}`).to.equal(1));
  for (const store of [a, b]) {
    const left: string[] = [];
    for await (const e of store.scan(space, '')) left.push(e.key);
    expect(left).to.deep.equal([]);
  }
}

/**
 * lib/uid's UID assignment over two engines' stores (two daemons' view): the same 40 metric
 * names created through both at once, in opposite orders, get one UID each, unique, and
 * both services (and a fresh one) agree.
 */
export async function raceForUids(a: MetaStore, b: MetaStore): Promise<void> {
  const run = randomBytes(3).toString('hex');
  const names = Array.from({ length: 40 }, (_, i) => `race.${run}.m${i}`);
  const ua = new MetaUidService(a);
  const ub = new MetaUidService(b);
  const [fromA, fromB] = await Promise.all([Promise.all(names.map((n) => ua.getOrCreate('metric', n))), Promise.all([...names].reverse().map((n) => ub.getOrCreate('metric', n)))]);
  expect([...fromB].reverse()).to.deep.equal(fromA);
  expect(new Set(fromA).size).to.equal(names.length);
  const fresh = new MetaUidService(b);
  for (let i = 0; i < names.length; i++) expect(await fresh.getName('metric', fromA[i]!)).to.equal(names[i]);
}
