/** Strings and JSON values through /api/query: discrete aggregators, jsonPath, and the 400 case. */
import { expect } from 'chai';
import { ValueKind } from '../../core';
import { at, float, int, json, startQueryDaemon, str, type QueryDaemon } from '../helpers/query';

const t0 = 1356998400;

describe('/api/query on strings and JSON values', () => {
  let d: QueryDaemon;
  before(async () => {
    d = await startQueryDaemon(['./examples/aggregator-plugin']);
    await d.write([
      at('door.state', { room: 'a' }, t0, str('open')),
      at('door.state', { room: 'a' }, t0 + 10, str('closed')),
      at('door.state', { room: 'a' }, t0 + 20, str('open')),
      at('door.state', { room: 'b' }, t0 + 10, str('open')),
      at('door.state', { room: 'b' }, t0 + 30, str('jammed')),
      at('sensor', { id: '1' }, t0, json({ temp: 20.5, hum: 40, nested: { list: [1, 2] } })),
      at('sensor', { id: '1' }, t0 + 60, json({ temp: 21.5, hum: 42, nested: { list: [3, 4] } })),
      at('sensor', { id: '2' }, t0, json({ temp: 18, hum: 50, nested: { list: [5, 6] } })),
      at('sensor', { id: '2' }, t0 + 60, json({ hum: 52 })),
      // stored text, not a JS object: numbers past 2^53 and a key holding a colon
      at('exact', { k: 'v' }, t0, { kind: ValueKind.Json, value: '{"a":9007199254740993,"a:b":5,"f":5.0,"huge":1e400}' }),
      at('exact', { k: 'v' }, t0 + 1, { kind: ValueKind.Json, value: '{"a":1,"a:b":6,"f":2.5,"huge":99999999999999999999}' }),
      at('big', { k: 'v' }, t0, int(9223372036854775807n)),
      at('big', { k: 'v' }, t0 + 1, int(-9223372036854775808n)),
      at('big', { k: 'w' }, t0, int(9007199254740993n)),
      at('spread', { k: 'a' }, t0, int(3)),
      at('spread', { k: 'b' }, t0, float(10.5)),
      at('mixed', { k: 'v' }, t0, str('s')),
      at('mixed', { k: 'v' }, t0 + 1, float(-0)),
      at('mixed', { k: 'v' }, t0 + 2, float(-1.5)),
      at('mixed', { k: 'v' }, t0 + 3, float(0)),
      at('mixfill', { k: 'a' }, t0, str('hello')),
      at('mixfill', { k: 'c' }, t0 + 120, int(3)),
      at('numfill', { k: 'a' }, t0, int(5)),
      at('numfill', { k: 'c' }, t0 + 120, int(3)),
    ]);
  });
  after(() => d.stop());

  const post = (queries: object[], extra: object = {}) => d.post('/api/query', { start: t0, end: t0 + 3600, ...extra, queries });

  it('first, last, count, distinct and mode on strings', async () => {
    const r = await post([
      { metric: 'door.state', aggregator: 'none' },
      { metric: 'door.state', aggregator: 'count' },
      { metric: 'door.state', aggregator: 'last', downsample: '0all-last' },
      { metric: 'door.state', aggregator: 'count', downsample: '0all-distinct' },
      { metric: 'door.state', aggregator: 'first', downsample: '1m-mode' },
    ]);
    expect(r.status, r.text).to.equal(200);
    const [a, b, count, last, distinct, mode] = r.json;
    expect(a.dps).to.deep.equal({ [t0]: 'open', [t0 + 10]: 'closed', [t0 + 20]: 'open' });
    expect(b.dps).to.deep.equal({ [t0 + 10]: 'open', [t0 + 30]: 'jammed' });
    expect(count.dps).to.deep.equal({ [t0]: 1, [t0 + 10]: 2, [t0 + 20]: 1, [t0 + 30]: 1 });
    expect(count.aggregateTags).to.deep.equal(['room']);
    // each room's last value in the one bucket (a: open, b: jammed), then the last member's
    expect(last.dps).to.deep.equal({ [t0]: 'jammed' });
    expect(distinct.dps).to.deep.equal({ [t0]: 2 }); // a and b each hold 2 distinct values; count of the 2 rooms
    expect(mode.dps).to.deep.equal({ [t0]: 'open' });
  });

  it('JSON values come back as objects; jsonPath aggregates a numeric field', async () => {
    const r = await post([
      { metric: 'sensor', aggregator: 'none' },
      { metric: 'sensor', aggregator: 'avg', jsonPath: '$.temp' },
      { metric: 'sensor', aggregator: 'sum', jsonPath: 'hum', tags: { id: '*' } },
      { metric: 'sensor', aggregator: 'max', jsonPath: "$.nested['list'][1]" },
    ]);
    expect(r.status, r.text).to.equal(200);
    expect(r.json[0].dps[t0]).to.deep.equal({ hum: 40, nested: { list: [1, 2] }, temp: 20.5 });
    const avg = r.json[2];
    // id=2 has no temp at t0+60, so its series ends at t0: only id=1 counts there
    expect(avg.dps).to.deep.equal({ [t0]: 19.25, [t0 + 60]: 21.5 });
    expect(r.json[3].dps).to.deep.equal({ [t0]: 40, [t0 + 60]: 42 });
    expect(r.json[4].dps).to.deep.equal({ [t0]: 50, [t0 + 60]: 52 });
    expect(r.json[5].dps).to.deep.equal({ [t0]: 6, [t0 + 60]: 4 });
    const get = await d.get(`/api/query?start=${t0}&end=${t0 + 3600}&m=${encodeURIComponent('sum:jsonpath=$.hum:sensor')}`);
    expect(get.json[0].dps).to.deep.equal({ [t0]: 90, [t0 + 60]: 94 });
  });

  it('jsonPath keeps an integer beyond 2^53 exact, reads 5.0 as an integer, and takes a key with a colon in GET m= too', async () => {
    const r = await d.get(`/api/query?start=${t0}&end=${t0 + 60}&m=${encodeURIComponent('none:jsonpath=$.a:exact')}`);
    expect(r.status, r.text).to.equal(200);
    expect(r.text).to.contain(`"dps":{"${t0}":9007199254740993,"${t0 + 1}":1}`);
    const f = await d.get(`/api/query?start=${t0}&end=${t0 + 60}&m=${encodeURIComponent('none:jsonpath=f:exact')}`);
    expect(f.text).to.contain(`"dps":{"${t0}":5.0,"${t0 + 1}":2.5}`);
    // past int64 an integer is a double; past the doubles (1e400) the point is skipped
    const huge = await d.get(`/api/query?start=${t0}&end=${t0 + 60}&m=${encodeURIComponent('none:jsonpath=huge:exact')}`);
    expect(huge.text).to.contain(`"dps":{"${t0 + 1}":1.0E20}`);
    for (const m of ["sum:jsonpath=$['a:b']:exact", 'sum:jsonpath=$["a:b"]:exact{k=v}']) {
      const colon = await d.get(`/api/query?start=${t0}&end=${t0 + 60}&m=${encodeURIComponent(m)}`);
      expect(colon.status, `${m}: ${colon.text}`).to.equal(200);
      expect(colon.json[0].dps, m).to.deep.equal({ [t0]: 5, [t0 + 1]: 6 });
    }
    // a number has no fields: $.a.text is no value, not the number's text
    const field = await post([{ metric: 'exact', aggregator: 'none', jsonPath: '$.a.text' }]);
    expect(field.json.map((s: { dps: object }) => s.dps)).to.deep.equal([{}]);
  });

  it('a numeric aggregator on strings is a 400 naming the series', async () => {
    const r = await post([{ metric: 'door.state', aggregator: 'sum', tags: { room: 'a' } }]);
    expect(r.status).to.equal(400);
    expect(r.json.error.message).to.equal("Aggregator 'sum' cannot aggregate the string or JSON values of series door.state{room=a}");
    expect(r.json.error.details).to.contain('count').and.contain('distinct');
    const ds = await post([{ metric: 'sensor', aggregator: 'count', downsample: '1m-avg' }]);
    expect(ds.status).to.equal(400);
    expect(ds.json.error.message).to.match(/^Aggregator 'avg' cannot aggregate .* series sensor\{id=1\}$/);
    const rate = await post([{ metric: 'door.state', aggregator: 'count', rate: true }]);
    expect(rate.status).to.equal(400);
    // the daemon is still serving
    expect((await d.get('/api/aggregators')).status).to.equal(200);
  });

  it('a series of strings and numbers keeps -0.0 (its numbers as text keep their sign)', async () => {
    const r = await d.get(`/api/query?start=${t0}&end=${t0 + 60}&m=none:mixed`);
    expect(r.status, r.text).to.equal(200);
    expect(r.text).to.contain(`"dps":{"${t0}":"s","${t0 + 1}":-0.0,"${t0 + 2}":-1.5,"${t0 + 3}":0.0}`);
  });

  it("a group of strings and numbers: a nan fill's empty buckets are no value (count as a group of numbers counts them)", async () => {
    const range = `start=${t0}&end=${t0 + 300}`;
    const numbers = await d.get(`/api/query?${range}&m=count:1m-count-nan:numfill`);
    const mixed = await d.get(`/api/query?${range}&m=count:1m-count-nan:mixfill`);
    expect(mixed.status, mixed.text).to.equal(200);
    // before: 2 at t0 (the string and the numeric member's NaN) and 1 in every empty bucket
    expect(Object.values(mixed.json[0].dps)).to.deep.equal([1, 0, 1, 0, 0, 0]);
    expect(Object.keys(mixed.json[0].dps)).to.deep.equal(Object.keys(numbers.json[0].dps));
    expect(Object.values(numbers.json[0].dps)).to.deep.equal([1, 0, 1, 0, 0, 0]);
    const last = await d.get(`/api/query?${range}&m=last:1m-last-nan:mixfill`);
    expect(Object.values(last.json[0].dps)).to.deep.equal(['hello', 'NaN', 3, 'NaN', 'NaN', 'NaN']);
  });

  it('64-bit integers stay exact beyond 2^53', async () => {
    const r = await post([{ metric: 'big', aggregator: 'none' }, { metric: 'big', aggregator: 'sum' }], { msResolution: true });
    expect(r.text).to.contain(`"dps":{"${t0 * 1000}":9223372036854775807,"${t0 * 1000 + 1000}":-9223372036854775808}`);
    expect(r.text).to.contain(`"dps":{"${t0 * 1000}":9007199254740993}`);
    // sum wraps like a Java long: MAX + 9007199254740993
    expect(r.text).to.contain(`"${t0 * 1000}":${BigInt.asIntN(64, 9223372036854775807n + 9007199254740993n)}`);
  });

  it('a third-party aggregator from examples/ is listed and works', async () => {
    const aggs = await d.get('/api/aggregators');
    expect(aggs.json).to.include('spread');
    const r = await d.get(`/api/query?start=${t0}&end=${t0 + 10}&m=spread:spread`);
    expect(r.status).to.equal(200);
    expect(r.json[0].dps).to.deep.equal({ [t0]: 7.5 });
    const ds = await d.get(`/api/query?start=${t0}&end=${t0 + 10}&m=sum:0all-spread:door.state`);
    expect(ds.status).to.equal(400); // spread has no discrete form
  });
});
