/**
 * A POST body's text after its JSON object, as OpenTSDB 2.4.1's Jackson mapper reads it:
 * the first value is the request, the rest is ignored (measured on the real server for
 * /api/query, /api/query/last, /api/query/exp, /api/annotation(s), /api/uid/*, /api/tree;
 * /api/query's forms are fixed oracle vectors in test/oracle/vectors.ts). /api/put refuses
 * such bodies (divergence 19).
 */
import { expect } from 'chai';
import { firstJsonValueText } from '../../lib/opentsdb';
import { at, int, startQueryDaemon, type QueryDaemon } from '../helpers/query';

const t0 = 1356998400;

describe('POST query bodies: text after the JSON object ignored, as OpenTSDB', () => {
  let d: QueryDaemon;
  before(async () => {
    d = await startQueryDaemon();
    await d.write([at('tb.cpu', { host: 'a' }, t0, int(4)), at('tb.cpu', { host: 'a' }, t0 + 60, int(6))]);
  });
  after(() => d.stop());

  it('firstJsonValueText: the first object or array, strings and nesting respected; anything else whole', () => {
    expect(firstJsonValueText('{"a":"}{"} x')).to.equal('{"a":"}{"}');
    expect(firstJsonValueText(' {"a":{"b":[1,{}]}}}')).to.equal(' {"a":{"b":[1,{}]}}');
    expect(firstJsonValueText('{"a":"\\"}"}{')).to.equal('{"a":"\\"}"}');
    expect(firstJsonValueText('[1,[2]] x')).to.equal('[1,[2]]');
    expect(firstJsonValueText('{"open":')).to.equal('{"open":');
    expect(firstJsonValueText('x{}')).to.equal('x{}');
    expect(firstJsonValueText('')).to.equal('');
  });

  it('/api/query, /api/query/last and /api/query/exp answer the first object', async () => {
    const query = `{"start":${t0 - 10},"end":${t0 + 100},"queries":[{"aggregator":"sum","metric":"tb.cpu"}]}`;
    for (const after of [' junk', '}', '{"start":1', '"open']) {
      const r = await d.post('/api/query', query + after);
      expect(r.status, r.text).to.equal(200);
      expect(r.json[0].dps).to.deep.equal({ [t0]: 4, [t0 + 60]: 6 });
    }
    const last = await d.post('/api/query/last', '{"queries":[{"metric":"tb.cpu","tags":{"host":"a"}}]} xx');
    expect(last.status, last.text).to.equal(200);
    expect(last.json.map((p: { value: string }) => p.value)).to.deep.equal(['6']);
    const exp = await d.post('/api/query/exp', `{"time":{"start":${t0 - 10},"end":${t0 + 100},"aggregator":"sum"},"metrics":[{"id":"a","metric":"tb.cpu"}],"expressions":[{"id":"e","expr":"a*2"}]} xx`);
    expect(exp.status, exp.text).to.equal(200);
    expect(exp.json.outputs[0].dps.map((p: number[]) => p[1])).to.deep.equal([8, 12]);
  });

  it('/api/annotation and /api/annotation/bulk store the first value only', async () => {
    const one = await d.post('/api/annotation', `{"startTime":${t0},"description":"first"} {"startTime":${t0 + 1},"description":"second"}`);
    expect(one.status, one.text).to.equal(200);
    expect(one.json.description).to.equal('first');
    const bulk = await d.post('/api/annotation/bulk', `[{"startTime":${t0 + 2},"description":"b"}] junk`);
    expect(bulk.status, bulk.text).to.equal(200);
    expect(bulk.json).to.have.length(1);
    expect((await d.get(`/api/annotation?start_time=${t0 + 1}`)).status).to.equal(404);
  });

  it('/api/uid/assign and /api/tree read the first value only', async () => {
    const meta = await startQueryDaemon(['uid-meta', 'tree']);
    try {
      const assign = await meta.post('/api/uid/assign', '{"metric":["tb.trail"]} {"metric":["tb.other"]}');
      expect(assign.status, assign.text).to.equal(200);
      expect(Object.keys(assign.json.metric)).to.deep.equal(['tb.trail']);
      const tree = await meta.post('/api/tree', '{"name":"trailing","enabled":false} junk');
      expect(tree.status, tree.text).to.equal(200);
      expect(tree.json.name).to.equal('trailing');
    } finally {
      await meta.stop();
    }
  });

  it('a body that is no closed object is still refused', async () => {
    for (const body of ['{"start":1', 'x{"start":1}', '[]']) {
      const r = await d.post('/api/query', body);
      expect(r.status, body).to.equal(400);
      expect(r.json.error.message).to.equal('Unable to parse the given JSON');
    }
  });
});
