/**
 * The kernel's write service: every transport hands its batches to `writer`, so one tap
 * on `write.beforeWrite` sees telnet, /api/put (JSON and protobuf), protobuf over TCP,
 * remote_write and `dsdb import` — once per batch, never per point.
 */
import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { definePlugin, DsdbError, type PointBatch, type WriteInfo } from '../../core';
import { exchange } from '../helpers/clients';
import { REPO_ROOT, runDsdb, scratchDir, startDaemon, type RunningDaemon } from '../helpers/daemon';
import { writeCliConfig } from '../helpers/cli';
import { encodeRequest, frame, PREAMBLE, sendFrames } from '../helpers/protobuf-client';
import { readPoints } from '../helpers/read-back';

const TRANSPORTS = ['http', 'telnet', 'put-telnet', 'put-http', 'protobuf', 'prometheus-remote-write', 'aggregators-opentsdb', 'query', 'storage-memory'];
const T = 1356998400;

interface Seen {
  source: string;
  sync: boolean;
  points: number;
  metrics: string[];
}

/** A plugin that records every batch the writer is handed, and drops metric `drop.me` (a waterfall tap). */
function recorder(seen: Seen[], after: Seen[]) {
  return definePlugin({
    name: 'write-recorder',
    register({ hooks }) {
      hooks.write.beforeWrite.tap('write-recorder', (batch: PointBatch, info: WriteInfo) => {
        seen.push({ source: info.source, sync: info.sync, points: batch.length, metrics: batch.series.map((s) => s.metric) });
        return batch;
      });
      hooks.write.beforeWrite.tap('write-filter', (batch: PointBatch) => withoutMetric(batch, 'drop.me'));
      hooks.write.afterWrite.tap('write-recorder', (batch, info) => {
        after.push({ source: info.source, sync: info.sync, points: batch.length, metrics: batch.series.map((s) => s.metric) });
      });
    },
  });
}

/** A copy of `batch` without the points of `metric` (series list kept: indexes stay valid). */
function withoutMetric(batch: PointBatch, metric: string): PointBatch {
  const keep: number[] = [];
  for (let i = 0; i < batch.length; i++) if (batch.series[batch.seriesIndex[i]!]!.metric !== metric) keep.push(i);
  const pick = <T extends { [i: number]: unknown }>(column: T, make: (n: number) => T): T => {
    const out = make(keep.length);
    keep.forEach((from, to) => (out[to] = column[from]));
    return out;
  };
  return {
    length: keep.length,
    series: batch.series,
    seriesKeys: batch.seriesKeys,
    seriesIndex: pick(batch.seriesIndex, (n) => new Uint32Array(n)),
    timestamps: pick(batch.timestamps, (n) => new Float64Array(n)),
    kinds: pick(batch.kinds, (n) => new Uint8Array(n)),
    floats: pick(batch.floats, (n) => new Float64Array(n)),
    ints: pick(batch.ints, (n) => new BigInt64Array(n)),
    texts: keep.map((i) => batch.texts[i]),
  };
}

describe('the write service (writer) and its per-batch hooks', () => {
  let daemon: RunningDaemon;
  const seen: Seen[] = [];
  const afterSeen: Seen[] = [];

  before(async () => {
    daemon = await startDaemon({ plugins: [...TRANSPORTS, recorder(seen, afterSeen)] });
  });
  after(async () => daemon?.stop());
  beforeEach(() => {
    seen.length = 0;
    afterSeen.length = 0;
  });

  it('sees a telnet put batch, once per packet, not once per point', async () => {
    const lines = [0, 1, 2].map((i) => `put w.telnet ${T + i} ${i} host=a\n`).join('');
    await exchange(daemon.port, [lines + 'version\n']);
    expect(seen).to.deep.equal([{ source: 'telnet', sync: false, points: 3, metrics: ['w.telnet'] }]);
    expect(afterSeen).to.deep.equal(seen);
  });

  it('sees /api/put JSON, with ?sync', async () => {
    const res = await fetch(`http://127.0.0.1:${daemon.port}/api/put?sync`, {
      method: 'POST',
      body: JSON.stringify([{ metric: 'w.http', timestamp: T, value: 1, tags: { host: 'a' } }, { metric: 'w.http', timestamp: T + 1, value: 2, tags: { host: 'b' } }]),
    });
    expect(res.status).to.equal(204);
    expect(seen).to.deep.equal([{ source: 'http', sync: true, points: 2, metrics: ['w.http', 'w.http'] }]);
  });

  it('sees protobuf over HTTP and over raw TCP', async () => {
    const res = await fetch(`http://127.0.0.1:${daemon.port}/api/put`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-protobuf' },
      body: encodeRequest({ points: [{ metric: 'w.pbhttp', timestamp: T, tags: { a: 'b' }, intValue: 1 }] }),
    });
    expect(res.status).to.equal(204);
    const { acks } = await sendFrames(daemon.port, [Buffer.concat([PREAMBLE, frame(encodeRequest({ id: 3, sync: true, points: [{ metric: 'w.pbtcp', timestamp: T, tags: { a: 'b' }, intValue: 1 }] }))])], 1);
    expect(acks[0]!.written).to.equal(1);
    // the HTTP form goes through put-http's route, so its source is http
    expect(seen).to.deep.equal([
      { source: 'http', sync: false, points: 1, metrics: ['w.pbhttp'] },
      { source: 'protobuf', sync: true, points: 1, metrics: ['w.pbtcp'] },
    ]);
  });

  it('sees a Prometheus remote_write request', async () => {
    const body = fs.readFileSync(path.join(REPO_ROOT, 'test', 'fixtures', 'clients', 'prom-remote-write-1.bin'));
    const res = await fetch(`http://127.0.0.1:${daemon.port}/api/v1/write`, {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/x-protobuf', 'content-encoding': 'snappy', 'x-prometheus-remote-write-version': '0.1.0' },
    });
    expect(res.status).to.be.oneOf([204, 400]); // 400 when some series have too many labels; the rest is stored
    expect(seen).to.have.length(1);
    expect(seen[0]!.source).to.equal('remote_write');
    expect(seen[0]!.points).to.be.greaterThan(100);
  });

  it('stores what a beforeWrite tap returns (a waterfall): a dropped metric never reaches storage', async () => {
    await exchange(daemon.port, [`put drop.me ${T} 1 host=a\nput kept.me ${T} 2 host=a\nversion\n`]);
    expect(seen[0]!.points).to.equal(2);
    expect(afterSeen[0]!.points).to.equal(1);
    expect(await readPoints(daemon, 'kept.me')).to.have.length(1);
    expect(await readPoints(daemon, 'drop.me')).to.have.length(0);
  });
});

describe('the write service and misbehaving beforeWrite taps', () => {
  let daemon: RunningDaemon;
  before(async () => {
    const taps = definePlugin({
      name: 'odd-taps',
      register({ hooks }) {
        hooks.write.beforeWrite.tap('odd-taps', (batch: PointBatch) => {
          const metric = batch.series[0]?.metric;
          if (metric === 'tap.throws') throw new Error('policy says no');
          if (metric === 'tap.garbage') return { nonsense: true } as unknown as PointBatch;
          // relabel in place, keys left stale: the writer must derive them again
          if (metric === 'tap.relabel') for (const series of batch.series) series.tags = { ...series.tags, dc: 'moved' };
          return batch;
        });
      },
    });
    daemon = await startDaemon({ plugins: [...TRANSPORTS, taps] });
  });
  after(async () => daemon?.stop());

  it('refuses the whole batch when a tap throws, in each protocol\'s form, and keeps serving', async () => {
    const telnet = await exchange(daemon.port, [`put tap.throws ${T} 1 host=a\nversion\n`]);
    expect(telnet.data).to.contain('put: Storage error: a write.beforeWrite tap refused the batch: policy says no');
    const res = await fetch(`http://127.0.0.1:${daemon.port}/api/put`, { method: 'POST', body: JSON.stringify({ metric: 'tap.throws', timestamp: T, value: 1, tags: { host: 'a' } }) });
    expect(res.status).to.equal(400);
    expect(((await res.json()) as { error: { details: string } }).error.details).to.contain('policy says no');
    expect(await readPoints(daemon, 'tap.throws')).to.have.length(0);
  });

  it('refuses what is not a batch with DSDB_ERR_BAD_WRITE, not a TypeError', async () => {
    const res = await fetch(`http://127.0.0.1:${daemon.port}/api/put`, { method: 'POST', body: JSON.stringify({ metric: 'tap.garbage', timestamp: T, value: 1, tags: { host: 'a' } }) });
    expect(res.status).to.equal(400);
    expect(((await res.json()) as { error: { details: string } }).error.details).to.contain('not a PointBatch');
  });

  it('stores a series relabelled in place under its new tags, and leaves the next batch alone', async () => {
    await exchange(daemon.port, [`put tap.relabel ${T} 1 host=a\nversion\n`]);
    await exchange(daemon.port, [`put tap.other ${T} 2 host=a\nversion\n`]);
    const relabelled = await readPoints(daemon, 'tap.relabel');
    expect(relabelled.map((p) => p.tags)).to.deep.equal([{ host: 'a', dc: 'moved' }]);
    const other = await readPoints(daemon, 'tap.other');
    expect(other.map((p) => p.tags)).to.deep.equal([{ host: 'a' }]);
  });
});

describe('the write service without storage', () => {
  it('answers each transport in its own form, and counts the refusal', async () => {
    const daemon = await startDaemon({ plugins: ['http', 'telnet', 'put-telnet', 'put-http'] });
    try {
      const telnet = await exchange(daemon.port, [`put w.none ${T} 1 host=a\nversion\n`]);
      expect(telnet.data).to.contain('put: Storage error: no storage engine is configured');
      const res = await fetch(`http://127.0.0.1:${daemon.port}/api/put`, { method: 'POST', body: JSON.stringify({ metric: 'w.none', timestamp: T, value: 1, tags: { host: 'a' } }) });
      expect(res.status).to.equal(503);
      const writer = daemon.kernel.container.resolve('writer');
      expect(writer.hasStorage).to.equal(false);
      await writer.write({ length: 0, series: [], seriesKeys: [], seriesIndex: new Uint32Array(0), timestamps: new Float64Array(0), kinds: new Uint8Array(0), floats: new Float64Array(0), ints: new BigInt64Array(0), texts: [] }, { source: 'test', sync: false }).then(
        () => expect.fail('a write without storage must reject'),
        (err: DsdbError) => expect(err.code).to.equal('DSDB_ERR_NO_STORAGE'),
      );
    } finally {
      await daemon.stop();
    }
  });

  it('refuses a malformed batch before any engine sees it (DSDB_ERR_BAD_WRITE)', async () => {
    const daemon = await startDaemon({ plugins: ['storage-memory'] });
    try {
      const writer = daemon.kernel.container.resolve('writer');
      const bad: PointBatch = { length: 1, series: [{ metric: 'm', tags: {} }], seriesKeys: ['m'], seriesIndex: new Uint32Array([0]), timestamps: new Float64Array([NaN]), kinds: new Uint8Array([1]), floats: new Float64Array(1), ints: new BigInt64Array(1), texts: [undefined] };
      await writer.write(bad, { source: 'test', sync: false }).then(
        () => expect.fail('a NaN timestamp must be refused'),
        (err: DsdbError) => expect(err.code).to.equal('DSDB_ERR_BAD_WRITE'),
      );
    } finally {
      await daemon.stop();
    }
  });
});

describe('the write service under `dsdb import`', () => {
  it('hands the import batches to the same beforeWrite hook', async function () {
    this.timeout(60_000);
    const dir = scratchDir('writer-import');
    writeCliConfig(dir, {}, ['./recorder.js']);
    const log = path.join(dir, 'seen.log');
    fs.writeFileSync(
      path.join(dir, 'recorder.js'),
      `const fs = require('node:fs');\nmodule.exports = { name: 'import-recorder', register({ hooks }) { hooks.write.beforeWrite.tap('import-recorder', (batch, info) => { fs.appendFileSync(${JSON.stringify(log)}, info.source + ' ' + batch.length + '\\n'); return batch; }); } };\n`,
    );
    fs.writeFileSync(path.join(dir, 'points.txt'), [0, 1, 2, 3].map((i) => `w.import ${T + i} ${i} host=a`).join('\n') + '\n');
    const result = await runDsdb(['import', '--quiet', 'points.txt'], dir, 30_000);
    expect(result.code, result.stderr).to.equal(0);
    expect(fs.readFileSync(log, 'utf8')).to.equal('import 4\n');
  });
});

