/**
 * MariaDB stops during ingest: the daemon keeps running; `sync` writes fail at once with
 * DSDB_ERR_STORAGE_UNAVAILABLE; other writes are retried for `retryTimeoutMs` and then
 * refused with that error, never dropped in silence; once MariaDB is back every
 * acknowledged point is there. Stops and restarts the test server. @integration
 */
import { expect } from 'chai';
import { setTimeout as sleep } from 'node:timers/promises';
import { ValueKind } from '../../core';
import { createLogger } from '../../core/logger';
import { MysqlEngine } from '../../plugins/storage-mysql/engine';
import { batchOf } from '../helpers/batch';
import { type Daemon, spawnMysqlDaemon, type WirePoint } from './daemons';
import { dropDatabase, engineOptions, freshDatabase, startMariaDb, stopMariaDb, useMariaDb, testCodecs } from './mariadb';
import { ProtocolLoad, type ProtocolCounts } from './outage-protocols';

/** How long MariaDB stays down in the protocols test: a few seconds in CI; DSDB_MARIADB_OUTAGE_MS=30000 for the long form. */
const OUTAGE_MS = Number(process.env.DSDB_MARIADB_OUTAGE_MS ?? 4000);

describe('storage-mysql outage: MariaDB stops during ingest @integration', function () {
  this.timeout(90000);
  useMariaDb();
  const database = freshDatabase('outage');
  let daemon: Daemon;

  before(async () => {
    daemon = await spawnMysqlDaemon(database, { retryTimeoutMs: 1500 });
  });

  after(async () => {
    await startMariaDb(); // whatever happened, leave the server up for the next suites
    await daemon?.stop();
    await dropDatabase(database);
  });

  it('keeps running, fails sync writes clearly, retries or refuses the others, and keeps every acknowledged point', async () => {
    const acknowledged = new Set<number>();
    let refused = 0;
    let sent = 0;
    let ackedAfterRestart = 0;
    let restarted = false;
    let stopWriters = false;
    const unexpected: string[] = [];
    let nextTimestamp = 1_700_000_000_000;

    // Four writers, each posting 20 points per request (not sync) as fast as answers come.
    const writer = async () => {
      while (!stopWriters) {
        const points: WirePoint[] = [];
        for (let i = 0; i < 20; i++) points.push({ metric: 'outage.m', tags: { w: String(i % 4) }, timestamp: nextTimestamp++, kind: ValueKind.Int, value: String(nextTimestamp) });
        sent += points.length;
        const res = await daemon.write(points);
        if (res.status === 200) {
          for (const p of points) acknowledged.add(p.timestamp);
          if (restarted) ackedAfterRestart += points.length;
        } else if (res.status === 503 && res.body.error.code === 'DSDB_ERR_STORAGE_UNAVAILABLE') {
          refused += points.length;
          await sleep(50);
        } else unexpected.push(JSON.stringify(res.body));
      }
    };
    const writers = [writer(), writer(), writer(), writer()];
    while (acknowledged.size < 200) await sleep(10);

    await stopMariaDb();
    const sync = await daemon.write([{ metric: 'outage.m', tags: { w: 'sync' }, timestamp: 1, kind: ValueKind.Float, value: 1 }], true);
    expect(sync.status).to.equal(503);
    expect(sync.body.error.code).to.equal('DSDB_ERR_STORAGE_UNAVAILABLE');
    expect(sync.body.error.message).to.match(/MariaDB is unreachable.*not acknowledged/);
    // Stay down past the retry window, so that some writes are refused.
    while (refused === 0) await sleep(50);
    await startMariaDb();
    restarted = true;
    while (ackedAfterRestart < 200) await sleep(10);
    stopWriters = true;
    await Promise.all(writers);

    expect(unexpected).to.deep.equal([]);
    expect(daemon.alive).to.equal(true);
    const { series } = await daemon.get('read', { metric: 'outage.m' });
    const found = new Set<number>();
    for (const s of series) for (const t of s.timestamps) found.add(t);
    const missing = [...acknowledged].filter((t) => !found.has(t));
    console.log(`      outage: ${sent} points sent, ${acknowledged.size} acknowledged, ${refused} refused explicitly, ${found.size} found after restart, ${missing.length} acknowledged missing`);
    expect(acknowledged.size + refused).to.equal(sent);
    expect(missing).to.deep.equal([]);
  });

  it('holds a write without sync while MariaDB is down and acknowledges it once MariaDB is back', async () => {
    const db = freshDatabase('retry');
    const engine = new MysqlEngine(engineOptions(db, { retryTimeoutMs: 120000 }), createLogger('silent'), testCodecs());
    await engine.open();
    try {
      await stopMariaDb();
      let settled = false;
      const pending = engine.write(batchOf([{ metric: 'retry.m', tags: { a: 'b' }, timestamp: 1000, value: { kind: ValueKind.Int, value: 2n ** 62n } }]));
      pending.then(() => (settled = true), () => (settled = true));
      const sync = await engine.write(batchOf([{ metric: 'retry.m', tags: { a: 'b' }, timestamp: 2000, value: { kind: ValueKind.Int, value: 1n } }]), { sync: true }).catch((err) => err);
      expect(sync.code).to.equal('DSDB_ERR_STORAGE_UNAVAILABLE');
      expect(settled).to.equal(false); // nothing can acknowledge it while the server is down
      await startMariaDb();
      expect(await pending).to.deep.equal({ written: 1 });
      const found = [];
      for await (const data of engine.read({ metric: 'retry.m' }, { start: 0, end: 5000 })) found.push(...data.points.ints);
      expect(found).to.deep.equal([2n ** 62n]);
    } finally {
      await startMariaDb();
      await engine.close();
      await dropDatabase(db);
    }
  });

  it(`keeps every point acknowledged over telnet, /api/put?sync and protobuf while MariaDB is down for ${OUTAGE_MS} ms, and stays up`, async function () {
    this.timeout(OUTAGE_MS + 120_000);
    const db = freshDatabase('outage_protocols');
    const protocols = await spawnMysqlDaemon(db, { retryTimeoutMs: 1500 }, ['telnet', 'put-telnet', 'put-http', 'protobuf']);
    try {
      const load = new ProtocolLoad(protocols.spawned.port);
      const all = () => [load.telnet, load.sync, load.protobuf];
      const acked = () => all().reduce((n, c) => n + c.acknowledged.length, 0);
      load.start();
      while (acked() < 600) await sleep(20);
      await stopMariaDb();
      const stoppedAt = Date.now();
      const before = all().map((c) => c.refused);
      await sleep(OUTAGE_MS);
      // every protocol told its clients: an error or a refusal, never a silent drop
      const refusedDuring = all().map((c, i) => c.refused - before[i]!);
      expect(protocols.alive, 'daemon alive during the outage').to.equal(true);
      await startMariaDb();
      const down = Date.now() - stoppedAt;
      const ackedAtRestart = acked();
      while (acked() < ackedAtRestart + 600) await sleep(20);
      await load.finish();

      const found = async (metric: string) => {
        const { series } = await protocols.get('read', { metric });
        const set = new Set<number>();
        for (const s of series) for (const t of s.timestamps) set.add(t);
        return set;
      };
      const check = async (name: string, counts: ProtocolCounts, metric: string) => {
        const stored = await found(metric);
        const missing = counts.acknowledged.filter((t) => !stored.has(t)).length;
        console.log(`      ${name}: ${counts.sent} sent, ${counts.acknowledged.length} acknowledged, ${counts.refused} refused explicitly, ${missing} acknowledged missing`);
        expect(counts.unexpected, `${name}: unexpected answers`).to.deep.equal([]);
        expect(missing, `${name}: acknowledged and missing`).to.equal(0);
      };
      console.log(`      MariaDB down for ${down} ms; refused during the outage: telnet ${refusedDuring[0]}, sync ${refusedDuring[1]}, protobuf ${refusedDuring[2]}`);
      await check('telnet', load.telnet, 'outage.telnet');
      await check('/api/put?sync', load.sync, 'outage.sync');
      await check('protobuf sync', load.protobuf, 'outage.proto');
      expect(refusedDuring[1], 'sync writes refused while down').to.be.greaterThan(0);
      expect(refusedDuring[2], 'protobuf sync writes refused while down').to.be.greaterThan(0);
      expect(protocols.alive).to.equal(true);
    } finally {
      await startMariaDb();
      await protocols.stop();
      await dropDatabase(db);
    }
  });
});
