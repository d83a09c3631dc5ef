/**
 * The HTTP read-side test vectors of opentsdb.md §6.2 (H19–H60), each against a real
 * daemon over real HTTP, with data written through the storage contract.
 */
import { expect } from 'chai';
import { at, float, int, startQueryDaemon, type QueryDaemon } from '../helpers/query';

const t0 = 1356998400;

describe('/api/query: OpenTSDB test vectors (opentsdb.md §6.2)', () => {
  let d: QueryDaemon;
  const nowS = Math.floor(Date.now() / 1000);
  const recent = nowS - 600;
  before(async () => {
    d = await startQueryDaemon([], { jsonp: true });
    await d.write([
      at('sys.cpu.user', { host: 'web01' }, recent, int(1)),
      // H33: points 1, 2, 3 in range, one series
      at('h33', { host: 'a' }, t0, int(1)),
      at('h33', { host: 'a' }, t0 + 10, int(2)),
      at('h33', { host: 'a' }, t0 + 20, int(3)),
      // H34–H36
      at('m', { host: 'a' }, t0, int(1)),
      at('m', { host: 'a' }, t0 + 60, int(3)),
      at('m', { host: 'b' }, t0 + 30, int(10)),
      // H37–H40
      at('c', { h: 'a' }, t0, int(100)),
      at('c', { h: 'a' }, t0 + 10, int(200)),
      at('c', { h: 'a' }, t0 + 20, int(50)),
      // H41
      at('f', { h: 'a' }, t0, int(5)),
      at('f', { h: 'a' }, t0 + 20, int(7)),
      // H42
      at('h42', { h: 'a' }, 1388550980, float(1.5)),
      // H43
      at('h43', { h: 'a' }, t0, int(1)),
      at('h43', { h: 'a' }, t0 + 30, int(2)),
      // H44
      at('sys.mem', { host: 'web01' }, recent, int(1)),
      at('syz', { host: 'web01' }, recent, int(1)),
      // H56–H59
      at('r', { host: 'web01' }, recent, int(1)),
      at('r', { host: 'myweb' }, recent, int(2)),
      at('r', { host: 'db01' }, recent, int(4)),
      at('r', { host: 'a' }, recent, int(8)),
      at('r', { host: 'b' }, recent, int(16)),
      at('r', { dc: 'x' }, recent, int(32)),
    ]);
  });
  after(() => d.stop());

  const q = (params: string) => d.get(`/api/query?${params}`);
  const error = (reply: { json: any }) => reply.json?.error?.message as string;

  it('H19 unknown metric → 400 naming it', async () => {
    const r = await q('start=1h-ago&m=sum:nosuch.metric');
    expect(r.status).to.equal(400);
    expect(r.json.error.code).to.equal(400);
    expect(error(r)).to.equal("No such name for 'metrics': 'nosuch.metric'");
  });

  it('H20–H28, H30–H32 validation errors (and other m= and rate-option errors)', async () => {
    const cases: [string, string | RegExp][] = [
      ['m=sum:sys.cpu.user', 'Missing parameter <code>start</code>'],
      ['start=1h-ago', 'Missing sub queries'],
      ['start=1h-ago&m=foo:sys.cpu.user', 'No such aggregation function: foo'],
      ['start=1h-ago&m=sys.cpu.user', 'Invalid parameter m=sys.cpu.user (not enough :-separated parts)'],
      ['start=1h-ago&m=sum:1m-foo:m', 'No such downsampling function: foo'],
      ['start=1h-ago&m=sum:1m-avg-bogus:m', 'Unrecognized fill policy: bogus'],
      ['start=1h-ago&m=sum:1m:m', "Invalid downsampling specifier '1m': must provide at least interval and function"],
      ['start=1h-ago&m=sum:1m-none:m', 'cannot use the NONE aggregator for downsampling'],
      ['start=2h-ago&end=3h-ago&m=sum:m', /^End time \[\d+\] must be greater than the start time \[\d+\]$/],
      ['start=2013-01-01&m=sum:m', "Invalid time: 2013-01-01. Invalid character '-' in 2013-01-01"],
      ['start=1356998400.1234&m=sum:m', 'Invalid time: 1356998400.1234. Millisecond timestamps must be in the format <seconds>.<ms> where the milliseconds are limited to 3 digits'],
      ['start=1x-ago&m=sum:m', 'Invalid duration (suffix): 1x'],
      // past Long.MAX_VALUE Long.parseLong fails: before, these answered 200 with no dps
      ['start=1h-ago&m=sum:99999999999999999999m-sum:m', 'Invalid duration (number): 99999999999999999999m'],
      ['start=9223372036854775808s-ago&m=sum:m', 'Invalid duration (number): 9223372036854775808s'],
      // a long count whose length in ms is not (OpenTSDB 2.4.1's answers)
      ['start=1h-ago&m=sum:153722867280913m-sum:m', 'Duration must be < Long.MAX_VALUE ms: 153722867280913m'],
      ['start=1h-ago&m=sum:3558399705577n-sum:m', 'Duration must be < Long.MAX_VALUE ms: 3558399705577n'],
      ['start=1h-ago&m=sum:a:b:c:d:e', 'Invalid parameter m=sum:a:b:c:d:e (too many :-separated parts)'],
      ['start=1h-ago&m=sum:rate{counter,abc}:c', "Max value of counter was not a number, received 'abc'"],
      ['start=1h-ago&m=sum:m{host=a', "Missing '}' at the end of: sum:m{host=a"],
    ];
    for (const [params, message] of cases) {
      const r = await q(params);
      expect(r.status, params).to.equal(400);
      if (typeof message === 'string') expect(error(r), params).to.equal(message);
      else expect(error(r), params).to.match(message);
    }
  });

  it('durations up to Long.MAX_VALUE ms are taken (OpenTSDB 2.4.1: 200)', async () => {
    for (const spec of ['153722867280912m', '9223372036854775807ms']) expect((await q(`start=1h-ago&m=sum:${spec}-sum:m`)).status, spec).to.equal(200);
  });

  it('H29 16-character absolute date, H31 dotted seconds → 200', async () => {
    expect((await q('start=2013/01/01-00:00&m=sum:m')).status).to.equal(200);
    const r = await q('start=1356998400.5&end=1356998460&m=sum:m');
    expect(r.status).to.equal(200);
    // OpenTSDB 2.4.1 drops the dot and reads "13569984005" as milliseconds (1970): the whole
    // series is in range (opentsdb.md had 1356998400500 here; the real server decides)
    expect(r.json[0].dps).to.deep.equal({ [t0]: 1, [t0 + 30]: 12, [t0 + 60]: 3 });
    const r3 = await q('start=1356998400.500&end=1356998460&m=sum:m');
    // three decimals are milliseconds; a's point at t0 is before the start but still lerps b's timestamp
    expect(r3.json[0].dps).to.deep.equal({ [t0 + 30]: 12, [t0 + 60]: 3 });
  });

  it('H33 0all-sum: one bucket stamped with the query start', async () => {
    const r = await d.post('/api/query', { start: t0, queries: [{ aggregator: 'sum', metric: 'h33', downsample: '0all-sum' }] });
    expect(r.status).to.equal(200);
    expect(r.json).to.deep.equal([{ metric: 'h33', tags: { host: 'a' }, aggregateTags: [], dps: { [t0]: 6 } }]);
  });

  it('H34 sum lerps a series between its points; H35 zimsum does not', async () => {
    const sum = await q(`start=${t0}&end=${t0 + 60}&m=sum:m`);
    expect(sum.json).to.have.length(1);
    expect(sum.json[0].dps).to.deep.equal({ [t0]: 1, [t0 + 30]: 12, [t0 + 60]: 3 });
    expect(sum.json[0].aggregateTags).to.deep.equal(['host']);
    expect(sum.json[0].tags).to.deep.equal({});
    const zimsum = await q(`start=${t0}&end=${t0 + 60}&m=zimsum:m`);
    expect(zimsum.json[0].dps).to.deep.equal({ [t0]: 1, [t0 + 30]: 10, [t0 + 60]: 3 });
  });

  it('H36 group by host=*: one series per host, raw points', async () => {
    const r = await q(`start=${t0}&end=${t0 + 60}&m=sum:m{host=*}`);
    expect(r.json).to.deep.equal([
      { metric: 'm', tags: { host: 'a' }, aggregateTags: [], dps: { [t0]: 1, [t0 + 60]: 3 } },
      { metric: 'm', tags: { host: 'b' }, aggregateTags: [], dps: { [t0 + 30]: 10 } },
    ]);
  });

  it('H37–H40 rate, counter, counterMax, resetValue, dropcounter', async () => {
    const range = `start=${t0}&end=${t0 + 20}`;
    const r37 = await q(`${range}&m=sum:rate:c`);
    expect(r37.text).to.contain(`"dps":{"${t0 + 10}":10.0,"${t0 + 20}":-15.0}`);
    expect((await q(`${range}&m=sum:rate{counter,1000}:c`)).json[0].dps).to.deep.equal({ [t0 + 10]: 10, [t0 + 20]: 85 });
    expect((await q(`${range}&m=sum:rate{counter,1000,50}:c`)).json[0].dps).to.deep.equal({ [t0 + 10]: 10, [t0 + 20]: 0 });
    expect((await q(`${range}&m=sum:rate{dropcounter}:c`)).json[0].dps).to.deep.equal({ [t0 + 10]: 10 });
  });

  it('H41 fill policies nan, null, zero and none', async () => {
    const range = `start=${t0}&end=${t0 + 20}`;
    const nan = await q(`${range}&m=sum:10s-sum-nan:f`);
    // downsampled values are doubles (OpenTSDB 2.4.1 answers 5.0 and 7.0)
    expect(nan.text).to.contain(`"dps":{"${t0}":5.0,"${t0 + 10}":"NaN","${t0 + 20}":7.0}`);
    expect((await q(`${range}&m=sum:10s-sum-null:f`)).json[0].dps).to.deep.equal({ [t0]: 5, [t0 + 10]: null, [t0 + 20]: 7 });
    expect((await q(`${range}&m=sum:10s-sum-zero:f`)).json[0].dps).to.deep.equal({ [t0]: 5, [t0 + 10]: 0, [t0 + 20]: 7 });
    expect((await q(`${range}&m=sum:10s-sum:f`)).json[0].dps).to.deep.equal({ [t0]: 5, [t0 + 20]: 7 });
  });

  it('H42 1h-avg buckets are epoch-aligned; H43 avg downsampling of integers is a double (1.5)', async () => {
    const r42 = await q('start=1388548800&end=1388552400&m=sum:1h-avg:h42');
    expect(Object.keys(r42.json[0].dps)).to.deep.equal(['1388548800']);
    const r43 = await q(`start=${t0}&end=${t0 + 59}&m=sum:1m-avg:h43`);
    // opentsdb.md said the integer avg truncates (1); OpenTSDB 2.4.1 downsamples in doubles: 1.5
    expect(r43.json[0].dps).to.deep.equal({ [t0]: 1.5 });
    expect(r43.text).to.contain(`"${t0}":1.5}`);
  });

  it('H44–H47 /api/suggest', async () => {
    const r = await d.get('/api/suggest?type=metrics&q=sys');
    expect(r.status).to.equal(200);
    expect(r.json).to.deep.equal(['sys.cpu.user', 'sys.mem']);
    expect(error(await d.get('/api/suggest?type=foo'))).to.equal("Invalid 'type' parameter:foo");
    expect(error(await d.get('/api/suggest?q=a'))).to.equal('Missing parameter <code>type</code>');
    const bad = await d.get('/api/suggest?type=tagk&max=x');
    expect(bad.status).to.equal(400);
    expect(error(bad)).to.equal("Unable to parse 'max' as a number");
    // measured on OpenTSDB 2.4.1: max 0 or less lists every match; past Java's int range is no number
    for (const max of ['0', '-1', '-2147483648']) expect((await d.get(`/api/suggest?type=metrics&q=sys&max=${max}`)).json).to.deep.equal(['sys.cpu.user', 'sys.mem']);
    expect((await d.post('/api/suggest', { type: 'metrics', q: 'sys', max: 0 })).json).to.deep.equal(['sys.cpu.user', 'sys.mem']);
    for (const max of ['2147483648', '-2147483649', '99999999999']) expect(error(await d.get(`/api/suggest?type=metrics&q=sys&max=${max}`))).to.equal("Unable to parse 'max' as a number");
    expect((await d.get('/api/suggest?type=metrics&q=sys&max=2147483647')).json).to.have.length(2);
  });

  it('H48 /api/aggregators lists the 35 OpenTSDB names', async () => {
    const r = await d.get('/api/aggregators');
    expect(r.status).to.equal(200);
    for (const name of ['sum', 'zimsum', 'mult', 'squareSum', 'none', 'p99', 'ep99r7']) expect(r.json).to.include(name);
    const opentsdb = r.json.filter((n: string) => n !== 'distinct' && n !== 'mode');
    expect(opentsdb).to.have.length(35);
  });

  it('H52 /api/dropcaches, H53 /api/config/filters', async () => {
    expect((await d.get('/api/dropcaches')).json).to.deep.equal({ message: 'Caches dropped', status: '200' });
    const filters = await d.get('/api/config/filters');
    expect(Object.keys(filters.json).sort()).to.deep.equal(['iliteral_or', 'iwildcard', 'literal_or', 'not_iliteral_or', 'not_literal_or', 'regexp', 'wildcard']);
    for (const f of Object.values(filters.json) as any[]) expect(f).to.have.keys('description', 'examples');
    // OpenTSDB 2.4.1's text, two spaces after the comma included; POST answers as GET
    expect(filters.json.literal_or.examples).to.equal('host=literal_or(web01),  host=literal_or(web01|web02|web03)  {"type":"literal_or","tagk":"host","filter":"web01|web02|web03","groupBy":false}');
    expect((await d.post('/api/config/filters', '')).json).to.deep.equal(filters.json);
  });

  it('H54 DELETE /api/query is refused without allowDelete', async () => {
    const r = await d.post('/api/query?start=1h-ago&m=sum:m', '', 'DELETE');
    expect(r.status).to.equal(400);
    expect(r.json.error).to.include({ message: 'Bad request', details: 'Deleting data is not enabled (tsd.http.query.allow_delete=false)' });
  });

  it('H56 regexp is unanchored; H57 not_literal_or leaves out series without the key', async () => {
    const r56 = await q('start=1h-ago&m=sum:r{host=regexp(web)}');
    expect(r56.json.map((s: any) => s.tags.host)).to.deep.equal(['myweb', 'web01']);
    const r57 = await q('start=1h-ago&m=sum:r{}{host=not_literal_or(a)}');
    expect(r57.json).to.have.length(1);
    // opentsdb.md said series without the key are kept; OpenTSDB 2.4.1 requires every filtered key
    expect(Object.values(r57.json[0].dps)).to.deep.equal([1 + 2 + 4 + 16]);
  });

  it('two literal_or filters on one key select either value; explicitTags without filters keeps every series (OpenTSDB 2.4.1)', async () => {
    const either = await q('start=1h-ago&m=sum:r{}{host=literal_or(a),host=literal_or(b)}');
    expect(Object.values(either.json[0].dps)).to.deep.equal([8 + 16]);
    const explicit = await q('start=1h-ago&m=sum:r&explicit_tags=true');
    expect(Object.values(explicit.json[0].dps)).to.deep.equal([1 + 2 + 4 + 8 + 16 + 32]);
  });

  it('H58 literal_or groups per value; H59 the wildcard shortcut is case-insensitive', async () => {
    const r58 = await q('start=1h-ago&m=sum:r{host=literal_or(a|b)}');
    expect(r58.json.map((s: any) => s.tags.host)).to.deep.equal(['a', 'b']);
    const r59 = await q('start=1h-ago&m=sum:r{host=WEB*}');
    expect(r59.json.map((s: any) => s.tags.host)).to.deep.equal(['web01']);
  });

  it('?jsonp=fn wraps the reply', async () => {
    const r = await q(`start=${t0}&end=${t0 + 60}&m=sum:h33&jsonp=cb`);
    expect(r.text).to.match(/^cb\(\[\{"metric":"h33"/);
    expect(r.text.endsWith(')')).to.equal(true);
  });

  it('H60 unknown JSON fields are ignored', async () => {
    const r = await d.post('/api/query', { start: t0, end: t0 + 60, foo: 1, queries: [{ aggregator: 'sum', metric: 'm', bar: true }] });
    expect(r.status).to.equal(200);
    expect(r.json[0].dps).to.deep.equal({ [t0]: 1, [t0 + 30]: 12, [t0 + 60]: 3 });
  });

  it('answers bad JSON and a missing body with OpenTSDB errors', async () => {
    const bad = await d.post('/api/query', '{"start":');
    expect(bad.status).to.equal(400);
    expect(error(bad)).to.equal('Unable to parse the given JSON');
    const empty = await d.post('/api/query', '');
    expect(error(empty)).to.equal('Missing message content');
    const noQueries = await d.post('/api/query', { start: t0 });
    expect(error(noQueries)).to.equal('Missing queries');
    const badFilter = await d.post('/api/query', { start: t0, queries: [{ aggregator: 'sum', metric: 'm', filters: [{ type: 'nope', tagk: 'host', filter: 'x' }] }] });
    // OpenTSDB builds filters while reading the JSON: a JSON error with the reason in details
    expect(error(badFilter)).to.equal('Unable to parse the given JSON');
    expect(badFilter.json.error.details).to.contain('Could not find a tag value filter of the type: nope');
    // the zone is looked up where it is used: here by the downsampler (OpenTSDB 2.4.1 ignores it without one)
    const badZone = await d.post('/api/query', { start: t0, timezone: 'Mars/Olympus', queries: [{ aggregator: 'sum', metric: 'm', downsample: '1m-sum' }] });
    expect(error(badZone)).to.equal('The timezone specification could not be found');
  });
});

describe('/api/query: seconds output of millisecond data, unknown tag keys', () => {
  let d: QueryDaemon;
  before(async () => {
    d = await startQueryDaemon();
    await d.write([
      { metric: 'ms', tags: { h: 'a' }, timestamp: t0 * 1000 + 100, value: int(1) },
      { metric: 'ms', tags: { h: 'a' }, timestamp: t0 * 1000 + 600, value: int(2) },
      { metric: 'ms', tags: { h: 'a' }, timestamp: t0 * 1000 + 1000, value: int(4) },
    ]);
  });
  after(() => d.stop());

  it('without msResolution, each point is written under its second (a second can repeat, as in OpenTSDB)', async () => {
    const s = await d.get(`/api/query?start=${t0}&end=${t0 + 10}&m=sum:ms`);
    // opentsdb.md said the points of a second are combined (3); OpenTSDB 2.4.1 writes both
    expect(s.text).to.contain(`"dps":{"${t0}":1,"${t0}":2,"${t0 + 1}":4}`);
    const ms = await d.get(`/api/query?start=${t0}&end=${t0 + 10}&m=sum:ms&ms`);
    expect(ms.json[0].dps).to.deep.equal({ [t0 * 1000 + 100]: 1, [t0 * 1000 + 600]: 2, [t0 * 1000 + 1000]: 4 });
  });

  it('an unknown tag key is a 400 naming it', async () => {
    const r = await d.get(`/api/query?start=${t0}&m=sum:ms{nokey=*}`);
    expect(r.status).to.equal(400);
    expect(r.json.error.message).to.equal("No such name for 'tagk': 'nokey'");
  });
});

describe('/api/query: the rows read past the end (TsdbQuery.getScanEndTimeSeconds, checked against OpenTSDB 2.4.1)', () => {
  let d: QueryDaemon;
  before(async () => {
    d = await startQueryDaemon();
    await d.write([
      at('endrow', { host: 'a', dc: 'lga' }, t0 + 3500, int(1)),
      at('endrow', { host: 'a', dc: 'lga' }, t0 + 3590, int(2)),
      at('endrow', { host: 'a', dc: 'lga' }, t0 + 3700, int(4)), // the next hour's row
      at('endrow', { host: 'a', dc: 'lga' }, t0 + 7300, int(8)), // the row after it
      at('endrow', { host: 'b', dc: 'lga' }, t0 + 3550, int(16)),
      at('endrow', { host: 'b', dc: 'lga' }, t0 + 3595, int(32)),
      at('endrow', { host: 'a', dc: 'lga', rack: 'r1' }, t0 + 3595, int(64)),
      // emptyspan: b has a point only in the extra hour row; c's first point is at the span end
      at('emptyspan', { host: 'a' }, t0 + 100, int(1)),
      at('emptyspan', { host: 'b' }, t0 + 3700, int(2)),
      at('emptyspan', { host: 'c' }, t0 + 3600, int(4)),
      at('emptyspan', { host: 'd' }, t0 + 300, int(8)),
      at('emptyspan', { host: 'd' }, t0 + 3650, int(16)),
    ]);
  });
  after(() => d.stop());

  const at3595 = async (params: string, body?: unknown) => {
    const r = body ? await d.post('/api/query', body) : await d.get(`/api/query?${params}`);
    expect(r.status).to.equal(200);
    return r.json[0].dps[t0 + 3595];
  };

  it('an end at hh:59:59 reads the next hour (OpenTSDB always adds a second to the end)', async () => {
    // `a` lerps towards its point at t0 + 3700 only when that row is read: 64 + 2
    expect(await at3595(`start=${t0 + 3500}&end=${t0 + 3599}&m=sum:endrow{host=a}`)).to.equal(66);
    expect(await at3595(`start=${t0 + 3500}&end=${t0 + 3598}&m=sum:endrow{host=a}`)).to.equal(64);
  });

  it('explicitTags with filters reads one hour more (the fuzzy scan stops past the end hour row)', async () => {
    const body = (explicitTags: boolean) => ({
      start: t0 + 3500,
      end: t0 + 3598,
      queries: [{ aggregator: 'sum', metric: 'endrow', explicitTags, filters: [{ type: 'wildcard', tagk: 'host', filter: '*', groupBy: false }, { type: 'literal_or', tagk: 'dc', filter: 'lga', groupBy: false }] }],
    });
    expect(await at3595('', body(true))).to.equal(32 + 2); // b, and a lerped towards t0 + 3700
    expect(await at3595('', body(false))).to.equal(32 + 64); // a has ended: b and the rack series
    expect(await at3595(`start=${t0 + 3500}&end=${t0 + 3598}&m=sum:explicit_tags:endrow{dc=lga}{host=*}`)).to.equal(34);
  });

  it('explicitTags: a series whose first point is past the scan end leaves its group without spans (metric "")', async () => {
    // SpanGroup.add drops a span whose first point is after getScanEndTimeSeconds (t0 + 3600);
    // its group is still answered: no metric, no tags, no points (as OpenTSDB 2.4.1, seed 339258608)
    const q = async (m: string) => {
      const r = await d.get(`/api/query?start=${t0}&end=${t0 + 600}&m=${m}&show_tsuids=true`);
      expect(r.status).to.equal(200);
      return r.json.map((s: { metric: string; tags: object; aggregateTags: string[]; dps: object; tsuids: string[] }) => [s.metric, s.tags, s.aggregateTags, s.dps, s.tsuids.length]);
    };
    const empty = ['', {}, [], {}, 0];
    const a = ['emptyspan', { host: 'a' }, [], { [t0 + 100]: 1 }, 1];
    const c = ['emptyspan', { host: 'c' }, [], {}, 1]; // its first point is at the end itself: kept
    const d8 = ['emptyspan', { host: 'd' }, [], { [t0 + 300]: 8 }, 1];
    expect(await q('sum:explicit_tags:emptyspan{host=*}')).to.deep.equal([a, empty, c, d8]);
    expect(await q('none:explicit_tags:emptyspan{host=*}')).to.deep.equal([a, empty, c, d8]);
    expect(await q('sum:explicit_tags:emptyspan{host=b}')).to.deep.equal([empty]);
    // downsampled too (the storage's pushdown would not see the first raw point)
    expect((await q('sum:1m-max:explicit_tags:emptyspan{host=b}'))).to.deep.equal([empty]);
    // without explicitTags the row at t0 + 3600 is not read: neither b nor c has a span
    expect(await q('sum:emptyspan{host=*}')).to.deep.equal([a, d8]);
    // annotations stay with their series; a group without spans has none (SpanGroup.getAnnotations)
    const dTsuid = (await d.get(`/api/query?start=${t0}&end=${t0 + 600}&m=sum:emptyspan{host=d}&show_tsuids=true`)).json[0].tsuids[0];
    expect((await d.post('/api/annotation', { startTime: t0 + 200, tsuid: dTsuid, description: 'on d' })).status).to.equal(200);
    const noted = await d.get(`/api/query?start=${t0}&end=${t0 + 600}&m=none:explicit_tags:emptyspan{host=*}`);
    expect(noted.status).to.equal(200);
    expect(noted.json.map((s: { metric: string; tags: { host?: string }; annotations?: { description: string }[] }) => [s.tags.host ?? s.metric, (s.annotations ?? []).map((n) => n.description)])).to.deep.equal([
      ['a', []],
      ['', []],
      ['c', []],
      ['d', ['on d']],
    ]);
  });

  it("explicitTags: a calendar bucket holding the end takes its last point from the extra hour (seed 9203's 31 vs 26)", async () => {
    // Berlin is UTC+1 in January: the 2h calendar bucket at t0 + 3600 runs to t0 + 10800
    const last = async (explicitTags: boolean) => {
      const r = await d.post('/api/query', {
        start: t0 + 3600,
        end: t0 + 3695,
        useCalendar: true,
        timezone: 'Europe/Berlin',
        queries: [{ aggregator: 'sum', metric: 'endrow', downsample: '2h-last', explicitTags, filters: [{ type: 'literal_or', tagk: 'host', filter: 'a', groupBy: false }, { type: 'literal_or', tagk: 'dc', filter: 'lga', groupBy: false }] }],
      });
      return r.json[0].dps;
    };
    expect(await last(true)).to.deep.equal({ [t0 + 3600]: 8 });
    expect(await last(false)).to.deep.equal({ [t0 + 3600]: 4 });
  });
});

describe('/api/query: a series with an annotation but no points in the rows read (checked against OpenTSDB 2.4.1)', () => {
  let d: QueryDaemon;
  const later = t0 + 7200;
  before(async () => {
    // OpenTSDB TSUIDs (uid-meta): an annotation under an engine id makes no group
    d = await startQueryDaemon(['uid-meta', 'put-http']);
    // ten tag values first: host a's UID is then 00000B, so its TSUID has a letter to write in lower case
    expect((await d.get(`/api/uid/assign?tagv=${Array.from({ length: 10 }, (_, i) => `v${i}`).join(',')}`)).status).to.equal(200);
    // over /api/put, so that uid-meta gives the series their UIDs as they are written
    const put = await d.post('/api/put?sync', [
      { metric: 'noted', timestamp: t0, value: 1, tags: { host: 'a' } },
      { metric: 'noted', timestamp: t0, value: 2, tags: { host: 'b' } },
      { metric: 'noted', timestamp: later + 5, value: 4, tags: { host: 'b' } },
    ]);
    expect(put.status).to.equal(204);
    const r = await d.get(`/api/query?start=${t0}&end=${t0 + 1}&m=sum:noted{host=a}&show_tsuids=true`);
    // the TSUID in lower case: found all the same (OpenTSDB reads the hex in any case)
    const lower = (r.json[0].tsuids[0] as string).toLowerCase();
    expect(lower).to.match(/[a-f]/);
    for (const body of [{ startTime: later, tsuid: lower, description: 'on a' }, { startTime: later + 1, description: 'global' }]) {
      expect((await d.post('/api/annotation', body)).status).to.equal(200);
    }
  });
  after(() => d.stop());

  const query = async (params: string) => {
    const r = await d.get(`/api/query?start=${later - 5}&end=${later + 12}&${params}`);
    expect(r.status).to.equal(200);
    return r;
  };

  it('makes its group: alone it answers metric "" with the annotation (SpanGroup of a Span without points)', async () => {
    const r = await query('m=sum:noted{host=*}');
    expect(r.json).to.deep.equal([
      { metric: '', tags: {}, aggregateTags: [], annotations: [{ tsuid: r.json[0].annotations[0].tsuid, description: 'on a', notes: '', startTime: later, endTime: 0 }], dps: {} },
      { metric: 'noted', tags: { host: 'b' }, aggregateTags: [], dps: { [later + 5]: 4 } },
    ]);
    // OpenTSDB's key order, and a global annotation's empty tsuid
    const g = await query('m=sum:noted{host=a}&global_annotations=true');
    expect(g.text).to.contain(`"description":"on a","notes":"","startTime":${later},"endTime":0}`);
    expect(g.text).to.contain(`"globalAnnotations":[{"tsuid":"","description":"global","notes":"","startTime":${later + 1},"endTime":0}]`);
  });

  it('in a group with points it adds its annotation and not its tags; without annotations shown the group stays', async () => {
    const all = await query('m=sum:noted');
    expect(all.json.map((s: { metric: string; tags: object; annotations?: { description: string }[] }) => [s.metric, s.tags, (s.annotations ?? []).map((n) => n.description)])).to.deep.equal([['noted', { host: 'b' }, ['on a']]]);
    const quiet = await query('m=sum:noted{host=a}&no_annotations=true');
    expect(quiet.json).to.deep.equal([{ metric: '', tags: {}, aggregateTags: [], dps: {} }]);
    // rows outside the scan: no group
    expect((await d.get(`/api/query?start=${t0 + 3600}&end=${t0 + 3700}&m=sum:noted{host=*}`)).json).to.deep.equal([]);
  });
});
