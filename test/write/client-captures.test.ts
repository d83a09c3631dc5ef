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

/** Requests of a captured request log: `METHOD path HTTP/1.1`, headers, blank line, body; blocks split by `----`. */
function capturedRequests(file: string): { method: string; path: string; headers: Record<string, string>; body: string }[] {
  return fs
    .readFileSync(path.join(FIXTURES, file), 'utf8')
    .split(/\n----\n/)
    .filter((block) => /^[A-Z]+ \//.test(block))
    .map((block) => {
      const [head, ...rest] = block.split('\n\n');
      const [requestLine, ...headerLines] = head!.split('\n');
      const [method, target] = requestLine!.split(' ');
      const headers: Record<string, string> = {};
      for (const line of headerLines) {
        const colon = line.indexOf(':');
        const name = line.slice(0, colon).toLowerCase();
        if (name !== 'host' && name !== 'content-length') headers[name] = line.slice(colon + 1).trim();
      }
      const body = rest.join('\n\n');
      // the log ends each body with the newline that precedes `----`
      return { method: method!, path: target!, headers, body: body.endsWith('\n') ? body.slice(0, -1) : body };
    });
}

describe('more real client captures: netdata, npm opentsdb, Go opentsdb-goclient @integration', () => {
  let daemon: RunningDaemon;
  beforeEach(async () => {
    daemon = await startDaemon({ plugins: ['http', 'telnet', 'storage-memory', 'put-telnet', 'put-http'] });
  });
  afterEach(() => daemon.stop());

  for (const file of ['netdata-opentsdb-telnet.txt', 'npm-opentsdb-telnet.txt']) {
    it(`stores every line of ${file} over telnet`, async () => {
      const bytes = fs.readFileSync(path.join(FIXTURES, file));
      const { data } = await exchange(daemon.port, blocks(bytes));
      expect(data).to.equal('');
      const lines = bytes.toString('utf8').split('\n').filter(Boolean);
      let stored = 0;
      for (const metric of new Set(lines.map((l) => l.split(' ')[1]!))) stored += (await readPoints(daemon, metric)).length;
      expect(stored).to.equal(new Set(lines.map((l) => l.split(' ').filter((_, i) => i !== 3).join(' '))).size);
    });
  }

  it("answers netdata's HTTP batches (empty ones with OpenTSDB's 400) and stores all 827 points", async () => {
    const requests = capturedRequests('netdata-opentsdb-http.txt');
    expect(requests).to.have.length(9);
    const metrics = new Set<string>();
    let points = 0;
    for (const r of requests) {
      const res = await fetch(`http://127.0.0.1:${daemon.port}${r.path}`, { method: r.method, headers: r.headers, body: r.body });
      const parsed = JSON.parse(r.body) as { metric: string }[];
      if (parsed.length === 0) {
        expect(res.status).to.equal(400);
        expect(((await res.json()) as { error: { message: string } }).error.message).to.equal('No datapoints found in content');
        continue;
      }
      expect(res.status, await res.clone().text()).to.equal(204);
      points += parsed.length;
      for (const p of parsed) metrics.add(p.metric);
    }
    expect(points).to.equal(827);
    let stored = 0;
    for (const metric of metrics) stored += (await readPoints(daemon, metric)).length;
    expect(stored).to.equal(827);
  });

  it("answers the Go client's /api/put, ?details and ?summary as OpenTSDB does", async () => {
    const replies: [number, string][] = [];
    for (const r of capturedRequests('go-opentsdb-goclient-http.txt')) {
      const res = await fetch(`http://127.0.0.1:${daemon.port}${r.path}`, { method: r.method, headers: r.headers, body: r.body });
      replies.push([res.status, await res.text()]);
    }
    expect(replies).to.deep.equal([
      [204, ''],
      [200, '{"success":4,"failed":0,"errors":[]}'],
      [200, '{"success":4,"failed":0}'],
    ]);
    expect((await readPoints(daemon, 'sys.cpu.nice')).map((p) => [p.timestamp, p.value])).to.deep.equal([[1795521600000, 7n]]);
    expect((await readPoints(daemon, 'sys.cpu.user')).map((p) => p.value)).to.deep.equal([10.5, 11.5, 12.5]);
  });
});
