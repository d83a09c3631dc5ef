/**
 * A parse worker (lib/opentsdb PutParsePool) holds its series caches — the line parser's
 * and the JSON reader's, each bounded at SeriesCache's default 2^18 entries — in its own
 * V8 heap, capped by PARSE_WORKER_LIMITS. The cap must hold both caches full: a worker that
 * runs out of heap dies, its jobs are parsed again on the main thread, and the next worker
 * learns the same series and dies again (a crash every ~100k new series under a
 * high-cardinality load).
 */
import { expect } from 'chai';
import { PutParsePool } from '../../lib/opentsdb/put-parse-pool';

const LINES_PER_JOB = 8000;
/** more than one cache bound (2^18) of distinct series, through each reader */
const SERIES = 300_000;

function lineJob(first: number): Buffer {
  const lines: string[] = [];
  for (let i = first; i < first + LINES_PER_JOB; i++) lines.push(`put sys.cpu.user ${1356998400 + (i % 1000)} ${i} host=web-${i} dc=lga rack=r${i % 64}`);
  return Buffer.from(lines.join('\n') + '\n');
}

function jsonJob(first: number): Buffer {
  const points: string[] = [];
  for (let i = first; i < first + LINES_PER_JOB; i++) {
    points.push(`{"metric":"sys.cpu.user","timestamp":${1356998400 + (i % 1000)},"value":${i},"tags":{"host":"web-${i}","dc":"lga","rack":"r${i % 64}"}}`);
  }
  return Buffer.from('[' + points.join(',') + ']');
}

describe('put parse worker heap (PARSE_WORKER_LIMITS against the series caches)', function () {
  this.timeout(180_000);

  it('takes more distinct series than its caches hold, through lines and JSON, without dying', async () => {
    const crashes: string[] = [];
    const pool = new PutParsePool(1, (err) => crashes.push((err as Error).message));
    try {
      let points = 0;
      for (let first = 0; first < SERIES; first += LINES_PER_JOB) {
        const [lines, json] = await Promise.all([pool.parse(lineJob(first), 0), pool.parseJson(jsonJob(first), 0)]);
        expect(lines.errors).to.deep.equal([]);
        expect(json.exact).to.equal(false);
        points += lines.batch!.length + json.batch!.length;
      }
      expect(points).to.equal(2 * Math.ceil(SERIES / LINES_PER_JOB) * LINES_PER_JOB);
      expect(crashes).to.deep.equal([]);
    } finally {
      await pool.close();
    }
  });
});
