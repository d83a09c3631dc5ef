import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { REPO_ROOT, startDaemon, type RunningDaemon } from '../helpers/daemon';
import { readPoints } from '../helpers/read-back';

const FIXTURES = path.join(REPO_ROOT, 'test', 'fixtures', 'clients');

interface DecodedSeries {
  labels: { name: string; value: string }[];
  samples: { value: number | string; timestamp: string }[];
}

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

  it('refuses a body that is not snappy-compressed protobuf with 400', async () => {
    const res = await post(Buffer.from('not snappy at all'));
    expect(res.status).to.equal(400);
    expect(((await res.json()) as { error: { message: string } }).error.message).to.equal('Unable to decode the remote write request');
  });
});
