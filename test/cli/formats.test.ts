import { expect } from 'chai';
import { ValueKind, BatchBuilder } from '../../core';
import { PutLineParser } from '../../lib/opentsdb';
import { floatText, pointLine, seriesAffixes, timestampText, valueWord } from '../../plugins/cli/point-format';
import { Progress } from '../../plugins/cli/progress';

/** Deterministic doubles of every magnitude, from random bit patterns. */
function doubles(n: number): number[] {
  const view = new DataView(new ArrayBuffer(8));
  let s = 0x9e3779b9;
  const next = () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return s >>> 0;
  };
  const out = [0, -0, 1, -1, 0.1, 1e21, 1e-7, 123456789012345680000, 5e-324, Number.MAX_VALUE, 2 ** 53 + 2];
  while (out.length < n) {
    view.setUint32(0, next());
    view.setUint32(4, next());
    const x = view.getFloat64(0);
    if (Number.isFinite(x)) out.push(x);
  }
  return out;
}

describe('dsdb export line formats read back exactly by the import parser', () => {
  const parser = new PutLineParser({ command: false });
  const parseOne = (line: string) => {
    const batch = new BatchBuilder(4);
    const buf = Buffer.from(line);
    const error = parser.parse(buf, 0, buf.length, batch);
    expect(error, line).to.equal(undefined);
    return { kind: batch.kinds[0], float: batch.floats[0]!, int: batch.ints[0]!, text: batch.texts[0], timestamp: batch.timestamps[0] };
  };

  it('floats: every double comes back as the same double, as a float', () => {
    for (const x of doubles(20_000)) {
      const p = parseOne(`m 1700000000 ${floatText(x)} a=b`);
      expect(p.kind, floatText(x)).to.equal(ValueKind.Float);
      expect(Object.is(p.float, x), `${floatText(x)} read as ${p.float}`).to.equal(true);
    }
  });

  it('integers, strings and JSON keep kind and value; timestamps keep their millisecond', () => {
    for (const v of [0n, -1n, 9223372036854775807n, -9223372036854775808n, 2n ** 53n + 1n]) {
      const p = parseOne(`m 1700000000 ${valueWord(ValueKind.Int, 0, v, undefined)} a=b`);
      expect(p.kind).to.equal(ValueKind.Int);
      expect(p.int).to.equal(v);
    }
    for (const s of ['', ' ', 'two words', 'quote " and \\ backslash', 'line\nbreak\ttab', 'é 日本 🎉', '{"not":"json"}', '  leading and trailing  ']) {
      const p = parseOne(`m 1700000000 ${valueWord(ValueKind.String, 0, 0n, s)} a=b`);
      expect(p.kind).to.equal(ValueKind.String);
      expect(p.text).to.equal(s);
    }
    const json = '{"a":[1,2.50,{"b":null}],"big":9223372036854775807,"s":"x y"}';
    const pj = parseOne(`m 1700000000 ${valueWord(ValueKind.Json, 0, 0n, json)} a=b`);
    expect(pj.kind).to.equal(ValueKind.Json);
    expect(pj.text).to.equal(json);
    for (const ms of [1700000000000, 1700000000001, 4294967295000, 4294967296000, 9999999999999]) {
      expect(parseOne(`m ${timestampText(ms)} 1 a=b`).timestamp, String(ms)).to.equal(ms);
    }
  });

  it('JSON lines carry the same values in /api/put form', () => {
    const affixes = seriesAffixes('json', 'm.x', { b: '2', a: '1' });
    expect(pointLine('json', affixes, 1700000000500, ValueKind.String, 0, 0n, 'say "hi"')).to.equal('{"metric":"m.x","timestamp":1700000000500,"value":"\\"say \\\\\\"hi\\\\\\"\\"","tags":{"a":"1","b":"2"}}\n');
    expect(pointLine('json', affixes, 1700000000000, ValueKind.Float, 3, 0n, undefined)).to.equal('{"metric":"m.x","timestamp":1700000000,"value":3.0,"tags":{"a":"1","b":"2"}}\n');
    expect(pointLine('import', seriesAffixes('import', 'm.x', { b: '2', a: '1' }), 1700000000000, ValueKind.Int, 0, -5n, undefined)).to.equal('m.x 1700000000 -5 a=1 b=2\n');
  });

  it('progress: plain lines off a terminal, a bar with ETA on one', () => {
    const counters = { points: 1234567, rejected: 3, bytesRead: 25, totalBytes: 100 };
    const plain = new Progress(counters, process.stderr, { tty: false, intervalMs: 5000, enabled: true });
    expect(plain.line(false)).to.match(/^import: 1,234,567 points, [\d,]+ points\/s, 3 rejected, ETA (\d\d:\d\d|--:--), 25\.0%$/);
    const bar = new Progress(counters, process.stderr, { tty: true, intervalMs: 5000, enabled: true });
    expect(bar.line(false)).to.match(/^\[#{6}\.{18}\]  25% 1,234,567 points {2}[\d,]+ points\/s {2}3 rejected {2}ETA (\d\d:\d\d|--:--)$/);
    expect(bar.line(true)).to.match(/^\[#{24}\] 100% .* done in \d\d:\d\d$/);
  });
});
