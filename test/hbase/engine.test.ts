/**
 * What the conformance suite does not see: fragments merged by compaction (fewer cells,
 * same points, later writes still win) and a clear error when the gateway is not there.
 * @integration
 */
import net from 'node:net';
import { expect } from 'chai';
import { ValueKind } from '../../core';
import { createLogger } from '../../core/logger';
import { HBaseEngine } from '../../plugins/storage-hbase/engine';
import { batchOf } from '../helpers/batch';
import { createTestEngine, dropTestTables, engineOptions, freshPrefix, testCodecs, useHBase } from './hbase';

const H = 3_600_000;

describe('storage-hbase engine on a real HBase @integration', function () {
  this.timeout(120_000);
  useHBase();
  after(async function () {
    this.timeout(120_000);
    await dropTestTables();
  });

  it('merges a row written in many fragments into one cell, with the same points, and later writes still win', async () => {
    const engine = createTestEngine();
    await engine.open();
    try {
      // 10 writes into the same two windows of one series; each rewrites t=0 with its own value
      for (let w = 0; w < 10; w++) {
        await engine.write(batchOf([
          { metric: 'c.m', tags: { h: 'a' }, timestamp: 0, value: { kind: ValueKind.Int, value: BigInt(w) } },
          { metric: 'c.m', tags: { h: 'a' }, timestamp: 1000 + w, value: { kind: ValueKind.Float, value: w / 2 } },
          { metric: 'c.m', tags: { h: 'a' }, timestamp: H + w, value: { kind: ValueKind.String, value: `s${w}` } },
        ]));
      }
      const before = await engine.scanTotals();
      expect(before).to.include({ rows: 2, cells: 20, points: 30 });
      const read = async () => {
        const out: [number, unknown][] = [];
        for await (const d of engine.read({ metric: 'c.m' }, { start: -1, end: 2 * H })) {
          for (let i = 0; i < d.points.length; i++) out.push([d.points.timestamps[i]!, d.points.kinds[i] === ValueKind.Int ? d.points.ints[i] : d.points.kinds[i] === ValueKind.Float ? d.points.floats[i] : d.points.texts[i]]);
        }
        return out;
      };
      const expected = await read();
      expect(expected[0]).to.deep.equal([0, 9n]);
      expect(expected).to.have.length(21);
      expect(await engine.compact(true)).to.equal(2);
      expect(await engine.scanTotals()).to.include({ rows: 2, cells: 2, points: 21 });
      expect(await read()).to.deep.equal(expected);
      await engine.write(batchOf([{ metric: 'c.m', tags: { h: 'a' }, timestamp: 0, value: { kind: ValueKind.Int, value: 42n } }]));
      expect((await read())[0]).to.deep.equal([0, 42n]);
    } finally {
      await engine.close();
    }
  });

  it('fails to open with DSDB_ERR_STORAGE_UNAVAILABLE, naming HBase, when no gateway listens', async () => {
    const port = await new Promise<number>((resolve) => {
      const s = net.createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as net.AddressInfo).port;
        s.close(() => resolve(p));
      });
    });
    const engine = new HBaseEngine(engineOptions(freshPrefix('down'), { port }), createLogger('silent'), testCodecs());
    const err = await engine.open().then(() => undefined, (e) => e);
    expect(err?.code).to.equal('DSDB_ERR_STORAGE_UNAVAILABLE');
    expect(err.message).to.match(/storage-hbase: HBase is unreachable \(ECONNREFUSED\)/);
  });
});
