/**
 * docs/plugins.md says a write.beforeWrite tap may relabel `series[s].tags` in place. The
 * transports' series caches (telnet, the /api/put and remote_write byte readers, the
 * telnet worker path) hand out one tags object per series for every batch, so the writer
 * gives taps copies (core/writer.ts withOwnSeries): the relabel applies once per point,
 * on every path. Found by a review: before the fix, `a` became `a.dc1`, then `a.dc1.dc1`.
 */
import { expect } from 'chai';
import { definePlugin, type PointBatch } from '../../core';
import { exchange } from '../helpers/clients';
import { startDaemon, type RunningDaemon } from '../helpers/daemon';
import { readPoints } from '../helpers/read-back';

const T = 1356998400;

function relabeller() {
  return definePlugin({
    name: 'suffix-host',
    register({ hooks }) {
      hooks.write.beforeWrite.tap('suffix-host', (batch: PointBatch) => {
        // in place, as docs/plugins.md allows
        for (const series of batch.series) if (series.metric.startsWith('rl.')) (series.tags as Record<string, string>).host = series.tags.host + '.dc1'; // what a JS plugin can do; the TS type says Readonly
        return batch;
      });
    },
  });
}

async function hosts(daemon: RunningDaemon, metric: string): Promise<string[]> {
  return [...new Set((await readPoints(daemon, metric)).map((p) => p.tags.host!))].sort();
}

describe('in-place relabelling by a beforeWrite tap vs the series caches @integration', () => {
  it('/api/put: the same body twice stores host=a.dc1 both times', async () => {
    const daemon = await startDaemon({ plugins: ['http', 'put-http', 'storage-memory', relabeller()] });
    try {
      for (let i = 0; i < 3; i++) {
        const body = JSON.stringify([{ metric: 'rl.json', timestamp: T + i, value: i, tags: { host: 'a' } }]);
        const res = await fetch(`http://127.0.0.1:${daemon.port}/api/put`, { method: 'POST', body });
        expect(res.status).to.equal(204);
      }
      // the same through the exact reader (an escape makes the byte reader give up): fine
      for (let i = 0; i < 3; i++) {
        const body = `[{"metric":"rl.exact","timestamp":${T + i},"value":${i},"tags":{"host":"\\u0061"}}]`;
        expect((await fetch(`http://127.0.0.1:${daemon.port}/api/put`, { method: 'POST', body })).status).to.equal(204);
      }
      expect(await hosts(daemon, 'rl.exact')).to.deep.equal(['a.dc1']);
      expect(await hosts(daemon, 'rl.json')).to.deep.equal(['a.dc1']);
    } finally {
      await daemon.stop();
    }
  });

  for (const parseWorkers of [0, 1]) {
    it(`telnet (parseWorkers ${parseWorkers}): three packets of one series store host=a.dc1`, async () => {
      const daemon = await startDaemon({ plugins: ['http', 'telnet', 'storage-memory', ['put-telnet', { parseWorkers }], relabeller()] });
      try {
        await exchange(daemon.port, [0, 1, 2].map((i) => `put rl.telnet ${T + i} ${i} host=a\n`), { gapMs: 50 });
        expect(await hosts(daemon, 'rl.telnet')).to.deep.equal(['a.dc1']);
      } finally {
        await daemon.stop();
      }
    });
  }

  it('remote_write: the same series in three requests stores host=a.dc1', async () => {
    const daemon = await startDaemon({ plugins: ['http', 'prometheus-remote-write', 'storage-memory', relabeller()] });
    try {
      const ld = (field: number, bytes: number[]) => [(field << 3) | 2, bytes.length, ...bytes];
      const str = (t: string) => [...Buffer.from(t)];
      const label = (n: string, v: string) => ld(1, [...ld(1, str(n)), ...ld(2, str(v))]);
      const vi = (n: number) => { const o: number[] = []; while (n >= 128) { o.push((n % 128) | 128); n = Math.floor(n / 128); } o.push(n); return o; };
      for (let i = 0; i < 3; i++) {
        const f = Buffer.alloc(8);
        f.writeDoubleLE(i + 1);
        const raw = ld(1, [...label('__name__', 'rl.prom'), ...label('host', 'a'), ...ld(2, [0x09, ...f, 0x10, ...vi((T + i) * 1000)])]);
        // snappy: the length, then one literal (tag 60<<2: one length byte follows)
        const body = Buffer.from([...vi(raw.length), 60 << 2, raw.length - 1, ...raw]);
        const res = await fetch(`http://127.0.0.1:${daemon.port}/api/write`, { method: 'POST', body, headers: { 'content-type': 'application/x-protobuf', 'content-encoding': 'snappy' } });
        expect(res.status, await res.text()).to.equal(204);
      }
      expect(await hosts(daemon, 'rl.prom')).to.deep.equal(['a.dc1']);
    } finally {
      await daemon.stop();
    }
  });
});
