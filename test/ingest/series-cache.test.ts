/**
 * lib/opentsdb's SeriesCache in `oneBatchAtATime` mode: series enter a batch by their
 * identity (no keyed lookup), and a batch still never holds one series key twice — with
 * two byte forms of a key, a cache that starts over in the middle of a batch, and a
 * builder also fed through its keyed path.
 */
import { expect } from 'chai';
import { BatchBuilder } from '../../core/batch-builder';
import type { PointBatch } from '../../core/storage';
import { PutLineParser } from '../../lib/opentsdb/put-line-parser';
import { hashRanges, SeriesCache } from '../../lib/opentsdb/series-cache';

/** Every key once, and every point's series index in range. */
function expectDistinct(batch: PointBatch): void {
  expect(new Set(batch.seriesKeys).size).to.equal(batch.seriesKeys.length);
  expect(batch.series.length).to.equal(batch.seriesKeys.length);
  for (let i = 0; i < batch.length; i++) expect(batch.seriesIndex[i]).to.be.below(batch.series.length);
}

function parseAll(parser: PutLineParser, builder: BatchBuilder, lines: string[]): PointBatch {
  for (const text of lines) {
    const line = Buffer.from(text);
    expect(parser.parse(line, 0, line.length, builder)).to.equal(undefined, text);
  }
  return builder.take();
}

/** The batch as (key, timestamp, value) rows, the way an engine reads it. */
function rows(batch: PointBatch): string[] {
  const out: string[] = [];
  for (let i = 0; i < batch.length; i++) out.push(`${batch.seriesKeys[batch.seriesIndex[i]!]} ${batch.timestamps[i]} ${batch.floats[i] || batch.ints[i]}`);
  return out;
}

describe('lib/opentsdb SeriesCache, one batch at a time', () => {
  it('gives the same batches as the keyed path, over many batches of repeated series', () => {
    const lines = (b: number) => Array.from({ length: 50 }, (_, i) => `put m.${i % 5} ${1356998400 + b * 50 + i} ${i} host=h${(i * 7 + b) % 13} dc=d${i % 2}`);
    const fast = new PutLineParser({ oneBatchAtATime: true });
    const keyed = new PutLineParser();
    const fastBuilder = new BatchBuilder(8);
    const keyedBuilder = new BatchBuilder(8);
    for (let b = 0; b < 20; b++) {
      const a = parseAll(fast, fastBuilder, lines(b));
      const k = parseAll(keyed, keyedBuilder, lines(b));
      expectDistinct(a);
      expect(a.seriesKeys).to.deep.equal(k.seriesKeys);
      expect(rows(a)).to.deep.equal(rows(k));
    }
  });

  it('puts two byte forms of one series key in one batch series', () => {
    const parser = new PutLineParser({ oneBatchAtATime: true });
    const builder = new BatchBuilder(4);
    const batch = parseAll(parser, builder, ['put m 1356998400 1 a=1 b=2', 'put m 1356998401 2 b=2 a=1', 'put m 1356998402 3 a=1 b=2', 'put m 1356998403 4 b=2 a=1']);
    expectDistinct(batch);
    expect(batch.series).to.have.length(1);
    expect(Array.from(batch.seriesIndex)).to.deep.equal([0, 0, 0, 0]);
    // the next batch starts with the other form: still one series
    const next = parseAll(parser, builder, ['put m 1356998404 5 b=2 a=1', 'put m 1356998405 6 a=1 b=2']);
    expect(next.series).to.have.length(1);
    expect(next.seriesKeys).to.deep.equal(batch.seriesKeys);
  });

  it('keeps keys distinct when the cache starts over in the middle of a batch', () => {
    const cache = new SeriesCache({ maxEntries: 3, oneBatchAtATime: true });
    const builder = new BatchBuilder(4);
    const entryOf = (name: string) => {
      const bytes = Buffer.from(name);
      const hash = hashRanges(bytes, 0, bytes.length, bytes.length, bytes.length);
      return cache.find(hash, bytes, 0, bytes.length, bytes.length, bytes.length) ?? cache.add(hash, Buffer.concat([bytes, Buffer.from(' ')]), name, {}, `${name}{}`);
    };
    // s0..s2 fill the cache; s3 makes it start over, after which s0 and s1 are new entries
    const order = ['s0', 's1', 's2', 's3', 's0', 's1', 's4', 's0', 's5', 's6', 's2'];
    for (let i = 0; i < order.length; i++) builder.push(cache.indexIn(entryOf(order[i]!), builder), 1000 + i, 1, i, 0n, undefined);
    const batch = builder.take();
    expectDistinct(batch);
    expect(batch.seriesKeys).to.deep.equal(['s0{}', 's1{}', 's2{}', 's3{}', 's4{}', 's5{}', 's6{}']);
    expect(Array.from(batch.seriesIndex)).to.deep.equal([0, 1, 2, 3, 0, 1, 4, 0, 5, 6, 2]);
    // the batch after it takes identities again
    const again = new BatchBuilder(4);
    for (const name of ['s6', 's5', 's6']) again.push(cache.indexIn(entryOf(name), again), 1, 1, 0, 0n, undefined);
    const second = again.take();
    expectDistinct(second);
    expect(second.seriesKeys).to.deep.equal(['s6{}', 's5{}']);
  });

  it('keeps keys distinct when the same builder is also fed by key (seriesFor)', () => {
    const parser = new PutLineParser({ oneBatchAtATime: true });
    const builder = new BatchBuilder(4);
    const line = (text: string) => {
      const bytes = Buffer.from(text);
      expect(parser.parse(bytes, 0, bytes.length, builder)).to.equal(undefined);
    };
    line('put m 1356998400 1 host=a');
    line('put m 1356998400 1 host=b');
    // a caller adds by key a series the parser already added, then one it will add next
    expect(builder.seriesOf('m', { host: 'a' })).to.equal(0);
    expect(builder.seriesOf('m', { host: 'c' })).to.equal(2);
    line('put m 1356998401 2 host=c');
    line('put m 1356998401 2 host=d');
    const batch = builder.take();
    expectDistinct(batch);
    expect(batch.seriesKeys).to.deep.equal(['m{host=a}', 'm{host=b}', 'm{host=c}', 'm{host=d}']);
    expect(Array.from(batch.seriesIndex)).to.deep.equal([0, 1, 2, 3]);
  });

  it('keeps the keyed path for builders filled side by side (the default)', () => {
    const parser = new PutLineParser();
    const a = new BatchBuilder(4);
    const b = new BatchBuilder(4);
    const feed = (builder: BatchBuilder, text: string) => {
      const bytes = Buffer.from(text);
      expect(parser.parse(bytes, 0, bytes.length, builder)).to.equal(undefined);
    };
    feed(a, 'put m 1356998400 1 host=a');
    feed(b, 'put m 1356998400 1 host=a');
    feed(a, 'put m 1356998401 2 host=a');
    const batch = a.take();
    expectDistinct(batch);
    expect(batch.series).to.have.length(1);
    expect(b.take().series).to.have.length(1);
  });
});

describe('lib/opentsdb SeriesCache lookups', () => {
  it('finds a series only by all of its bytes: a guess or a hash bucket differing in any one byte of the metric or tags is not it', () => {
    const cache = new SeriesCache();
    // one body holding every series' two ranges (metric, tag words) at odd offsets: the word compare reads across them
    const metric = 'sys.cpu.user7';
    const tags = 'dc=lga host=web01 rack=r1';
    const body = Buffer.from(`x${metric}..${tags}`);
    const aStart = 1;
    const aEnd = aStart + metric.length;
    const bStart = aEnd + 2;
    const bEnd = bStart + tags.length;
    const stored = Buffer.from(`${metric} ${tags}`);
    const hash = hashRanges(body, aStart, aEnd, bStart, bEnd);
    const entry = cache.add(hash, stored, metric, { dc: 'lga', host: 'web01', rack: 'r1' }, 'k');
    expect(cache.find(hash, body, aStart, aEnd, bStart, bEnd)).to.equal(entry);
    for (let at = aStart; at < bEnd; at++) {
      if (at >= aEnd && at < bStart) continue; // between the ranges: not part of the series
      const changed = Buffer.from(body);
      changed[at] = changed[at]! ^ 0x01;
      // the same hash bucket (as a collision would be), and the guess after following the entry
      expect(cache.find(hash, changed, aStart, aEnd, bStart, bEnd), `byte ${at}`).to.equal(undefined);
      cache.follow(entry);
      cache.follow(entry); // the entry's successor is now itself: the guess for the next lookup
      expect(cache.lookup(changed, aStart, aEnd, bStart, bEnd), `guess, byte ${at}`).to.equal(undefined);
    }
  });

  it("keeps each series' bytes apart in its slabs: thousands of series past one slab, and one longer than a slab, are each found by their own bytes only", () => {
    const cache = new SeriesCache();
    const bodyOf = (metric: string, tags: string) => Buffer.from(`${metric} ${tags}`);
    const find = (body: Buffer, metricLength: number) => cache.find(hashRanges(body, 0, metricLength, metricLength + 1, body.length), body, 0, metricLength, metricLength + 1, body.length);
    const series: { body: Buffer; metricLength: number; key: string }[] = [];
    // ~3,000 series of ~60 bytes: three 64 KiB slabs; then one of 100 KiB (a slab of its own), then more after it
    const add = (metric: string, tags: string) => {
      const body = bodyOf(metric, tags);
      const key = `${metric}{${tags}}`;
      cache.add(hashRanges(body, 0, metric.length, metric.length + 1, body.length), body, metric, { t: tags }, key, metric.length);
      series.push({ body, metricLength: metric.length, key });
    };
    for (let i = 0; i < 3000; i++) add(`sys.cpu.m${i % 7}`, `dc=dc${i % 3} host=web${String(i).padStart(5, '0')} rack=r${i % 11}`);
    add('long.one', `blob=${'x'.repeat(100 << 10)}`);
    for (let i = 0; i < 10; i++) add('after.long', `host=h${i}`);
    for (const { body, metricLength, key } of series) {
      expect(find(body, metricLength)?.identity.key, key.slice(0, 60)).to.equal(key);
      // its last byte changed: another series, not this one
      const changed = Buffer.from(body);
      changed[changed.length - 1] ^= 0x01;
      expect(find(changed, metricLength)?.identity.key).to.not.equal(key);
    }
    // and by the guess a line after line walk takes (PutLineParser.guessedLine reads the same bytes)
    const parser = new PutLineParser({ oneBatchAtATime: true });
    const builder = new BatchBuilder(64);
    const lines = ['put a.b 1356998400 1 host=x1 dc=d', 'put a.c 1356998400 2 host=x2 dc=d', ...Array.from({ length: 2000 }, (_, i) => `put m.${i % 9} 1356998400 ${i} host=web${i} dc=d${i % 4}`)];
    const first = parseAll(parser, builder, lines);
    // the second round: every series from the cache (by guess or hash), the same keys in the same order
    const second = parseAll(parser, builder, lines.map((l) => l.replace('1356998400', '1356998460')));
    expect(second.seriesKeys).to.deep.equal(first.seriesKeys);
    expect(second.series.length).to.equal(lines.length);
  });
});
