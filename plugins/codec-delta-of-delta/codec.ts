/**
 * `codec-delta-of-delta`: the timestamp column as Gorilla's delta-of-delta, byte-aligned
 * (zigzag varints) with runs of equal deltas-of-delta collapsed, so a regular series costs
 * a few bytes per chunk whatever its length. Non-integer millisecond timestamps fall back
 * to raw doubles.
 *
 * Layout: u8 mode, then for MODE_DOD and MODE_DOD_SECONDS svarint t0, svarint Δ0 (from two
 * points on), runs of (svarint dod, uvarint repeat − 1); for MODE_RAW f64 × count. In
 * MODE_DOD_SECONDS every timestamp is a whole second and the numbers are in seconds: what
 * OpenTSDB's second-resolution collectors send costs 3 bytes less a chunk (a 5-byte t0, a
 * one-byte Δ0 for intervals up to a minute), ~0.002 bytes a point on the benchmark data.
 */
import type { Codec, SeriesPoints } from '../../core';
import { ByteReader, ByteWriter } from '../../core/codec-io';

const MODE_DOD = 0;
const MODE_RAW = 1;
const MODE_DOD_SECONDS = 2;

// one writer, reused chunk after chunk (encode is synchronous; finish copies)
const writer = new ByteWriter(1024);

export const deltaOfDeltaCodec: Codec = {
  name: 'delta-of-delta',
  worker: { module: __filename, exportName: 'deltaOfDeltaCodec' },
  id: 1,
  target: 'timestamp',
  encode(points: SeriesPoints, start: number, end: number): Uint8Array {
    const ts = points.timestamps;
    const w = writer.reset();
    // One pass over the deltas: whether every timestamp is an integer and a whole second.
    // The modulo is taken on 32-bit deltas (an integer instruction; a double's is a libm
    // call a point), so only t0 needs the double one.
    const empty = end <= start;
    let integral = empty || Number.isSafeInteger(ts[start]!);
    let seconds = empty || (integral && ts[start]! % 1000 === 0);
    for (let i = start + 1; i < end && integral; i++) {
      const t = ts[i]!;
      if (!Number.isSafeInteger(t)) integral = false;
      else if (seconds) {
        const delta = t - ts[i - 1]!;
        seconds = (delta | 0) === delta ? (delta | 0) % 1000 === 0 : delta % 1000 === 0;
      }
    }
    if (!integral) {
      w.byte(MODE_RAW);
      for (let i = start; i < end; i++) w.f64(ts[i]!);
      return w.finish();
    }
    const unit = seconds ? 1000 : 1;
    w.byte(seconds ? MODE_DOD_SECONDS : MODE_DOD);
    if (end <= start) return w.finish();
    w.svarint(ts[start]! / unit);
    if (end - start === 1) return w.finish();
    // in milliseconds, scaled to the mode's unit as written (exact: whole multiples of it)
    let prevDelta = ts[start + 1]! - ts[start]!;
    w.svarint(prevDelta / unit);
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
        w.svarint(runValue / unit);
        w.uvarint(runLength - 1);
      }
      runValue = dod;
      runLength = 1;
    }
    if (runLength > 0) {
      w.svarint(runValue / unit);
      w.uvarint(runLength - 1);
    }
    return w.finish();
  },
  decode(bytes: Uint8Array, count: number, into: SeriesPoints, offset: number): void {
    const r = new ByteReader(bytes);
    const ts = into.timestamps;
    const mode = r.byte();
    if (mode === MODE_RAW) {
      for (let i = 0; i < count; i++) ts[offset + i] = r.f64();
      return;
    }
    if (mode !== MODE_DOD && mode !== MODE_DOD_SECONDS) throw new RangeError(`delta-of-delta: unknown mode ${mode}`);
    if (count === 0) return;
    const unit = mode === MODE_DOD_SECONDS ? 1000 : 1;
    // in the unit of the mode; scaled on the way out (exact: integers below 2^53)
    let t = r.svarint();
    ts[offset] = t * unit;
    if (count === 1) return;
    let delta = r.svarint();
    t += delta;
    ts[offset + 1] = t * unit;
    let i = 2;
    while (i < count) {
      const dod = r.svarint();
      let run = r.uvarint() + 1;
      if (run > count - i) throw new RangeError('delta-of-delta run past the point count');
      while (run-- > 0) {
        delta += dod;
        t += delta;
        ts[offset + i++] = t * unit;
      }
    }
  },
};
