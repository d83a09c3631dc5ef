/**
 * The head's compressed points (plugins/storage-embedded/sealed-points.ts): lossless bit
 * for bit whatever the values and timestamps, appended in several runs, and small for the
 * regular series a fleet sends.
 */
import { expect } from 'chai';
import { ValueKind } from '../../core';
import { SealedPoints } from '../../plugins/storage-embedded/sealed-points';

const F = ValueKind.Float;
const I = ValueKind.Int;

function xorshift(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 2 ** 32;
  };
}

interface Columns {
  timestamps: Float64Array;
  kinds: Uint8Array;
  words: Int32Array;
  floats: Float64Array;
}

function columns(n: number): Columns {
  const floats = new Float64Array(n);
  return { timestamps: new Float64Array(n), kinds: new Uint8Array(n), words: new Int32Array(floats.buffer), floats };
}

/** Seals `c` in runs of random lengths, decodes, and expects every bit back. */
function roundTrip(c: Columns, n: number, next: () => number): SealedPoints {
  const sealed = new SealedPoints(4);
  for (let from = 0; from < n; ) {
    const to = Math.min(n, from + 1 + Math.floor(next() * 40));
    sealed.append(c.timestamps, c.kinds, c.words, c.floats, from, to);
    from = to;
  }
  expect(sealed.count).to.equal(n);
  const out = columns(n + 3);
  out.timestamps.fill(7);
  sealed.decodeInto(out.timestamps, out.kinds, out.words, 3);
  for (let i = 0; i < n; i++) {
    expect(Object.is(out.timestamps[i + 3], c.timestamps[i]), `timestamp ${i}: ${out.timestamps[i + 3]} for ${c.timestamps[i]}`).to.equal(true);
    expect(out.kinds[i + 3], `kind ${i}`).to.equal(c.kinds[i]);
    expect([out.words[2 * i + 6], out.words[2 * i + 7]], `value ${i}`).to.deep.equal([c.words[2 * i], c.words[2 * i + 1]]);
  }
  if (n > 0) {
    expect(sealed.first).to.equal(c.timestamps[0]);
    expect(sealed.last).to.equal(c.timestamps[n - 1]);
  }
  return sealed;
}

describe('embedded head: sealed points', () => {
  it('gives back a fleet-like series (10 s apart, two-decimal floats) exactly, in about 3 bytes a point', () => {
    const next = xorshift(1);
    const n = 5000;
    const c = columns(n);
    let v = 50;
    for (let i = 0; i < n; i++) {
      c.timestamps[i] = 1_767_225_600_000 + i * 10_000;
      c.kinds[i] = F;
      v = Math.min(100, Math.max(0, v + (next() - 0.5) * 2));
      c.floats[i] = Math.round(v * 100) / 100;
    }
    const sealed = roundTrip(c, n, next);
    expect(sealed.used / n).to.be.below(3.2);
  });

  it('gives back counters and gauges of integers in a few bytes a point', () => {
    const next = xorshift(2);
    const n = 3000;
    const c = columns(n);
    const ints = new BigInt64Array(c.floats.buffer);
    let counter = 1_000_000_000_000;
    for (let i = 0; i < n; i++) {
      c.timestamps[i] = 1_700_000_000 + i * 15; // seconds, as ms numbers: any integer spacing
      c.kinds[i] = I;
      counter += Math.floor(next() * 5000);
      ints[i] = BigInt(counter);
    }
    const sealed = roundTrip(c, n, next);
    expect(sealed.used / n).to.be.below(3.5);
  });

  it('keeps every bit of awkward values and timestamps: NaN payloads, -0, infinities, int64 extremes, fractional, huge and irregular timestamps, mixed kinds', () => {
    const next = xorshift(3);
    const n = 20_000;
    const c = columns(n);
    const ints = new BigInt64Array(c.floats.buffer);
    const specialFloats = [0, -0, NaN, Infinity, -Infinity, Number.MIN_VALUE, Number.MAX_VALUE, 0.1, 1e-300, 123456789.123, -5e15, 2 ** 53, 1 / 3];
    const specialInts = [0n, -1n, 1n, 2n ** 63n - 1n, -(2n ** 63n), 2n ** 51n - 1n, -(2n ** 51n), 2n ** 51n, 2n ** 53n + 1n, -123456789012345678n];
    let t = -1e6;
    for (let i = 0; i < n; i++) {
      const r = next();
      if (i === n - 100) t += 2 ** 55; // beyond the varint forms, then 10 s apart
      else if (i > n - 100) t += 10_000;
      else if (r < 0.3) t += 1;
      else if (r < 0.5) t += Math.floor(next() * 1e9);
      else if (r < 0.55) t += 0.25 + Math.floor(next() * 10); // fractional ms
      else t += 10_000;
      c.timestamps[i] = t;
      const k = next();
      if (k < 0.35) {
        c.kinds[i] = F;
        c.floats[i] = specialFloats[Math.floor(next() * specialFloats.length)]!;
      } else if (k < 0.5) {
        c.kinds[i] = F;
        c.floats[i] = (next() - 0.5) * 10 ** Math.floor(next() * 20 - 10);
      } else if (k < 0.55) {
        c.kinds[i] = F;
        c.floats[i] = i > 0 && c.kinds[i - 1] === F ? c.floats[i - 1]! : 1.5; // repeats
      } else if (k < 0.58) {
        // a NaN with a payload: only its bits say which
        c.kinds[i] = F;
        c.words[2 * i] = (next() * 2 ** 32) | 0;
        c.words[2 * i + 1] = 0x7ff80000 | ((next() * 2 ** 19) | 0);
      } else if (k < 0.8) {
        c.kinds[i] = I;
        ints[i] = specialInts[Math.floor(next() * specialInts.length)]!;
      } else {
        c.kinds[i] = I;
        c.words[2 * i] = (next() * 2 ** 32) | 0;
        c.words[2 * i + 1] = next() < 0.5 ? (next() * 2 ** 32) | 0 : ((next() - 0.5) * 2 ** 20) | 0;
      }
    }
    roundTrip(c, n, next);
  });

  it('starts at timestamp 0 and at -0 exactly', () => {
    for (const first of [0, -0]) {
      const c = columns(3);
      c.timestamps.set([first, 1, 2]);
      c.kinds.fill(F);
      c.floats.set([1, 2, 3]);
      roundTrip(c, 3, xorshift(4));
    }
  });
});
