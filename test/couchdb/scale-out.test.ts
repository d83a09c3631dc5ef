/**
 * Stateless scale-out: two real `dsdb` processes, A and B, on one CouchDB database. What
 * one writes the other reads; concurrent creators of the same series end with one
 * series document and one id; B's lookups and suggestions see A's new series as soon as
 * A acknowledged the write; concurrent writers through A and B into the same window
 * documents lose no point (409 → re-read → merge); A killed, B has everything. @integration
 */
import { expect } from 'chai';
import { seriesKeyString, ValueKind } from '../../core';
import { seriesId } from '../../plugins/storage-couchdb/ids';
import { couchRequest, createTestEngine, dropDatabase, freshDatabase, useCouchDb } from './couchdb';
import { raceForDeletes, raceForKeys, raceForUids } from '../helpers/meta-race';
import { type Daemon, spawnCouchDaemon, type WirePoint } from './daemons';

describe('storage-couchdb scale-out: two daemons over one CouchDB @integration', function () {
  this.timeout(90000);
  useCouchDb();
  const database = freshDatabase('scale');
  let a: Daemon;
  let b: Daemon;

  before(async () => {
    a = await spawnCouchDaemon(database);
    b = await spawnCouchDaemon(database);
  });

  after(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await dropDatabase(database);
  });

  it('meta store: two engines putIfAbsent the same 200 keys at once: each key won exactly once, both read the winner; deleting at once, one delete each; lib/uid assigns each name one UID through both', async () => {
    const one = createTestEngine(database);
    const two = createTestEngine(database);
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

  it('ends with one series document and the same ids on A and B when many writers create the same series at once', async () => {
    const hosts = Array.from({ length: 40 }, (_, i) => `w${i}`);
    const writes = [];
    let sent = 0;
    for (let w = 0; w < 8; w++) {
      const daemon = w % 2 ? b : a;
      // each writer walks the new series in its own order; timestamps are distinct across writers
      const order = hosts.map((h, i) => hosts[(i * (w + 1) * 7 + w) % hosts.length]!);
      const points = [...new Set(order)].concat(hosts).map((host, i) => ({ metric: 'scale.race', tags: { host, dc: 'x' }, timestamp: 1000 + w * 1000 + i, kind: ValueKind.Float, value: w }));
      sent += points.length;
      writes.push(daemon.write(points, true));
    }
    const results = await Promise.all(writes);
    expect(results.map((r) => r.status)).to.deep.equal(new Array(8).fill(200));
    const onA = (await a.get('lookup', { metric: 'scale.race' })).series;
    const onB = (await b.get('lookup', { metric: 'scale.race' })).series;
    expect(onA).to.have.length(40);
    expect(onB).to.deep.equal(onA);
    // the ids are the deterministic ones, and the database holds one document per series
    for (const s of onA) expect(s.id).to.equal(seriesId(seriesKeyString(s.metric, s.tags)));
    const all = await couchRequest<{ rows: { id: string }[] }>('GET', `${database}/_all_docs?startkey=${encodeURIComponent('"s:scale.race:"')}&endkey=${encodeURIComponent('"s:scale.race:\ufff0"')}`);
    expect(all.body.rows).to.have.length(40);
    // every writer's points are there: 8 writers × 40 series, distinct timestamps
    const { series } = await b.get('read', { metric: 'scale.race', start: 0, end: 100000 });
    expect(series.reduce((n: number, s: { values: unknown[] }) => n + s.values.length, 0)).to.equal(sent);
  });

  it('loses no point when A and B write into the same window documents at once (409 → re-read → merge)', async () => {
    const rounds = 20;
    const writes = [];
    for (let r = 0; r < rounds; r++) {
      for (const [d, daemon] of [a, b].entries()) {
        const points: WirePoint[] = Array.from({ length: 10 }, (_, i) => ({ metric: 'scale.shared', tags: { s: `s${i % 2}` }, timestamp: 50_000 + (r * 2 + d) * 10 + i, kind: ValueKind.Int, value: String(r * 1000 + d * 100 + i) }));
        writes.push(daemon.write(points));
      }
    }
    const results = await Promise.all(writes);
    expect(results.map((r) => r.status)).to.deep.equal(new Array(rounds * 2).fill(200));
    for (const daemon of [a, b]) {
      const { series } = await daemon.get('read', { metric: 'scale.shared', start: 0, end: 100000 });
      expect(series.reduce((n: number, s: { values: unknown[] }) => n + s.values.length, 0)).to.equal(rounds * 2 * 10);
    }
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
