/**
 * The byte-level `/api/put` reader against the exact reader: random bodies — the common
 * shape and every near miss (escapes, other value and timestamp forms, missing, unknown
 * and repeated fields, bad names, malformed JSON, odd whitespace) — must give the same
 * batch, counts, errors or refusal either way. Bodies repeat across requests so the
 * reader's series cache (keyed by bytes) is exercised too.
 */
import { expect } from 'chai';
import { BatchBuilder } from '../../core/batch-builder';
import { mulberry32 } from '../../core/testing/random';
import { putOutcome } from '../helpers/put-outcome';
import { decodeExact, jsonFormat } from '../../lib/opentsdb/put-json-format';
import { decodeBytesFirst } from '../../lib/opentsdb/put-format';
import { PutJsonBytesReader } from '../../lib/opentsdb/put-json-bytes';

function generator(seed: number) {
  const random = mulberry32(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const space = () => (random() < 0.85 ? '' : pick([' ', '\n', '\t', '  ', '\r\n']));
  const metrics = ['"cpu.user"', '"cpu.user"', '"cpu.user2"', '"cpu.use"', '"sys.if.bytes"', '"cpü"', '""', '"a b"', '"cpu\\u002euser"', '"x\\"y"', '42', 'null'];
  const timestamps = ['1700000000', '1700000001', '1700000000123', '1346846400', '0', '-5', '"1700000000"', '1.7e9', '1700000000.5', '01700000000', '99999999999999', '1234567890123456', '17000000000000000000'];
  const values = ['42', '-7', '0', '-0', '18.5', '0.10', '-3.25', '1e3', '"42"', '"up"', 'null', 'true', '{"a":1}', '[1]', '12345678901234567', '3.141592653589793', '.5', '5.', '00.5', '+1', 'NaN', '9007199254740993'];
  const tagSets = [
    '{"host":"a"}',
    '{"host":"a","dc":"lga"}',
    '{"dc":"lga","host":"a"}',
    '{ "host" : "b" }',
    '{}',
    '{"host":"a","host":"b"}',
    '{"host":1}',
    '{"ho\\u0073t":"a"}',
    '{"host":"a b"}',
    '{"t1":"a","t2":"a","t3":"a","t4":"a","t5":"a","t6":"a","t7":"a","t8":"a","t9":"a"}',
    'null',
    '"host=a"',
  ];
  const fields = (): string[] => {
    const f = [`"metric":${space()}${pick(metrics)}`, `"timestamp":${pick(timestamps)}`, `"value":${space()}${pick(values)}`, `"tags":${pick(tagSets)}`];
    if (random() < 0.05) f.splice(Math.floor(random() * f.length), 1);
    if (random() < 0.04) f.push(pick(['"extra":1', '"metric":"dup"', '"Value":1', '"metrics":"m"', '"tagsX":{}', '"timestamp2":1', '"valu":1', '"t":1', '"m":"x"']));
    for (let i = f.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [f[i], f[j]] = [f[j]!, f[i]!];
    }
    return f;
  };
  const common = (): string => `{${space()}${fields().join(`${space()},${space()}`)}${space()}}`;
  return (): Buffer => {
    const n = 1 + Math.floor(random() * 8);
    const pts: string[] = [];
    // mostly the common shape: a body of all-good points is what the byte reader must take
    const good = random() < 0.5;
    for (let i = 0; i < n; i++) {
      pts.push(good ? `{"metric":"${pick(['cpu.user', 'cpu.user2', 'cpu.use', 'sys.if.bytes', 'cpü'])}","timestamp":${random() < 0.03 ? '99999999999999' : pick(['1700000000', '1700000000123', '1346846400'])},"value":${pick(['42', '-7', '18.5', '0.10', '-0'])},"tags":${pick(tagSets.slice(0, 4))}}` : random() < 0.03 ? 'null' : common());
    }
    let body = `${space()}[${space()}${pts.join(`${space()},${space()}`)}${space()}]${space()}`;
    if (random() < 0.03) body = pick([pts[0]!, `${body},`, body.slice(0, -1), '[]', '', '{}', '[1]']);
    return Buffer.from(body);
  };
}

describe('/api/put JSON: the byte-level reader', () => {
  for (const seed of [20261130, 1, 2]) it(`gives the exact reader's batch, counts and errors for 4,000 random bodies (seed ${seed})`, () => {
    const next = generator(seed);
    const probe = new PutJsonBytesReader();
    let taken = 0;
    for (let i = 0; i < 4000; i++) {
      const body = next();
      if (probe.read(body, new BatchBuilder(4)) > 0) taken++;
      const fast = putOutcome((b, c) => jsonFormat.decode(b, c), body);
      const exact = putOutcome(decodeExact, body);
      expect(fast, body.toString()).to.deep.equal(exact);
    }
    // the comparison means something only if both readers answered many of the bodies
    expect(taken).to.be.greaterThan(1500);
    expect(taken).to.be.lessThan(3900);
  });

  it("reads rounds of a fleet's series in one shape (each series' point template) as the exact reader does, near misses included", () => {
    const random = mulberry32(17);
    const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
    const series = [
      ['cpu.user', '{"host":"a","dc":"lga"}'],
      ['cpu.user2', '{"host":"a","dc":"lga"}'],
      ['cpu.use', '{"host":"a","dc":"lga"}'],
      ['cpu.user', '{"host":"a","dc":"lg"}'],
      ['cpu.user', '{"host":"ab","dc":"lga"}'],
    ] as const;
    // mostly numbers a template takes; now and then one it must leave to the field-by-field read (or the exact reader)
    // a round's points mostly share one timestamp (a collector's batch; the reader compares
    // it with the previous one's digits), beside others, some of them longer with its digits first
    let shared = '1700000000';
    const timestamp = (): string => {
      const roll = random();
      if (roll < 0.5) return shared;
      if (roll < 0.85) return String(1700000000 + Math.floor(random() * 1e6));
      if (roll < 0.9) return pick([`${shared}1`, `${shared}.5`, `${shared}e0`, `${shared.slice(0, -1)}`, `0${shared}`]);
      return pick(['1700000000123', '01700000000', '1700000000.5', '1.7e9', '99999999999999', '1234567890123456', '"1700000000"', '0']);
    };
    const value = () => (random() < 0.9 ? pick(['42', '-7', '18.5', '0.10', '-0', String(Math.floor(random() * 1e9))]) : pick(['1e3', '.5', '00.5', '+1', '"42"', 'null', '9007199254740993', '12345678901234567', '5.']));
    const point = (metric: string, tags: string): string => {
      const roll = random();
      // the usual shape, or the same point written another way (spaces, field order)
      if (roll < 0.9) return `{"metric":"${metric}","timestamp":${timestamp()},"value":${value()},"tags":${tags}}`;
      if (roll < 0.94) return `{"metric":"${metric}","timestamp": ${timestamp()} ,"value":${value()} ,"tags":${tags}}`;
      if (roll < 0.96) return `{"metric":"${metric}","value":${value()},"timestamp":${timestamp()},"tags":${tags}}`;
      // a key between the numbers the exact reader does not know, as long as the template's
      if (roll < 0.97) return `{"metric":"${metric}","timestamp":${timestamp()},"valuE":${value()},"tags":${tags}}`;
      return `{"tags":${tags},"metric":"${metric}","timestamp":${timestamp()},"value":${value()}}`;
    };
    const reader = new PutJsonBytesReader();
    let taken = 0;
    const read = (bytes: Buffer, batch: BatchBuilder): number | undefined => {
      const points = reader.read(bytes, batch);
      if (points <= 0) return undefined;
      taken++;
      return points;
    };
    for (let round = 0; round < 2000; round++) {
      shared = String(1700000000 + (round % 7 === 0 ? 0 : Math.floor(random() * 1e6)));
      const body = Buffer.from(`[${series.map(([metric, tags]) => point(metric, tags)).join(',')}]`);
      const fast = putOutcome((b, c) => decodeBytesFirst(b, c, read, decodeExact), body);
      const exact = putOutcome(decodeExact, body);
      expect(fast, body.toString()).to.deep.equal(exact);
    }
    expect(taken).to.be.greaterThan(500);
  });

  it('reads a common body into columns: series by bytes, ints exact, ms timestamps', () => {
    const body = Buffer.from('[{"metric":"m","timestamp":1700000000,"value":42,"tags":{"host":"a","dc":"x"}},{"tags":{"host":"a","dc":"x"},"value":1.5,"metric":"m","timestamp":1700000000500}]');
    const batch = new BatchBuilder(4);
    expect(new PutJsonBytesReader().read(body, batch)).to.equal(2);
    const b = batch.take();
    expect(b.series).to.deep.equal([{ metric: 'm', tags: { host: 'a', dc: 'x' } }]);
    expect([...b.timestamps]).to.deep.equal([1700000000000, 1700000000500]);
    expect(b.ints[0]).to.equal(42n);
    expect(b.floats[1]).to.equal(1.5);
  });

  it('refuses a body cut anywhere inside a point of a known shape (the guess and the template compared past its end), without throwing', () => {
    const point = (t: number) => `{"metric":"sys.cpu.user","timestamp":${t},"value":${t % 97},"tags":{"host":"web01","dc":"lga","rack":"r7"}}`;
    const reader = new PutJsonBytesReader();
    // the series and its template are known from a whole body first
    expect(reader.read(Buffer.from(`[${point(1700000000)}]`), new BatchBuilder(4))).to.equal(1);
    const whole = `[${point(1700000001)},${point(1700000002)}]`;
    for (let cut = whole.indexOf('},{') + 3; cut < whole.length - 1; cut++) {
      // the bytes after the cut are not there: a Buffer of its own, no slack behind it
      const body = Buffer.from(whole.slice(0, cut));
      expect(reader.read(body, new BatchBuilder(4)), `cut at ${cut}`).to.equal(-1);
    }
    expect(reader.read(Buffer.from(whole), new BatchBuilder(4))).to.equal(2);
  });
});
