/**
 * Stateless scale-out: two real `dsdb` processes, A and B, on one HBase (through its REST
 * gateway). What one writes the other reads; concurrent creators of the same series in
 * both daemons end with one id (check-and-put on the forward UID row); B's lookups and
 * suggestions see A's new series as soon as A acknowledged the write; and nothing a
 * daemon holds is needed by the other, even once A is killed. @integration
 */
import { expect } from 'chai';
import { ValueKind } from '../../core';
import { type Daemon, spawnHBaseDaemon, type WirePoint } from './daemons';
import { createTestEngine, freshPrefix, useHBase } from './hbase';
import { raceForDeletes, raceForKeys, raceForUids } from '../helpers/meta-race';

describe('storage-hbase scale-out: two daemons over one HBase @integration', function () {
  this.timeout(120_000);
  useHBase();
  const prefix = freshPrefix('scale');
  let a: Daemon;
  let b: Daemon;

  before(async function () {
    this.timeout(120_000);
    // A first, so that it creates the tables; B then opens them.
    a = await spawnHBaseDaemon(prefix);
    b = await spawnHBaseDaemon(prefix);
  });

  after(async function () {
    this.timeout(120_000);
    await Promise.all([a?.stop(), b?.stop()]);
    await createTestEngine({ tablePrefix: prefix }).dropTables();
  });

  it('meta store: two engines putIfAbsent the same 200 keys at once: each key won exactly once, both read the winner; deleting at once, one delete each; lib/uid assigns each name one UID through both', async function () {
    // 1,000 gateway requests, 16 in flight per engine: over a minute on a busy 2-core machine
    this.timeout(300_000);
    const one = createTestEngine({ tablePrefix: prefix });
    const two = createTestEngine({ tablePrefix: prefix });
    await one.open();
    await two.open();
    try {
      const outcome = await raceForKeys(one.meta, two.meta);
      expect(outcome.wonByA + outcome.wonByB).to.equal(200);
      await raceForDeletes(one.meta, two.meta);
      await raceForUids(one.meta, two.meta);
    } finally {
      await Promise.all([one.close(), two.close()]);
    }
  });

  it('reads on B, exactly, the points written to A', async () => {
    const points: WirePoint[] = [];
    for (let i = 0; i < 500; i++) {
      const host = `h${i % 5}`;
      points.push({ metric: 'scale.ab', tags: { host }, timestamp: 1_700_000_000_000 + i * 1000, kind: i % 2 ? ValueKind.Int : ValueKind.Float, value: i % 2 ? (9007199254740993n + BigInt(i)).toString() : i / 4 });
    }
    const ack = await a.write(points, true);
    expect(ack.status, JSON.stringify(ack.body)).to.equal(200);
    expect(ack.body).to.deep.equal({ written: 500 });
    const { series } = await b.get('read', { metric: 'scale.ab' });
    expect(series).to.have.length(5);
    let found = 0;
    for (const s of series) {
      for (let j = 0; j < s.timestamps.length; j++) {
        const i = (s.timestamps[j] - 1_700_000_000_000) / 1000;
        expect(s.tags.host).to.equal(`h${i % 5}`);
        expect(s.values[j]).to.equal(i % 2 ? (9007199254740993n + BigInt(i)).toString() : i / 4);
        found++;
      }
    }
    expect(found).to.equal(500);
  });

  /**
   * A client's write: a 503 is the daemon's retryable backpressure (HBase's REST gateway is slow
   * under eight writers creating series, UIDs and TSMeta at once), so it is sent again, as
   * OpenTSDB clients do; writes are idempotent (last write wins). Anything else is final.
   */
  async function writeRetrying(daemon: typeof a, points: Parameters<typeof a.write>[0]): Promise<{ status: number }> {
    for (let attempt = 1; ; attempt++) {
      const r = await daemon.write(points, true);
      if (r.status !== 503 || attempt === 5) return r;
      console.log(`      a 503 (retryable) on attempt ${attempt}: ${JSON.stringify(r.body).slice(0, 200)}`);
      await new Promise((resolve) => setTimeout(resolve, 1000 * attempt));
    }
  }

  it('ends with exactly one id per series when many writers create the same new series through A and B at once', async () => {
    const hosts = Array.from({ length: 40 }, (_, i) => `w${i}`);
    const writes = [];
    for (let w = 0; w < 8; w++) {
      const daemon = w % 2 ? b : a;
      // each writer walks the new series in its own order
      const order = hosts.map((h, i) => hosts[(i * (w + 1) * 7 + w) % hosts.length]!);
      const points = [...new Set(order)].concat(hosts).map((host, i) => ({ metric: 'scale.race', tags: { host, dc: 'x' }, timestamp: 1000 + w * 1000 + i, kind: ValueKind.Float, value: w }));
      writes.push(writeRetrying(daemon, points));
    }
    const results = await Promise.all(writes);
    expect(results.map((r) => r.status)).to.deep.equal(new Array(8).fill(200));
    const onA = (await a.get('lookup', { metric: 'scale.race' })).series;
    const onB = (await b.get('lookup', { metric: 'scale.race' })).series;
    expect(onA).to.have.length(40);
    expect(onB).to.deep.equal(onA);
    expect(new Set(onA.map((s: { id: string }) => s.id)).size).to.equal(40);
    // every writer's points landed under the one id of each series: 8 writers × 2 points each
    const { series } = await b.get('read', { metric: 'scale.race' });
    expect(series).to.have.length(40);
    for (const s of series) expect(new Set(s.values).size, s.tags.host).to.equal(8);
    // and the index holds one row per series (no second id left behind by a lost race)
    const engine = createTestEngine({ tablePrefix: prefix });
    await engine.open();
    const indexed = [];
    for await (const info of engine.lookup({ metric: 'scale.race' })) indexed.push(info);
    await engine.close();
    expect(indexed.map((s) => s.id)).to.deep.equal(onA.map((s: { id: string }) => s.id));
  });

  it("shows A's new series in B's lookups and suggestions as soon as A acknowledged the write", async () => {
    for (let round = 0; round < 5; round++) {
      const metric = `scale.new${round}`;
      const ack = await a.write([{ metric, tags: { newtag: `v${round}` }, timestamp: 5000, kind: ValueKind.Float, value: round }]);
      expect(ack.status, JSON.stringify(ack.body)).to.equal(200);
      expect(await b.get('suggest', { type: 'metrics', q: metric })).to.deep.equal([metric]);
      expect(await b.get('suggest', { type: 'tagv', q: `v${round}` })).to.deep.equal([`v${round}`]);
      const { series } = await b.get('lookup', { metric });
      expect(series.map((s: { tags: unknown }) => s.tags)).to.deep.equal([{ newtag: `v${round}` }]);
    }
  });

  it('needs nothing from A once A acknowledged: A killed with SIGKILL, B has every point', async () => {
    const points: WirePoint[] = Array.from({ length: 300 }, (_, i) => ({ metric: 'scale.kill', tags: { k: `s${i % 3}` }, timestamp: 10_000 + i, kind: ValueKind.String, value: `v${i}` }));
    expect((await a.write(points)).status).to.equal(200);
    await a.stop('SIGKILL');
    const { series } = await b.get('read', { metric: 'scale.kill' });
    expect(series.reduce((n: number, s: { values: unknown[] }) => n + s.values.length, 0)).to.equal(300);
    expect(b.alive).to.equal(true);
  });
});
