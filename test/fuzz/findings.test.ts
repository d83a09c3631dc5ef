/**
 * What the fuzz runs found, kept as regression tests (docs/reliability.md lists them).
 * The only 5xx they met was a deliberate copy of OpenTSDB 2.4, which answers a tag filter
 * it cannot parse in a GET `m=` with a 500 naming the pair. DSDB answers it 400 with the
 * same message (bad input is the client's; docs/opentsdb-compat.md, divergence 10), as
 * the POST form of the same filter. Either way the daemon goes on.
 */
import { expect } from 'chai';
import { startQueryDaemon, type QueryDaemon } from '../helpers/query';

describe('fuzz findings', () => {
  let daemon: QueryDaemon;
  before(async () => {
    daemon = await startQueryDaemon();
  });
  after(async () => {
    await daemon?.stop();
  });

  it('answers a GET m= whose regexp filter does not compile with 400 naming the pair (OpenTSDB: 500; divergence 10), and keeps serving', async () => {
    const res = await daemon.get(`/api/query?start=1&m=${encodeURIComponent('sum:m{a=regexp([)}')}`);
    expect(res.status).to.equal(400);
    expect(res.json.error.code).to.equal(400);
    expect(res.json.error.message).to.match(/^When parsing tag 'a=regexp\(\[\)': /);
    expect((await daemon.get('/api/version')).status).to.equal(200);
  });

  it('answers the same filter in a POST body with 400', async () => {
    const res = await daemon.post('/api/query', { start: 1, queries: [{ aggregator: 'sum', metric: 'm', filters: [{ type: 'regexp', tagk: 'a', filter: '[' }] }] });
    expect(res.status).to.equal(400);
    expect(res.json.error.code).to.equal(400);
  });
});
