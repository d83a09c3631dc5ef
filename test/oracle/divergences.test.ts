/**
 * The deliberate divergences from OpenTSDB 2.4.1 listed in docs/opentsdb-compat.md, each
 * pinned here on the default daemon (no oracle needed): if one of them changes, this test
 * and the document change together.
 */
import { expect } from 'chai';
import { exchange } from '../helpers/clients';
import { startDsdb, type DsdbUnderTest } from './harness';

const T = 1700000000;

describe('deliberate divergences from OpenTSDB 2.4.1 (docs/opentsdb-compat.md)', function () {
  this.timeout(30_000);
  let d: DsdbUnderTest;
  const get = async (path: string) => {
    const res = await fetch(d.url + path);
    return { status: res.status, json: JSON.parse(await res.text()) };
  };
  const put = (body: unknown) => fetch(`${d.url}/api/put?details`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }).then((r) => r.json());

  before(async () => {
    d = await startDsdb();
  });
  after(() => d.stop());

  it('telnet input is decoded as UTF-8 (OpenTSDB: ISO-8859-1)', async () => {
    await exchange(d.telnetPort, [Buffer.from(`put div.telnet ${T} 1 host=café\n`, 'utf8')]);
    const r = await get(`/api/query?start=${T}&end=${T + 1}&m=sum:div.telnet{host=*}`);
    expect(r.json.map((s: { tags: Record<string, string> }) => s.tags.host)).to.deep.equal(['café']);
  });

  it('a second write of the same timestamp replaces the first (OpenTSDB: fix_duplicates, or an error)', async () => {
    await put([{ metric: 'div.dup', timestamp: T, value: 1, tags: { host: 'a' } }]);
    await put([{ metric: 'div.dup', timestamp: T, value: 2, tags: { host: 'a' } }]);
    const r = await get(`/api/query?start=${T}&end=${T + 1}&m=sum:div.dup`);
    expect(r.json[0].dps).to.deep.equal({ [T]: 2 });
  });

  it('a downsample interval under a second is answered (OpenTSDB: 500 Interval cannot be null or empty)', async () => {
    const ms = T * 1000;
    await put([100, 300, 700, 900].map((at, i) => ({ metric: 'div.subsec', timestamp: ms + at, value: i + 1, tags: { host: 'a' } })));
    const r = await get(`/api/query?start=${ms}&end=${ms + 999}&ms=true&m=sum:500ms-sum:div.subsec`);
    expect(r.status).to.equal(200);
    expect(r.json[0].dps).to.deep.equal({ [ms]: 3, [ms + 500]: 7 });
  });

  it('string and JSON values are stored and answered (OpenTSDB: numbers only)', async () => {
    const reply = (await put([
      { metric: 'div.str', timestamp: T, value: '"on"', tags: { host: 'a' } },
      { metric: 'div.json', timestamp: T, value: { a: 1 }, tags: { host: 'a' } },
    ])) as { success: number };
    expect(reply.success).to.equal(2);
    expect((await get(`/api/query?start=${T}&end=${T + 1}&m=last:div.str`)).json[0].dps).to.deep.equal({ [T]: 'on' });
    expect((await get(`/api/query?start=${T}&end=${T + 1}&m=last:div.json`)).json[0].dps).to.deep.equal({ [T]: { a: 1 } });
  });

  it('a plain string over /api/put is stored (OpenTSDB: "Unable to parse value to a number"); "42" stays a number in both', async () => {
    const reply = (await put([
      { metric: 'div.plain', timestamp: T, value: 'x', tags: { host: 'a' } },
      { metric: 'div.numtext', timestamp: T, value: '42', tags: { host: 'a' } },
    ])) as { success: number; failed: number };
    expect(reply).to.include({ success: 2, failed: 0 });
    expect((await get(`/api/query?start=${T}&end=${T + 1}&m=last:div.plain`)).json[0].dps).to.deep.equal({ [T]: 'x' });
    expect((await get(`/api/query?start=${T}&end=${T + 1}&m=sum:div.numtext`)).json[0].dps).to.deep.equal({ [T]: 42 });
  });

  it('/api/query/last with back_scan 0 answers from the index (OpenTSDB 2.4.1 answered [])', async () => {
    await put([{ metric: 'div.last', timestamp: T, value: 5, tags: { host: 'a' } }]);
    const r = await get('/api/query/last?timeseries=div.last');
    expect(r.json).to.have.length(1);
    expect(r.json[0]).to.include({ timestamp: T * 1000, value: '5' });
  });

  it('/api/query/last with back_scan finds a point 80-95 s into its hour (OpenTSDB 2.4.1: 400, its qualifier read as an append column)', async () => {
    const hour = Math.floor(Date.now() / 3_600_000) * 3600;
    const at = hour + 95 <= Date.now() / 1000 ? hour + 95 : hour - 3600 + 95;
    await put([{ metric: 'div.offset95', timestamp: at, value: 1, tags: { host: 'a' } }]);
    const r = await get(`/api/query/last?timeseries=${encodeURIComponent('div.offset95{host=a}')}&back_scan=2`);
    expect(r.status).to.equal(200);
    expect(r.json).to.have.length(1);
    expect(r.json[0]).to.include({ timestamp: at * 1000, value: '1' });
  });

  it('series, aggregateTags and first/last members follow name order (OpenTSDB: UID order)', async () => {
    await put([
      { metric: 'div.order', timestamp: T, value: 1, tags: { zone: 'z', host: 'b' } },
      { metric: 'div.order', timestamp: T, value: 2, tags: { zone: 'y', host: 'a' } },
    ]);
    const r = await get(`/api/query?start=${T}&end=${T + 1}&m=sum:div.order{host=*}`);
    expect(r.json.map((s: { tags: Record<string, string> }) => s.tags.host)).to.deep.equal(['a', 'b']);
    const all = await get(`/api/query?start=${T}&end=${T + 1}&m=last:div.order`);
    expect(all.json[0].aggregateTags).to.deep.equal(['host', 'zone']);
    expect(all.json[0].dps).to.deep.equal({ [T]: 1 }); // host=b sorts last
  });

  it('DELETE /api/stats/query cancels a query (OpenTSDB: 405); credentials in headers are masked (OpenTSDB: shown)', async () => {
    expect((await fetch(`${d.url}/api/stats/query`, { method: 'DELETE' })).status).to.equal(400);
    expect((await fetch(`${d.url}/api/stats/query?id=424242`, { method: 'DELETE' })).status).to.equal(404);
    await fetch(`${d.url}/api/query?start=${T}&end=${T + 2}&m=sum:div.dup`, { headers: { authorization: 'Bearer secret-token-x' } });
    const listed = (await get('/api/stats/query')).json as { completed: { requestHeaders: Record<string, string>; query: { end: string } }[] };
    const entry = listed.completed.find((c) => c.query.end === String(T + 2));
    expect(entry?.requestHeaders).to.include({ authorization: '*******' });
  });

  it('telnet diediedie is an unknown command by default (OpenTSDB: on unless tsd.no_diediedie)', async () => {
    const reply = await exchange(d.telnetPort, ['diediedie\n']);
    expect(reply.data).to.equal("unknown command: diediedie.  Try `help'.\n");
    expect((await fetch(`${d.url}/api/version`)).status).to.equal(200);
  });

  it('showQuery has no UIDs (filterTagKs is empty); TSUIDs are OpenTSDB\'s, from the names\' UIDs', async () => {
    const r = await get(`/api/query?start=${T}&end=${T + 1}&m=sum:div.dup{host=a}&show_query=true&show_tsuids=true`);
    expect(r.json[0].query.filterTagKs).to.deep.equal([]);
    const ids = await get('/api/uid/assign?metric=div.dup&tagk=host&tagv=a');
    const uid = (kind: string, name: string) => String(ids.json[`${kind}_errors`][name]).slice(-6);
    expect(r.json[0].tsuids).to.deep.equal([uid('metric', 'div.dup') + uid('tagk', 'host') + uid('tagv', 'a')]);
  });

  it('bad input to the UID endpoints is a 400 with OpenTSDB\'s message (OpenTSDB: 500)', async () => {
    const r = await get('/api/uid/uidmeta?uid=000001&type=foo');
    expect(r.status).to.equal(400);
    expect(r.json.error.message).to.equal('Invalid type requested: foo');
    const hex = await get('/api/uid/tsmeta?tsuid=zz');
    expect(hex.status).to.equal(400);
    expect(hex.json.error.message).to.equal('java.lang.IllegalArgumentException: contains illegal character for hexBinary: zz');
    // GET /api/annotation with a TSUID that is not hex (padded to an even length, as OpenTSDB does)
    const note = await get(`/api/annotation?start_time=${T}&tsuid=ZZZ`);
    expect(note.status).to.equal(400);
    expect(note.json.error.message).to.equal('java.lang.IllegalArgumentException: contains illegal character for hexBinary: 0ZZZ');
  });

  it('/api/search/tsmeta answers from the meta store (OpenTSDB without a search plugin: 400)', async () => {
    const r = await get('/api/search/tsmeta_summary?query=div.dup');
    expect(r.status).to.equal(200);
    expect(r.json.results.map((x: { metric: string }) => x.metric)).to.deep.equal(['div.dup']);
  });

  it('points before 2^32 ms are answered (OpenTSDB 2.4.1: SpanGroup.add leaves their series out)', async () => {
    await put([{ metric: 'div.early', timestamp: 2_000_000, value: 1, tags: { host: 'a' } }]);
    const r = await get('/api/query?start=1999000&end=2001000&m=sum:div.early{host=*}');
    expect(r.json.map((s: { metric: string; dps: object }) => [s.metric, s.dps])).to.deep.equal([['div.early', { 2000000: 1 }]]);
  });

  it('bad input OpenTSDB answers with a 500 is a 400 with its message (m= filter, gexp syntax, exp validation, a time past 2286)', async () => {
    const filter = await get(`/api/query?start=${T}&m=${encodeURIComponent('sum:div.dup{host=regexp([)}')}`);
    expect(filter.status).to.equal(400);
    expect(filter.json.error.message).to.match(/^When parsing tag 'host=regexp\(\[\)': /);
    const gexp = await get(`/api/query/gexp?start=${T}&exp=${encodeURIComponent('nosuch(sum:div.dup,2)')}`);
    expect([gexp.status, gexp.json.error.message]).to.deep.equal([400, 'Function nosuch has not been implemented']);
    const res = await fetch(`${d.url}/api/query/exp`, { method: 'POST', body: JSON.stringify({ time: { start: T, aggregator: 'sum' }, metrics: [] }) });
    expect([res.status, ((await res.json()) as { error: { message: string } }).error.message]).to.deep.equal([400, 'missing or empty metrics']);
    // TsdbQuery.setEndTime: past 9999999999999 ms, after the query is valid
    const late = await get(`/api/query?start=${T}&end=9223372036854775807&m=sum:div.nosuch`);
    expect([late.status, late.json.error.message]).to.deep.equal([400, 'Invalid timestamp: 9223372036854775807']);
  });
});
