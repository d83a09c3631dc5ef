/**
 * Issue #19: input that answered 500 (or held the event loop) answers OpenTSDB's 400; a
 * storage outage answers a retryable 503. Each test here failed before its fix.
 */
import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { definePlugin, DsdbError, type StorageEngine } from '../../core';
import { scratchDir, spawnDaemon, startDaemon, type RunningDaemon, type SpawnedDaemon } from '../helpers/daemon';

type ErrorReply = { error: { code: number; message: string; details?: string } };

async function send(port: number, method: string, url: string, body?: string): Promise<{ status: number; json: ErrorReply }> {
  const res = await fetch(`http://127.0.0.1:${port}${url}`, { method, body, headers: body ? { 'content-type': 'application/json' } : {} });
  const text = await res.text();
  return { status: res.status, json: JSON.parse(text) as ErrorReply };
}

const deepObject = (n: number) => '{"a":'.repeat(n) + '1' + '}'.repeat(n);
const deepArray = (n: number) => '['.repeat(n) + '1' + ']'.repeat(n);

describe('security: bad input answers 400, not 500 (#19)', () => {
  let daemon: RunningDaemon;
  before(async () => {
    daemon = await startDaemon({ plugins: ['http', 'put-http', 'query', 'read-api', 'aggregators-opentsdb', 'storage-memory'] });
  });
  after(() => daemon.stop());

  const objectWhereStringBelongs: [string, string, string][] = [
    ['POST', '/api/query', '{"start":"1h-ago","queries":[{"metric":{"toString":1},"aggregator":"sum"}]}'],
    ['POST', '/api/query', '{"start":{"toString":1},"queries":[{"metric":"m","aggregator":"sum"}]}'],
    ['POST', '/api/query', '{"start":"1h-ago","queries":[{"metric":"m","aggregator":{"valueOf":1,"toString":1}}]}'],
    ['POST', '/api/query', '{"start":"1h-ago","queries":[{"metric":"m","aggregator":"sum","tags":{"host":{"toString":1}}}]}'],
    ['POST', '/api/query', '{"start":"1h-ago","queries":[{"metric":"m","aggregator":"sum","filters":[{"type":"regexp","tagk":"a","filter":{"toString":1}}]}]}'],
    ['POST', '/api/query', '{"start":"1h-ago","queries":[{"metric":"m","aggregator":"sum","rateOptions":{"counterMax":{"toString":1}}}]}'],
    ['POST', '/api/query/last', '{"queries":[{"metric":{"toString":1}}]}'],
    ['POST', '/api/search/lookup', '{"metric":{"toString":1}}'],
    ['POST', '/api/search/lookup', '{"metric":"m","limit":{"toString":1}}'],
    ['POST', '/api/put?details', '{"metric":{"toString":1},"timestamp":{"toString":1},"value":{"toString":1},"tags":{"toString":1}}'],
    ['POST', '/api/annotation/bulk', '[{"startTime":1,"tsuid":{"toString":1}}]'],
    ['POST', '/api/suggest', '{"type":{"toString":1}}'],
    ['POST', '/api/annotation', '{"startTime":{"toString":1}}'],
  ];
  for (const [method, url, body] of objectWhereStringBelongs) {
    it(`answers an object where a string belongs with 400: ${method} ${url} ${body.slice(0, 70)}`, async () => {
      const { status, json } = await send(daemon.port, method, url, body);
      expect(status, JSON.stringify(json)).to.equal(400);
      // /api/put?details answers in its own form ({"success","failed","errors"})
      if (!url.startsWith('/api/put')) expect(json.error.code).to.equal(400);
    });
  }

  for (const [what, body] of [
    ['arrays', deepArray(100_000)],
    ['objects in a value', `{"metric":"m","timestamp":1,"value":${deepObject(100_000)},"tags":{"a":"b"}}`],
    ['arrays in a value', `{"metric":"m","timestamp":1,"value":${deepArray(100_000)},"tags":{"a":"b"}}`],
  ]) {
    it(`answers /api/put with JSON nested 100,000 deep (${what}) with 400`, async () => {
      const { status, json } = await send(daemon.port, 'POST', '/api/put?details', body);
      expect(status, JSON.stringify(json).slice(0, 300)).to.equal(400);
      expect(JSON.stringify(json)).not.to.contain('call stack');
    });
  }

  it('still stores JSON values nested a realistic depth', async () => {
    const { status, json } = await send(daemon.port, 'POST', '/api/put?details', `{"metric":"m","timestamp":1,"value":${deepObject(100)},"tags":{"a":"b"}}`);
    expect(status).to.equal(200);
    expect(json).to.deep.equal({ success: 1, failed: 0, errors: [] });
  });

  it('answers an over-long regexp filter with 400', async () => {
    const filter = 'a'.repeat(100_000);
    const { status, json } = await send(daemon.port, 'POST', '/api/query', JSON.stringify({ start: '1h-ago', queries: [{ metric: 'm', aggregator: 'sum', filters: [{ type: 'regexp', tagk: 'a', filter }] }] }));
    expect(status).to.equal(400);
    // OpenTSDB builds filters while Jackson reads the body: a JSON error whose details name the cause
    expect(`${json.error.message}: ${json.error.details}`).to.match(/regular expression/i);
  });

  it('answers Java-only regexp syntax RE2 lacks (backreference, lookahead) with 400', async () => {
    for (const filter of ['(a)\\1', '(?=a)b', 'a++']) {
      const { status, json } = await send(daemon.port, 'POST', '/api/query', JSON.stringify({ start: '1h-ago', queries: [{ metric: 'm', aggregator: 'sum', filters: [{ type: 'regexp', tagk: 'a', filter }] }] }));
      expect(status, filter).to.equal(400);
      expect(`${json.error.message}: ${json.error.details}`, filter).to.match(/Invalid regular expression/);
    }
  });
});

describe('security: a storage outage answers 503, not 500 (#19)', () => {
  let daemon: RunningDaemon;
  before(async () => {
    const unavailable = (): never => {
      throw new DsdbError('DSDB_ERR_STORAGE_UNAVAILABLE', 'storage-mysql: MariaDB is unreachable (ECONNREFUSED); query not run');
    };
    const engine = {
      name: 'down',
      capabilities: {},
      open: async () => undefined,
      close: async () => undefined,
      flush: async () => undefined,
      write: async () => unavailable(),
      // eslint-disable-next-line require-yield
      read: async function* () {
        unavailable();
      },
      // eslint-disable-next-line require-yield
      last: async function* () {
        unavailable();
      },
      // eslint-disable-next-line require-yield
      lookup: async function* () {
        unavailable();
      },
      suggest: async () => unavailable(),
    } as unknown as StorageEngine;
    const down = definePlugin({
      name: 'storage-down',
      register({ hooks }) {
        hooks.storage.engines.tap('storage-down', (engines) => engines.add('down', { create: () => engine }, 'storage-down'));
      },
    });
    daemon = await startDaemon({ plugins: ['http', 'query', 'read-api', 'aggregators-opentsdb', down] });
  });
  after(() => daemon.stop());

  for (const [method, url, body] of [
    ['GET', '/api/query?start=1h-ago&m=sum:sys.cpu', undefined],
    ['POST', '/api/query', '{"start":"1h-ago","queries":[{"metric":"sys.cpu","aggregator":"sum"}]}'],
    ['GET', '/api/suggest?type=metrics&q=s', undefined],
  ] as [string, string, string | undefined][]) {
    it(`answers ${method} ${url} with a retryable 503 in OpenTSDB's error form`, async () => {
      const res = await fetch(`http://127.0.0.1:${daemon.port}${url}`, { method, body, headers: body ? { 'content-type': 'application/json' } : {} });
      expect(res.status).to.equal(503);
      expect(res.headers.get('retry-after')).to.equal('5');
      const json = (await res.json()) as ErrorReply;
      expect(json.error.code).to.equal(503);
      expect(json.error.details).to.contain('MariaDB is unreachable');
    });
  }
});

describe('security: a catastrophic regexp cannot hold the event loop (#19)', () => {
  let dir: string;
  let spawned: SpawnedDaemon;
  before(async () => {
    dir = scratchDir('regexp');
    fs.writeFileSync(path.join(dir, 'dsdb.config.json'), JSON.stringify({ port: 0, logLevel: 'info', plugins: ['http', 'put-http', 'query', 'aggregators-opentsdb', 'storage-memory'] }));
    spawned = await spawnDaemon([], dir);
  });
  after(async () => {
    spawned.child.kill('SIGKILL');
    await spawned.exited;
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('answers (a+)+$ against a 60-character tag value at once (2^60 steps with a backtracking engine)', async () => {
    const base = `http://127.0.0.1:${spawned.port}`;
    const now = Math.floor(Date.now() / 1000);
    const put = await fetch(`${base}/api/put`, { method: 'POST', body: JSON.stringify([{ metric: 'evil', timestamp: now, value: 1, tags: { host: 'a'.repeat(60) + 'b' } }, { metric: 'evil', timestamp: now, value: 2, tags: { host: 'xaaa' } }]) });
    expect(put.status).to.equal(204);
    const body = JSON.stringify({ start: now - 60, queries: [{ metric: 'evil', aggregator: 'sum', filters: [{ type: 'regexp', tagk: 'host', filter: '(a+)+$', groupBy: true }] }] });
    const res = await fetch(`${base}/api/query`, { method: 'POST', body });
    expect(res.status).to.equal(200);
    const results = (await res.json()) as { tags: Record<string, string> }[];
    expect(results.map((r) => r.tags.host)).to.deep.equal(['xaaa']);
  });
});
