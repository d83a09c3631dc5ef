/**
 * CouchDB killed (SIGKILL) during ingest over /api/put and restarted on the same port and
 * data: the daemon keeps running; `?sync` writes fail at once with a 503 naming
 * CouchDB; other writes are retried for `retryTimeoutMs` and then refused with a 503,
 * never dropped in silence; once CouchDB is back every acknowledged point is there.
 * Kills and restarts the test server. @integration
 */
import { expect } from 'chai';
import { setTimeout as sleep } from 'node:timers/promises';
import { ValueKind } from '../../core';
import { createLogger } from '../../core/logger';
import { CouchEngine } from '../../plugins/storage-couchdb/engine';
import { batchOf } from '../helpers/batch';
import { dropDatabase, engineOptions, freshDatabase, startCouchDb, stopCouchDb, testCodecs, useCouchDb } from './couchdb';
import { type Daemon, spawnCouchDaemon } from './daemons';

interface PutPoint {
  metric: string;
  timestamp: number;
  value: number;
  tags: Record<string, string>;
}

async function put(daemon: Daemon, points: PutPoint[], sync = false): Promise<{ status: number; body: any }> {
  const res = await fetch(`${daemon.url}/api/put${sync ? '?sync' : ''}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(points) });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

describe('storage-couchdb outage: CouchDB killed during ingest @integration', function () {
  this.timeout(120000);
  useCouchDb();
  const database = freshDatabase('outage');
  let daemon: Daemon;

  before(async () => {
    daemon = await spawnCouchDaemon(database, { retryTimeoutMs: 1500, requestTimeoutMs: 2000 });
  });

  after(async () => {
    await startCouchDb(); // whatever happened, leave the server up for the next suites
    await daemon?.stop();
    await dropDatabase(database);
  });

  it('keeps running, answers 503 while CouchDB is down, and keeps every acknowledged point', async () => {
    const acknowledged = new Set<number>();
    let refused = 0;
    let sent = 0;
    let ackedAfterRestart = 0;
    let restarted = false;
    let stopWriters = false;
    const unexpected: string[] = [];
    let nextTimestamp = 1_700_000_000_000;

    // Four writers, each posting 20 points per /api/put (not sync) as fast as answers come.
    const writer = async () => {
      while (!stopWriters) {
        const points: PutPoint[] = [];
        for (let i = 0; i < 20; i++) points.push({ metric: 'outage.m', tags: { w: String(i % 4) }, timestamp: nextTimestamp++, value: i });
        sent += points.length;
        const res = await put(daemon, points);
        if (res.status === 204) {
          for (const p of points) acknowledged.add(p.timestamp);
          if (restarted) ackedAfterRestart += points.length;
        } else if (res.status === 503 && res.body?.error?.message === 'Storage is unavailable' && /CouchDB is unreachable/.test(res.body.error.details)) {
          refused += points.length;
          await sleep(50);
        } else unexpected.push(`${res.status} ${JSON.stringify(res.body)}`);
      }
    };
    const writers = [writer(), writer(), writer(), writer()];
    while (acknowledged.size < 400) await sleep(10);

    await stopCouchDb(true); // SIGKILL, mid-ingest
    const sync = await put(daemon, [{ metric: 'outage.m', tags: { w: 'sync' }, timestamp: 1_600_000_000_000, value: 1 }], true);
    expect(sync.status).to.equal(503);
    expect(sync.body.error.details).to.match(/CouchDB is unreachable.*not acknowledged/);
    // Stay down past the retry window, so that some writes are refused.
    while (refused === 0) await sleep(50);
    await startCouchDb(); // same port, same data directory
    restarted = true;
    while (ackedAfterRestart < 400) await sleep(10);
    stopWriters = true;
    await Promise.all(writers);

    expect(unexpected).to.deep.equal([]);
    expect(daemon.alive).to.equal(true);
    const { series } = await daemon.get('read', { metric: 'outage.m' });
    const found = new Set<number>();
    for (const s of series) for (const t of s.timestamps) found.add(t);
    const missing = [...acknowledged].filter((t) => !found.has(t));
    console.log(`      outage: ${sent} points sent, ${acknowledged.size} acknowledged (204), ${refused} refused with 503, ${found.size} found after restart, ${missing.length} acknowledged missing`);
    expect(acknowledged.size + refused).to.equal(sent);
    expect(missing).to.deep.equal([]);
  });

  it('holds a write without sync while CouchDB is down and acknowledges it once CouchDB is back', async () => {
    const db = freshDatabase('retry');
    const engine = new CouchEngine(engineOptions(db, { retryTimeoutMs: 120000, requestTimeoutMs: 2000 }), createLogger('silent'), testCodecs());
    await engine.open();
    try {
      await stopCouchDb();
      let settled = false;
      const pending = engine.write(batchOf([{ metric: 'retry.m', tags: { a: 'b' }, timestamp: 1000, value: { kind: ValueKind.Int, value: 2n ** 62n } }]));
      pending.then(() => (settled = true), () => (settled = true));
      const sync = await engine.write(batchOf([{ metric: 'retry.m', tags: { a: 'b' }, timestamp: 2000, value: { kind: ValueKind.Int, value: 1n } }]), { sync: true }).catch((err) => err);
      expect(sync.code).to.equal('DSDB_ERR_STORAGE_UNAVAILABLE');
      expect(settled).to.equal(false); // nothing can acknowledge it while the server is down
      await startCouchDb();
      expect(await pending).to.deep.equal({ written: 1 });
      const found = [];
      for await (const data of engine.read({ metric: 'retry.m' }, { start: 0, end: 5000 })) found.push(...data.points.ints);
      expect(found).to.deep.equal([2n ** 62n]);
    } finally {
      await startCouchDb();
      await engine.close();
      await dropDatabase(db);
    }
  });
});
