/**
 * The storage conformance suite: every storage engine (ours or a third party's) must
 * pass it. Call it from a mocha test file:
 *
 *   import { runStorageConformance } from 'dsdb';
 *   runStorageConformance('my-engine', async () => new MyEngine(...), { reopen: … });
 *
 * `createEngine` returns a fresh, empty, not yet opened engine for each test. With
 * `reopen`, persistence across close/open is checked too. The MetaStore cases
 * (meta-conformance.ts) run on the same engine. Assertions use node:assert,
 * so the suite needs nothing but mocha's globals.
 */
import assert from 'node:assert/strict';
import type { LastPoint, SeriesData, SeriesInfo, StorageEngine } from '../storage';
import { ValueKind, type DataPoint, type Tags, type Value } from '../types';
import { pointBatch } from './batch';
import { defineMetaCases } from './meta-conformance';
import { defineDownsampleCases } from './downsample-conformance';

export interface ConformanceOptions {
  /** Closes `engine` and returns a new, not yet opened engine over the same data (persistent engines). */
  reopen?: (engine: StorageEngine) => Promise<StorageEngine>;
  /** series in the large-series-count case (default 20,000) */
  largeSeriesCount?: number;
}

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

const int = (value: bigint): Value => ({ kind: ValueKind.Int, value });
const float = (value: number): Value => ({ kind: ValueKind.Float, value });
const str = (value: string): Value => ({ kind: ValueKind.String, value });
const json = (value: string): Value => ({ kind: ValueKind.Json, value });
const point = (metric: string, tags: Tags, timestamp: number, value: Value): DataPoint => ({ metric, tags, timestamp, value });

/** The points of a series as plain values, for deep comparison. */
function valuesOf(data: SeriesData): { t: number; v: bigint | number | string; kind: number }[] {
  const out = [];
  const p = data.points;
  for (let i = 0; i < p.length; i++) {
    const kind = p.kinds[i]!;
    const v = kind === ValueKind.Int ? p.ints[i]! : kind === ValueKind.Float ? p.floats[i]! : p.texts[i]!;
    out.push({ t: p.timestamps[i]!, v, kind });
  }
  return out;
}

const ALL = { start: -8.64e15, end: 8.64e15 };

export function runStorageConformance(name: string, createEngine: () => Promise<StorageEngine>, options: ConformanceOptions = {}): void {
  describe(`storage conformance: ${name}`, function () {
    let engine: StorageEngine;

    beforeEach(async () => {
      engine = await createEngine();
      await engine.open();
    });
    afterEach(async () => {
      await engine.close();
    });

    defineMetaCases({
      engine: () => engine,
      reopen: options.reopen
        ? async () => {
            engine = await options.reopen!(engine);
            await engine.open();
          }
        : undefined,
    });

    defineDownsampleCases({ engine: () => engine });

    /** Reads one series (exact metric + tags); fails if absent. */
    async function readOne(metric: string, tags: Tags, range = ALL): Promise<ReturnType<typeof valuesOf>> {
      const all = await collect(engine.read({ metric }, range));
      const match = all.filter((d) => JSON.stringify(Object.entries(d.series.tags).sort()) === JSON.stringify(Object.entries(tags).sort()));
      if (match.length === 0) return [];
      assert.equal(match.length, 1, 'one series per metric + tag set');
      return valuesOf(match[0]!);
    }

    /** Runs `check` now and, if the engine persists, again after close/open. */
    async function checkBothWays(check: () => Promise<void>): Promise<void> {
      await check();
      if (!options.reopen) return;
      engine = await options.reopen(engine);
      await engine.open();
      await check();
    }

    it('stores every value kind exactly: int64 beyond 2^53 and at the extremes, floats, strings, JSON', async () => {
      const tags = { host: 'a' };
      const ints = [9223372036854775807n, -9223372036854775808n, 9007199254740993n, -9007199254740993n, 0n, -1n, 42n];
      const floats = [1.5, -0.25, 1e300, 5e-324, -0, Number.POSITIVE_INFINITY, Number.NaN, 0.1 + 0.2, 123456.789];
      const strings = ['', 'ok', 'ünïcødé ✓', 'a'.repeat(1000), 'ok'];
      const jsons = ['{"a":1}', '{"nested":{"b":[1,2.5,"x",null,true]},"s":"t"}', '{"a":1}', '{"big":12345678901234567890}'];
      const points: DataPoint[] = [];
      ints.forEach((v, i) => points.push(point('k.int', tags, 1000 * (i + 1), int(v))));
      floats.forEach((v, i) => points.push(point('k.float', tags, 1000 * (i + 1), float(v))));
      strings.forEach((v, i) => points.push(point('k.str', tags, 1000 * (i + 1), str(v))));
      jsons.forEach((v, i) => points.push(point('k.json', tags, 1000 * (i + 1), json(v))));
      await engine.write(pointBatch(points), { sync: true });
      await checkBothWays(async () => {
        assert.deepEqual((await readOne('k.int', tags)).map((p) => p.v), ints);
        const fl = (await readOne('k.float', tags)).map((p) => p.v as number);
        assert.equal(fl.length, floats.length);
        fl.forEach((v, i) => assert.ok(Object.is(v, floats[i]), `float ${i}: ${v} vs ${floats[i]}`));
        assert.deepEqual((await readOne('k.str', tags)).map((p) => p.v), strings);
        assert.deepEqual((await readOne('k.json', tags)).map((p) => p.v), jsons);
        assert.ok((await readOne('k.json', tags)).every((p) => p.kind === ValueKind.Json));
      });
    });

    it('keeps second and millisecond timestamps as given, reads an inclusive range', async () => {
      const tags = { host: 'ts' };
      const times = [1_700_000_000_000, 1_700_000_000_001, 1_700_000_000_999, 1_700_000_001_000, 1_700_000_060_000];
      await engine.write(pointBatch(times.map((t, i) => point('ts', tags, t, int(BigInt(i))))));
      await checkBothWays(async () => {
        assert.deepEqual((await readOne('ts', tags)).map((p) => p.t), times);
        const mid = await readOne('ts', tags, { start: 1_700_000_000_001, end: 1_700_000_001_000 });
        assert.deepEqual(mid.map((p) => p.t), times.slice(1, 4));
        assert.deepEqual(await readOne('ts', tags, { start: 0, end: 1_699_999_999_999 }), []);
      });
    });

    it('last write wins on a duplicate timestamp, within a batch, across batches and after a reopen', async () => {
      const tags = { host: 'dup' };
      await engine.write(pointBatch([point('dup', tags, 1000, float(1)), point('dup', tags, 1000, float(2)), point('dup', tags, 2000, int(7n))]));
      await engine.write(pointBatch([point('dup', tags, 2000, str('replaced'))]));
      if (options.reopen) {
        engine = await options.reopen(engine);
        await engine.open();
      }
      await engine.write(pointBatch([point('dup', tags, 1000, int(3n))]));
      await checkBothWays(async () => {
        const values = await readOne('dup', tags);
        assert.deepEqual(values, [
          { t: 1000, v: 3n, kind: ValueKind.Int },
          { t: 2000, v: 'replaced', kind: ValueKind.String },
        ]);
      });
    });

    it('sorts out-of-order writes, including ones older than already persisted data', async () => {
      const tags = { host: 'ooo' };
      await engine.write(pointBatch([5000, 1000, 3000].map((t) => point('ooo', tags, t, float(t)))));
      if (options.reopen) {
        engine = await options.reopen(engine);
        await engine.open();
      }
      await engine.write(pointBatch([4000, 0, 2000, 6000].map((t) => point('ooo', tags, t, float(t)))));
      await checkBothWays(async () => {
        const values = await readOne('ooo', tags);
        assert.deepEqual(values.map((p) => p.t), [0, 1000, 2000, 3000, 4000, 5000, 6000]);
        assert.deepEqual(values.map((p) => p.v), [0, 1000, 2000, 3000, 4000, 5000, 6000]);
      });
    });

    it('keeps each point\'s kind in a series that mixes integers, floats, strings and JSON', async () => {
      const tags = { host: 'mix' };
      await engine.write(pointBatch([point('mix', tags, 1, int(10n)), point('mix', tags, 2, float(10.5)), point('mix', tags, 3, int(2n ** 62n)), point('mix', tags, 4, str('down')), point('mix', tags, 5, json('{"x":1}')), point('mix', tags, 6, float(1))]));
      await checkBothWays(async () => {
        assert.deepEqual(await readOne('mix', tags), [
          { t: 1, v: 10n, kind: ValueKind.Int },
          { t: 2, v: 10.5, kind: ValueKind.Float },
          { t: 3, v: 2n ** 62n, kind: ValueKind.Int },
          { t: 4, v: 'down', kind: ValueKind.String },
          { t: 5, v: '{"x":1}', kind: ValueKind.Json },
          { t: 6, v: 1, kind: ValueKind.Float },
        ]);
      });
    });

    it('filters series by literal tag values, by predicate, by a missing key and by explicit tag keys', async () => {
      const hosts = ['web01', 'web02', 'db01'];
      const points = hosts.map((host, i) => point('sys.cpu', { host, dc: i < 2 ? 'eu' : 'us' }, 1000, float(i)));
      points.push(point('sys.cpu', { host: 'web03' }, 1000, float(9)));
      points.push(point('sys.mem', { host: 'web01', dc: 'eu' }, 1000, float(1)));
      await engine.write(pointBatch(points));
      const hostsOf = (infos: SeriesInfo[]) => infos.map((s) => s.tags.host).sort();
      await checkBothWays(async () => {
        const literal = await collect(engine.lookup({ metric: 'sys.cpu', predicates: [{ key: 'host', literals: ['web01', 'db01'], test: (v) => v === 'web01' || v === 'db01' }] }));
        assert.deepEqual(hostsOf(literal), ['db01', 'web01']);
        const wildcard = await collect(engine.lookup({ metric: 'sys.cpu', predicates: [{ key: 'host', test: (v) => v !== undefined && v.startsWith('web') }] }));
        assert.deepEqual(hostsOf(wildcard), ['web01', 'web02', 'web03']);
        const missing = await collect(engine.lookup({ metric: 'sys.cpu', predicates: [{ key: 'dc', test: (v) => v === undefined }] }));
        assert.deepEqual(hostsOf(missing), ['web03']);
        const both = await collect(engine.lookup({ metric: 'sys.cpu', predicates: [{ key: 'dc', literals: ['eu'], test: (v) => v === 'eu' }, { key: 'host', literals: ['web02'], test: (v) => v === 'web02' }] }));
        assert.deepEqual(hostsOf(both), ['web02']);
        const explicit = await collect(engine.lookup({ metric: 'sys.cpu', explicitTagKeys: ['host'] }));
        assert.deepEqual(hostsOf(explicit), ['web03']);
        const read = await collect(engine.read({ metric: 'sys.cpu', predicates: [{ key: 'dc', literals: ['us'], test: (v) => v === 'us' }] }, ALL));
        assert.deepEqual(read.map((d) => d.series.tags.host), ['db01']);
        assert.equal(read[0]!.points.floats[0], 2);
        assert.deepEqual(await collect(engine.lookup({ metric: 'nope' })), []);
        const ids = new Set((await collect(engine.lookup({}))).map((s) => s.id));
        assert.equal(ids.size, 5, 'lookup without metric lists every series, ids unique');
      });
    });

    it('suggests metrics, tag keys and tag values by prefix, sorted, at most max', async () => {
      await engine.write(pointBatch([point('sys.cpu.user', { host: 'web01', cpu: '0' }, 1, float(1)), point('sys.cpu.sys', { host: 'web02' }, 1, float(1)), point('app.req', { hostgroup: 'g1' }, 1, float(1))]));
      await checkBothWays(async () => {
        assert.deepEqual(await engine.suggest('metrics', 'sys.', 10), ['sys.cpu.sys', 'sys.cpu.user']);
        assert.deepEqual(await engine.suggest('metrics', '', 1), ['app.req']);
        assert.deepEqual(await engine.suggest('tagk', 'host', 10), ['host', 'hostgroup']);
        assert.deepEqual(await engine.suggest('tagv', 'web', 10), ['web01', 'web02']);
        assert.deepEqual(await engine.suggest('tagv', 'zzz', 10), []);
      });
    });

    it('returns the last point per series, optionally no older than `since`', async () => {
      await engine.write(pointBatch([point('l', { h: 'a' }, 1000, float(1)), point('l', { h: 'a' }, 3000, int(-5n)), point('l', { h: 'b' }, 2000, str('x'))]));
      if (options.reopen) {
        engine = await options.reopen(engine);
        await engine.open();
      }
      await engine.write(pointBatch([point('l', { h: 'b' }, 500, float(0))]));
      await checkBothWays(async () => {
        const last = await collect(engine.last({ metric: 'l' }));
        const byHost = Object.fromEntries(last.map((p: LastPoint) => [p.series.tags.h, p]));
        assert.equal(byHost.a!.timestamp, 3000);
        assert.equal(byHost.a!.kind, ValueKind.Int);
        assert.equal(byHost.a!.int, -5n);
        assert.equal(byHost.b!.timestamp, 2000);
        assert.equal(byHost.b!.text, 'x');
        const recent = await collect(engine.last({ metric: 'l' }, 2500));
        assert.deepEqual(recent.map((p) => p.series.tags.h), ['a']);
      });
    });

    it('deletes a range of points from matching series only', async () => {
      const points: DataPoint[] = [];
      for (const h of ['a', 'b']) for (let t = 1; t <= 10; t++) points.push(point('del', { h }, t * 1000, float(t)));
      await engine.write(pointBatch(points));
      if (options.reopen) {
        engine = await options.reopen(engine);
        await engine.open();
      }
      await engine.write(pointBatch([point('del', { h: 'a' }, 11_000, float(11))]));
      const removed = await engine.deleteRange({ metric: 'del', predicates: [{ key: 'h', literals: ['a'], test: (v) => v === 'a' }] }, { start: 3000, end: 11_000 });
      assert.equal(removed, 9);
      await checkBothWays(async () => {
        assert.deepEqual((await readOne('del', { h: 'a' })).map((p) => p.t), [1000, 2000]);
        assert.equal((await readOne('del', { h: 'b' })).length, 10);
      });
      // a write after the delete, into the deleted range, is kept
      await engine.write(pointBatch([point('del', { h: 'a' }, 5000, float(55))]));
      assert.deepEqual((await readOne('del', { h: 'a' })).map((p) => p.v), [1, 2, 55]);
    });

    it('stores, lists and deletes annotations, per series and global', async () => {
      await engine.write(pointBatch([point('ann', { h: 'a' }, 1000, float(1))]));
      const [series] = await collect(engine.lookup({ metric: 'ann' }));
      await engine.putAnnotation({ startTime: 1000, tsuid: series!.id, description: 'deploy', custom: { owner: 'ops' } });
      await engine.putAnnotation({ startTime: 2000, description: 'global outage', endTime: 3000 });
      await engine.putAnnotation({ startTime: 1000, tsuid: series!.id, description: 'deploy v2' });
      await checkBothWays(async () => {
        const forSeries = await engine.annotations({ start: 0, end: 5000 }, [series!.id]);
        assert.deepEqual(forSeries.map((a) => a.description), ['deploy v2']);
        const global = await engine.annotations({ start: 0, end: 5000 }, 'global');
        assert.deepEqual(global.map((a) => [a.description, a.endTime]), [['global outage', 3000]]);
        assert.equal((await engine.annotations({ start: 0, end: 5000 })).length, 2);
        assert.equal((await engine.annotations({ start: 1500, end: 5000 })).length, 1);
      });
      assert.equal(await engine.deleteAnnotation({ startTime: 2000 }), true);
      assert.equal(await engine.deleteAnnotation({ startTime: 2000 }), false);
      await checkBothWays(async () => {
        assert.deepEqual(await engine.annotations({ start: 0, end: 5000 }, 'global'), []);
      });
    });

    it('handles a large series count and counts series in stats', async function () {
      this.timeout(120_000);
      const n = options.largeSeriesCount ?? 20_000;
      const points: DataPoint[] = [];
      for (let i = 0; i < n; i++) points.push(point('big', { host: `h${i}`, rack: `r${i % 100}` }, 1000, float(i)));
      await engine.write(pointBatch(points));
      await engine.write(pointBatch(points.map((p) => ({ ...p, timestamp: 2000 }))));
      await checkBothWays(async () => {
        const stats = await engine.stats();
        assert.equal(stats.series, n);
        const rack = await collect(engine.read({ metric: 'big', predicates: [{ key: 'rack', literals: ['r7'], test: (v) => v === 'r7' }] }, ALL));
        assert.equal(rack.length, n / 100);
        assert.ok(rack.every((d) => d.points.length === 2 && Number(d.series.tags.host!.slice(1)) % 100 === 7));
        const one = await collect(engine.read({ metric: 'big', predicates: [{ key: 'host', literals: [`h${n - 1}`], test: (v) => v === `h${n - 1}` }] }, ALL));
        assert.equal(one[0]!.points.floats[1], n - 1);
        assert.equal((await collect(engine.lookup({ metric: 'big' }, 10))).length, 10);
        let count = 0;
        for await (const data of engine.read({ metric: 'big' }, ALL)) count += data.points.length;
        assert.equal(count, 2 * n);
      });
    });

    it('serves concurrent writers without losing or mixing points', async () => {
      const writers = 8;
      const batches = 25;
      const tasks: Promise<unknown>[] = [];
      for (let w = 0; w < writers; w++) {
        tasks.push(
          (async () => {
            for (let b = 0; b < batches; b++) {
              const pts: DataPoint[] = [];
              // each writer its own series, plus one series shared by all (distinct timestamps)
              for (let k = 0; k < 4; k++) pts.push(point('conc', { w: String(w) }, b * 4 + k, int(BigInt(w * 1000 + b * 4 + k))));
              pts.push(point('conc', { w: 'shared' }, w * batches + b, int(BigInt(w))));
              await engine.write(pointBatch(pts), { sync: b % 5 === 0 });
            }
          })(),
        );
      }
      await Promise.all(tasks);
      await checkBothWays(async () => {
        for (let w = 0; w < writers; w++) {
          const values = await readOne('conc', { w: String(w) });
          assert.equal(values.length, batches * 4);
          values.forEach((p, i) => assert.equal(p.v, BigInt(w * 1000 + i)));
        }
        const shared = await readOne('conc', { w: 'shared' });
        assert.equal(shared.length, writers * batches);
        shared.forEach((p, i) => assert.equal(p.v, BigInt(Math.floor(i / batches))));
        const ids = (await collect(engine.lookup({ metric: 'conc' }))).map((s) => s.id);
        assert.equal(new Set(ids).size, writers + 1, 'one series id per series, even when created concurrently');
      });
    });

    it('streams series one at a time and skips series with no point in the range', async () => {
      await engine.write(pointBatch([point('s', { h: 'a' }, 1000, float(1)), point('s', { h: 'b' }, 5000, float(2))]));
      const iterator = engine.read({ metric: 's' }, { start: 0, end: 2000 })[Symbol.asyncIterator]();
      const first = await iterator.next();
      assert.equal(first.done, false);
      assert.equal((first.value as SeriesData).series.tags.h, 'a');
      assert.equal((await iterator.next()).done, true);
      await engine.flush();
    });
  });
}
