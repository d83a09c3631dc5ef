/**
 * The uid-meta plugin on the memory and embedded engines: UIDs and TSMeta made by the first
 * write of a series (and not touched by later writes of it), DSDB's own /api/search/*
 * answers over the meta store, OpenTSDB TSUIDs in queries, and the embedded engine's UIDs
 * across a restart. (The answers themselves are checked against OpenTSDB in test/oracle/uid-meta.test.ts.)
 */
import { expect } from 'chai';
import fs from 'node:fs';
import path from 'node:path';
import type { MetaStore, StorageEngine } from '../../core';
import { scratchDir, startDaemon, type RunningDaemon } from '../helpers/daemon';
import { CODEC_PLUGINS } from '../helpers/plugins';

const t0 = 1500000000;

async function call(port: number, p: string, method = 'GET', body?: unknown): Promise<{ status: number; json: any; text: string }> {
  const res = await fetch(`http://127.0.0.1:${port}${p}`, { method, ...(body !== undefined ? { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) } : {}) });
  const text = await res.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return { status: res.status, json, text };
}

function startWith(engine: 'memory' | 'embedded', dataDir?: string): Promise<RunningDaemon> {
  const storage = engine === 'memory' ? ['storage-memory'] : [['storage-embedded', { dataDir }], ...CODEC_PLUGINS];
  return startDaemon({ plugins: ['http', 'put-http', ...storage, 'aggregators-opentsdb', 'query', 'read-api', 'uid-meta'] as never, storage: engine });
}

/** Counts the calls made to an engine's MetaStore. */
function countMetaCalls(meta: MetaStore): { count: () => number } {
  let n = 0;
  const target = meta as unknown as Record<string, (...args: unknown[]) => unknown>;
  for (const name of ['get', 'put', 'putIfAbsent', 'delete', 'scan']) {
    const original = target[name]!.bind(meta);
    target[name] = (...args: unknown[]) => {
      n++;
      return original(...args);
    };
  }
  return { count: () => n };
}

for (const engine of ['memory', 'embedded'] as const) {
  describe(`uid-meta plugin (${engine} engine)`, () => {
    let d: RunningDaemon;
    let dir: string | undefined;
    let startedAt: number;
    let endedAt: number;
    before(async () => {
      dir = engine === 'embedded' ? scratchDir('uid-meta') : undefined;
      d = await startWith(engine, dir && path.join(dir, 'data'));
      startedAt = Math.floor(Date.now() / 1000);
      const put = await call(d.port, '/api/put?details', 'POST', [
        { metric: 'sys.cpu', timestamp: t0, value: 1, tags: { host: 'web01', dc: 'lga' } },
        { metric: 'sys.cpu', timestamp: t0, value: 2, tags: { host: 'web02', dc: 'lga' } },
        { metric: 'sys.mem', timestamp: t0, value: 3, tags: { host: 'web01' } },
      ]);
      expect(put.json).to.deep.equal({ success: 3, failed: 0, errors: [] });
      endedAt = Math.ceil(Date.now() / 1000);
    });
    after(async () => {
      await d?.stop();
      if (dir) fs.rmSync(dir, { recursive: true, force: true });
    });

    it('assigns UIDs in first-write order and creates each series\' TSMeta once', async () => {
      // sys.cpu 1, sys.mem 2; tag keys of the first series in name order: dc 1, host 2
      const assigned = await call(d.port, '/api/uid/assign?metric=sys.cpu,sys.mem&tagk=dc,host&tagv=lga,web01,web02');
      expect(assigned.status).to.equal(400);
      expect(assigned.json.metric_errors).to.deep.equal({ 'sys.cpu': 'Name already exists with UID: 000001', 'sys.mem': 'Name already exists with UID: 000002' });
      expect(assigned.json.tagk_errors).to.deep.equal({ dc: 'Name already exists with UID: 000001', host: 'Name already exists with UID: 000002' });
      expect(assigned.json.tagv_errors).to.deep.equal({ lga: 'Name already exists with UID: 000001', web01: 'Name already exists with UID: 000002', web02: 'Name already exists with UID: 000003' });
      const metas = await call(d.port, '/api/uid/tsmeta?m=sys.cpu');
      expect(metas.json.map((m: any) => m.tsuid)).to.deep.equal(['000001000001000001000002000002', '000001000001000001000002000003']);
      for (const m of metas.json) {
        expect(m.created).to.be.within(startedAt, endedAt);
        expect(m).to.include({ lastReceived: 0, totalDatapoints: 0, max: 'NaN', min: 'NaN' });
        expect(m.tags.map((t: any) => `${t.type}:${t.name}`)).to.deep.equal(['TAGK:dc', 'TAGV:lga', 'TAGK:host', m.tags[3].type + ':' + m.tags[3].name]);
      }
    });

    it("refuses a TSMeta max or min that is no number, as OpenTSDB does, and keeps the stored value (NaN is a double)", async () => {
      const tsuid = '000002000002000002';
      expect((await call(d.port, `/api/uid/tsmeta?tsuid=${tsuid}&max=5`, 'POST')).json.max).to.equal(5);
      const fromQuery = await call(d.port, `/api/uid/tsmeta?tsuid=${tsuid}&max=abc`, 'POST');
      expect([fromQuery.status, fromQuery.json.error.message]).to.deep.equal([400, "Unable to parse 'max' value"]);
      for (const bad of ['abc', true]) {
        const fromBody = await call(d.port, '/api/uid/tsmeta', 'POST', { tsuid, max: bad });
        expect([fromBody.status, fromBody.json.error.message], String(bad)).to.deep.equal([400, 'Unable to parse the given JSON']);
      }
      const kept = await call(d.port, `/api/uid/tsmeta?tsuid=${tsuid}`);
      expect(kept.text, 'the stored max is kept, written as Jackson writes a double').to.contain('"max":5.0,"min":"NaN"');
      const nan = await call(d.port, '/api/uid/tsmeta', 'POST', { tsuid, max: 'NaN', min: '2.5e7' });
      expect([nan.status, nan.json.max, nan.json.min]).to.deep.equal([200, 'NaN', 25_000_000]);
      expect(nan.text).to.contain('"max":"NaN","min":2.5E7');
      const listed = await call(d.port, '/api/uid/tsmeta?m=sys.mem');
      expect(listed.text).to.contain('"min":2.5E7');
    });

    it('reads a UID of odd length padded with a leading 0, and refuses one of another width in OpenTSDB\'s words', async () => {
      expect((await call(d.port, '/api/uid/uidmeta?uid=00001&type=metric')).json).to.include({ uid: '000001', name: 'sys.cpu' });
      for (const [uid, width] of [['1', 1], ['0001', 2], ['00000001', 4]] as const) {
        const r = await call(d.port, `/api/uid/uidmeta?uid=${uid}&type=metric`);
        expect([r.status, r.json.error.message], uid).to.deep.equal([400, `java.lang.IllegalArgumentException: Wrong id.length = ${width} which is != 3 required for 'metrics'`]);
      }
      expect((await call(d.port, '/api/uid/tsmeta?tsuid=00000100000')).status, 'an odd TSUID is padded, then not found').to.equal(404);
    });

    it('a write of known series does not touch the meta store', async () => {
      const storage: StorageEngine = d.kernel.container.resolve('storage');
      const calls = countMetaCalls(storage.meta);
      const put = await call(d.port, '/api/put?details', 'POST', [
        { metric: 'sys.cpu', timestamp: t0 + 10, value: 5, tags: { host: 'web01', dc: 'lga' } },
        { metric: 'sys.mem', timestamp: t0 + 10, value: 6, tags: { host: 'web01' } },
      ]);
      expect(put.json.success).to.equal(2);
      expect(calls.count()).to.equal(0);
      await call(d.port, '/api/put', 'POST', { metric: 'sys.cpu', timestamp: t0 + 20, value: 7, tags: { host: 'web03', dc: 'lga' } });
      expect(calls.count()).to.be.greaterThan(0); // a new series is tracked
      expect((await call(d.port, '/api/uid/tsmeta?tsuid=000001000001000001000002000004')).status).to.equal(200);
    });

    it('answers OpenTSDB TSUIDs in /api/query and /api/search/lookup, and takes them back', async () => {
      const q = await call(d.port, `/api/query?start=${t0}&end=${t0 + 60}&m=sum:sys.mem&show_tsuids`);
      expect(q.json[0].tsuids).to.deep.equal(['000002000002000002']);
      const lookup = await call(d.port, '/api/search/lookup?m=sys.mem');
      expect(lookup.json.results[0].tsuid).to.equal('000002000002000002');
      const byTsuid = await call(d.port, `/api/query?start=${t0}&end=${t0 + 60}&tsuid=sum:000002000002000002`);
      expect(byTsuid.json[0]).to.include({ metric: 'sys.mem' });
      expect(byTsuid.json[0].dps).to.deep.equal({ [t0]: 3, [t0 + 10]: 6 });
      const last = await call(d.port, '/api/query/last', 'POST', { queries: [{ tsuids: ['000002000002000002'] }], resolveNames: true });
      expect(last.json).to.have.length(1);
      expect(last.json[0]).to.include({ tsuid: '000002000002000002', metric: 'sys.mem', value: '6' });
    });

    it('/api/search/*: DSDB\'s own search over the meta store (terms, globs, paging)', async () => {
      const all = await call(d.port, '/api/search/tsuids?query=*');
      expect(all.json).to.include({ type: 'TSUIDS', query: '*', limit: 25, startIndex: 0, totalResults: 4 });
      expect(all.json.results).to.deep.equal(['000001000001000001000002000002', '000001000001000001000002000003', '000001000001000001000002000004', '000002000002000002']);
      const web01 = await call(d.port, '/api/search/tsmeta_summary?query=web01');
      expect(web01.json.results).to.deep.equal([
        { tsuid: '000001000001000001000002000002', metric: 'sys.cpu', tags: { dc: 'lga', host: 'web01' } },
        { tsuid: '000002000002000002', metric: 'sys.mem', tags: { host: 'web01' } },
      ]);
      const both = await call(d.port, '/api/search/tsmeta', 'POST', { query: 'sys.c* WEB0?', limit: 1, startIndex: 1 });
      expect(both.json).to.include({ type: 'TSMETA', totalResults: 3, limit: 1, startIndex: 1 });
      expect(both.json.results.map((r: any) => r.tsuid)).to.deep.equal(['000001000001000001000002000003']);
      await call(d.port, '/api/uid/uidmeta', 'POST', { uid: '000002', type: 'tagk', description: 'the machine' });
      const uidmeta = await call(d.port, '/api/search/uidmeta?query=machine');
      expect(uidmeta.json.results).to.have.length(1);
      expect(uidmeta.json.results[0]).to.include({ uid: '000002', type: 'TAGK', name: 'host', description: 'the machine' });
      expect((await call(d.port, '/api/search/tsmeta')).json.error.message).to.equal('Missing parameter <code>query</code>');
      expect((await call(d.port, '/api/search/tsuids?query=x&limit=-1')).status).to.equal(400);
      expect((await call(d.port, '/api/search/nope?query=x')).json.error).to.include({ code: 400, message: 'Invalid search query type supplied' });
    });

    if (engine === 'embedded') {
      it('keeps UIDs and meta across a restart (embedded engine)', async function () {
        const storage: StorageEngine = d.kernel.container.resolve('storage');
        // The embedded engine's persistent MetaStore comes with the `meta` branch; a build that
        // still holds the in-memory placeholder cannot keep anything across a restart.
        if (storage.meta.constructor.name === 'MemoryMetaStore') this.skip();
        await call(d.port, '/api/uid/tsmeta', 'POST', { tsuid: '000002000002000002', description: 'memory of web01' });
        await d.stop();
        d = await startWith('embedded', path.join(dir!, 'data'));
        const again = await call(d.port, '/api/uid/assign?metric=sys.mem,sys.disk');
        expect(again.json.metric_errors).to.deep.equal({ 'sys.mem': 'Name already exists with UID: 000002' });
        expect(again.json.metric).to.deep.equal({ 'sys.disk': '000003' });
        const meta = await call(d.port, '/api/uid/tsmeta?tsuid=000002000002000002');
        expect(meta.json).to.include({ description: 'memory of web01' });
        expect(meta.json.created).to.be.within(startedAt, endedAt);
        // new names after the restart continue the sequence
        await call(d.port, '/api/put', 'POST', { metric: 'sys.net', timestamp: t0, value: 1, tags: { host: 'web09' } });
        expect((await call(d.port, '/api/uid/tsmeta?m=sys.net')).json.map((m: any) => m.tsuid)).to.deep.equal(['000004000002000005']);
      });
    }

    it('reads a metric with a series whose tag value is too long for a UID (over 1000 bytes): no 500, its other series keep their TSUIDs', async () => {
      const long = 'x'.repeat(1100);
      const put = await call(d.port, '/api/put?details', 'POST', [
        { metric: 'sys.long', timestamp: t0, value: 1, tags: { host: 'web01' } },
        { metric: 'sys.long', timestamp: t0, value: 2, tags: { host: long } },
      ]);
      expect(put.json).to.deep.equal({ success: 2, failed: 0, errors: [] });
      const q = await call(d.port, `/api/query?start=${t0}&end=${t0 + 60}&m=none:sys.long&show_tsuids`);
      expect(q.status, q.text.slice(0, 200)).to.equal(200);
      expect(q.json.map((r: any) => [r.tags.host.length, r.dps[t0]])).to.have.deep.members([
        [5, 1],
        [1100, 2],
      ]);
      const web01 = q.json.find((r: any) => r.tags.host === 'web01');
      expect(web01.tsuids[0]).to.match(/^[0-9A-F]{18}$/);
      const sum = await call(d.port, `/api/query?start=${t0}&end=${t0 + 60}&m=sum:sys.long`);
      expect(sum.status).to.equal(200);
      expect(sum.json[0].dps).to.deep.equal({ [t0]: 3 });
      const last = await call(d.port, '/api/query/last?timeseries=sys.long');
      expect(last.status, last.text.slice(0, 200)).to.equal(200);
      expect(last.json.map((r: any) => r.value).sort()).to.deep.equal(['1', '2']);
      const lookup = await call(d.port, '/api/search/lookup?m=sys.long');
      expect(lookup.status, lookup.text.slice(0, 200)).to.equal(200);
      expect(lookup.json.results.map((r: any) => r.tags.host.length).sort()).to.deep.equal([1100, 5]);
      const filtered = await call(d.port, `/api/query?start=${t0}&end=${t0 + 60}&m=sum:sys.long{host=${long}}`);
      expect(filtered.status, filtered.text.slice(0, 200)).to.equal(200);
      expect(filtered.json[0].dps).to.deep.equal({ [t0]: 2 });
    });

    it('refuses to rename a name stored series use (the data would stay under the old name), renames an unused one', async () => {
      // before: {"result":"true"}, then sum:sys.mem.renamed was 400 No such name and the series' TSMeta 404
      for (const [kind, from] of [['metric', 'sys.mem'], ['tagk', 'dc'], ['tagv', 'web02']] as const) {
        const refused = await call(d.port, `/api/uid/rename?${kind}=${from}&name=${from}.renamed`);
        expect(refused.status, kind).to.equal(400);
        expect(refused.json.result, kind).to.equal('false');
        expect(refused.json.error, kind).to.contain(`dsdb uid rename ${kind === 'metric' ? 'metrics' : kind} ${from} ${from}.renamed`);
      }
      const q = await call(d.port, `/api/query?start=${t0}&end=${t0 + 60}&m=sum:sys.mem`);
      expect(q.json[0].dps[t0]).to.equal(3);
      expect((await call(d.port, `/api/uid/tsmeta?m=${encodeURIComponent('sys.mem{host=web01}')}`)).status).to.equal(200);
      // a name only assigned (no series) renames as in OpenTSDB
      expect((await call(d.port, '/api/uid/assign?metric=sys.unused')).status).to.equal(200);
      expect((await call(d.port, '/api/uid/rename?metric=sys.unused&name=sys.unused2')).json).to.deep.equal({ result: 'true' });
      expect((await call(d.port, '/api/uid/rename?metric=sys.nosuch&name=sys.x')).json.error).to.equal('Name("sys.nosuch") does not exist');
    });

    it('POST /api/uid/assign reads its keys as OpenTSDB does: types in any case, unknown ones failing each name, empty lists, names sorted', async () => {
      expect(await call(d.port, '/api/uid/assign', 'POST', { metric: [] })).to.include({ status: 200, text: '{"metric":{}}' });
      const unknown = await call(d.port, '/api/uid/assign', 'POST', { foo: ['y', 'x'] });
      expect([unknown.status, unknown.json]).to.deep.equal([400, { foo: {}, foo_errors: { x: 'Unknown type name', y: 'Unknown type name' } }]);
      const upper = await call(d.port, '/api/uid/assign', 'POST', { METRIC: ['as.b', 'as.a'] });
      expect(upper.status).to.equal(200);
      expect(Object.keys(upper.json.METRIC)).to.deep.equal(['as.a', 'as.b']);
      expect((await call(d.port, '/api/uid/assign', 'POST', {})).json.error.message).to.equal('Missing values to assign UIDs');
    });
  });
}

for (const engine of ['memory', 'embedded'] as const) {
  describe(`/api/search/lookup order (${engine} engine)`, () => {
    let d: RunningDaemon;
    let dir: string | undefined;
    before(async () => {
      dir = engine === 'embedded' ? scratchDir('lookup-order') : undefined;
      d = await startWith(engine, dir && path.join(dir, 'data'));
    });
    after(async () => {
      await d?.stop();
      if (dir) fs.rmSync(dir, { recursive: true, force: true });
    });

    it('/api/search/lookup lists series in TSUID order and keeps the first `limit`, as OpenTSDB 2.4.1 scans its table', async () => {
      // measured on OpenTSDB 2.4.1: UIDs assigned x3p then x3q, series written x3q first:
      // `limit=1` answers the x3p series, and without a limit x3p comes first
      const values = Array.from({ length: 1_200 }, (_, i) => `v${String(i).padStart(4, '0')}`);
      expect((await call(d.port, '/api/uid/assign', 'POST', { metric: ['lk.order'], tagk: ['lkk'], tagv: values })).status).to.equal(200);
      const reversed = [...values].reverse().map((v, i) => ({ metric: 'lk.order', timestamp: t0 + i, value: i, tags: { lkk: v } }));
      expect((await call(d.port, '/api/put', 'POST', reversed)).status).to.equal(204);
      const first = await call(d.port, `/api/search/lookup?m=${encodeURIComponent('lk.order{lkk=*}')}&limit=1`);
      expect(first.json.results.map((r: any) => r.tags.lkk)).to.deep.equal(['v0000']);
      // past twice the limit and the slack, the matches held are cut back and the first stay
      const five = await call(d.port, '/api/search/lookup', 'POST', { metric: 'lk.order', limit: 5 });
      expect(five.json.results.map((r: any) => r.tags.lkk)).to.deep.equal(values.slice(0, 5));
      expect(five.json.totalResults).to.equal(5);
      const all = await call(d.port, '/api/search/lookup?m=lk.order&limit=0');
      const tsuids = all.json.results.map((r: any) => r.tsuid);
      expect(all.json.results.map((r: any) => r.tags.lkk)).to.deep.equal(values);
      expect(tsuids).to.deep.equal([...tsuids].sort());
    });
  });
}
