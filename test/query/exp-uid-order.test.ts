/**
 * /api/query/exp joins series by OpenTSDB's flattened tag UIDs, in their byte order
 * (docs/opentsdb-compat.md): the vector of the one difference the random runs met (seed
 * 9301) — a union with includeAggTags of `{dc=lga}` aggregated over host and uid with
 * `{dc=lga, host=Web03, uid=1}`, where the tag key `uid` and the tag value `Web03` both
 * have UID 000004. OpenTSDB's key of the first (dc lga, then aggregated host uid:
 * 000001000001 000002 000004) starts the second's (000001000001 000002000004 000004000005),
 * so the first comes first; by names (`uid` > `Web03`) it would come second.
 */
import { expect } from 'chai';
import { startDaemon, type RunningDaemon } from '../helpers/daemon';

const t0 = 1767225600;

describe('/api/query/exp join order: OpenTSDB\'s UID bytes', () => {
  let d: RunningDaemon;
  const call = async (path: string, body?: unknown) => {
    const res = await fetch(`http://127.0.0.1:${d.port}${path}`, { method: body === undefined ? 'GET' : 'POST', ...(body !== undefined ? { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) } : {}) });
    return { status: res.status, json: JSON.parse(await res.text()) };
  };
  before(async () => {
    d = await startDaemon({ plugins: ['http', 'put-http', 'storage-memory', 'aggregators-opentsdb', 'query', 'uid-meta'] as never, storage: 'memory' });
  });
  after(() => d.stop());

  async function run(): Promise<unknown[]> {
    const r = await call('/api/query/exp', {
      time: { start: String(t0), end: String(t0 + 60), aggregator: 'sum' },
      filters: [
        { id: 'lga', tags: [{ type: 'literal_or', tagk: 'dc', filter: 'lga', groupBy: true }] },
        { id: 'all', tags: [{ type: 'wildcard', tagk: 'host', filter: '*', groupBy: true }, { type: 'wildcard', tagk: 'uid', filter: '*', groupBy: true }, { type: 'wildcard', tagk: 'dc', filter: '*', groupBy: true }] },
      ],
      metrics: [
        { id: 'a', metric: 'j.a', filter: 'lga' },
        { id: 'b', metric: 'j.b', filter: 'all' },
      ],
      expressions: [{ id: 'e', expr: 'a + b', join: { operator: 'union', includeAggTags: true } }],
    });
    expect(r.status, JSON.stringify(r.json)).to.equal(200);
    return r.json.outputs[0].dps;
  }

  it('orders the joined series by UID bytes, a shorter key first, across tag keys and values', async () => {
    const assigned = await call('/api/uid/assign', { tagk: ['dc', 'host', 'rack', 'uid'], tagv: ['lga', 'a', 'b', 'Web03', '1', '2'], metric: ['j.a', 'j.b'] });
    expect(assigned.json.tagk.uid).to.equal('000004');
    expect(assigned.json.tagv.Web03).to.equal('000004');
    const put = await call('/api/put?details', [
      { metric: 'j.a', timestamp: t0, value: 1, tags: { dc: 'lga', host: 'a', uid: '1' } },
      { metric: 'j.a', timestamp: t0, value: 2, tags: { dc: 'lga', host: 'Web03', uid: '2' } },
      { metric: 'j.b', timestamp: t0, value: 10, tags: { dc: 'lga', host: 'Web03', uid: '1' } },
    ]);
    expect(put.json.success).to.equal(3);
    // one row: the union's two series, [a+fill at key A, fill+b at key B]
    expect(await run()).to.deep.equal([[t0 * 1000, 3, 10]]);
  });

  it('without UIDs (no uid-meta plugin) orders by names, as UIDs assigned in name order would', async () => {
    await d.stop();
    d = await startDaemon({ plugins: ['http', 'put-http', 'storage-memory', 'aggregators-opentsdb', 'query'] as never, storage: 'memory' });
    await call('/api/put?details', [
      { metric: 'j.a', timestamp: t0, value: 1, tags: { dc: 'lga', host: 'a', uid: '1' } },
      { metric: 'j.a', timestamp: t0, value: 2, tags: { dc: 'lga', host: 'Web03', uid: '2' } },
      { metric: 'j.b', timestamp: t0, value: 10, tags: { dc: 'lga', host: 'Web03', uid: '1' } },
    ]);
    // `host Web03 …` sorts before `host uid` by name: key B first
    expect(await run()).to.deep.equal([[t0 * 1000, 10, 3]]);
  });
});
