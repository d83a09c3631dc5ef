/**
 * Annotation times and fields as OpenTSDB 2.4.1 reads them (plugins/read-api/annotations.ts);
 * the same requests against the real server: test/oracle/annotation-times.test.ts.
 */
import { expect } from 'chai';
import { startQueryDaemon, type QueryDaemon } from '../helpers/query';

const t0 = 1356998400;

describe('/api/annotation times and fields, as OpenTSDB reads them', () => {
  let d: QueryDaemon;
  before(async () => {
    d = await startQueryDaemon();
  });
  after(() => d.stop());

  it('a body: fractions truncated, numeric strings taken, an empty string 0, past a long refused', async () => {
    expect((await d.post('/api/annotation', { startTime: t0 + 0.9, description: 'f' })).json.startTime).to.equal(t0);
    expect((await d.post('/api/annotation', { startTime: String(t0 + 1), endTime: '', description: 's' })).json).to.include({ startTime: t0 + 1, endTime: 0 });
    const far = await d.post('/api/annotation', '{"startTime":1e20,"description":"far"}');
    expect([far.status, far.json.error.message]).to.deep.equal([400, 'Unable to parse the given JSON']);
    const farBulk = await d.post('/api/annotation/bulk', `[{"startTime":${t0 + 2},"description":"ok"},{"startTime":${t0 + 3},"endTime":-1e20,"description":"far"}]`);
    expect(farBulk.status).to.equal(400);
    expect((await d.get(`/api/annotation?start_time=${t0 + 2}`)).status, 'nothing of a refused bulk stored').to.equal(404);
    for (const startTime of [undefined, 0, -5, '']) {
      const r = await d.post('/api/annotation', { startTime, description: 'no start' });
      expect([r.status, r.json.error.message], String(startTime)).to.deep.equal([400, 'The start timestamp has not been set']);
    }
  });

  it('custom: null values kept, numbers and booleans as text, anything but an object refused', async () => {
    const r = await d.post('/api/annotation', { startTime: t0 + 10, description: 'c', custom: { a: null, n: 3, b: true } });
    expect(r.json.custom).to.deep.equal({ a: null, n: '3', b: 'true' });
    expect((await d.get(`/api/annotation?start_time=${t0 + 10}`)).json.custom).to.deep.equal({ a: null, n: '3', b: 'true' });
    for (const custom of ['str', 5, ['a']]) expect((await d.post('/api/annotation', { startTime: t0 + 11, description: 'c', custom })).status, JSON.stringify(custom)).to.equal(400);
    expect((await d.get(`/api/annotation?start_time=${t0 + 11}`)).status).to.equal(404);
  });

  it('a query string: times as /api/query reads them, truncated to the second', async () => {
    await d.post('/api/annotation', { startTime: t0 + 20, description: 'q' });
    for (const time of [String(t0 + 20), `${t0 + 20}999`, '2013/01/01-00:00:20', `%2B${(t0 + 20) * 1000}`]) {
      const r = await d.get(`/api/annotation?start_time=${time}`);
      expect([r.status, r.json.description], time).to.deep.equal([200, 'q']);
    }
    expect((await d.get('/api/annotation?start_time=1h-ago')).status).to.equal(404);
    expect((await d.get('/api/annotation?start_time=0')).json.error.message).to.equal('Missing start time');
    const del = await d.post('/api/annotation?start_time=2013/01/01-00:00:20', undefined, 'DELETE');
    expect(del.status).to.equal(204);
    expect((await d.get(`/api/annotation?start_time=${t0 + 20}`)).status).to.equal(404);
  });
});
