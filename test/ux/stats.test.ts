/**
 * #20 (5): every figure once in /api/stats, telnet `stats` and /metrics, and /metrics passes
 * `promtool check metrics` (Debian's prometheus package, installed by scripts/install-promtool.sh).
 */
import { expect } from 'chai';
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { DEFAULT_PLUGINS } from '../../core';
import { promName } from '../../plugins/read-api/stats';
import { exchange } from '../helpers/clients';
import { REPO_ROOT, scratchDir, startDaemon, type RunningDaemon } from '../helpers/daemon';

function promtool(): string {
  return execFileSync('bash', [path.join(REPO_ROOT, 'scripts', 'install-promtool.sh')], { encoding: 'utf8' }).trim();
}

function duplicates(keys: string[]): string[] {
  const seen = new Set<string>();
  return keys.filter((k) => (seen.has(k) ? true : (seen.add(k), false)));
}

describe('stats without duplicates (#20)', function () {
  this.timeout(120_000);
  let d: RunningDaemon;
  let dir: string;
  let base: string;
  before(async () => {
    dir = scratchDir('ux-stats');
    // the default plugins: the embedded engine reports its figures through the hook too
    d = await startDaemon({ plugins: DEFAULT_PLUGINS }, dir);
    base = `http://127.0.0.1:${d.port}`;
    const now = Math.floor(Date.now() / 1000);
    await exchange(d.port, [`put sys.cpu ${now} 1 host=a\n`]);
    await fetch(`${base}/api/put`, { method: 'POST', body: JSON.stringify({ metric: 'sys.cpu', timestamp: now, value: 2, tags: { host: 'b' } }) });
    await fetch(`${base}/api/query?start=1h-ago&m=sum:sys.cpu`);
  });
  after(async () => {
    await d.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('/api/stats names each figure (metric and tags) once, storage figures included', async () => {
    const stats = (await (await fetch(`${base}/api/stats`)).json()) as { metric: string; tags: Record<string, string> }[];
    const keys = stats.map((s) => `${s.metric} ${JSON.stringify(Object.entries(s.tags).sort())}`);
    expect(stats.filter((s) => s.metric === 'tsd.storage.series'), 'storage figures are there').to.have.length(1);
    expect(duplicates(keys)).to.deep.equal([]);
    expect(duplicates(stats.map((s) => s.metric)).filter((m) => m.startsWith('tsd.storage.'))).to.deep.equal([]);
  });

  it('telnet stats prints each figure once', async () => {
    const { data } = await exchange(d.port, ['stats\n']);
    const lines = data.trim().split('\n');
    expect(lines.length).to.be.greaterThan(20);
    const keys = lines.map((line) => {
      const [name, , , ...tags] = line.split(' ');
      return `${name} ${tags.sort().join(' ')}`;
    });
    expect(duplicates(keys)).to.deep.equal([]);
  });

  it('/metrics has no repeated sample and passes promtool check metrics', async () => {
    const text = await (await fetch(`${base}/metrics`)).text();
    const samples = text.split('\n').filter((l) => l && !l.startsWith('#')).map((l) => l.slice(0, l.lastIndexOf(' ')));
    expect(samples.length).to.be.greaterThan(20);
    expect(duplicates(samples)).to.deep.equal([]);
    expect(text).to.match(/^dsdb_storage_wal_bytes\{/m);
    const check = spawnSync(promtool(), ['check', 'metrics'], { input: text, encoding: 'utf8' });
    expect(`${check.stdout}${check.stderr}`.trim(), 'promtool findings').to.equal('');
    expect(check.status).to.equal(0);
  });

  it('promtool rejects what the page used to be (the check can fail)', () => {
    const bad = '# TYPE dsdb_storage_walBytes gauge\ndsdb_storage_walBytes{host="a"} 1\ndsdb_storage_walBytes{host="a"} 1\n';
    const check = spawnSync(promtool(), ['check', 'metrics'], { input: bad, encoding: 'utf8' });
    expect(check.status).to.not.equal(0);
    expect(promName('storage.walBytes')).to.equal('dsdb_storage_wal_bytes');
    expect(promName('http.query.latency_avg_ms')).to.equal('dsdb_http_query_latency_avg_seconds');
  });
});
