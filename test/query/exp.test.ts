/**
 * /api/query/exp: OpenTSDB 2.4.1's JSON expressions. The expected answers are the ones the
 * real OpenTSDB 2.4.1 gave for the same data and request (the differential test, test/oracle,
 * checks the same against the server itself, with random requests).
 */
import { expect } from 'chai';
import { javaHashOrder, javaStringHash } from '../../plugins/query/exp/java-hash-order';
import { createFilter } from '../../plugins/query/filters';
import type { RawSubQuery } from '../../plugins/query/parse-common';
import { subQueriesEqual } from '../../plugins/query/exp/sub-query-equals';
import { evaluateJexl, jexlVariables, parseJexl } from '../../plugins/query/exp/jexl';
import { at, int, startQueryDaemon, type QueryDaemon } from '../helpers/query';
import { compareAnswers } from '../oracle/compare';

const t0 = 1767225600;

describe('/api/query/exp (OpenTSDB JSON expressions)', () => {
  let d: QueryDaemon;
  before(async () => {
    d = await startQueryDaemon();
    const points = [];
    for (let i = 0; i < 6; i++) {
      points.push(at('p.a', { host: 'a', dc: 'x' }, t0 + i * 60, int(i + 1)));
      points.push(at('p.a', { host: 'b', dc: 'x' }, t0 + i * 60 + 30, int(10 * i)));
      if (i % 2 === 0) points.push(at('p.b', { host: 'a', dc: 'y' }, t0 + i * 60, int(100 + i)));
      points.push(at('p.b', { host: 'c', dc: 'y' }, t0 + i * 60, int(7)));
    }
    await d.write(points);
  });
  after(() => d.stop());

  const time = { start: String(t0), end: String(t0 + 400), aggregator: 'sum' };
  const filters = [{ id: 'f1', tags: [{ type: 'wildcard', tagk: 'host', filter: '*', groupBy: true }] }];
  const metrics = [
    { id: 'a', metric: 'p.a', filter: 'f1' },
    { id: 'b', metric: 'p.b', filter: 'f1', fillPolicy: { policy: 'zero' } },
  ];
  const exp = (body: Record<string, unknown>) => d.post('/api/query/exp', { time, filters, metrics, ...body });

  it('a union: rows at every timestamp of any input, gaps filled, the first input’s tags, the request echoed', async () => {
    const r = await exp({ expressions: [{ id: 'e', expr: 'a + b * 2' }] });
    expect(r.status).to.equal(200);
    expect(r.json).to.deep.equal(
      JSON.parse(
        '{"outputs":[{"id":"e","dps":[[1767225600000,1.0,0.0,200.0,14.0],[1767225630000,0.0,0.0,0.0,0.0],[1767225660000,2.0,0.0,0.0,14.0],[1767225690000,0.0,10.0,0.0,0.0],[1767225720000,3.0,0.0,204.0,14.0],[1767225750000,0.0,20.0,0.0,0.0],[1767225780000,4.0,0.0,0.0,14.0],[1767225810000,0.0,30.0,0.0,0.0],[1767225840000,5.0,0.0,208.0,14.0],[1767225870000,0.0,40.0,0.0,0.0],[1767225900000,6.0,0.0,0.0,14.0],[1767225930000,0.0,50.0,0.0,0.0]],' +
          '"dpsMeta":{"firstTimestamp":1767225600000,"lastTimestamp":1767225930000,"setCount":12,"series":4},' +
          '"meta":[{"index":0,"metrics":["timestamp"]},{"index":1,"metrics":["p.a"],"commonTags":{"host":"a","dc":"x"},"aggregatedTags":[]},{"index":2,"metrics":["p.a"],"commonTags":{"host":"b","dc":"x"},"aggregatedTags":[]},{"index":3,"metrics":["p.a"],"commonTags":{},"aggregatedTags":[]},{"index":4,"metrics":["p.a"],"commonTags":{},"aggregatedTags":[]}]}],' +
          '"query":{"name":null,"time":{"start":"1767225600","end":"1767226000","timezone":null,"downsampler":null,"aggregator":"sum","rate":false},"filters":[{"id":"f1","tags":[{"tagk":"host","filter":"*","group_by":true,"type":"wildcard"}],"explicitTags":false}],' +
          '"metrics":[{"metric":"p.a","id":"a","filter":"f1","aggregator":null,"timeOffset":null,"fillPolicy":null},{"metric":"p.b","id":"b","filter":"f1","aggregator":null,"timeOffset":null,"fillPolicy":{"policy":"zero","value":0.0}}],' +
          '"expressions":[{"id":"e","expr":"a + b * 2","join":{"operator":"union","useQueryTags":false,"includeAggTags":true},"fillPolicy":null}],"outputs":null}}',
      ),
    );
  });

  it('an expression nested past the bound is a 400 naming it; one at the bound answers (no stack overflow either way)', async () => {
    for (const expr of ['a' + ' + a'.repeat(10000), '('.repeat(5000) + 'a' + ')'.repeat(5000), '-'.repeat(20000) + 'a']) {
      const r = await exp({ expressions: [{ id: 'e', expr }] });
      expect(r.status, expr.slice(0, 20)).to.equal(400);
      expect(r.json.error.message).to.match(/^The expression is nested deeper than 1000 levels/);
    }
    const deepest = await exp({ expressions: [{ id: 'e', expr: '('.repeat(999) + '-'.repeat(1) + 'a * 2' + ')'.repeat(999) }] });
    expect(deepest.status).to.equal(200);
    const longest = await exp({ expressions: [{ id: 'e', expr: 'a' + ' + a'.repeat(999) }], outputs: [{ id: 'e' }] });
    expect(longest.status).to.equal(200);
    expect(longest.json.outputs[0].dps[0]).to.deep.equal([1767225600000, 1000, 0]);
  });

  it('an intersection without series in common fails, listing its inputs', async () => {
    const r = await exp({ expressions: [{ id: 'e', expr: '(a + 1.5) * b', join: { operator: 'intersection' } }], filters: undefined, metrics: [{ id: 'a', metric: 'p.a' }, { id: 'b', metric: 'p.b' }] });
    expect(r.status).to.equal(400);
    expect(r.json.error.message).to.equal(
      'No intersections found: IntersectionIterator(id=e, useQueryTags=false, includeAggTags=true, index=0, queries={a=TimeSyncedIterator(id=a, index=0, dpsSize=1), b=TimeSyncedIterator(id=b, index=1, dpsSize=1)}',
    );
  });

  it('a NaN from a nested expression: always OpenTSDB’s first answer, the NullPointerException’s message (divergence 9)', async () => {
    const r = await exp({
      metrics: [{ ...metrics[0], fillPolicy: { policy: 'nan' } }, metrics[1]],
      expressions: [
        { id: 'e1', expr: 'a + b' },
        { id: 'e2', expr: 'e1 * 2' },
      ],
    });
    expect(r.status).to.equal(400);
    const message =
      'Cannot invoke "net.opentsdb.query.expression.NumericFillPolicy.getValue()" because the return value of "net.opentsdb.query.expression.ITimeSyncedIterator.getFillPolicy()" is null';
    expect(r.json.error).to.deep.equal({ code: 400, message, details: message });
  });

  it('answers a bad request with OpenTSDB’s message and a 400 (OpenTSDB 2.4.1: 500; divergence 10)', async () => {
    const cases: [unknown, string][] = [
      [{ expressions: [{ id: 'e', expr: 'a +' }] }, "net.opentsdb.query.pojo.Expression.validate@1:3 parsing error in 'a +'"],
      [{ expressions: [{ id: 'e', expr: 'a + zz' }] }, 'Expression [a + zz] was missing input zz'],
      [{ expressions: [{ id: 'e', expr: '3 + 4' }] }, "The expression didn't appear to have any variables"],
      [{ expressions: [{ id: 'e', expr: '' }] }, 'Invalid expression at index 0'],
      [{ metrics: [] }, 'missing or empty metrics'],
    ];
    for (const [body, message] of cases) {
      const r = await exp(body as Record<string, unknown>);
      expect(r.status, message).to.equal(400);
      expect(r.json.error.code, message).to.equal(400);
      expect(r.json.error.message).to.equal(message);
    }
  });
});

describe('JEXL as OpenTSDB 2.4.1 evaluates expressions', () => {
  const run = (expr: string, vars: Record<string, number>) => evaluateJexl(parseJexl(expr), new Map(Object.entries(vars)));
  it('is lenient: x/0 and x%0 are 0; integer literals divide as integers; comparisons are 1 or 0', () => {
    expect(run('a / 0', { a: 5 })).to.equal(0);
    expect(run('a % 0', { a: 5 })).to.equal(0);
    expect(run('a * (7 / 2)', { a: 1 })).to.equal(3);
    expect(run('a * 0.1', { a: 7 })).to.equal(0.7000000000000001);
    expect(run('a > 2', { a: 3 })).to.equal(1);
    expect(jexlVariables(parseJexl('b + a * b'))).to.deep.equal(['b', 'a']);
  });
  it('names the column of the offending token (the end: the last token’s last column)', () => {
    const col = (expr: string) => {
      try {
        parseJexl(expr);
        return 'parsed';
      } catch (err) {
        return (err as Error).message;
      }
    };
    expect(col('a * * b')).to.equal("net.opentsdb.query.pojo.Expression.validate@1:5 parsing error in 'a * * b'");
    expect(col('a +   ')).to.equal("net.opentsdb.query.pojo.Expression.validate@1:3 parsing error in 'a +   '");
    expect(col('ne + a')).to.equal("net.opentsdb.query.pojo.Expression.validate@1:1 parsing error in 'ne + a'");
    expect(col('a # b')).to.equal("net.opentsdb.query.pojo.Expression.validate@1:4 tokenization error in 'a # b'");
  });
});

describe('Java HashMap iteration order', () => {
  it('follows String.hashCode buckets and the table’s growth', () => {
    expect(javaStringHash('e1')).to.equal(3180);
    expect(javaStringHash('hello world')).to.equal(1794106052);
    // new HashMap(2) holding b then e1 grows to 4 buckets: e1 (bucket 0) before b (bucket 2)
    expect(javaHashOrder(['b', 'e1'], 2)).to.deep.equal(['e1', 'b']);
    // 'q' (113) and 'a' (97) share bucket 1 of 16: insertion order; 'b' (98) is bucket 2
    expect(javaHashOrder(['q', 'a'])).to.deep.equal(['q', 'a']);
    expect(javaHashOrder(['b', 'q'])).to.deep.equal(['q', 'b']);
    expect(javaHashOrder(['a', 'q', 'b'], 3)).to.deep.equal(['a', 'q', 'b']);
  });
});

describe('TSSubQuery.equals as exp metrics share results', () => {
  const sub = (filter: string, groupBy: boolean, type = 'wildcard', extra: Partial<RawSubQuery> = {}): RawSubQuery => ({
    metric: 'm',
    aggregator: 'sum',
    filters: [createFilter(type, 'host', filter, groupBy)],
    ...extra,
  });
  it('ignores groupBy and compares a wildcard by the pattern between its outer asterisks', () => {
    expect(subQueriesEqual(sub('web*', true), sub('web*', false))).to.equal(true);
    expect(subQueriesEqual(sub('web*', true), sub('*web', true))).to.equal(true);
    expect(subQueriesEqual(sub('web*', true), sub('web*', true, 'iwildcard'))).to.equal(false);
    expect(subQueriesEqual(sub('web*', true), sub('db*', true))).to.equal(false);
  });
  it('compares literal_or literals as a set, and the metric, aggregator and explicit tags', () => {
    expect(subQueriesEqual(sub('a|b', true, 'literal_or'), sub('b|a|', false, 'literal_or'))).to.equal(true);
    expect(subQueriesEqual(sub('a|b', true, 'literal_or'), sub('a|b', true, 'not_literal_or'))).to.equal(false);
    expect(subQueriesEqual(sub('a*', true), sub('a*', true, 'wildcard', { metric: 'n' }))).to.equal(false);
    expect(subQueriesEqual(sub('a*', true), sub('a*', true, 'wildcard', { aggregator: 'max' }))).to.equal(false);
    expect(subQueriesEqual(sub('a*', true), sub('a*', true, 'wildcard', { explicitTags: true }))).to.equal(false);
    expect(subQueriesEqual({ metric: 'm', aggregator: 'sum' }, { metric: 'm', aggregator: 'sum', filters: [] })).to.equal(true);
  });
});

describe('the oracle comparison of /api/query/exp errors', () => {
  it('masks only a Java array’s identity hash, which differs on every OpenTSDB run', () => {
    const answer = (message: string) => ({ status: 400, text: JSON.stringify({ error: { code: 400, message } }) });
    const msg = (hash: string, id = 'e1') => `No intersections found: … queries={${id}=ExpressionIterator(…, dps=[Lnet.opentsdb.query.expression.ExpressionDataPoint;@${hash}, …)}`;
    expect(compareAnswers('exp', answer(msg('0')), answer(msg('2fef3b3')))).to.equal(undefined);
    expect(compareAnswers('exp', answer(msg('0', 'e1')), answer(msg('2fef3b3', 'e2')))).to.be.a('string');
  });
});
