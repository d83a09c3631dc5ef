/** The rest of the read API: last, lookup, annotations, stats, /metrics, config, serializers, telnet. */
import { expect } from 'chai';
import { setTimeout as sleep } from 'node:timers/promises';
import { DEFAULT_PLUGINS, type PluginContext, type SeriesData, type SeriesSelector, type TimeRange } from '../../core';
import { MemoryEngine } from '../../plugins/storage-memory/engine';
import { batchOf } from '../helpers/batch';
import { exchange } from '../helpers/clients';
import fs from 'node:fs';
import { scratchDir, startDaemon, type RunningDaemon } from '../helpers/daemon';
import { at, float, int, json, startQueryDaemon, str, type QueryDaemon } from '../helpers/query';

const t0 = 1356998400;

describe('read API endpoints', () => {
  let d: QueryDaemon;
  before(async () => {
    d = await startQueryDaemon();
    await d.write([
      at('sys.cpu', { host: 'a' }, t0, int(1)),
      at('sys.cpu', { host: 'a' }, t0 + 10, float(2.5)),
      at('sys.cpu', { host: 'b' }, t0 + 5, int(9223372036854775807n)),
      at('status', { host: 'a' }, t0, str('ok')),
      at('doc', { host: 'a' }, t0, json({ a: 1 })),
    ]);
  });
  after(() => d.stop());

  it('/api/query/last: latest point per series, value as a string, GET and POST', async () => {
    // every series of the metric: no tags (OpenTSDB 2.4.1 answers `host=*` with No such name for 'tagv': '*')
    expect((await d.get(`/api/query/last?timeseries=${encodeURIComponent('sys.cpu{host=*}')}`)).json.error.message).to.equal("No such name for 'tagv': '*'");
    const r = await d.get(`/api/query/last?timeseries=sys.cpu&resolve`);
    expect(r.status).to.equal(200);
    expect(r.json).to.have.length(2);
    expect(r.json[0]).to.include({ metric: 'sys.cpu', timestamp: (t0 + 10) * 1000, value: '2.5' });
    expect(r.json[1].value).to.equal('9223372036854775807');
    const post = await d.post('/api/query/last', { queries: [{ metric: 'status', tags: { host: 'a' } }, { metric: 'doc' }], resolveNames: true });
    expect(post.json.map((p: any) => p.value)).to.deep.equal(['ok', '{"a":1}']);
    const tsuid = post.json[0].tsuid;
    const byId = await d.get(`/api/query/last?tsuids=${tsuid}`);
    expect(byId.json).to.have.length(1);
    expect(byId.json[0]).to.include({ tsuid, value: 'ok' });
    expect((await d.get('/api/query/last')).json.error.message).to.equal('Missing sub queries');
    expect((await d.get('/api/query/last?timeseries=sys.cpu&back_scan=x')).json.error.message).to.equal('Unable to parse back_scan parameter');
    // the field order of a resolved point, as OpenTSDB writes it
    expect(Object.keys(post.json[0])).to.deep.equal(['metric', 'timestamp', 'value', 'tags', 'tsuid']);
    expect(Object.keys(byId.json[0])).to.deep.equal(['timestamp', 'value', 'tsuid']);
  });

  it('/api/query/last refuses what OpenTSDB 2.4.1 refuses, in its words, and a negative back_scan finds nothing', async () => {
    const message = async (r: Promise<{ json: any }>) => (await r).json.error?.message;
    expect(await message(d.get('/api/query/last?timeseries=&back_scan=24'))).to.equal('Metric cannot be null or empty');
    expect(await message(d.get('/api/query/last?tsuids=&back_scan=24'))).to.equal('UID was empty');
    expect(await message(d.get('/api/query/last?tsuids=0000'))).to.equal('TSUID must not be null and must have a metric and at least one tag pair');
    expect((await d.get(`/api/query/last?timeseries=${encodeURIComponent('status{host=a}')}&back_scan=-1`)).json).to.deep.equal([]);
    const post = (body: unknown) => d.post('/api/query/last', body);
    for (const body of [{ queries: [{ metric: 'status' }], bogus: 1 }, { queries: [{ metric: 'status', bogus: 1 }] }, { queries: [{ metric: 'status' }], resolveNames: 'yes' }, { queries: [{ tsuids: 'abc' }] }]) {
      expect(await message(post(body)), JSON.stringify(body)).to.equal('Unable to parse the given JSON');
    }
    for (const body of [{ queries: [{ tags: { host: 'a' } }] }, { queries: [{ metric: '' }] }, { queries: [{ tsuids: [] }] }]) {
      expect(await message(post(body)), JSON.stringify(body)).to.equal('Metric cannot be null or empty');
    }
    expect((await post({ queries: [{ metric: 'status', tags: { host: 'a' } }], backScan: -1 })).json).to.deep.equal([]);
  });

  it('tsuid sub-queries and showTSUIDs', async () => {
    const lookup = await d.get(`/api/search/lookup?m=${encodeURIComponent('sys.cpu{host=a}')}`);
    const id = lookup.json.results[0].tsuid;
    const r = await d.get(`/api/query?start=${t0}&end=${t0 + 60}&tsuid=sum:${id}&show_tsuids`);
    expect(r.status).to.equal(200);
    expect(r.json[0].tsuids).to.deep.equal([id]);
    // the integer 1 is written 1.0: the point read ahead (2.5) is a double (OpenTSDB's isInteger())
    expect(r.text).to.contain(`"dps":{"${t0}":1.0,"${t0 + 10}":2.5}`);
  });

  it('/api/search/lookup by POST, with *=value', async () => {
    const r = await d.post('/api/search/lookup', { metric: 'sys.cpu', tags: [{ key: '*', value: 'b' }], limit: 10 });
    expect(r.status).to.equal(200);
    expect(r.json).to.include({ type: 'LOOKUP', metric: 'sys.cpu', limit: 10, totalResults: 1, startIndex: 0 });
    expect(r.json.results[0].tags).to.deep.equal({ host: 'b' });
    expect((await d.get('/api/search/lookup')).status).to.equal(400);
    // a malformed tag entry counts as *=*, not a crash
    expect((await d.post('/api/search/lookup', { metric: 'sys.cpu', tags: [null] })).status).to.equal(200);
  });

  it('/api/annotation: create, read, use in queries, delete', async () => {
    const created = await d.post('/api/annotation', { startTime: t0 + 1, description: 'global note', custom: { owner: 'ops' } });
    expect(created.status).to.equal(200);
    expect(created.json).to.include({ startTime: t0 + 1, description: 'global note' });
    const read = await d.get(`/api/annotation?start_time=${t0 + 1}`);
    expect(read.json.custom).to.deep.equal({ owner: 'ops' });
    const q = await d.post('/api/query', { start: t0, end: t0 + 60, globalAnnotations: true, queries: [{ metric: 'sys.cpu', aggregator: 'sum' }] });
    expect(q.json[0].globalAnnotations[0].description).to.equal('global note');
    // with noAnnotations too, OpenTSDB 2.4.1 reads none, global ones included (the real server's answer)
    const none = await d.post('/api/query', { start: t0, end: t0 + 60, globalAnnotations: true, noAnnotations: true, queries: [{ metric: 'sys.cpu', aggregator: 'sum' }] });
    expect(none.json[0]).to.not.have.property('globalAnnotations');
    expect(none.json[0]).to.not.have.property('annotations');
    const del = await d.post('/api/annotation', { startTime: t0 + 1 }, 'DELETE');
    expect(del.status).to.equal(204);
    expect((await d.get(`/api/annotation?start_time=${t0 + 1}`)).status).to.equal(404);
    expect((await d.post('/api/annotation', { description: 'x' })).json.error.message).to.equal('The start timestamp has not been set'); // OpenTSDB's Annotation.syncToStorage
    const bulk = await d.post('/api/annotation/bulk', [{ startTime: t0 + 2, description: 'one' }, { startTime: t0 + 3, description: 'two' }]);
    expect(bulk.json).to.have.length(2);
  });

  it('GET /api/annotations lists the global annotations in a time range, as OpenTSDB 2.4.1 does', async () => {
    const base = t0 + 5000;
    await d.post('/api/annotation/bulk', [
      { startTime: base + 20, description: 'later' },
      { startTime: base + 10, description: 'earlier', endTime: base + 15 },
      { startTime: (base + 30) * 1000 + 500, description: 'in ms' },
      { startTime: base + 10, tsuid: '000001000001000001', description: 'not global' },
    ]);
    const listed = await d.get(`/api/annotations?start_time=${base}&end_time=${base + 100}`);
    expect(listed.status).to.equal(200);
    expect(listed.json.map((a: { description: string }) => a.description)).to.deep.equal(['earlier', 'later', 'in ms']);
    expect(listed.json[0]).to.deep.equal({ tsuid: '', description: 'earlier', notes: '', startTime: base + 10, endTime: base + 15 });
    expect((await d.get(`/api/annotations?start_time=${base + 15}&end_time=${base + 20}`)).json.map((a: { description: string }) => a.description)).to.deep.equal(['later']);
    expect((await d.get(`/api/annotations?start_time=${(base + 15) * 1000}`)).json, 'end_time: now').to.have.length(2);
    expect((await d.get(`/api/annotations?start_time=${base + 200}&end_time=${base + 300}`)).json).to.deep.equal([]);
    expect((await d.get('/api/annotations')).json.error.message).to.equal('Missing start time');
    expect((await d.get(`/api/annotations?start_time=${base + 20}&end_time=${base}`)).json.error.message).to.equal('java.lang.IllegalArgumentException: The end timestamp cannot be less than the start timestamp');
    // a POST or PUT that sets nothing is a 304 and stores nothing; bulk leaves such notes out
    const unchanged = await d.post('/api/annotation', { startTime: base + 40 });
    expect([unchanged.status, unchanged.text]).to.deep.equal([304, '']);
    expect((await d.get(`/api/annotation?start_time=${base + 40}`)).status, 'nothing stored').to.equal(404);
    expect((await d.post('/api/annotation', { startTime: base + 20, description: '' }, 'PUT')).status).to.equal(304);
    const bulk = await d.post('/api/annotation/bulk', [{ startTime: base + 20 }, { startTime: base + 50, notes: 'n' }]);
    expect(bulk.json.map((a: { startTime: number }) => a.startTime)).to.deep.equal([base + 50]);
    // POST, PUT and DELETE on /api/annotations are /api/annotation's
    expect((await d.post('/api/annotations', { startTime: base + 20 }, 'DELETE')).status).to.equal(204);
    expect((await d.get(`/api/annotation?start_time=${base + 20}`)).status).to.equal(404);
  });

  // answers and errors as OpenTSDB 2.4.1 gave them for the same requests (checked by hand against the oracle)
  it('DELETE /api/annotation/bulk removes the annotations of tsuids (and the global ones) in a time range, by body or query string', async () => {
    const tsuid = (await d.get(`/api/query?start=${t0}&m=sum:sys.cpu{host=a}&show_tsuids`)).json[0].tsuids[0];
    const other = (await d.get(`/api/query?start=${t0}&m=sum:sys.cpu{host=b}&show_tsuids`)).json[0].tsuids[0];
    const notes = [
      { tsuid, startTime: t0 + 100 },
      { tsuid, startTime: t0 + 200 },
      { tsuid, startTime: t0 + 900 },
      { tsuid: other, startTime: t0 + 150 },
      { startTime: t0 + 120, description: 'global' },
    ];
    expect((await d.post('/api/annotation/bulk', notes.map((n) => ({ description: 'n', ...n })))).status).to.equal(200);
    const byBody = await d.post('/api/annotation/bulk', { tsuids: [tsuid], startTime: String(t0 + 50), endTime: t0 + 500 }, 'DELETE');
    expect(byBody.status).to.equal(200);
    expect(byBody.json).to.deep.equal({ tsuids: [tsuid], global: false, startTime: (t0 + 50) * 1000, endTime: (t0 + 500) * 1000, totalDeleted: 2 });
    const left = async (id: string | undefined, at: number) => (await d.get(`/api/annotation?start_time=${at}${id ? `&tsuid=${id}` : ''}`)).status;
    expect(await left(tsuid, t0 + 100)).to.equal(404);
    expect(await left(tsuid, t0 + 900), 'after the range').to.equal(200);
    expect(await left(other, t0 + 150), 'another series').to.equal(200);
    expect(await left(undefined, t0 + 120), 'global, not asked for').to.equal(200);
    const byQuery = await d.post(`/api/annotation/bulk?start_time=${t0 + 50}&end_time=${t0 + 500}&global`, undefined, 'DELETE');
    expect(byQuery.json).to.include({ global: true, totalDeleted: 1 });
    expect(await left(undefined, t0 + 120)).to.equal(404);
    expect(await left(other, t0 + 150)).to.equal(200);
    // OpenTSDB's errors
    const error = async (path: string, body?: unknown) => (await d.post(path, body, 'DELETE')).json.error;
    expect((await error('/api/annotation/bulk', { tsuids: [tsuid] })).message).to.equal('Missing the start time value');
    expect((await error('/api/annotation/bulk', { startTime: '1h-ago' })).message).to.equal('Missing the TSUIDs or global annotations flag');
    expect((await error('/api/annotation/bulk?tsuids=x')).message).to.equal('Missing parameter <code>start_time</code>');
    const backwards = 'The end timestamp cannot be less than the start timestamp';
    expect(await error('/api/annotation/bulk', { global: true, startTime: t0 + 10, endTime: t0 })).to.deep.equal({ code: 400, message: backwards, details: backwards });
  });

  it('/api/stats, /metrics and telnet stats report the daemon', async () => {
    await d.get(`/api/query?start=${t0}&m=sum:sys.cpu`);
    const stats = await d.get('/api/stats');
    expect(stats.status).to.equal(200);
    const success = stats.json.find((s: any) => s.metric === 'tsd.http.query.success');
    expect(success.value).to.be.a('string');
    expect(Number(success.value)).to.be.greaterThan(0);
    expect(success.tags.host).to.be.a('string');
    expect(stats.json.find((s: any) => s.metric === 'tsd.storage.series').value).to.equal('4');
    // process memory: V8's heap in use within what it reserved; array buffers and external
    // memory both present, in no fixed order: SharedArrayBuffers (the parse workers' bodies
    // and line buffers) count in Node's arrayBuffers but not in V8's external memory
    const memory = (name: string) => Number(stats.json.find((s: any) => s.metric === `tsd.process.${name}`).value);
    expect(memory('heap_used_bytes')).to.be.greaterThan(0).and.at.most(memory('heap_total_bytes'));
    expect(memory('array_buffers_bytes')).to.be.greaterThan(0);
    expect(memory('external_bytes')).to.be.greaterThan(0);
    expect(memory('rss_bytes')).to.be.greaterThan(memory('heap_used_bytes'));
    const metrics = await d.get('/metrics');
    expect(metrics.headers.get('content-type')).to.match(/^text\/plain/);
    expect(metrics.text).to.match(/^# TYPE dsdb_http_query_success gauge$/m);
    expect(metrics.text).to.match(/^dsdb_storage_series\{host="[^"]+",engine="(?:memory|embedded)"\} 4$/m);
    const telnet = await exchange(d.port, ['stats\n', 'dropcaches\n']);
    expect(telnet.data).to.match(/^tsd\.uptime \d+ \d+ host=\S+$/m);
    expect(telnet.data).to.contain('Caches dropped.\n');
  });

  it('/api/config, /api/serializers', async () => {
    const config = await d.get('/api/config');
    expect(config.json['tsd.network.port']).to.equal('0');
    for (const v of Object.values(config.json)) expect(v).to.be.a('string');
    // the engine in use, though the config names none (the only one loaded)
    expect(config.json['tsd.storage.engine']).to.equal(d.kernel.container.resolve('storage').name);
    expect(config.json['tsd.storage.engine']).to.be.oneOf(['embedded', 'memory', 'mysql', 'couchdb', 'hbase', 'riak']);
    expect(Object.keys(config.json)).to.deep.equal(Object.keys(config.json).sort());
    const serializers = await d.get('/api/serializers');
    expect(serializers.json[0]).to.include({ serializer: 'json', response_content_type: 'application/json; charset=UTF-8' });
  });
});

describe('query limits and delete', () => {
  let d: QueryDaemon;
  before(async () => {
    d = await startQueryDaemon([], { maxSeries: 3, maxDataPoints: 50, timeoutMs: 60_000, allowDelete: true });
    const points = [];
    for (let s = 0; s < 5; s++) for (let i = 0; i < 5; i++) points.push(at('many', { host: `h${s}` }, t0 + i, int(i)));
    for (let i = 0; i < 60; i++) points.push(at('long', { host: 'a' }, t0 + i, int(i)));
    await d.write(points);
  });
  after(() => d.stop());

  it('too many series or data points → 413 with OpenTSDB-style messages', async () => {
    const series = await d.get(`/api/query?start=${t0}&end=${t0 + 100}&m=sum:many`);
    expect(series.status).to.equal(413);
    expect(series.json.error.message).to.contain('more than our limit of 3 time series');
    const points = await d.get(`/api/query?start=${t0}&end=${t0 + 100}&m=sum:long`);
    expect(points.status).to.equal(413);
    expect(points.json.error.message).to.equal('Sorry, you have attempted to fetch more than our limit of 50 data points. Please try filtering using more tags or decrease your time range.');
    const buckets = await d.get(`/api/query?start=${t0}&end=${t0 + 100}&m=sum:1ms-sum-zero:many{host=h0}`);
    expect(buckets.status).to.equal(413);
    expect((await d.get(`/api/query?start=${t0}&end=${t0 + 100}&m=sum:many{host=h0|h1}`)).status).to.equal(200);
  });

  it('delete: true removes the points it returns when allowDelete is set', async () => {
    const r = await d.post('/api/query', { start: t0, end: t0 + 2, delete: true, queries: [{ metric: 'many', aggregator: 'sum', tags: { host: 'h4' } }] });
    expect(r.status).to.equal(200);
    expect(Object.keys(r.json[0].dps)).to.have.length(3);
    const after = await d.get(`/api/query?start=${t0}&end=${t0 + 100}&m=sum:many{host=h4}`);
    expect(Object.keys(after.json[0].dps)).to.deep.equal([String(t0 + 3), String(t0 + 4)]);
  });

  it('delete: true removes the points of a tsuids sub-query too, and only that series\' (before: answered, deleted nothing)', async () => {
    const tsuid = (await d.get(`/api/query?start=${t0}&end=${t0 + 100}&m=sum:many{host=h3}&show_tsuids`)).json[0].tsuids[0];
    const r = await d.post('/api/query', { start: t0 + 1, end: t0 + 3, delete: true, queries: [{ tsuids: [tsuid], aggregator: 'sum' }] });
    expect(r.status).to.equal(200);
    expect(Object.keys(r.json[0].dps)).to.have.length(3);
    const after = await d.get(`/api/query?start=${t0}&end=${t0 + 100}&m=sum:many{host=h3}`);
    expect(Object.keys(after.json[0].dps)).to.deep.equal([String(t0), String(t0 + 4)]);
    const other = await d.get(`/api/query?start=${t0}&end=${t0 + 100}&m=sum:many{host=h2}`);
    expect(Object.keys(other.json[0].dps)).to.have.length(5);
  });
  it('delete: true removes the annotations of the series it read in [start, end] too, not others (divergence 15: OpenTSDB whole rows)', async () => {
    const tsuidOf = async (host: string) => (await d.get(`/api/query?start=${t0}&end=${t0 + 100}&m=sum:many{host=${host}}&show_tsuids`)).json[0].tsuids[0] as string;
    const [h1, h0] = [await tsuidOf('h1'), await tsuidOf('h0')];
    const notes = [
      { startTime: t0 + 1, tsuid: h1 },
      { startTime: t0 + 3, tsuid: h1.toLowerCase() }, // TSUIDs match in any case
      { startTime: t0 + 50, tsuid: h1 }, // after the range
      { startTime: t0 + 2, tsuid: h0 }, // another series
      { startTime: t0 + 2 }, // global
    ];
    for (const n of notes) expect((await d.post('/api/annotation', { ...n, description: 'x' })).status).to.equal(200);
    const r = await d.post('/api/query', { start: t0, end: t0 + 10, delete: true, queries: [{ metric: 'many', aggregator: 'sum', tags: { host: 'h1' } }] });
    expect(r.status).to.equal(200);
    const left = async (n: { startTime: number; tsuid?: string }) => (await d.get(`/api/annotation?start_time=${n.startTime}${n.tsuid ? `&tsuid=${n.tsuid}` : ''}`)).status;
    expect(await Promise.all(notes.map(left))).to.deep.equal([404, 404, 200, 200, 200]);
    // a tsuids sub-query deletes its series' annotations too
    const byTsuid = await d.post('/api/query', { start: t0, end: t0 + 10, delete: true, queries: [{ tsuids: [h0], aggregator: 'sum' }] });
    expect(byTsuid.status).to.equal(200);
    expect(await left(notes[3]!)).to.equal(404);
    expect(await left(notes[4]!)).to.equal(200);
  });
});

describe('query timeout', () => {
  let d: RunningDaemon;
  before(async () => {
    // A storage engine that takes 20 ms per series, so a 5 ms budget always runs out.
    const slowStorage = {
      name: 'slow-storage',
      register({ hooks }: PluginContext) {
        hooks.storage.engines.tap('slow-storage', (engines) => {
          engines.add('slow', {
            create: () =>
              new (class extends MemoryEngine {
                override async *read(selector: SeriesSelector, range: TimeRange): AsyncIterable<SeriesData> {
                  for await (const data of super.read(selector, range)) {
                    await sleep(20);
                    yield data;
                  }
                }
              })(),
          });
        });
      },
    };
    d = await startDaemon({ plugins: ['http', 'aggregators-opentsdb', ['query', { timeoutMs: 5 }], slowStorage], storage: 'slow' });
    const storage = d.kernel.container.resolve('storage');
    await storage.write(batchOf([at('slow', { host: 'a' }, t0, int(1)), at('slow', { host: 'b' }, t0, int(2)), at('slow', { host: 'c' }, t0, int(3))]));
  });
  after(() => d.stop());

  it("a query running past timeoutMs is answered 413 with OpenTSDB's tsd.query.timeout message", async () => {
    const res = await fetch(`http://127.0.0.1:${d.port}/api/query?start=${t0}&m=sum:slow`);
    expect(res.status).to.equal(413);
    expect(((await res.json()) as any).error.message).to.match(/^Sorry, your query timed out\. Time limit: 5 ms, fetch time: [\d.]+ ms\. Please try filtering using more tags or decrease your time range\.$/);
  });
});

describe('read API without storage', () => {
  let d: RunningDaemon;
  before(async () => {
    d = await startDaemon({ plugins: ['http', 'aggregators-opentsdb', 'query', 'read-api'] });
  });
  after(() => d.stop());

  it('answers 503 with error JSON instead of crashing; storage-free endpoints still work', async () => {
    const base = `http://127.0.0.1:${d.port}`;
    const q = await fetch(`${base}/api/query?start=1h-ago&m=sum:m`);
    expect(q.status).to.equal(503);
    expect(((await q.json()) as any).error.message).to.equal('No storage engine is configured');
    expect((await fetch(`${base}/api/suggest?type=metrics`)).status).to.equal(503);
    expect((await fetch(`${base}/api/aggregators`)).status).to.equal(200);
    expect((await fetch(`${base}/api/stats`)).status).to.equal(200);
  });
});

describe('legacy /q endpoint (graph-image plugin)', () => {
  let d: QueryDaemon;
  before(async () => {
    d = await startQueryDaemon(['graph-image']);
    await d.write([at('sys.cpu', { host: 'a' }, t0, int(1)), at('sys.cpu', { host: 'a' }, t0 + 10, float(2.5))]);
  });
  after(() => d.stop());

  it('ascii lines, json summary, and errors as {"err"} or HTML', async () => {
    const ascii = await d.get(`/q?start=${t0}&end=${t0 + 60}&m=sum:sys.cpu&ascii`);
    expect(ascii.status).to.equal(200);
    expect(ascii.text).to.equal(`sys.cpu ${t0} 1.0 host=a\nsys.cpu ${t0 + 10} 2.5 host=a\n`);
    const json = await d.get(`/q?start=${t0}&end=${t0 + 60}&m=sum:sys.cpu&json`);
    expect(json.json).to.include({ plotted: 2, points: 2 });
    const err = await d.get(`/q?m=sum:sys.cpu&json`);
    expect(err.status).to.equal(400);
    expect(err.json).to.deep.equal({ err: 'Missing parameter <code>start</code>' });
    const html = await d.get(`/q?start=${t0}&m=nope:sys.cpu`);
    expect(html.status).to.equal(400);
    expect(html.headers.get('content-type')).to.match(/^text\/html/);
  });
});

describe('default plugins', () => {
  it('DEFAULT_PLUGINS serve the read API', async () => {
    // The defaults include the embedded engine; keep its data in a scratch folder.
    const dir = scratchDir('default-plugins');
    const d = await startDaemon({ plugins: DEFAULT_PLUGINS }, dir);
    try {
      const base = `http://127.0.0.1:${d.port}`;
      const aggs = (await (await fetch(`${base}/api/aggregators`)).json()) as string[];
      expect(aggs).to.include.members(['sum', 'mult', 'distinct', 'mode']);
      const q = await fetch(`${base}/api/query?start=1h-ago&m=sum:nothing.yet`);
      expect(q.status).to.equal(400);
    } finally {
      await d.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
