/**
 * A window document with a conflicting branch (what a cluster partition or a replication
 * leaves): reads merge every branch, and the next write stores the merge and deletes the
 * losing branch, so no point of either branch is lost. The branch is injected with
 * `_bulk_docs` and `new_edits: false`, as replication writes it. @integration
 */
import { expect } from 'chai';
import { allocPoints, seriesKeyString, ValueKind, type SeriesPoints } from '../../core';
import { CodecSet, DEFAULT_CODECS } from '../../lib/chunks';
import { encodeChunkDoc } from '../../plugins/storage-couchdb/chunk-doc';
import { chunkDocId, seriesId } from '../../plugins/storage-couchdb/ids';
import { batchOf } from '../helpers/batch';
import { couchRequest, createTestEngine, dropDatabase, freshDatabase, testCodecs, useCouchDb } from './couchdb';

const point = (timestamp: number, value: bigint) => ({ metric: 'conflict.m', tags: { h: 'a' }, timestamp, value: { kind: ValueKind.Int, value } });

function points(list: [number, bigint][]): SeriesPoints {
  const p = allocPoints(list.length);
  list.forEach(([t, v], i) => {
    p.timestamps[i] = t;
    p.kinds[i] = ValueKind.Int;
    p.ints[i] = v;
  });
  return p;
}

describe('storage-couchdb conflicted window documents @integration', function () {
  this.timeout(60000);
  useCouchDb();
  const database = freshDatabase('conflicts');
  after(async () => dropDatabase(database));

  it('reads the merge of every branch, and the next write or delete resolves the conflict without losing a point', async () => {
    const sid = seriesId(seriesKeyString('conflict.m', { h: 'a' }));
    const id = chunkDocId(sid, 0);
    const engine = createTestEngine(database);
    await engine.open();
    try {
      await engine.write(batchOf([point(1000, 1n), point(1001, 2n)]));
      await engine.write(batchOf([point(1002, 3n)])); // the winning branch is at revision 2
      // a branch from another root, at revision 1: it loses, and holds a point the winner lacks
      const branch = encodeChunkDoc(new CodecSet(testCodecs(), DEFAULT_CODECS), id, '1-' + 'f'.repeat(32), sid, 0, points([[1001, 99n], [1500, 7n]]));
      const injected = await couchRequest<unknown[]>('POST', `${database}/_bulk_docs`, { docs: [branch], new_edits: false });
      expect(injected.status).to.equal(201);
      const before = await couchRequest<{ _conflicts?: string[] }>('GET', `${database}/${encodeURIComponent(id)}?conflicts=true`);
      expect(before.body._conflicts).to.deep.equal(['1-' + 'f'.repeat(32)]);

      const read = async () => {
        const out: [number, bigint][] = [];
        for await (const d of engine.read({ metric: 'conflict.m' }, { start: 0, end: 10000 })) for (let i = 0; i < d.points.length; i++) out.push([d.points.timestamps[i]!, d.points.ints[i]!]);
        return out;
      };
      // the winner's value wins on the shared timestamp 1001; 1500 comes from the losing branch
      expect(await read()).to.deep.equal([[1000, 1n], [1001, 2n], [1002, 3n], [1500, 7n]]);
      const last = [];
      for await (const p of engine.last({ metric: 'conflict.m' })) last.push([p.timestamp, p.int]);
      expect(last).to.deep.equal([[1500, 7n]]);

      // a daemon that reads the document afresh (no cached revision) writes the merge and deletes the loser
      const other = createTestEngine(database);
      await other.open();
      await other.write(batchOf([point(1003, 4n)]));
      await other.close();
      const after = await couchRequest<{ _conflicts?: string[] }>('GET', `${database}/${encodeURIComponent(id)}?conflicts=true`);
      expect(after.body._conflicts ?? []).to.deep.equal([]);
      expect(await read()).to.deep.equal([[1000, 1n], [1001, 2n], [1002, 3n], [1003, 4n], [1500, 7n]]);

      // a delete of a conflicted window counts and removes the points of every branch
      const again = encodeChunkDoc(new CodecSet(testCodecs(), DEFAULT_CODECS), id, '1-' + 'e'.repeat(32), sid, 0, points([[1600, 8n]]));
      expect((await couchRequest('POST', `${database}/_bulk_docs`, { docs: [again], new_edits: false })).status).to.equal(201);
      expect(await engine.deleteRange({ metric: 'conflict.m' }, { start: 1400, end: 2000 })).to.equal(2);
      expect(await read()).to.deep.equal([[1000, 1n], [1001, 2n], [1002, 3n], [1003, 4n]]);
      const resolved = await couchRequest<{ _conflicts?: string[] }>('GET', `${database}/${encodeURIComponent(id)}?conflicts=true`);
      expect(resolved.body._conflicts ?? []).to.deep.equal([]);
    } finally {
      await engine.close();
    }
  });
});
