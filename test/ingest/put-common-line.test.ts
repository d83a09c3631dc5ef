/**
 * PutLineParser.parseLines (the parse worker's path) reads a common line in one pass and
 * hands every other line to `parse`. Whatever the split, its points and error lines must
 * be exactly those of `parse` line by line: checked here on lines built near the edges of
 * "common" (timestamps with dots, signs, 0, 13 to 16 digits; values that are not plain
 * decimals; empty words, `\r` in odd places, missing tags, strings and JSON) and on
 * random corruptions of them.
 */
import { expect } from 'chai';
import { BatchBuilder } from '../../core/batch-builder';
import { PutLineParser } from '../../lib/opentsdb/put-line-parser';
import { describeBatch, parseLineByLine } from '../helpers/put-lines';

/** mulberry32: a seeded generator, so a failure can be replayed */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const TIMESTAMPS = ['1356998400', '1356998401', '1356998400250', '1356998400.250', '0', '-1356998400', '+1356998400', '9999999999999', '10000000000000', '0001356998400', '123456789012345', '1234567890123456', '', '13569984OO', '1356998400 '];
const VALUES = ['42', '-7', '0', '-0', '+3', '1.5', '-0.25', '1.', '.5', '1e5', 'NaN', 'Infinity', '123456789012345', '1234567890123456', '0.000000000000001', '"text value"', '{"a":1}', '{"a": [1, 2]}', '"unterminated', '', 'x'];
const TAGS = ['host=web01', 'host=web01 dc=lga', 'dc=lga host=web01', 'host=web01  dc=lga', 'host=web02', 'host=', 'host', 'a=b=c', 'host=web01 host=web01', 'host=web01 host=web02', '', 'host=web01 '];
const METRICS = ['sys.cpu.user', 'sys.cpu.nice', '', 'bad metric!', 'sys.cpu.user\r'];

function pick<T>(next: () => number, items: readonly T[]): T {
  return items[Math.floor(next() * items.length)]!;
}

function line(next: () => number): string {
  // mostly common lines of a few series, so the cache is hit often
  if (next() < 0.6) return `put ${pick(next, METRICS.slice(0, 2))} ${1356998400 + Math.floor(next() * 100)} ${pick(next, VALUES.slice(0, 8))} ${pick(next, TAGS.slice(0, 5))}`;
  const words = ['put', pick(next, METRICS), pick(next, TIMESTAMPS), pick(next, VALUES), pick(next, TAGS)];
  if (next() < 0.1) words.pop();
  let text = words.join(' ');
  if (next() < 0.15) {
    // a corruption: a byte replaced, dropped or doubled
    const at = Math.floor(next() * text.length);
    const byte = pick(next, [' ', '\r', '=', '.', '"', '{', 'x', '0']);
    const how = next();
    text = how < 0.4 ? text.slice(0, at) + byte + text.slice(at + 1) : how < 0.7 ? text.slice(0, at) + text.slice(at + 1) : text.slice(0, at) + byte + text.slice(at);
  }
  return text;
}

describe('lib/opentsdb PutLineParser.parseLines (one pass for the common line)', () => {
  it('gives parse\'s points and error lines, line for line, on 200 jobs of edge cases and corruptions', () => {
    const seed = Number(process.env.DSDB_TEST_SEED) || 20261201;
    const next = random(seed);
    let common = 0;
    for (let job = 0; job < 200; job++) {
      const lines = Array.from({ length: 50 }, () => line(next));
      const ending = job % 3 === 0 ? '\r\n' : '\n';
      // every fourth job ends without its last newline (the buffer's end ends the line)
      const text = Buffer.from(lines.join(ending) + (job % 4 === 3 ? '' : ending));
      const parser = new PutLineParser({ oneBatchAtATime: true });
      const builder = new BatchBuilder(8);
      const errors: string[] = [];
      const count = parser.parseLines(text, 0, text.length, builder, errors);
      const want = parseLineByLine(new PutLineParser(), text);
      const got = { points: describeBatch(builder.take()), errors };
      expect(got, `seed ${seed}, job ${job}:\n${text.toString()}`).to.deep.equal(want);
      expect(count).to.equal(lines.length);
      common += got.points.length;
    }
    // the comparison covered many accepted points, not only refusals
    expect(common).to.be.greaterThan(4000);
  });

  it('gives parse\'s points when lines come in rounds of the same series order (the guessed series), corrupted near the guess', () => {
    const seed = Number(process.env.DSDB_TEST_SEED) || 20261202;
    const next = random(seed);
    // names that are prefixes of one another, so a guess matches part of a line that is not its series
    const metrics = ['sys.cpu.user', 'sys.cpu.use', 'sys.cpu.user2'];
    const tags = ['host=web01', 'host=web0', 'host=web01 dc=lga', 'host=web01 dc=lg'];
    const order = metrics.flatMap((m) => tags.map((t) => [m, t] as const));
    let common = 0;
    for (let job = 0; job < 40; job++) {
      // one parser over several jobs: its guesses carry from job to job, as on a parse worker
      const parser = new PutLineParser({ oneBatchAtATime: true });
      const reference = new PutLineParser();
      for (let part = 0; part < 5; part++) {
        const lines: string[] = [];
        for (let round = 0; round < 4; round++) {
          for (const [m, t] of order) {
            if (next() < 0.05) continue; // a series missing from a round
            let text = `put ${m} ${1356998400 + 10 * round + part} ${pick(next, VALUES.slice(0, 8))} ${t}`;
            if (next() < 0.12) {
              const at = Math.floor(next() * text.length);
              const byte = pick(next, [' ', '\r', '=', '.', '"', 'x', '0', '1']);
              const how = next();
              text = how < 0.4 ? text.slice(0, at) + byte + text.slice(at + 1) : how < 0.7 ? text.slice(0, at) + text.slice(at + 1) : text.slice(0, at) + byte + text.slice(at);
            }
            lines.push(text);
          }
        }
        const ending = next() < 0.3 ? '\r\n' : '\n';
        const text = Buffer.from(lines.join(ending) + (next() < 0.25 ? '' : ending));
        const builder = new BatchBuilder(8);
        const errors: string[] = [];
        const count = parser.parseLines(text, 0, text.length, builder, errors);
        const want = parseLineByLine(reference, text);
        const got = { points: describeBatch(builder.take()), errors };
        expect(got, `seed ${seed}, job ${job}, part ${part}:\n${text.toString()}`).to.deep.equal(want);
        expect(count).to.equal(lines.length);
        common += got.points.length;
      }
    }
    expect(common).to.be.greaterThan(7000);
  });

  it('reads only within its bounds: bytes past `end` are not part of the last line', () => {
    const parser = new PutLineParser();
    const builder = new BatchBuilder(8);
    const errors: string[] = [];
    // teach it the series, then a line whose end is cut where a space follows in the buffer
    const first = Buffer.from('put m 1356998400 1 host=a\n');
    parser.parseLines(first, 0, first.length, builder, errors);
    const text = Buffer.from('put m 1356998401 2 host=a\nput m 1356998402 3 host=a');
    const cut = text.indexOf('1356998402') - 1; // "put m" then the buffer goes on with " 1356998402 ..."
    expect(parser.parseLines(text, 0, cut, builder, errors)).to.equal(2);
    const batch = builder.take()!;
    expect(Array.from(batch.timestamps.subarray(0, batch.length))).to.deep.equal([1356998400000, 1356998401000]);
    expect(errors).to.deep.equal(['put: illegal argument: not enough arguments (need least 4, got 1)']);
    // host=ab after host=a, round after round (the guessed path); then cut inside host=ab's tag
    // (`host=a` is all the line has: not the guess, whose `b` and newline lie past the end)
    const rounds = Buffer.from('put m 1356998403 4 host=a\nput m 1356998403 5 host=ab\nput m 1356998404 6 host=a\nput m 1356998404 7 host=ab\n');
    const inTag = rounds.lastIndexOf('host=ab') + 'host=a'.length;
    expect(parser.parseLines(rounds, 0, rounds.length, builder, errors)).to.equal(4);
    expect(parser.parseLines(rounds, 0, inTag, builder, errors)).to.equal(4);
    const again = builder.take()!;
    expect(describeBatch(again).map((p) => p.split('|').slice(0, 3).join('|'))).to.deep.equal([
      'm{host=a}|{"metric":"m","tags":{"host":"a"}}|1356998403000',
      'm{host=ab}|{"metric":"m","tags":{"host":"ab"}}|1356998403000',
      'm{host=a}|{"metric":"m","tags":{"host":"a"}}|1356998404000',
      'm{host=ab}|{"metric":"m","tags":{"host":"ab"}}|1356998404000',
      'm{host=a}|{"metric":"m","tags":{"host":"a"}}|1356998403000',
      'm{host=ab}|{"metric":"m","tags":{"host":"ab"}}|1356998403000',
      'm{host=a}|{"metric":"m","tags":{"host":"a"}}|1356998404000',
      'm{host=a}|{"metric":"m","tags":{"host":"a"}}|1356998404000',
    ]);
  });
});
