/**
 * Riak stops during ingest: the daemon keeps running; `sync` writes fail at once with
 * DSDB_ERR_STORAGE_UNAVAILABLE (HTTP 503); other writes are retried for `retryTimeoutMs`
 * and then refused with that error, never dropped in silence; once Riak is back every
 * acknowledged point is there. Stops and restarts the test node. @integration
 */
import { expect } from 'chai';
import { setTimeout as sleep } from 'node:timers/promises';
import { ValueKind } from '../../core';
import { batchOf } from '../helpers/batch';
import { type Daemon, spawnRiakDaemon, type WirePoint } from './daemons';
import { createTestEngine, freshPrefix, startRiak, stopRiak, useRiak } from './riak';

describe('storage-riak outage: Riak stops during ingest @integration', function () {
  this.timeout(240_000);
  useRiak();
  const prefix = freshPrefix('outage');
  let daemon: Daemon;

  before(async () => {
    daemon = await spawnRiakDaemon(prefix, { retryTimeoutMs: 1500, requestTimeoutMs: 3000 });
  });

  after(async () => {
    await startRiak(); // whatever happened, leave the node up for the next suites
    await daemon?.stop();
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
        } else unexpected.push(`${res.status} ${JSON.stringify(res.body)}`);
      }
    };
    const writers = [writer(), writer(), writer(), writer()];
    while (acknowledged.size < 200) await sleep(10);

    await stopRiak();
    const sync = await daemon.write([{ metric: 'outage.m', tags: { w: 'sync' }, timestamp: 1, kind: ValueKind.Float, value: 1 }], true);
    expect(sync.status).to.equal(503);
    expect(sync.body.error.code).to.equal('DSDB_ERR_STORAGE_UNAVAILABLE');
    expect(sync.body.error.message).to.match(/Riak is unreachable.*not acknowledged/);
    // Stay down past the retry window, so that some writes are refused.
    while (refused === 0) await sleep(50);
    await startRiak();
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
    console.log(`      outage: ${sent} points sent, ${acknowledged.size} acknowledged, ${refused} refused explicitly (503), ${found.size} found after restart, ${missing.length} acknowledged missing`);
    expect(acknowledged.size + refused).to.equal(sent);
    expect(missing).to.deep.equal([]);
  });

  it('holds a write without sync while Riak is down and acknowledges it once Riak is back', async () => {
    const engine = createTestEngine(freshPrefix('retry'), { retryTimeoutMs: 120_000, requestTimeoutMs: 3000 });
    await engine.open();
    try {
      await stopRiak();
      let settled = false;
      const pending = engine.write(batchOf([{ metric: 'retry.m', tags: { a: 'b' }, timestamp: 1000, value: { kind: ValueKind.Int, value: 2n ** 62n } }]));
      pending.then(
        () => (settled = true),
        () => (settled = true),
      );
      const sync = await engine.write(batchOf([{ metric: 'retry.m', tags: { a: 'b' }, timestamp: 2000, value: { kind: ValueKind.Int, value: 1n } }]), { sync: true }).catch((err) => err);
      expect(sync.code).to.equal('DSDB_ERR_STORAGE_UNAVAILABLE');
      expect(settled).to.equal(false); // nothing can acknowledge it while the node is down
      await startRiak();
      expect(await pending).to.deep.equal({ written: 1 });
      const found = [];
      for await (const data of engine.read({ metric: 'retry.m' }, { start: 0, end: 5000 })) found.push(...data.points.ints);
      expect(found).to.deep.equal([2n ** 62n]);
    } finally {
      await startRiak();
      await engine.close();
    }
  });
});
