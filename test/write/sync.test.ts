import { expect } from 'chai';
import { definePlugin, type PointBatch, type WriteOptions } from '../../core';
import { MemoryEngine } from '../../plugins/storage-memory/engine';
import { startDaemon, type RunningDaemon } from '../helpers/daemon';
import { encodeRequest, frame, PREAMBLE, sendFrames } from '../helpers/protobuf-client';
import { readPoints } from '../helpers/read-back';

/** A memory engine whose sync writes wait at a gate the test opens: durability made observable. */
class GatedEngine extends MemoryEngine {
  syncWrites: { options: WriteOptions | undefined; release: () => void }[] = [];
  onSyncWrite: (() => void) | undefined;
  override async write(batch: PointBatch, options?: WriteOptions) {
    if (options?.sync) {
      await new Promise<void>((release) => {
        this.syncWrites.push({ options, release });
        this.onSyncWrite?.();
      });
    }
    return super.write(batch);
  }
}

describe('?sync and protobuf sync wait for durable writes @integration', () => {
  let daemon: RunningDaemon;
  const engine = new GatedEngine();
  const gated = definePlugin({
    name: 'gated-storage',
    register({ hooks }) {
      hooks.storage.engines.tap('gated-storage', (engines) => engines.add('gated', { create: () => engine }, 'gated-storage'));
    },
  });
  before(async () => {
    daemon = await startDaemon({ plugins: ['http', 'telnet', gated, 'put-http', 'protobuf'] });
  });
  after(() => daemon.stop());

  const nextSyncWrite = () => new Promise<void>((resolve) => (engine.onSyncWrite = resolve));
  const body = (metric: string) => JSON.stringify({ metric, timestamp: 1356998400, value: 1, tags: { a: 'b' } });

  it('replies to /api/put?sync only after storage resolved write(batch, {sync: true})', async () => {
    const called = nextSyncWrite();
    let settled = false;
    const reply = fetch(`http://127.0.0.1:${daemon.port}/api/put?sync`, { method: 'POST', body: body('sync.http') }).then((res) => ((settled = true), res));
    await called;
    expect(engine.syncWrites.at(-1)!.options).to.deep.equal({ sync: true });
    // The engine has not acknowledged: no reply may have been sent.
    await new Promise((r) => setImmediate(r));
    expect(settled).to.equal(false);
    engine.syncWrites.at(-1)!.release();
    expect((await reply).status).to.equal(204);
    expect(await readPoints(daemon, 'sync.http')).to.have.length(1);
  });

  it('answers 400 with timeouts when storage misses sync_timeout', async () => {
    const res = await fetch(`http://127.0.0.1:${daemon.port}/api/put?sync&summary&sync_timeout=20`, { method: 'POST', body: body('sync.timeout') });
    expect(res.status).to.equal(400);
    expect(await res.json()).to.deep.equal({ success: 0, failed: 0, timeouts: 1 });
    engine.syncWrites.at(-1)!.release();
  });

  it('a timeout as OpenTSDB answers it: keys in its order, the points still being written listed with details, refused points not counted as failed writes', async () => {
    const points = JSON.stringify([
      { metric: 'sync.details', timestamp: 1356998400, value: 1, tags: { a: 'b' } },
      { metric: 'sync.details', timestamp: 1356998401, value: 2, tags: {} },
      { metric: 'sync.details', timestamp: 1356998402, value: 3, tags: { a: 'c' } },
    ]);
    const details = await fetch(`http://127.0.0.1:${daemon.port}/api/put?sync&details&sync_timeout=20`, { method: 'POST', body: points });
    expect(details.status).to.equal(400);
    const text = await details.text();
    expect(Object.keys(JSON.parse(text))).to.deep.equal(['success', 'timeouts', 'failed', 'errors']);
    expect(JSON.parse(text)).to.deep.equal({
      success: 0,
      timeouts: 2,
      failed: 1,
      errors: [
        { datapoint: { metric: 'sync.details', timestamp: 1356998401, value: '2', tags: {} }, error: 'Missing tags' },
        { datapoint: { metric: 'sync.details', timestamp: 1356998400, value: '1', tags: { a: 'b' } }, error: 'Write timedout' },
        { datapoint: { metric: 'sync.details', timestamp: 1356998402, value: '3', tags: { a: 'c' } }, error: 'Write timedout' },
      ],
    });
    engine.syncWrites.at(-1)!.release();
    const plain = await fetch(`http://127.0.0.1:${daemon.port}/api/put?sync&sync_timeout=20`, { method: 'POST', body: points });
    expect(await plain.json()).to.deep.equal({
      error: {
        code: 400,
        message: 'The put call has timedout with 0 successful writes, 0 failed writes and 2 timed out writes.',
        details: 'Please see the TSD logs or append "details" to the put request',
      },
    });
    engine.syncWrites.at(-1)!.release();
  });

  it('acks a raw TCP WriteRequest with sync only after storage resolved the sync write', async () => {
    const called = nextSyncWrite();
    const request = encodeRequest({ id: 5, sync: true, points: [{ metric: 'sync.tcp', timestamp: 1356998400, tags: { a: 'b' }, intValue: 1 }] });
    let acked = false;
    const exchange = sendFrames(daemon.port, [Buffer.concat([PREAMBLE, frame(request)])], 1).then((r) => ((acked = true), r));
    await called;
    await new Promise((r) => setImmediate(r));
    expect(acked).to.equal(false);
    engine.syncWrites.at(-1)!.release();
    const { acks } = await exchange;
    expect(acks[0]).to.deep.include({ id: '5', written: 1 });
  });
});
