/**
 * The storage contract, against the real MariaDB: the `mysql` engine must behave as the
 * memory engine does (sorted points, last write wins, exact int64, predicates with
 * literals, explicit tags, suggest, deleteRange, last, annotations), and keep it after
 * compaction and across reopen. @integration
 */
import { expect } from 'chai';
import net from 'node:net';
import { ValueKind, type DataPoint, type SeriesData, type TagPredicate } from '../../core';
import { MysqlEngine } from '../../plugins/storage-mysql/engine';
import { batchOf } from '../helpers/batch';
import { createLogger } from '../../core/logger';
import { dropDatabase, engineOptions, freshDatabase, sql, useMariaDb, testCodecs } from './mariadb';

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

const log = createLogger('silent');
const float = (metric: string, tags: Record<string, string>, timestamp: number, value: number): DataPoint => ({ metric, tags, timestamp, value: { kind: ValueKind.Float, value } });
const int = (metric: string, tags: Record<string, string>, timestamp: number, value: bigint): DataPoint => ({ metric, tags, timestamp, value: { kind: ValueKind.Int, value } });
const eq = (key: string, value: string): TagPredicate => ({ key, literals: [value], test: (v) => v === value });

describe('storage-mysql engine (contract, real MariaDB) @integration', function () {
  useMariaDb();
  let database: string;
  let engine: MysqlEngine;

  beforeEach(async () => {
    database = freshDatabase('engine');
    engine = new MysqlEngine(engineOptions(database, { windowMs: 10000 }), log, testCodecs());
    await engine.open();
  });

  afterEach(async () => {
    await engine.close();
    await dropDatabase(database);
  });

  it('keeps int64 extremes exact, sorts out-of-order points, last write wins in a batch and across batches', async () => {
    const tags = { host: 'a' };
    await engine.write(
      batchOf([
        int('m', tags, 3000, 9223372036854775807n),
        int('m', tags, 1000, 9007199254740993n),
        { metric: 'm', tags, timestamp: 2000, value: { kind: ValueKind.Float, value: 1.5 } },
        { metric: 'm', tags, timestamp: 2000, value: { kind: ValueKind.String, value: 'last wins' } },
        int('m', tags, 4000, -9223372036854775808n),
      ]),
    );
    await engine.write(batchOf([int('m', tags, 1000, -1n)]), { sync: true });
    const [data] = (await collect(engine.read({ metric: 'm' }, { start: 0, end: 5000 }))) as SeriesData[];
    expect([...data!.points.timestamps]).to.deep.equal([1000, 2000, 3000, 4000]);
    expect(data!.points.ints[0]).to.equal(-1n);
    expect(data!.points.kinds[1]).to.equal(ValueKind.String);
    expect(data!.points.texts[1]).to.equal('last wins');
    expect(data!.points.ints[2]).to.equal(9223372036854775807n);
    expect(data!.points.ints[3]).to.equal(-9223372036854775808n);
  });

  it('stores every kind (int, float, string, JSON) mixed in one series, across windows, range inclusive', async () => {
    const tags = { host: 'a' };
    const points: DataPoint[] = [];
    for (let i = 0; i < 100; i++) {
      const t = 1_700_000_000_000 + i * 1500;
      const k = i % 4;
      points.push(
        k === 0
          ? int('mix', tags, t, BigInt(i) * 1_000_000_000_007n)
          : k === 1
            ? float('mix', tags, t, i / 7)
            : { metric: 'mix', tags, timestamp: t, value: k === 2 ? { kind: ValueKind.String, value: `s${i % 3} é` } : { kind: ValueKind.Json, value: `{"i":${i}}` } },
      );
    }
    await engine.write(batchOf(points));
    const start = 1_700_000_000_000 + 10 * 1500;
    const end = 1_700_000_000_000 + 90 * 1500;
    const [data] = await collect(engine.read({ metric: 'mix' }, { start, end }));
    expect(data!.points.length).to.equal(81);
    for (let j = 0; j < 81; j++) {
      const i = j + 10;
      expect(data!.points.timestamps[j]).to.equal(1_700_000_000_000 + i * 1500);
      expect(data!.points.kinds[j]).to.equal([ValueKind.Int, ValueKind.Float, ValueKind.String, ValueKind.Json][i % 4]);
      if (i % 4 === 0) expect(data!.points.ints[j]).to.equal(BigInt(i) * 1_000_000_000_007n);
      if (i % 4 === 1) expect(data!.points.floats[j]).to.equal(i / 7);
      if (i % 4 === 2) expect(data!.points.texts[j]).to.equal(`s${i % 3} é`);
      if (i % 4 === 3) expect(data!.points.texts[j]).to.equal(`{"i":${i}}`);
    }
    // 100 points over 150 s with 10 s windows: one fragment per window, never one row per point.
    const [{ n }] = await sql<{ n: number }>(database, 'SELECT COUNT(*) AS n FROM dsdb_chunks');
    expect(Number(n)).to.equal(15);
  });

  it('filters series in SQL by metric, literal tag values, required keys and explicit tags; lookup without a metric', async () => {
    const points: DataPoint[] = [];
    for (const host of ['web01', 'web02', 'db01']) points.push(float('sys.cpu', { host, dc: host.startsWith('web') ? 'x' : 'y' }, 1000, 1));
    points.push(float('sys.cpu', { host: 'web03' }, 1000, 1));
    points.push(float('sys.mem', { host: 'web01' }, 1000, 1));
    await engine.write(batchOf(points));
    const hosts = async (selector: Parameters<MysqlEngine['lookup']>[0]) => (await collect(engine.lookup(selector))).map((s) => s.metric + ':' + s.tags.host);
    expect(await hosts({ metric: 'sys.cpu', predicates: [{ key: 'host', test: (v) => !!v && v.startsWith('web') }] })).to.deep.equal(['sys.cpu:web01', 'sys.cpu:web02', 'sys.cpu:web03']);
    expect(await hosts({ metric: 'sys.cpu', predicates: [eq('host', 'db01')] })).to.deep.equal(['sys.cpu:db01']);
    expect(await hosts({ metric: 'sys.cpu', predicates: [{ key: 'host', literals: ['web01', 'db01'], test: (v) => v === 'web01' || v === 'db01' }, eq('dc', 'x')] })).to.deep.equal(['sys.cpu:web01']);
    expect(await hosts({ metric: 'sys.cpu', predicates: [{ key: 'dc', test: (v) => v === undefined }] })).to.deep.equal(['sys.cpu:web03']);
    expect(await hosts({ metric: 'sys.cpu', explicitTagKeys: ['host'] })).to.deep.equal(['sys.cpu:web03']);
    expect(await hosts({ metric: 'sys.cpu', explicitTagKeys: ['host', 'dc'] })).to.have.length(3);
    expect(await hosts({ predicates: [eq('host', 'web01')] })).to.deep.equal(['sys.cpu:web01', 'sys.mem:web01']);
    expect(await collect(engine.lookup({ metric: 'sys.cpu' }, 2))).to.have.length(2);
    expect(await hosts({ metric: 'nope' })).to.deep.equal([]);
    // The literal filter is answered from the tag index, not by scanning series.
    const plan = await sql<{ table: string; key: string | null }>(
      database,
      "EXPLAIN SELECT id FROM dsdb_series WHERE metric = 'sys.cpu' AND id IN (SELECT series_id FROM dsdb_series_tags WHERE tagk = 'host' AND tagv IN ('db01'))",
    );
    expect(plan.find((row) => row.table === 'dsdb_series_tags')?.key).to.equal('PRIMARY');
  });

  it('suggests metrics, tag keys and values by prefix, sorted, at most max, with LIKE wildcards taken literally', async () => {
    await engine.write(batchOf([float('sys.cpu', { host: 'web01' }, 1, 1), float('sys.disk', { host: 'web02', 'a_b': 'x%y' }, 1, 1), float('sysXcpu', { axb: 'q' }, 1, 1), float('app', { host: 'db' }, 1, 1)]));
    expect(await engine.suggest('metrics', 'sys.', 10)).to.deep.equal(['sys.cpu', 'sys.disk']);
    expect(await engine.suggest('metrics', '', 2)).to.deep.equal(['app', 'sys.cpu']);
    expect(await engine.suggest('tagk', 'a_', 10)).to.deep.equal(['a_b']);
    expect(await engine.suggest('tagv', 'web', 10)).to.deep.equal(['web01', 'web02']);
    expect(await engine.suggest('tagv', 'x%', 10)).to.deep.equal(['x%y']);
  });

  it('deletes a range, counting each visible point once even when fragments overlap', async () => {
    const tags = { host: 'a' };
    await engine.write(batchOf([1000, 2000, 3000, 4000].map((t) => float('d', tags, t, t))));
    await engine.write(batchOf([2000, 3000].map((t) => float('d', tags, t, -t))));
    expect(await engine.deleteRange({ metric: 'd' }, { start: 1500, end: 3000 })).to.equal(2);
    const [data] = await collect(engine.read({ metric: 'd' }, { start: 0, end: 10000 }));
    expect([...data!.points.timestamps]).to.deep.equal([1000, 4000]);
    expect(await engine.deleteRange({ metric: 'd' }, { start: 0, end: 100000 })).to.equal(2);
    expect(await engine.deleteRange({ metric: 'd' }, { start: 0, end: 100000 })).to.equal(0);
  });

  it('answers last points, optionally no older than since', async () => {
    await engine.write(batchOf([float('l', { h: 'a' }, 1000, 1), float('l', { h: 'a' }, 25000, 2), float('l', { h: 'b' }, 5000, 3)]));
    await engine.write(batchOf([float('l', { h: 'a' }, 25000, 4)]));
    const last = await collect(engine.last({ metric: 'l' }));
    expect(last.map((p) => [p.series.tags.h, p.timestamp, p.float])).to.deep.equal([
      ['a', 25000, 4],
      ['b', 5000, 3],
    ]);
    expect((await collect(engine.last({ metric: 'l' }, 6000))).map((p) => p.series.tags.h)).to.deep.equal(['a']);
  });

  it('compacts fragments into one chunk per window without changing what reads see; later writes still win', async () => {
    const tags = { host: 'c' };
    for (let round = 0; round < 5; round++) await engine.write(batchOf([0, 1, 2].map((i) => float('c', tags, 1000 + i * 1000 + round * 100, round * 10 + i))));
    await engine.write(batchOf([float('c', tags, 1000, 99)]));
    const before = await collect(engine.read({ metric: 'c' }, { start: 0, end: 100000 }));
    expect(await engine.compact(true)).to.equal(1);
    const [{ n }] = await sql<{ n: number }>(database, 'SELECT COUNT(*) AS n FROM dsdb_chunks');
    expect(Number(n)).to.equal(1);
    const after = await collect(engine.read({ metric: 'c' }, { start: 0, end: 100000 }));
    expect(after).to.deep.equal(before);
    expect(after[0]!.points.length).to.equal(15);
    expect(after[0]!.points.floats[0]).to.equal(99);
    await engine.write(batchOf([float('c', tags, 1000, 100)]));
    const [latest] = await collect(engine.read({ metric: 'c' }, { start: 1000, end: 1000 }));
    expect(latest!.points.floats[0]).to.equal(100);
  });

  it('finds at open the windows a stopped daemon left in fragments, and compacts them', async () => {
    // `engine` never compacts (compactIntervalMs 0) and closes with fragments left behind.
    for (let round = 0; round < 4; round++) await engine.write(batchOf([float('left', { h: 'a' }, 1000 + round, round)]));
    await engine.close();
    const next = new MysqlEngine(engineOptions(database), log, testCodecs());
    await next.open();
    try {
      expect((await next.stats()).pendingCompactions).to.equal(1);
      expect(await next.compact(true)).to.equal(1);
      const [{ n }] = await sql<{ n: number }>(database, 'SELECT COUNT(*) AS n FROM dsdb_chunks');
      expect(Number(n)).to.equal(1);
      const [data] = await collect(next.read({ metric: 'left' }, { start: 0, end: 5000 }));
      expect([...data!.points.floats]).to.deep.equal([0, 1, 2, 3]);
    } finally {
      await next.close();
      engine = new MysqlEngine(engineOptions(database), log, testCodecs()); // afterEach closes `engine`
      await engine.open();
    }
  });

  it('compacts in the background once a window has compactFragments fragments', async () => {
    const background = new MysqlEngine(engineOptions(database, { compactIntervalMs: 20, compactFragments: 3 }), log, testCodecs());
    await background.open();
    try {
      for (let i = 0; i < 3; i++) await background.write(batchOf([float('bg', { h: 'a' }, 1000 + i, i)]));
      let rows = 3;
      while (rows > 1) {
        await new Promise((resolve) => setTimeout(resolve, 20));
        [{ n: rows }] = await sql<{ n: number }>(database, 'SELECT COUNT(*) AS n FROM dsdb_chunks');
      }
      const [data] = await collect(background.read({ metric: 'bg' }, { start: 0, end: 5000 }));
      expect([...data!.points.floats]).to.deep.equal([0, 1, 2]);
    } finally {
      await background.close();
    }
  });

  it('loses nothing when two engines write and compact the same window at once, and a later write still wins', async () => {
    const other = new MysqlEngine(engineOptions(database), log, testCodecs());
    await other.open();
    try {
      const tags = { h: 'shared' };
      const writeAll = async (e: MysqlEngine, from: number) => {
        for (let b = 0; b < 20; b++) {
          await e.write(batchOf([0, 1, 2, 3, 4].map((i) => float('both', tags, from + b * 5 + i, from + b * 5 + i))));
          if (b % 4 === 3) await e.compact(true);
        }
      };
      await Promise.all([writeAll(engine, 0), writeAll(other, 100), engine.compact(true), other.compact(true)]);
      await Promise.all([engine.compact(true), other.compact(true)]);
      const [data] = await collect(other.read({ metric: 'both' }, { start: 0, end: 1000 }));
      expect(data!.points.length).to.equal(200);
      expect([...data!.points.floats]).to.deep.equal([...data!.points.timestamps]);
      await engine.write(batchOf([float('both', tags, 50, -1)]));
      await other.write(batchOf([float('both', tags, 60, -2)]));
      await Promise.all([engine.compact(true), other.compact(true)]);
      const [after] = await collect(engine.read({ metric: 'both' }, { start: 50, end: 60 }));
      expect(after!.points.floats[0]).to.equal(-1);
      expect(after!.points.floats[10]).to.equal(-2);
    } finally {
      await other.close();
    }
  });

  it('stores, replaces, filters and deletes annotations', async () => {
    await engine.putAnnotation({ startTime: 1000, description: 'global' });
    await engine.putAnnotation({ startTime: 2000, tsuid: '00000001', description: 'first', custom: { a: 'b' } });
    await engine.putAnnotation({ startTime: 2000, tsuid: '00000001', description: 'replaced', endTime: 2500 });
    await engine.putAnnotation({ startTime: 3000, tsuid: '00000002', notes: 'n' });
    expect(await engine.annotations({ start: 0, end: 5000 }, 'global')).to.deep.equal([{ startTime: 1000, description: 'global' }]);
    expect(await engine.annotations({ start: 0, end: 5000 }, ['00000001'])).to.deep.equal([{ startTime: 2000, tsuid: '00000001', description: 'replaced', endTime: 2500 }]);
    expect((await engine.annotations({ start: 0, end: 2999 })).map((a) => a.startTime)).to.deep.equal([1000, 2000]);
    expect(await engine.deleteAnnotation({ startTime: 3000, tsuid: '00000002' })).to.equal(true);
    expect(await engine.deleteAnnotation({ startTime: 3000, tsuid: '00000002' })).to.equal(false);
  });

  it('keeps data, ids and the window size across reopen; stats count series, points and InnoDB bytes', async () => {
    await engine.write(batchOf([int('p', { h: 'a' }, 1000, 7n), int('p', { h: 'b' }, 1000, 8n)]));
    const ids = (await collect(engine.lookup({ metric: 'p' }))).map((s) => s.id);
    await engine.close();
    engine = new MysqlEngine(engineOptions(database, { windowMs: 60000 }), log, testCodecs());
    await engine.open();
    expect((await collect(engine.lookup({ metric: 'p' }))).map((s) => s.id)).to.deep.equal(ids);
    await engine.write(batchOf([int('p', { h: 'a' }, 12000, 9n)]));
    const [{ n }] = await sql<{ n: number }>(database, 'SELECT COUNT(DISTINCT window_start) AS n FROM dsdb_chunks');
    expect(Number(n)).to.equal(2); // still 10 s windows: the stored size wins over the option
    const stats = await engine.stats();
    expect(stats.series).to.equal(2);
    expect(stats.points).to.equal(3);
    expect(stats.bytesOnDisk).to.be.greaterThan(0);
  });

  it('gives one id per series when two engines (two pools) create the same new series at once', async () => {
    const other = new MysqlEngine(engineOptions(database), log, testCodecs());
    await other.open();
    try {
      const names = Array.from({ length: 200 }, (_, i) => `h${i}`);
      const reversed = [...names].reverse();
      await Promise.all([
        ...[0, 1].map((r) => engine.write(batchOf(names.map((h) => float('race', { h }, 1000 + r, 1))))),
        ...[0, 1].map((r) => other.write(batchOf(reversed.map((h) => float('race', { h }, 2000 + r, 2))))),
      ]);
      const a = await collect(engine.lookup({ metric: 'race' }));
      const b = await collect(other.lookup({ metric: 'race' }));
      expect(a).to.have.length(200);
      expect(b).to.deep.equal(a);
      const [{ n }] = await sql<{ n: number }>(database, 'SELECT COUNT(*) AS n FROM dsdb_series');
      expect(Number(n)).to.equal(200);
      const [data] = await collect(engine.read({ metric: 'race', predicates: [eq('h', 'h7')] }, { start: 0, end: 5000 }));
      expect([...data!.points.timestamps]).to.deep.equal([1000, 1001, 2000, 2001]);
    } finally {
      await other.close();
    }
  });

  it('creates thousands of new series in one batch, with ids in order of first appearance', async () => {
    const points = Array.from({ length: 2500 }, (_, i) => float('many', { n: String(i), dc: `d${i % 7}` }, 1000, i));
    await engine.write(batchOf(points));
    const series = await collect(engine.lookup({ metric: 'many' }));
    expect(series.map((s) => s.tags.n)).to.deep.equal(points.map((p) => p.tags.n));
    expect(await collect(engine.lookup({ metric: 'many', predicates: [eq('dc', 'd3')] }))).to.have.length(357);
    const [{ n }] = await sql<{ n: number }>(database, 'SELECT COUNT(*) AS n FROM dsdb_series_tags');
    expect(Number(n)).to.equal(5000);
  });

  it('refuses to open with DSDB_ERR_STORAGE_UNAVAILABLE when nothing listens at the configured port', async () => {
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as net.AddressInfo;
    await new Promise((resolve) => server.close(resolve));
    const nowhere = new MysqlEngine(engineOptions('dsdb_nowhere', { port, connectTimeoutMs: 1000 }), log, testCodecs());
    const error = await nowhere.open().then(() => undefined, (err) => err);
    expect(error?.code).to.equal('DSDB_ERR_STORAGE_UNAVAILABLE');
    expect(error?.message).to.match(/MariaDB is unreachable \(ECONNREFUSED\); cannot open storage/);
  });

  it('declares itself shared across daemons, and refuses names longer than the schema allows with an error', async () => {
    expect(engine.capabilities.sharedAcrossDaemons).to.equal(true);
    let error: unknown;
    await engine.write(batchOf([float('x'.repeat(300), {}, 1, 1)])).catch((err) => (error = err));
    expect((error as Error)?.message).to.match(/too long/i);
  });
});
