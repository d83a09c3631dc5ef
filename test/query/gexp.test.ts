/**
 * /api/query/gexp: OpenTSDB 2.4.1's expression functions. Every expected answer here is the
 * one the real OpenTSDB 2.4.1 gave for the same data (the differential test, test/oracle,
 * checks the same against the server itself).
 */
import { expect } from 'chai';
import { at, float, int, startQueryDaemon, type QueryDaemon } from '../helpers/query';

const t0 = 1356998400;

describe('/api/query/gexp (OpenTSDB expressions)', () => {
  let d: QueryDaemon;
  before(async () => {
    d = await startQueryDaemon();
    await d.write([
      at('e1', { host: 'a' }, t0, int(1)),
      at('e1', { host: 'a' }, t0 + 10, int(2)),
      at('e1', { host: 'a' }, t0 + 20, int(3)),
      at('e1', { host: 'a' }, t0 + 30, float(-4.5)),
      at('e1', { host: 'b' }, t0 + 5, int(10)),
      at('e1', { host: 'b' }, t0 + 15, int(20)),
      at('e2', { host: 'a' }, t0, int(100)),
      at('e2', { host: 'a' }, t0 + 10, int(200)),
      at('e2', { host: 'c' }, t0 + 20, int(300)),
      at('e3', { host: 'a' }, t0 + 1, int(5)),
      at('e3', { host: 'a' }, t0 + 11, int(6)),
      at('e3', { host: 'a' }, t0 + 21, int(7)),
      at('e3', { host: 'a' }, t0 + 31, int(0)),
      at('e3', { host: 'c' }, t0 + 5, int(1)),
      at('e3', { host: 'c' }, t0 + 15, int(2)),
    ]);
  });
  after(() => d.stop());

  const gexp = (exp: string, extra = '') => d.get(`/api/query/gexp?start=${t0}&end=${t0 + 100}${extra}&exp=${encodeURIComponent(exp)}`);

  it('sum/divide: series joined by tag set, a missing input is 0, lock step, x/0 is 0', async () => {
    const sum = await gexp('sum(sum:e1{host=*},sum:e3{host=*})');
    expect(sum.text).to.equal(
      '[{"metric":"e1","tags":{"host":"a"},"aggregateTags":[],"annotations":[],"dps":{"1356998400":6.0,"1356998410":8.0,"1356998420":10.0,"1356998430":-4.5}},' +
        '{"metric":"e1","tags":{"host":"b"},"aggregateTags":[],"annotations":[],"dps":{"1356998405":10.0,"1356998415":20.0}},' +
        '{"metric":"e3","tags":{},"aggregateTags":[],"annotations":[],"dps":{"1356998405":1.0,"1356998415":2.0}}]',
    );
    const divide = await gexp('divide(sum:e1{host=*},sum:e3{host=*})');
    expect(divide.json.map((s: any) => s.dps)).to.deep.equal([
      { '1356998400': 0.2, '1356998410': 0.3333333333333333, '1356998420': 0.42857142857142855, '1356998430': 0 },
      { '1356998405': 0, '1356998415': 0 },
      { '1356998405': 0, '1356998415': 0 },
    ]);
    const diff = await gexp('difference(sum:e3{host=*},sum:e1{host=*})');
    expect(diff.json.map((s: any) => [s.metric, s.tags])).to.deep.equal([
      ['e1', { host: 'a' }],
      ['e1', {}],
      ['e3', { host: 'c' }],
    ]);
  });

  it('answers OpenTSDB’s errors', async () => {
    const cases: [string, number, string][] = [
      ['sum(sum:e1{host=*},sum:e2{host=*})', 400, 'No more elements'],
      ['sum(sum:e1{host=*})', 400, 'Must have 2 to 26 series, got 1 instead'],
      ['multiply(sum:e1{host=*},sum:e3{host=*},sum:e3{host=*})', 400, 'Index 2 out of bounds for length 2'],
      ["timeShift(sum:e1{host=*},'10sec')", 400, "unknown time unit=sec'"],
      ['timeShift(sum:e1,10sec)', 400, "Invalid timeshift parameter: eg '10min'"],
      ['scale(sum:e1,abc)', 400, 'Unparseable scale factor value: 0.0'],
      ['movingAverage(sum:e1,0)', 400, 'Moving average window must be an integer greater than zero'],
      ['highestMax(sum:e1,0)', 400, 'Top n value must be greater than zero: 0'],
      // OpenTSDB 2.4.1 answers these two with a 500; DSDB with a 400 (opentsdb-compat.md, divergence 10)
      ['foo(sum:e1,2)', 400, 'Function foo has not been implemented'],
      ['scale(sum:e1', 400, 'Failed to parse scale(sum:e1'],
      ['scale(sum:nosuch,2)', 400, "No such name for 'metrics': 'nosuch'"],
    ];
    for (const [exp, status, message] of cases) {
      const r = await gexp(exp);
      expect([exp, r.status, r.json.error.message]).to.deep.equal([exp, status, message]);
    }
    // no point in range (OpenTSDB: its NullPointerException's message, or a 500 once HotSpot drops it: divergence 9)
    const empty = await d.get(`/api/query/gexp?start=${t0 + 50}&end=${t0 + 100}&exp=${encodeURIComponent('highestMax(sum:e1{host=*},1)')}`);
    expect([empty.status, empty.json.error.message]).to.deep.equal([400, 'Cannot invoke "java.lang.Comparable.compareTo(Object)" because "a[runHi]" is null']);
    expect((await d.get(`/api/query/gexp?exp=scale(sum:e1,2)`)).json.error.message).to.equal('Missing parameter <code>start</code>');
  });

  it('scale, absolute, alias (which also takes absolute values), as OpenTSDB', async () => {
    expect((await gexp('scale(sum:e1,2.5)')).text).to.equal(
      '[{"metric":"e1","tags":{},"aggregateTags":["host"],"dps":{"1356998400":2.5,"1356998405":27.5,"1356998410":42.5,"1356998415":55.0,"1356998420":7.5,"1356998430":-11.25}}]',
    );
    expect((await gexp('absolute(sum:e1{host=*})')).text).to.equal(
      '[{"metric":"e1","tags":{"host":"a"},"aggregateTags":[],"dps":{"1356998400":1,"1356998410":2,"1356998420":3.0,"1356998430":4.5}},{"metric":"e1","tags":{"host":"b"},"aggregateTags":[],"dps":{"1356998405":10,"1356998415":20}}]',
    );
    expect((await gexp('alias(sum:e1{host=*},foo@host)')).text).to.equal(
      '[{"metric":"fooa","tags":{},"aggregateTags":[],"dps":{"1356998400":1,"1356998410":2,"1356998420":3.0,"1356998430":4.5}},{"metric":"foob","tags":{},"aggregateTags":[],"dps":{"1356998405":10,"1356998415":20}}]',
    );
    expect((await gexp('alias(sum:e1{host=*},x,y)')).json.map((s: any) => s.metric)).to.deep.equal(['x,y', 'x,y']);
    // m= sub-queries come first: the expression's first metric query is `m`'s
    const shifted = await gexp('scale(sum:e1,2)', '&m=sum:e3');
    expect(shifted.json[0].metric).to.equal('e3');
    expect(shifted.json[0].dps).to.include({ '1356998401': 10, '1356998405': 12 });
  });

  it('movingAverage (count and time windows), highestCurrent, highestMax', async () => {
    expect((await gexp('movingAverage(sum:e1{host=*},2)')).json.map((s: any) => s.dps)).to.deep.equal([
      { '1356998400': 0, '1356998410': 1.5, '1356998420': 2.5, '1356998430': -0.75 },
      { '1356998405': 0, '1356998415': 15 },
    ]);
    expect((await gexp("movingAverage(sum:e1{host=*},'15sec')")).json.map((s: any) => s.dps)).to.deep.equal([
      { '1356998400': 0, '1356998410': 0, '1356998420': 2.5, '1356998430': -0.75 },
      { '1356998405': 0, '1356998415': 0 },
    ]);
    expect((await gexp('highestCurrent(sum:e1{host=*},1)')).json.map((s: any) => s.tags)).to.deep.equal([{ host: 'b' }]);
    expect((await gexp('highestMax(sum:e1{host=*},5)')).json.map((s: any) => s.tags)).to.deep.equal([{ host: 'b' }, { host: 'a' }]);
  });
});
