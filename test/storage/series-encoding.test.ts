/** SeriesEncoding: a job's series written through the encode thread, against writing them all here. */
import { expect } from 'chai';
import fs from 'node:fs';
import path from 'node:path';
import { allocPoints, slicePoints, ValueKind, type SeriesPoints } from '../../core';
import { ChunkEncoder } from '../../lib/chunks';
import { BlockWriter } from '../../plugins/storage-embedded/block';
import { CodecSet, DEFAULT_CODECS } from '../../plugins/storage-embedded/codec-set';
import { SeriesEncoding, type SeriesSource } from '../../plugins/storage-embedded/series-encoding';
import { codecRegistry, tempDataDir } from '../helpers/embedded';

/** 400 series: numeric ones of 0–900 points, every 7th empty, series 50–119 strings, 200–259 empty, 300–302 strings between numbers. */
function series(): SeriesPoints[] {
  let seed = 7;
  const rnd = (): number => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
  return Array.from({ length: 400 }, (_, s) => {
    const n = s % 7 === 0 || (s >= 200 && s < 260) ? 0 : Math.floor(rnd() * 900);
    const text = (s >= 50 && s < 120) || (s >= 300 && s < 303);
    const p = allocPoints(n);
    for (let i = 0; i < n; i++) {
      p.timestamps[i] = 1_000_000 + i * 1000;
      if (text) {
        p.kinds[i] = ValueKind.String;
        p.texts[i] = `v${i % 3}`;
      } else if (s % 2 === 0) {
        p.kinds[i] = ValueKind.Int;
        p.ints[i] = BigInt(i * s);
      } else {
        p.kinds[i] = ValueKind.Float;
        p.floats[i] = i / 4;
      }
    }
    return p;
  });
}

describe('embedded engine SeriesEncoding', () => {
  it('writes text series, empty series and numeric slices through the encode thread into the block written here, in few steps, reading each series once', async () => {
    const codecs = new CodecSet(await codecRegistry(), DEFAULT_CODECS);
    const all = series();
    const reads = new Array<number>(all.length).fill(0);
    // as a compaction's source: each read lands in the same memory (valid until the next read)
    let scratch: SeriesPoints | undefined;
    const source: SeriesSource = {
      count: all.length,
      pointsOf: (i) => {
        reads[i]!++;
        if (scratch) scratch.timestamps.fill(-1); // the previous read's points are gone
        scratch = slicePoints(all[i]!, 0, all[i]!.length);
        return scratch;
      },
      idOf: (i) => i + 1,
      sizeOf: (i) => all[i]!.length,
    };
    const dir = tempDataDir('series-encoding');
    const here = new BlockWriter(path.join(dir, 'here'), codecs, 128);
    expect(new SeriesEncoding(source, here).step(Infinity)).to.equal(true);
    here.finish();
    const budget = 5_000;
    const points = all.reduce((n, p) => n + p.length, 0);
    for (const encoderBudget of [budget, 300]) {
      const encoder = ChunkEncoder.forCodecs(codecs)!;
      const answered: number[] = [];
      const encode = encoder.encode.bind(encoder);
      encoder.encode = (...a) => encode(...a).then((e) => (answered.push(e.chunks), e));
      try {
        const there = new BlockWriter(path.join(dir, `there-${encoderBudget}`), codecs, 128);
        reads.fill(0);
        const encoding = new SeriesEncoding(source, there, encoder);
        let steps = 1;
        while (!encoding.step(encoderBudget)) {
          steps++;
          await (encoding.idle() ?? new Promise((resolve) => setImmediate(resolve)));
        }
        there.finish();
        expect(fs.readFileSync(path.join(dir, `there-${encoderBudget}`)).equals(fs.readFileSync(path.join(dir, 'here'))), 'the same block').to.equal(true);
        expect(answered.length, 'slices the thread answered').to.be.greaterThan(Math.floor(points / encoderBudget / 2));
        const readTwice = reads.flatMap((n, i) => (n > 1 && all[i]!.length > 0 ? [`${i}: ${n}`] : []));
        expect(readTwice, `series with points read more than once at budget ${encoderBudget}`).to.deep.equal([]);
        // a step takes about a budget's worth: not one text or empty series a step
        expect(steps, `steps at budget ${encoderBudget}`).to.be.lessThan(3 * Math.ceil(points / encoderBudget) + 10);
      } finally {
        await encoder.close();
      }
    }
  });
});
