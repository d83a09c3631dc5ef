import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import protobuf from 'protobufjs';
import snappyjs from 'snappyjs';
import { REPO_ROOT, startDaemon, type RunningDaemon } from '../helpers/daemon';
import { BatchBuilder } from '../../core/batch-builder';
import { describeBatch } from '../helpers/put-lines';
import { readPoints } from '../helpers/read-back';

const FIXTURES = path.join(REPO_ROOT, 'test', 'fixtures', 'clients');

interface DecodedSeries {
  labels: { name: string; value: string }[];
  samples: { value: number | string; timestamp: string }[];
}

/** Prometheus' remote_write WriteRequest (prompb/remote.proto), the fields these tests send. */
const WRITE_REQUEST = protobuf.parse(`syntax = "proto3";
  message WriteRequest { repeated TimeSeries timeseries = 1; }
  message TimeSeries { repeated Label labels = 1; repeated Sample samples = 2; }
  message Label { string name = 1; string value = 2; }
  message Sample { double value = 1; int64 timestamp = 2; }`).root.lookupType('WriteRequest');

/** The capture's own decoding (prom-remote-write-1.json), one series per line. */
function decodedCapture(): DecodedSeries[] {
  return fs
    .readFileSync(path.join(FIXTURES, 'prom-remote-write-1.json'), 'utf8')
    .split('\n')
    .filter((line) => line.startsWith('{"labels"'))
    .map((line) => JSON.parse(line.replace(/,$/, '')) as DecodedSeries);
}

describe('Prometheus remote_write @integration', () => {
  let daemon: RunningDaemon;
  before(async () => {
    daemon = await startDaemon({ plugins: ['http', 'telnet', 'storage-memory', 'prometheus-remote-write'] });
  });
  after(() => daemon.stop());

  const post = (body: Buffer) =>
    fetch(`http://127.0.0.1:${daemon.port}/api/v1/write`, {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/x-protobuf', 'content-encoding': 'snappy', 'x-prometheus-remote-write-version': '0.1.0' },
    });

  it("accepts Prometheus 2.42's captured bodies (samples and metadata-only) with 204", async () => {
    for (const n of [1, 2, 3, 4]) {
      const res = await post(fs.readFileSync(path.join(FIXTURES, `prom-remote-write-${n}.bin`)));
      expect(res.status, `body ${n}: ${await res.clone().text()}`).to.equal(204);
    }
  });

  it('reads every finite sample of capture 1 back, __name__ as metric, labels as tags with `:` mapped to `_`', async () => {
    const series = decodedCapture();
    expect(series.length).to.equal(885);
    let checked = 0;
    for (const s of series) {
      // The capture's JSON renders the 481 zero samples as "-Inf" (the .bin holds 0.0).
      const raw = s.samples[0]!.value;
      const value = raw === '-Inf' ? 0 : Number(raw);
      if (!Number.isFinite(value)) continue;
      const labels = Object.fromEntries(s.labels.map((l) => [l.name, l.value]));
      const metric = labels.__name__!.replace(/:/g, '_');
      const tags = Object.fromEntries(
        Object.entries(labels)
          .filter(([k, v]) => k !== '__name__' && v !== '')
          .map(([k, v]) => [k, v.replace(/[^\p{L}0-9\-_./]/gu, '_')]),
      );
      const stored = (await readPoints(daemon, metric)).filter((p) => JSON.stringify(p.tags) === JSON.stringify(Object.fromEntries(Object.entries(tags).sort())));
      const point = stored.find((p) => p.timestamp === Number(s.samples[0]!.timestamp));
      expect(point, `${metric} ${JSON.stringify(tags)}`).to.not.equal(undefined);
      expect(point!.value).to.equal(value);
      checked++;
    }
    expect(checked).to.equal(885 - 26); // 26 NaN quantiles are skipped
    const build = await readPoints(daemon, 'prometheus_build_info');
    expect(build[0]!.tags.instance).to.equal('127.0.0.1_19090');
  });

  it('reads requests on a parse worker: the same batch and refusals as the main thread, and none lost when the worker dies', async () => {
    const pool = daemon.kernel.container.resolve('putParsePool');
    const reader = path.join(REPO_ROOT, 'dist', 'plugins', 'prometheus-remote-write', 'body-reader.js');
    const options = { maxTags: 16, maxUncompressedBytes: 32 * 1024 * 1024 };
    const bodies = [1, 2, 3, 4].map((n) => fs.readFileSync(path.join(FIXTURES, `prom-remote-write-${n}.bin`)));
    // the reference: the reader itself, run here on each body
    const { bodyReader } = (await import(reader)) as typeof import('../../plugins/prometheus-remote-write/body-reader');
    const here = bodies.map((body) => {
      const builder = new BatchBuilder(16);
      const read = bodyReader.read(body, builder, options);
      return { detail: read?.detail, points: describeBatch(builder.take()) };
    });
    expect(here[0]!.points.length).to.be.greaterThan(400);
    const onWorker = await Promise.all(bodies.map((body) => pool.parseWith(reader, body, options, 0)));
    expect(pool.threads().length).to.be.greaterThan(0); // it did run on a worker
    expect(onWorker.map((p) => ({ detail: p.detail, points: describeBatch(p.batch) }))).to.deep.equal(here);
    // a worker that dies with the jobs in flight: each is read on the main thread instead
    const pending = bodies.map((body) => pool.parseWith(reader, body, options, 0));
    await pool.threads()[0]!.terminate();
    const fallen = await Promise.all(pending);
    expect(fallen.map((p) => ({ detail: p.detail, points: describeBatch(p.batch) }))).to.deep.equal(here);
    // a body that is not snappy: not the worker's to answer (exact), the route answers it
    expect((await pool.parseWith(reader, Buffer.from('not snappy at all'), options, 0)).exact).to.equal(true);
  });

  it('refuses samples whose timestamps are outside 1 … 9999999999999 ms (400, the count and the first reason) and stores the others', async () => {
    const now = Date.now();
    const samples = [
      { value: 1.5, timestamp: now - 60_000 },
      { value: 2.5, timestamp: now - 30_000 },
      { value: 3, timestamp: 0 },
      { value: 4, timestamp: -5000 },
      { value: 5, timestamp: 10_000_000_000_000 },
      { value: 6, timestamp: '9223372036854775807' },
    ];
    const request = WRITE_REQUEST.encode(WRITE_REQUEST.fromObject({ timeseries: [{ labels: [{ name: '__name__', value: 'rw.bounds' }, { name: 'job', value: 'x' }], samples }] })).finish();
    const res = await post(Buffer.from(snappyjs.compress(request)));
    expect(res.status).to.equal(400);
    const { error } = (await res.json()) as { error: { message: string; details: string } };
    expect(error.message).to.equal('4 samples refused');
    expect(error.details).to.equal('timestamp out of range: 0 ms for metric=rw.bounds (1 to 9999999999999 ms)');
    const stored = await readPoints(daemon, 'rw.bounds');
    expect(stored.map((p) => [p.timestamp, p.value])).to.deep.equal([
      [now - 60_000, 1.5],
      [now - 30_000, 2.5],
    ]);
  });

  it('refuses a series whose label names repeat, or map to one tag key, as Prometheus refuses a repeated name (not merged into one series)', async () => {
    const now = Date.now();
    const series = (labels: [string, string][], value: number) => ({ labels: labels.map(([name, v]) => ({ name, value: v })), samples: [{ value, timestamp: now }] });
    const cases: [[string, string][], string][] = [
      [[['__name__', 'rw.dup'], ['a', '1'], ['a', '2']], 'label name "a" is not unique'],
      [[['__name__', 'rw.dup'], ['a', '1'], ['a', '']], 'label name "a" is not unique'],
      [[['__name__', 'rw.dup'], ['__name__', 'rw.dup2'], ['a', '1']], 'label name "__name__" is not unique'],
      [[['__name__', 'rw.dup'], ['a:b', '1'], ['a_b', '2']], 'labels "a:b" and "a_b" both map to the tag key "a_b"'],
    ];
    // an empty value is an absent label: it merges nothing (stored as {a_b: "3"})
    const absent = WRITE_REQUEST.encode(WRITE_REQUEST.fromObject({ timeseries: [series([['__name__', 'rw.absent'], ['a:b', ''], ['a_b', '3']], 3)] })).finish();
    expect((await post(Buffer.from(snappyjs.compress(absent)))).status).to.equal(204);
    expect((await readPoints(daemon, 'rw.absent')).map((p) => p.tags)).to.deep.equal([{ a_b: '3' }]);
    for (const [labels, reason] of cases) {
      const request = WRITE_REQUEST.encode(WRITE_REQUEST.fromObject({ timeseries: [series([['__name__', 'rw.dup'], ['a', 'ok']], 1), series(labels, 9)] })).finish();
      const res = await post(Buffer.from(snappyjs.compress(request)));
      expect(res.status, reason).to.equal(400);
      const { error } = (await res.json()) as { error: { message: string; details: string } };
      expect(error).to.include({ message: '1 samples refused', details: reason });
    }
    const stored = await readPoints(daemon, 'rw.dup');
    expect(stored.map((p) => [p.tags, p.value])).to.deep.equal([[{ a: 'ok' }, 1]]);
    expect(await readPoints(daemon, 'rw.dup2')).to.deep.equal([]);
  });

  it('refuses a body that is not snappy-compressed protobuf with 400', async () => {
    const res = await post(Buffer.from('not snappy at all'));
    expect(res.status).to.equal(400);
    expect(((await res.json()) as { error: { message: string } }).error.message).to.equal('Unable to decode the remote write request');
  });
});
