/**
 * /api/tree on DSDB alone — what the differential test (test/oracle/tree.test.ts) cannot
 * show: tree building when a series' TSMeta is created (`enableProcessing`) and not without
 * it, `dsdb treesync` for series written before, collisions and not-matched recorded for
 * trees with storeFailures, deletes that drop branches but keep (or drop) the definition,
 * and the answers where DSDB departs from OpenTSDB on purpose (docs/opentsdb-compat.md).
 * Runs on the memory engine: trees live in the engine's MetaStore, as on every backend.
 */
import { expect } from 'chai';
import { PassThrough } from 'node:stream';
import type { CliContext, StorageEngine } from '../../core';
import { startDaemon, type RunningDaemon } from '../helpers/daemon';
import { sha256Hex } from '../../plugins/auth/secrets';
import { treesyncCommand } from '../../plugins/tree/treesync-command';

const PLUGINS = ['http', 'put-http', 'storage-memory', 'uid-meta'];

async function start(enableProcessing: boolean): Promise<RunningDaemon & { url: string }> {
  const daemon = await startDaemon({ plugins: [...PLUGINS, ['tree', { enableProcessing }]] as never, storage: 'memory' });
  return { ...daemon, url: `http://127.0.0.1:${daemon.port}` };
}

async function call(url: string, method: string, body?: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(url, { method, body: body === undefined ? undefined : JSON.stringify(body), headers: body === undefined ? {} : { 'content-type': 'application/json' } });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : '' };
}

async function put(url: string, series: Array<{ metric: string; tags: Record<string, string> }>): Promise<void> {
  for (const s of series) expect((await call(`${url}/api/put`, 'POST', { ...s, timestamp: 1_700_000_000, value: 1 })).status).to.equal(204);
}

/** A tree (enabled, storeFailures) splitting the metric on dots, then naming the leaf by host letters. */
async function makeTree(url: string, strict = false): Promise<number> {
  const tree = await call(`${url}/api/tree`, 'POST', { name: 'hosts', enabled: true, storeFailures: true, strictMatch: strict });
  expect(tree.status).to.equal(200);
  const treeId = tree.body.treeId;
  const rules = [
    { treeId, level: 0, order: 0, type: 'metric', separator: '\\.' },
    { treeId, level: 1, order: 0, type: 'tagk', field: 'host', regex: '^([a-z]+)\\d+$' },
  ];
  expect((await call(`${url}/api/tree/rules`, 'POST', rules)).status).to.equal(204);
  return treeId;
}

const SERIES: Array<{ metric: string; tags: Record<string, string> }> = [
  { metric: 'sys.cpu.user', tags: { host: 'web01' } },
  { metric: 'sys.cpu.user', tags: { host: 'web02' } },
  { metric: 'sys.cpu.user', tags: { host: 'db01' } },
  { metric: 'sys.load', tags: { rack: 'r1' } },
];

async function tsuidOf(url: string, metric: string, tags: Record<string, string>): Promise<string> {
  const m = encodeURIComponent(`${metric}{${Object.entries(tags).map(([k, v]) => `${k}=${v}`).join(',')}}`);
  return (await call(`${url}/api/uid/tsmeta?m=${m}`, 'GET')).body[0].tsuid;
}

describe('/api/tree on DSDB (building, treesync, failures, deletes)', () => {
  let daemon: (RunningDaemon & { url: string }) | undefined;
  afterEach(async () => {
    await daemon?.stop();
    daemon = undefined;
  });

  it('builds branches and leaves as new series are written when enableProcessing is on', async () => {
    daemon = await start(true);
    const url = daemon.url;
    const treeId = await makeTree(url);
    await put(url, SERIES);
    const root = await call(`${url}/api/tree/branch?treeid=${treeId}`, 'GET');
    expect(root.status).to.equal(200);
    expect(root.body.branches.map((b: any) => b.displayName)).to.deep.equal(['sys']);
    const sys = await call(`${url}/api/tree/branch?branch=${root.body.branches[0].branchId}`, 'GET');
    expect(sys.body.branches.map((b: any) => b.displayName)).to.deep.equal(['cpu']);
    // sys.load has no host: the last level that matched names its leaf, "load" under sys
    expect(sys.body.leaves.map((l: any) => l.displayName)).to.deep.equal(['load']);
    const cpu = await call(`${url}/api/tree/branch?branch=${sys.body.branches[0].branchId}`, 'GET');
    const user = cpu.body.branches[0];
    expect(user.displayName).to.equal('user');
    const leaves = (await call(`${url}/api/tree/branch?branch=${user.branchId}`, 'GET')).body.leaves;
    // web01 took "web" first; web02 collided with it
    const web01 = await tsuidOf(url, 'sys.cpu.user', { host: 'web01' });
    const web02 = await tsuidOf(url, 'sys.cpu.user', { host: 'web02' });
    expect(leaves).to.deep.equal([
      { metric: 'sys.cpu.user', tags: { host: 'db01' }, tsuid: await tsuidOf(url, 'sys.cpu.user', { host: 'db01' }), displayName: 'db' },
      { metric: 'sys.cpu.user', tags: { host: 'web01' }, tsuid: web01, displayName: 'web' },
    ]);
    expect((await call(`${url}/api/tree/collisions?treeid=${treeId}`, 'GET')).body).to.deep.equal({ [web02]: web01 });
  });

  it('uses a tree for the next new series as soon as it is made or changed (the tree cache follows changes)', async () => {
    daemon = await start(true);
    const url = daemon.url;
    await put(url, [{ metric: 'before.trees', tags: { host: 'web01' } }]);
    const treeId = await makeTree(url);
    await put(url, [{ metric: 'after.tree', tags: { host: 'web01' } }]);
    const root = (await call(`${url}/api/tree/branch?treeid=${treeId}`, 'GET')).body;
    expect(root.branches.map((b: any) => b.displayName)).to.deep.equal(['after']);
    // disabled: the next new series is left out
    expect((await call(`${url}/api/tree?treeid=${treeId}&enabled=false`, 'POST')).status).to.equal(200);
    await put(url, [{ metric: 'while.disabled', tags: { host: 'web01' } }]);
    expect((await call(`${url}/api/tree/branch?treeid=${treeId}`, 'GET')).body.branches.map((b: any) => b.displayName)).to.deep.equal(['after']);
  });

  it('records strict-match refusals as not-matched, and builds nothing while processing is off until treesync', async () => {
    daemon = await start(false);
    const url = daemon.url;
    const treeId = await makeTree(url, true);
    await put(url, SERIES);
    expect((await call(`${url}/api/tree/branch?treeid=${treeId}`, 'GET')).status, 'no root before treesync').to.equal(404);
    const out = new PassThrough();
    let printed = '';
    out.on('data', (c) => (printed += c));
    const storage = daemon.kernel.container.resolve('storage') as StorageEngine;
    const context = { openStorage: async () => storage, stdout: out, stderr: out } as unknown as CliContext;
    expect(await treesyncCommand.run([], context)).to.equal(0);
    expect(printed).to.equal('processed 4 series through 1 tree(s), 2 leaves\n');
    expect((await call(`${url}/api/tree/branch?treeid=${treeId}`, 'GET')).body.branches.map((b: any) => b.displayName)).to.deep.equal(['sys']);
    const load = await tsuidOf(url, 'sys.load', { rack: 'r1' });
    expect((await call(`${url}/api/tree/notmatched?treeid=${treeId}`, 'GET')).body).to.deep.equal({ [load]: `[${treeId}:1:0:TAGK]` });
    expect((await call(`${url}/api/tree/notmatched?treeid=${treeId}&tsuids=${load}`, 'GET')).body).to.deep.equal({ [load]: `[${treeId}:1:0:TAGK]` });
    expect(await treesyncCommand.run(['extra'], context)).to.equal(2);
  });

  it('deletes the built tree, keeping the definition unless definition=true', async () => {
    daemon = await start(true);
    const url = daemon.url;
    const treeId = await makeTree(url);
    await put(url, SERIES);
    expect((await call(`${url}/api/tree/branch?treeid=${treeId}`, 'GET')).status).to.equal(200);
    expect((await call(`${url}/api/tree?treeid=${treeId}`, 'DELETE')).status).to.equal(204);
    expect((await call(`${url}/api/tree/branch?treeid=${treeId}`, 'GET')).status).to.equal(404);
    expect((await call(`${url}/api/tree/collisions?treeid=${treeId}`, 'GET')).body).to.deep.equal({});
    const kept = await call(`${url}/api/tree?treeid=${treeId}`, 'GET');
    expect(Object.keys(kept.body.rules)).to.deep.equal(['0', '1']);
    expect((await call(`${url}/api/tree`, 'DELETE', { treeId, definition: true })).status).to.equal(204);
    expect((await call(`${url}/api/tree?treeid=${treeId}`, 'GET')).status).to.equal(404);
    expect((await call(`${url}/api/tree/rule?treeid=${treeId}&level=0&order=0`, 'GET')).status).to.equal(404);
  });

  it('answers bad input with 400 where OpenTSDB answers 500, and bulk-replaces rules of a tree without rules', async () => {
    daemon = await start(false);
    const url = daemon.url;
    const tree = (await call(`${url}/api/tree?name=t`, 'POST')).body.treeId;
    const negative = await call(`${url}/api/tree/rule?treeid=${tree}&level=-1&order=0&type=metric`, 'POST');
    expect(negative).to.deep.equal({ status: 400, body: { error: { code: 400, message: 'Negative levels are not allowed', details: 'Negative levels are not allowed' } } });
    const badType = await call(`${url}/api/tree/rule`, 'POST', { treeId: tree, level: 0, order: 0, type: 'bogus' });
    expect(badType).to.deep.equal({ status: 400, body: { error: { code: 400, message: 'Unable to parse the given JSON', details: 'Unrecognized rule type' } } });
    const badRegex = await call(`${url}/api/tree/rule`, 'POST', { treeId: tree, level: 0, order: 0, type: 'metric', regex: '([' });
    expect(badRegex.status).to.equal(400);
    expect(badRegex.body.error.message).to.equal('Unable to parse the given JSON');
    // a bulk rule that changes nothing is skipped (OpenTSDB: 500), the others are stored
    expect((await call(`${url}/api/tree/rules`, 'POST', [{ treeId: tree, level: 0, order: 0 }, { treeId: tree, level: 1, order: 0, type: 'tagk', field: 'host' }])).status).to.equal(204);
    expect((await call(`${url}/api/tree/rule?treeid=${tree}&level=1&order=0`, 'GET')).body.field).to.equal('host');
    expect((await call(`${url}/api/tree/rule?treeid=${tree}&level=0&order=0`, 'GET')).status).to.equal(404);
    expect((await call(`${url}/api/tree/rules?treeid=${tree}`, 'DELETE')).status).to.equal(204);
    expect((await call(`${url}/api/tree/rules?treeid=${tree}`, 'DELETE')).status, 'DELETE rules of a tree without rules').to.equal(204);
    expect((await call(`${url}/api/tree/rules`, 'PUT', [{ treeId: tree, level: 0, order: 0, type: 'metric' }])).status).to.equal(204);
    expect((await call(`${url}/api/tree/rule?treeid=${tree}&level=0&order=0`, 'GET')).body.type).to.equal('METRIC');
  });

  it('cannot hold the event loop: a rule at level 2^31 - 1 and a backtracking regex (`(a+)+$`) are tested at once; a level past int is 400', async () => {
    daemon = await start(false);
    const url = daemon.url;
    const name = `${'a'.repeat(40)}b`;
    await put(url, [{ metric: name, tags: { host: 'h1' } }]);
    const tsuid = await tsuidOf(url, name, { host: 'h1' });
    const tree = (await call(`${url}/api/tree?name=t`, 'POST')).body.treeId;
    const tooDeep = await call(`${url}/api/tree/rule`, 'POST', { treeId: tree, level: 99999999999, order: 0, type: 'metric' });
    expect(tooDeep).to.deep.equal({ status: 400, body: { error: { code: 400, message: 'Unable to parse the given JSON', details: 'Numeric value (99999999999) out of range of int' } } });
    // Before: the builder stepped through every level up to 2^31 - 1, and the regex
    // backtracked 2^40 ways, on the event loop (the daemon answered nothing for minutes).
    expect((await call(`${url}/api/tree/rule`, 'POST', { treeId: tree, level: 2147483647, order: 0, type: 'metric', regex: '(a+)+$' })).status).to.equal(200);
    const tested = await call(`${url}/api/tree/test?treeid=${tree}&tsuids=${tsuid}`, 'GET');
    expect(tested.status).to.equal(200);
    // the name ends in `b`: no match, so no leaf (the answer OpenTSDB gives, without the wait)
    expect(tested.body[tsuid].branch.leaves).to.equal(null);
    expect(tested.body[tsuid].messages).to.deep.equal(['Processing rule: [1:2147483647:0:METRIC]']);
    // a matching name at that level is extracted as usual
    expect((await call(`${url}/api/tree/rule`, 'POST', { treeId: tree, level: 2147483647, order: 0, type: 'metric', regex: '^(a{3})' })).status).to.equal(200);
    const matched = await call(`${url}/api/tree/test?treeid=${tree}&tsuids=${tsuid}`, 'GET');
    expect(Object.values(matched.body[tsuid].branch.leaves ?? {}).map((leaf: any) => leaf.displayName)).to.deep.equal(['aaa']);
    // what RE2 cannot run (a backreference) is refused with its reason, not compiled to backtrack
    const backreference = await call(`${url}/api/tree/rule`, 'POST', { treeId: tree, level: 0, order: 0, type: 'metric', regex: '(a)\\1' });
    expect(backreference.status).to.equal(400);
    expect(backreference.body.error.details).to.match(/\\1/);
  });
});

describe('/api/tree under auth', () => {
  it('reads with the read scope, changes with admin, also through ?method_override=', async () => {
    const daemon = await startDaemon({
      plugins: [...PLUGINS, 'tree', ['auth', { tokens: [{ name: 'reader', sha256: sha256Hex('r-token'), scopes: ['read'] }, { name: 'op', sha256: sha256Hex('a-token'), scopes: ['admin'] }] }]] as never,
      storage: 'memory',
    });
    try {
      const url = `http://127.0.0.1:${daemon.port}`;
      const as = (token: string, method: string, path: string) => fetch(url + path, { method, headers: { authorization: `Bearer ${token}` } });
      expect((await as('r-token', 'GET', '/api/tree')).status).to.equal(200);
      expect((await as('r-token', 'POST', '/api/tree?name=x')).status).to.equal(403);
      expect((await as('r-token', 'GET', '/api/tree?name=x&method_override=post')).status).to.equal(403);
      expect((await as('a-token', 'GET', '/api/tree?name=x&method_override=post')).status).to.equal(200);
      expect((await as('r-token', 'GET', '/api/tree/collisions?treeid=1')).status).to.equal(200);
      expect((await as('r-token', 'GET', '/api/tree?method_override=patch')).status).to.equal(405);
      expect((await as('r-token', 'DELETE', '/api/tree/rules?treeid=1')).status).to.equal(403);
      expect((await as('a-token', 'DELETE', '/api/tree/rules?treeid=1')).status).to.equal(204);
    } finally {
      await daemon.stop();
    }
  });
});
