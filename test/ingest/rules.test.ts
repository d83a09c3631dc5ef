import { expect } from 'chai';
import { ValueKind, BatchBuilder } from '../../core';
import { canonicalJson, newValueSlot, parseExactJson, parseLongError, parseValueText, sanitizeName, validateName } from '../../lib/opentsdb';

describe('core/ingest rules', () => {
  it("gives Tags.parseLong's messages at the int64 boundaries", () => {
    expect(parseLongError('9223372036854775807')).to.equal(undefined);
    expect(parseLongError('-9223372036854775808')).to.equal(undefined);
    expect(parseLongError('9223372036854775808')).to.equal('Overflow in 9223372036854775808');
    expect(parseLongError('-9223372036854775809')).to.equal('Overflow in -9223372036854775809');
    expect(parseLongError('+99999999999999999999')).to.equal('Value too long: +99999999999999999999');
    expect(parseLongError('12a')).to.equal("Invalid character 'a' in 12a");
    expect(parseLongError('+')).to.equal('Just a sign, no value: +');
    expect(parseLongError('')).to.equal('Empty string');
  });

  it('reads values as OpenTSDB does, plus string and JSON tokens', () => {
    const slot = newValueSlot();
    const read = (s: string) => {
      const error = parseValueText(s, slot);
      return error ? error.message : [slot.kind, slot.kind === ValueKind.Int ? slot.int : slot.kind === ValueKind.Float ? slot.float : slot.text];
    };
    expect(read('9007199254740993')).to.deep.equal([ValueKind.Int, 9007199254740993n]);
    expect(read('1.5f')).to.deep.equal([ValueKind.Float, 1.5]);
    expect(read('.5')).to.deep.equal([ValueKind.Float, 0.5]);
    expect(read('1.')).to.deep.equal([ValueKind.Float, 1]);
    expect(read('-1.5E-3')).to.deep.equal([ValueKind.Float, -0.0015]);
    expect(read('1e400')).to.deep.equal([ValueKind.Float, Infinity]);
    expect(read('NaN.0')).to.equal('For input string: "NaN.0"');
    expect(read('0x1F')).to.equal("Invalid character 'x' in 0x1F");
    expect(read('"a \\"b\\" ✓"')).to.deep.equal([ValueKind.String, 'a "b" ✓']);
    expect(read('{"b":1, "a":[true,null]}')).to.deep.equal([ValueKind.Json, '{"a":[true,null],"b":1}']);
    expect(read('{"a":1')).to.match(/^Invalid JSON value/);
  });

  // each answer below is what a real OpenTSDB 2.4.1 (Java 17) gave to the same telnet value
  it("reads a value with '.', 'e' or 'E' as Java's Double.parseDouble: hexadecimal floats, rounding, and its messages", () => {
    const slot = newValueSlot();
    const read = (s: string) => {
      const error = parseValueText(s, slot);
      return error ? error.message : slot.float;
    };
    const accepted: [string, number][] = [
      ['0x1.8p1', 3],
      ['0X.8P0', 0.5],
      ['0x1.p1', 2],
      ['-0x1.8p1', -3],
      ['0x1.8p1f', 3],
      ['0x1ep3', 240], // 'e' is a hex digit here: 0x1E × 2^3
      ['0xEp1', 28],
      ['0x.8ep2', 2.21875],
      ['0x1.fffffffffffffp1023', Number.MAX_VALUE],
      ['0x1.00000000000008p0', 1], // a tie: to even
      ['0x1.00000000000018p0', 1 + 2 * Number.EPSILON], // a tie: to even, upwards
      ['0x1.0000000000000801p0', 1 + Number.EPSILON], // past the tie
      ['0x0.0000000000001p-1022', Number.MIN_VALUE],
      ['0x1.8p-1075', Number.MIN_VALUE], // 0.75 of the smallest subnormal
      ['0x1.0p-1075', 0], // half of it: a tie, to even (zero)
      ['0x1.8p-99999999999', 0],
      ['0x123456789abcdef0123.8p-70', 4.551111111111111],
      ['5.', 5],
      ['+.5e-1', 0.05],
      ['1.0E5D', 100000],
    ];
    for (const [text, value] of accepted) expect(read(text), text).to.equal(value);
    expect(Object.is(read('-0x0.0p0'), -0), 'a negative zero').to.equal(true);
    expect(read('0x1.fffffffffffff8p1023')).to.equal(Infinity); // refused later as OpenTSDB does: NaN or Infinite
    expect(read('0x1.8p99999999999')).to.equal(Infinity);
    // an exponent past Integer.parseInt is Infinity or zero whatever the digits; a zero significand is zero
    const long = `0x1${'0'.repeat(300_000)}.0p-1200000`;
    expect(read(long), 'an exponent within an int is exact, however long the digits').to.equal(1);
    expect(read('0x1.0p2147483648')).to.equal(Infinity);
    expect(read('0x1.0p-2147483648')).to.equal(0);
    expect(read('0x0.0p99999999999')).to.equal(0);
    for (const text of ['1..2', '-1.2.3', '..5', '00.1.2', '+.1.2', '1.2.3e5']) expect(read(text), text).to.equal('multiple points');
    for (const text of ['1.2e3.4', '0x1.8', '0x1.8p', '0x.p1', '1.0e+-5', '1e', '.e1', '+.', '0x1.8p1ff']) expect(read(text), text).to.equal(`For input string: "${text}"`);
  });

  it('keeps JSON numbers exact and sorts keys recursively in canonical JSON', () => {
    expect(canonicalJson(parseExactJson('{"z": {"y": 9223372036854775807, "x": -1.50e+3}, "a": "\\u00e9"}'))).to.equal('{"a":"é","z":{"x":-1.50e+3,"y":9223372036854775807}}');
    expect(() => parseExactJson('{"a":01}')).to.throw(/position/);
    expect(() => parseExactJson('[1,]')).to.throw(/position/);
    const proto = parseExactJson('{"__proto__": {"x": 1}}') as Record<string, unknown>;
    expect(Object.getPrototypeOf(proto)).to.equal(Object.prototype);
    expect(Object.keys(proto)).to.deep.equal(['__proto__']);
  });

  it("validates and sanitizes names with OpenTSDB's character set", () => {
    expect(validateName('metric name', 'sys.cpu-0/x_ü')).to.equal(undefined);
    expect(validateName('metric name', 'a b')).to.equal('Invalid metric name ("a b"): illegal character:  ');
    expect(sanitizeName('job:rate5m')).to.equal('job_rate5m');
    expect(sanitizeName('Debian GNU/Linux 12 (bookworm)')).to.equal('Debian_GNU/Linux_12__bookworm_');
  });

  it('builds batches that grow past their capacity and start empty after take()', () => {
    const builder = new BatchBuilder(2);
    const a = builder.seriesOf('m', { host: 'a' });
    for (let i = 0; i < 5; i++) builder.push(a, i, ValueKind.Int, 0, BigInt(i), undefined);
    builder.push(builder.seriesOf('m', { host: 'b' }), 9, ValueKind.String, 0, 0n, 'text');
    const epoch = builder.epoch;
    const batch = builder.take();
    expect(batch.length).to.equal(6);
    expect([...batch.ints.subarray(0, 5)]).to.deep.equal([0n, 1n, 2n, 3n, 4n]);
    expect(batch.texts[5]).to.equal('text');
    expect(batch.seriesKeys).to.deep.equal(['m{host=a}', 'm{host=b}']);
    expect(builder.length).to.equal(0);
    expect(builder.epoch).to.not.equal(epoch);
  });
});
