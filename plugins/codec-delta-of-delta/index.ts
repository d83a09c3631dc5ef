/**
 * `codec-delta-of-delta`: the timestamp column as Gorilla's delta-of-delta, byte-aligned
 * (zigzag varints) with runs of equal deltas-of-delta collapsed, so a regular series costs
 * a few bytes per chunk whatever its length. Non-integer millisecond timestamps fall back
 * to raw doubles.
 */
import { ByteReader, ByteWriter, definePlugin, type Codec, type SeriesPoints } from '../../core';

const MODE_DOD = 0;
const MODE_RAW = 1;

export const deltaOfDeltaCodec: Codec = {
  name: 'delta-of-delta',
  id: 1,
  target: 'timestamp',
  encode(points: SeriesPoints, start: number, end: number): Uint8Array {
    const ts = points.timestamps;
    const w = new ByteWriter(16 + (end - start));
    let integral = true;
    for (let i = start; i < end; i++) if (!Number.isSafeInteger(ts[i]!)) integral = false;
    if (!integral) {
      w.byte(MODE_RAW);
      for (let i = start; i < end; i++) w.f64(ts[i]!);
      return w.finish();
    }
    w.byte(MODE_DOD);
    if (end <= start) return w.finish();
    w.svarint(ts[start]!);
    if (end - start === 1) return w.finish();
    let prevDelta = ts[start + 1]! - ts[start]!;
    w.svarint(prevDelta);
    // Runs: (dod, repeat count - 1).
    let runValue = 0;
    let runLength = 0;
    for (let i = start + 2; i < end; i++) {
      const delta = ts[i]! - ts[i - 1]!;
      const dod = delta - prevDelta;
      prevDelta = delta;
      if (runLength > 0 && dod === runValue) {
        runLength++;
        continue;
      }
      if (runLength > 0) {
        w.svarint(runValue);
        w.uvarint(runLength - 1);
      }
      runValue = dod;
      runLength = 1;
    }
    if (runLength > 0) {
      w.svarint(runValue);
      w.uvarint(runLength - 1);
    }
    return w.finish();
  },
  decode(bytes: Uint8Array, count: number, into: SeriesPoints, offset: number): void {
    const r = new ByteReader(bytes);
    const ts = into.timestamps;
    if (r.byte() === MODE_RAW) {
      for (let i = 0; i < count; i++) ts[offset + i] = r.f64();
      return;
    }
    if (count === 0) return;
    let t = r.svarint();
    ts[offset] = t;
    if (count === 1) return;
    let delta = r.svarint();
    t += delta;
    ts[offset + 1] = t;
    let i = 2;
    while (i < count) {
      const dod = r.svarint();
      let run = r.uvarint() + 1;
      if (run > count - i) throw new RangeError('delta-of-delta run past the point count');
      while (run-- > 0) {
        delta += dod;
        t += delta;
        ts[offset + i++] = t;
      }
    }
  },
};

export default definePlugin({
  name: 'codec-delta-of-delta',
  provides: ['codec:delta-of-delta'],
  register({ hooks }) {
    hooks.codec.codecs.tap('codec-delta-of-delta', (codecs) => codecs.add(deltaOfDeltaCodec.name, deltaOfDeltaCodec, 'codec-delta-of-delta'));
  },
});
