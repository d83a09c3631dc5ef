import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { exchange } from '../helpers/clients';
import { REPO_ROOT, startDaemon, type RunningDaemon } from '../helpers/daemon';
import { readPoints } from '../helpers/read-back';

const FIXTURES = path.join(REPO_ROOT, 'test', 'fixtures', 'clients');

/** Splits bytes into write_tsdb's blocks of at most 1428 bytes, so lines straddle packets. */
function blocks(bytes: Buffer, size = 1428): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += size) out.push(bytes.subarray(i, i + size));
  return out;
}

/** Distinct (series, timestamp) → last value of `put` lines, parsed the obvious way. */
function expectedFromPutLines(text: string): Map<string, { metric: string; value: string }> {
  const out = new Map<string, { metric: string; value: string }>();
  for (const line of text.split('\r\n')) {
    if (!line) continue;
    const [, metric, ts, value, ...tags] = line.split(' ');
    const tagText = tags.filter(Boolean).sort().join(',');
    out.set(`${metric}{${tagText}}@${ts}`, { metric: metric!, value: value! });
  }
  return out;
}

describe('real client captures @integration', () => {
  // A fresh daemon per capture: both captures share metric names.
  let daemon: RunningDaemon;
  beforeEach(async () => {
    daemon = await startDaemon({ plugins: ['http', 'telnet', 'storage-memory', 'put-telnet'] });
  });
  afterEach(() => daemon.stop());

  for (const file of ['collectd-write_tsdb.txt', 'collectd-write_tsdb-storerates-appendds.txt']) {
    it(`accepts collectd write_tsdb's stream (${file}) over telnet and reads every point back`, async () => {
      const bytes = fs.readFileSync(path.join(FIXTURES, file));
      const { data, closed } = await exchange(daemon.port, blocks(bytes), { gapMs: 1 });
      expect(data).to.equal('');
      expect(closed).to.equal(false);
      const expected = expectedFromPutLines(bytes.toString('utf8'));
      const metrics = new Set([...expected.values()].map((e) => e.metric));
      const stored = new Map<string, string>();
      for (const metric of metrics) {
        for (const p of await readPoints(daemon, metric)) {
          const tags = Object.entries(p.tags).map(([k, v]) => `${k}=${v}`).sort().join(',');
          stored.set(`${metric}{${tags}}@${p.timestamp / 1000}`, String(p.value));
        }
      }
      expect(stored.size).to.equal(expected.size);
      for (const [key, { value }] of expected) expect(Number(stored.get(key)), key).to.equal(Number(value));
    });
  }
});
