/**
 * A database written before storage-mysql used the shared chunk format: rows captured from
 * that code (test/fixtures/mysql-chunks-v1.json) are put in dsdb_chunks with raw SQL, then
 * read, merged with new writes, deleted from and compacted by the current engine, and
 * read again after a reopen. @integration
 */
import { expect } from 'chai';
import { ValueKind, type SeriesData, type SeriesSelector } from '../../core';
import { createLogger } from '../../core/logger';
import { MysqlEngine } from '../../plugins/storage-mysql/engine';
import { parseSeriesId } from '../../plugins/storage-mysql/series-index';
import { batchOf } from '../helpers/batch';
import { expectLegacyPoints, legacyRows } from './legacy-rows';
import { dropDatabase, engineOptions, freshDatabase, sql, testCodecs, useMariaDb } from './mariadb';

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

const log = createLogger('silent');
const series = (c: number | string): SeriesSelector => ({ metric: 'legacy', predicates: [{ key: 'c', literals: [String(c)], test: (v) => v === String(c) }] });

describe('storage-mysql reads rows written before the shared chunk format @integration', function () {
  useMariaDb();
  const { windowMs, cases } = legacyRows();
  let database: string;
  let engine: MysqlEngine;
  const open = async () => {
    engine = new MysqlEngine(engineOptions(database, { windowMs }), log, testCodecs());
    await engine.open();
  };
  const read = async (c: number, start = -Infinity, end = Infinity): Promise<SeriesData | undefined> => (await collect(engine.read(series(c), { start, end })))[0];

  beforeEach(async () => {
    database = freshDatabase('legacy');
    await open();
    // One series per captured case (a point to create it, then only the old rows remain).
    await engine.write(batchOf(cases.map((_, c) => ({ metric: 'legacy', tags: { c: String(c) }, timestamp: 0, value: { kind: ValueKind.Float, value: 0 } }))));
    await sql(database, 'DELETE FROM dsdb_chunks');
    for (const info of await collect(engine.lookup({ metric: 'legacy' }))) {
      const c = cases[Number(info.tags.c)]!;
      await sql(database, 'INSERT INTO dsdb_chunks (series_id, window_start, npoints, data) VALUES (?,?,?,?)', [parseSeriesId(info.id), c.windowStart, c.points.length, Buffer.from(c.data, 'hex')]);
    }
  });

  afterEach(async () => {
    await engine.close();
    await dropDatabase(database);
  });

  it('reads every old row exactly (read, last), and a time range within one', async () => {
    for (let c = 0; c < cases.length; c++) {
      const data = await read(c);
      expect(data?.points.length, cases[c]!.name).to.equal(cases[c]!.points.length);
      expectLegacyPoints(data!.points, 0, cases[c]!.points, cases[c]!.name);
    }
    const expected = cases[2]!.points;
    const part = await read(2, expected[10]![0], expected[19]![0]);
    expectLegacyPoints(part!.points, 0, expected.slice(10, 20), 'range');
    expect(part!.points.length).to.equal(10);
    const last = await collect(engine.last(series(5)));
    const [t, kind, value] = cases[5]!.points.at(-1)!;
    expect([last[0]!.timestamp, last[0]!.kind, last[0]!.text]).to.deep.equal([t, kind, value]);
  });

  it('merges new writes over old rows (last write wins), then compaction rewrites the window in the shared format, kept across a reopen', async () => {
    const expected = cases[0]!.points.map((p) => [...p] as [number, number, string]);
    const t = expected[5]![0];
    await engine.write(batchOf([{ metric: 'legacy', tags: { c: '0' }, timestamp: t, value: { kind: ValueKind.Int, value: -7n } }]));
    expected[5] = [t, ValueKind.Int, '-7'];
    const merged = await read(0);
    expectLegacyPoints(merged!.points, 0, expected, 'merged');

    // format byte of each row: 1 the old layout, 2 the shared chunk
    const formats = async () => (await sql<{ f: number }>(database, 'SELECT ASCII(data) AS f FROM dsdb_chunks')).map((r) => Number(r.f)).sort();
    expect(await formats()).to.deep.equal([...new Array<number>(cases.length).fill(1), 2]);
    expect(await engine.compact(true)).to.be.greaterThan(0);
    // the window with a new fragment is one shared chunk now; untouched old rows are read as they are
    expect(await formats()).to.deep.equal([...new Array<number>(cases.length - 1).fill(1), 2]);
    expectLegacyPoints((await read(0))!.points, 0, expected, 'compacted');

    await engine.close();
    await open();
    for (let c = 1; c < cases.length; c++) expectLegacyPoints((await read(c))!.points, 0, cases[c]!.points, cases[c]!.name);
    expectLegacyPoints((await read(0))!.points, 0, expected, 'reopened');
  });

  it('deletes a range from an old row, rewriting what is left in the shared format', async () => {
    const expected = cases[3]!.points;
    const removed = await engine.deleteRange(series(3), { start: expected[0]![0], end: expected[9]![0] });
    expect(removed).to.equal(10);
    expectLegacyPoints((await read(3))!.points, 0, expected.slice(10), 'after delete');
    expect((await read(3))!.points.length).to.equal(expected.length - 10);
    const [row] = await sql<{ f: number }>(database, 'SELECT ASCII(data) AS f FROM dsdb_chunks WHERE npoints = ?', [expected.length - 10]);
    expect(Number(row!.f)).to.equal(2);
  });
});
