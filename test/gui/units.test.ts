import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { expect } from 'chai';
import { JsonNumber, parseExactJson } from '../../lib/opentsdb';
import { parseGraphParams, parseKey, parseYrange } from '../../plugins/graph-image/params';
import { renderSvg } from '../../plugins/graph-image/render-svg';
import { formatNumber, numberTicks, timeTicks, zoneOffsetMs } from '../../plugins/graph-image/ticks';
import { axisTimeMs } from '../../plugins/graph-image/time';
import { REPO_ROOT } from '../helpers/daemon';

/** The GUI's browser modules are plain ES modules: the parts without DOM run in Node too. */
const browserModule = (file: string) => import(pathToFileURL(path.join(REPO_ROOT, 'plugins', 'gui', 'static', 'lib', file)).href);

describe('GUI URL state (browser modules, run in Node)', () => {
  it('m= expressions round-trip through the editor model', async () => {
    const { parseQuery, formatQuery } = await browserModule('query-expr.js');
    for (const m of [
      'sum:sys.cpu.user',
      'max:rate:5m-avg:sys.cpu.user{host=web01|web02}',
      'sum:rate{counter}:1h-max-zero:if.bytes{host=iwildcard(web*)}{dc=regexp(eu-(west|east),1)}',
      'none:door.state{}{room=not_literal_or(lab)}',
      // #20: jsonpath= is kept, and a literal with * stays literal
      'max:jsonpath=n[1]:app.event',
      'sum:jsonpath=$.cpu.user:rate:1m-avg:app.doc{host=literal_or(web*)}',
      // a bracketed key holding the separator
      "sum:jsonpath=$['a:b']:x.jp",
    ]) {
      expect(formatQuery(parseQuery(m)), m).to.equal(m);
    }
    expect(parseQuery('sum:rate{counter}:1h-max-zero:if.bytes{host=web*}{dc=regexp(eu:x,y)}')).to.deep.equal({
      aggregator: 'sum', metric: 'if.bytes', rate: true, counter: true, downsample: '1h-max-zero', jsonPath: '',
      filters: [
        { tagk: 'host', type: 'iwildcard', filter: 'web*', groupBy: true },
        { tagk: 'dc', type: 'regexp', filter: 'eu:x,y', groupBy: false },
      ],
    });
  });

  it('the whole view round-trips through the page URL', async () => {
    const { readState, writeState } = await browserModule('state.js');
    const search = 'start=2026%2F11%2F25-10%3A00%3A00&end=now&m=sum%3Aa.b%7Bhost%3Dx%7D&m=avg%3A1m-avg%3Ac&refresh=30';
    const state = readState(search);
    expect(state.start).to.equal('2026/11/25-10:00:00');
    expect(state.queries.map((q: { metric: string }) => q.metric)).to.deep.equal(['a.b', 'c']);
    expect(state.refresh).to.equal(30);
    expect(writeState(state)).to.equal(search);
    expect(readState('').start).to.equal('1h-ago');
  });
});

describe('GUI number handling (browser modules, run in Node)', () => {
  it('keeps the digits of integers beyond 2^53 in query answers, in tables and inside JSON values', async () => {
    const { parseExactJson } = await browserModule('exact-json.js');
    const { formatValue } = await browserModule('format.js');
    const parsed = parseExactJson('[{"s":"9007199254740993","dps":[[1,9007199254740993],[2,-9223372036854775808],[3,42],[4,10.5],[5,{"n":9007199254740995,"m":"x"}]]}]');
    expect(parsed[0].s).to.equal('9007199254740993');
    expect(parsed[0].dps.map(([, v]: [number, unknown]) => formatValue(v))).to.deep.equal(['9007199254740993', '-9223372036854775808', '42', '10.5', '{"n":9007199254740995,"m":"x"}']);
  });

  it('marks only whole integers a double cannot hold: not fractions, exponents, strings or keys', async () => {
    const { parseExactJson, isBigInt } = await browserModule('exact-json.js');
    const parsed = parseExactJson('{"12345678901234567890":[12345678901234567.5,1.2345678901234567e30,-9223372036854775808,9007199254740991,"99999999999999999999",[18446744073709551615]]}');
    const [fraction, exponent, min, safe, text, [nested]] = parsed['12345678901234567890'];
    expect([fraction, exponent, safe]).to.deep.equal([12345678901234567.5, 1.2345678901234567e30, 9007199254740991]);
    expect(isBigInt(min) && min.int).to.equal('-9223372036854775808');
    expect(text).to.equal('99999999999999999999');
    expect(isBigInt(nested) && nested.int).to.equal('18446744073709551615');
  });

  it('data cannot pass for a big integer: a JSON value {"int": "…"} stays an object, a string starting with NUL stays that string', async () => {
    const { parseExactJson, isBigInt } = await browserModule('exact-json.js');
    const { formatValue } = await browserModule('format.js');
    const parsed = parseExactJson('[[1,{"int":"12345678901234567890"}],[2,{"int":"<b>hi</b>"}],[3,"\\u0000999"],[4,"\\u0000\\u0000x"],[5,{"k":"\\u00001234567890123456789","n":12345678901234567890}]]');
    expect(parsed.map(([, v]: [number, unknown]) => isBigInt(v))).to.deep.equal([false, false, false, false, false]);
    expect(parsed[0][1]).to.deep.equal({ int: '12345678901234567890' });
    expect(parsed[2][1]).to.equal('\u0000999');
    expect(parsed[3][1]).to.equal('\u0000\u0000x');
    expect(parsed.map(([, v]: [number, unknown]) => formatValue(v))).to.deep.equal([
      '{"int":"12345678901234567890"}',
      '{"int":"<b>hi</b>"}',
      '\u0000999',
      '\u0000\u0000x',
      '{"k":"\\u00001234567890123456789","n":12345678901234567890}',
    ]);
  });
});

describe('/q parts', () => {
  it('reads /api/query answers with the text of every number kept (64-bit integers, Java doubles), strings alone', () => {
    const parsed = parseExactJson('[{"metric":"m1","v":9007199254740993,"d":10.0,"s":"12 \\" 3","e":-1.5e-7,"n":[1,2]}]') as Array<Record<string, unknown>>;
    const row = parsed[0]!;
    expect(row.metric).to.equal('m1');
    expect(row.s).to.equal('12 " 3');
    expect([row.v, row.d, row.e].map((v) => (v instanceof JsonNumber ? v.text : v))).to.deep.equal(['9007199254740993', '10.0', '-1.5e-7']);
    expect((row.n as unknown[]).map((v) => v instanceof JsonNumber)).to.deep.equal([true, true]);
  });

  it('reads OpenTSDB times for the x axis', () => {
    const now = Date.UTC(2026, 10, 25, 12, 0, 0);
    expect(axisTimeMs('1h-ago', now)).to.equal(now - 3_600_000);
    expect(axisTimeMs('1700000000', now)).to.equal(1_700_000_000_000);
    expect(axisTimeMs('1700000000123', now)).to.equal(1_700_000_000_123);
    expect(axisTimeMs('2026/11/25-10:30', now)).to.equal(Date.UTC(2026, 10, 25, 10, 30));
    expect(axisTimeMs('2026/01/15-10:30:00', now, 'Europe/Paris')).to.equal(Date.UTC(2026, 0, 15, 9, 30));
    expect(axisTimeMs(undefined, now)).to.equal(undefined);
    // the forms the query reads, read the same: its range is the axis' range
    expect(axisTimeMs('1700000000123ms', now)).to.equal(1_700_000_000_123);
    expect(axisTimeMs('1356998400.5', now), 'OpenTSDB drops the dot: 13569984005 ms').to.equal(13_569_984_005);
    // wall-clock times in a DST overlap and gap, as the query reads them (Java 17's SimpleDateFormat: 1792891800000, 1774747800000)
    expect(axisTimeMs('2026/10/25-02:30:00', now, 'Europe/Paris')).to.equal(Date.UTC(2026, 9, 25, 1, 30));
    expect(axisTimeMs('2026/03/29-02:30:00', now, 'Europe/Paris')).to.equal(Date.UTC(2026, 2, 29, 1, 30));
    expect(axisTimeMs('yesterday', now), 'unreadable: the axis follows the data').to.equal(undefined);
  });

  it('parses gnuplot-style yrange and key', () => {
    expect(parseYrange('[0:100]')).to.deep.equal({ min: 0, max: 100 });
    expect(parseYrange('[:1e3]')).to.deep.equal({ min: undefined, max: 1000 });
    expect(parseYrange('[*:-5]')).to.deep.equal({ min: undefined, max: -5 });
    expect(() => parseYrange('[5:1]')).to.throw('The minimum must be less than the maximum');
    expect(parseKey('out bottom left box', false)).to.deep.equal({ show: true, outside: true, horizontal: 'left', vertical: 'bottom', box: true });
    expect(parseKey('top right', true).show).to.equal(false);
    expect(parseGraphParams({ start: '1h-ago', m: ['sum:a', 'sum:b'], ascii: '' }).format).to.equal('ascii');
  });

  it('ticks: nice numbers, k/M suffixes, time steps and labels in a zone', () => {
    expect(numberTicks(0, 1, 5)).to.deep.equal([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(numberTicks(-3, 17, 4)).to.deep.equal([0, 5, 10, 15]);
    expect([formatNumber(0.30000000000000004), formatNumber(25_000), formatNumber(3_500_000)]).to.deep.equal(['0.3', '25k', '3.5M']);
    const start = Date.UTC(2026, 0, 15, 10, 3);
    const ticks = timeTicks(start, start + 3_600_000, 8);
    expect(ticks.ticks.map(ticks.label)).to.deep.equal(['10:10', '10:20', '10:30', '10:40', '10:50', '11:00']);
    const paris = timeTicks(start, start + 3_600_000, 8, 'Europe/Paris');
    expect(paris.label(paris.ticks[0]!)).to.equal('11:10');
    expect(zoneOffsetMs('Europe/Paris', start)).to.equal(3_600_000);
  });

  it('draws a log axis at decades and escapes labels, title and legend text', () => {
    const params = parseGraphParams({ start: '0', m: 'sum:x', ylog: '', ylabel: 'a<b', title: '"T" & co', wxh: '400x300' });
    const svg = renderSvg(params, [{ label: 'm{host=<x>}', discrete: false, points: [[0, 1], [1000, 10], [2000, 100], [3000, 1000], [4000, 0]] }], 0, 4000);
    const labels = [...svg.matchAll(/text-anchor="end"[^>]*>([^<]*)</g)].map((m) => m[1]);
    expect(labels).to.deep.equal(['1', '10', '100', '1000']);
    expect(svg).to.contain('>a&lt;b<').and.to.contain('>&quot;T&quot; &amp; co<').and.to.contain('>m{host=&lt;x&gt;}<');
    expect(svg).not.to.contain('<x>');
  });
});
