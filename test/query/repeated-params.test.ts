/**
 * A query-string parameter given more than once is its LAST value, as OpenTSDB 2.4.1's
 * HttpQuery.getQueryStringParam answers it; the parameters an endpoint reads as lists
 * (getQueryStringParams: `m` and `tsuid` of /api/query, `timeseries` of /api/query/last)
 * keep every value. The OpenTSDB answers below were measured on the real server
 * (2026-12-07); /api/query's forms are also fixed oracle vectors (test/oracle/vectors.ts).
 */
import { expect } from 'chai';
import { lastQueryValues } from '../../lib/http';
import { at, int, startQueryDaemon, type QueryDaemon } from '../helpers/query';

const t0 = 1356998400;

describe('repeated query-string parameters: the last value, as OpenTSDB', () => {
  let d: QueryDaemon;
  before(async () => {
    d = await startQueryDaemon();
    await d.write([
      at('rp.cpu', { host: 'a' }, t0, int(1)),
      at('rp.cpu', { host: 'a' }, t0 + 60, int(2)),
      at('rp.cpu', { host: 'b' }, t0, int(10)),
      at('rp.mem', { host: 'a' }, t0, int(5)),
      at('rp.disk', { host: 'a' }, t0, int(3)),
    ]);
  });
  after(() => d.stop());

  it('/api/query: the last start and end count; every m is a sub-query', async () => {
    // OpenTSDB: 200 over [t0 - 10, t0 + 100] (the first start, 1h-ago, would end before it starts)
    const r = await d.get(`/api/query?start=1h-ago&start=${t0 - 10}&end=${t0 + 100}&m=sum:rp.cpu`);
    expect(r.status, JSON.stringify(r.json)).to.equal(200);
    expect(r.json[0].dps).to.deep.equal({ [t0]: 11, [t0 + 60]: 2 });
    // OpenTSDB: only the t0 point (end t0 + 30); two m, two answers
    const two = await d.get(`/api/query?start=${t0 - 10}&end=${t0 + 100}&end=${t0 + 30}&m=sum:rp.cpu&m=max:rp.cpu`);
    expect(two.json.map((x: { dps: Record<string, number> }) => x.dps)).to.deep.equal([{ [t0]: 11 }, { [t0]: 10 }]);
  });

  it('/api/suggest: the last q, type and max', async () => {
    // OpenTSDB: q=zzz&q=rp lists the rp metrics; type=tagk&type=metrics lists metrics; max=1&max=2 two names
    expect((await d.get('/api/suggest?type=metrics&q=zzz&q=rp')).json).to.deep.equal(['rp.cpu', 'rp.disk', 'rp.mem']);
    expect((await d.get('/api/suggest?type=tagk&type=metrics&q=rp')).json).to.deep.equal(['rp.cpu', 'rp.disk', 'rp.mem']);
    expect((await d.get('/api/suggest?type=metrics&q=rp&max=1&max=2')).json).to.have.length(2);
  });

  it('/api/query/last: the last back_scan; every timeseries is a sub-query', async () => {
    const r = await d.get(`/api/query/last?timeseries=${encodeURIComponent('rp.cpu{host=a}')}&timeseries=${encodeURIComponent('rp.mem{host=a}')}&back_scan=x&back_scan=0`);
    expect(r.status, JSON.stringify(r.json)).to.equal(200);
    expect(r.json).to.have.length(2);
    expect((await d.get('/api/query/last?timeseries=rp.cpu&back_scan=0&back_scan=x')).json.error.message).to.equal('Unable to parse back_scan parameter');
  });

  it('lastQueryValues: repeated values reduced to the last, list parameters kept, the object kept when nothing repeats', () => {
    const once = { a: '1', b: undefined };
    expect(lastQueryValues(once)).to.equal(once);
    expect(lastQueryValues({ a: ['1', '2', '3'], m: ['x', 'y'], s: 'z' }, ['m'])).to.deep.equal({ a: '3', m: ['x', 'y'], s: 'z' });
    expect(lastQueryValues({ m: ['x', 'y'] }, new Set(['m']))).to.deep.equal({ m: ['x', 'y'] });
  });
});
