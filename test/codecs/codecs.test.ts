/** Every codec plugin round-trips its column exactly, and rejects (throws on) corrupt bytes instead of looping or crashing. */
import { createHash } from 'node:crypto';
import { expect } from 'chai';
import { allocPoints, ByteWriter, packUnsigned, ValueKind, zigzag, type Codec, type SeriesPoints } from '../../core';
import { compactJsonCodec } from '../../plugins/codec-compact-json';
import { decimalFloatCodec } from '../../plugins/codec-decimal-float';
import { deltaOfDeltaCodec } from '../../plugins/codec-delta-of-delta';
import { dictStringCodec } from '../../plugins/codec-dict-string';
import { xorFloatCodec } from '../../plugins/codec-xor-float';
import { zigzagIntCodec } from '../../plugins/codec-zigzag-int';
import { codecRegistry } from '../helpers/embedded';

function points(n: number): SeriesPoints {
  return { length: n, timestamps: new Float64Array(n), kinds: new Uint8Array(n), floats: new Float64Array(n), ints: new BigInt64Array(n), texts: new Array(n) };
}

function roundTrip(codec: Codec, input: SeriesPoints, start = 0, end = input.length): { out: SeriesPoints; bytes: Uint8Array } {
  const bytes = codec.encode(input, start, end);
  const out = points(end - start + 3);
  codec.decode(bytes, end - start, out, 3); // at an offset, as chunk decoding does
  return { out, bytes };
}

function random(seed: number): () => number {
  let s = seed;
  return () => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
}

describe('codec plugins', () => {
  it('delta-of-delta and zigzag-int write the bytes they have always written (chunks on disk are read by later builds)', () => {
    // digests of what both wrote before their encoders were rewritten for speed (2026-12-01):
    // whole seconds and milliseconds, regular and irregular steps, a fractional timestamp
    // (raw mode), an integer beyond 2^50 (raw mode), empty and one-point chunks
    let s = 29;
    const r = () => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const timestamps = createHash('sha256');
    const integers = createHash('sha256');
    for (let t = 0; t < 300; t++) {
      const n = t % 25 === 0 ? t % 3 : 1 + Math.floor(r() * 300);
      const p = allocPoints(n);
      let ts = t % 2 === 0 ? 1767225600000 : 1767225600123;
      let v = BigInt(Math.floor((r() - 0.5) * 2 ** 40));
      for (let i = 0; i < n; i++) {
        ts += t % 3 === 0 ? 10000 : 1 + Math.floor(r() * 20000);
        if (t % 11 === 0 && i === 5) ts += 0.5;
        p.timestamps[i] = ts;
        v += BigInt(Math.floor((r() - 0.5) * 1e6));
        if (t % 17 === 0 && i === 3) v = 2n ** 62n;
        p.ints[i] = v;
        p.kinds[i] = ValueKind.Int;
      }
      timestamps.update(deltaOfDeltaCodec.encode(p, 0, n));
      integers.update(zigzagIntCodec.encode(p, 0, n));
    }
    expect(timestamps.digest('hex')).to.equal('dbffd4b738bb2003f1e2c4dd66222d62f0385c4ad0d7e4877b74ab708765ea3a');
    expect(integers.digest('hex')).to.equal('a25ba22b45c37e174f9cded53eecacc5b28ba361cdf2d599ecb08b73020cbe8a');
  });

  it('register one codec per target through hooks.codec.codecs, with unique ids', async () => {
    const registry = await codecRegistry();
    const codecs = [...registry].map(([, c]) => c);
    expect(codecs.map((c) => c.name).sort()).to.deep.equal(['compact-json', 'decimal-float', 'delta-of-delta', 'dict-string', 'xor-float', 'zigzag-varint']);
    expect(new Set(codecs.map((c) => c.id)).size).to.equal(codecs.length);
    expect(codecs.map((c) => c.target)).to.include.members(['timestamp', ValueKind.Int, ValueKind.Float, ValueKind.String, ValueKind.Json]);
  });

  it('delta-of-delta: regular, irregular, out-of-range and fractional timestamps', () => {
    const cases = [
      Array.from({ length: 1000 }, (_, i) => 1_700_000_000_000 + i * 10_000),
      Array.from({ length: 500 }, (_, i) => 1_700_000_000_000 + i * 1000 + (i % 3) * 7),
      [-5, 0, 8.64e15 - 1],
      [1.5, 2.25, 3],
      [42],
      [],
      [-86_400_000, -5000, 0, 5000, 8.64e15],
      Array.from({ length: 300 }, (_, i) => 1_700_000_000_000 + i * 60_000 + (i % 7 === 3 ? 1000 : 0)),
    ];
    for (const ts of cases) {
      const input = points(ts.length);
      input.timestamps.set(ts);
      const { out } = roundTrip(deltaOfDeltaCodec, input);
      expect([...out.timestamps.subarray(3)]).to.deep.equal(ts);
    }
    const regular = points(10_000);
    regular.timestamps.set(Array.from({ length: 10_000 }, (_, i) => i * 10_000));
    expect(deltaOfDeltaCodec.encode(regular, 0, 10_000).length).to.be.below(16);
  });

  it('delta-of-delta: whole seconds are stored in seconds (mode 2), 3 bytes less a regular chunk than in milliseconds (mode 0)', () => {
    const seconds = points(1000);
    seconds.timestamps.set(Array.from({ length: 1000 }, (_, i) => 1_767_225_600_000 + i * 10_000));
    const millis = points(1000);
    millis.timestamps.set(Array.from({ length: 1000 }, (_, i) => 1_767_225_600_001 + i * 10_000));
    const inSeconds = deltaOfDeltaCodec.encode(seconds, 0, 1000);
    const inMillis = deltaOfDeltaCodec.encode(millis, 0, 1000);
    expect([inSeconds[0], inMillis[0]]).to.deep.equal([2, 0]);
    expect(inSeconds.length).to.equal(inMillis.length - 3);
    // chunks written in mode 0 before mode 2 existed decode as they did
    const old = Uint8Array.from(inMillis);
    const out = points(1000);
    deltaOfDeltaCodec.decode(old, 1000, out, 0);
    expect([...out.timestamps]).to.deep.equal([...millis.timestamps]);
    expect(() => deltaOfDeltaCodec.decode(Uint8Array.of(7, 0), 1, points(1), 0)).to.throw(RangeError, /unknown mode 7/);
  });

  it('xor-float: any double bit for bit, including NaN, -0, infinities, subnormals and repeats', () => {
    const r = random(7);
    const values = [0, -0, NaN, Infinity, -Infinity, 5e-324, 1.7976931348623157e308, 1, 1, 1, 0.1 + 0.2, ...Array.from({ length: 300 }, () => (r() - 0.5) * 1e6)];
    const input = points(values.length);
    input.floats.set(values);
    const { out } = roundTrip(xorFloatCodec, input, 1, values.length);
    values.slice(1).forEach((v, i) => expect(Object.is(out.floats[3 + i], v), `${i}: ${v}`).to.equal(true));
  });

  it('decimal-float: accepts only values it gives back exactly, and packs few-digit values under a byte each', () => {
    const r = random(3);
    let v = 50;
    const walk = Array.from({ length: 4096 }, () => (v = Math.round((v + (r() - 0.5) * 2) * 10) / 10 || 0)); // || 0: no -0, which only XOR keeps
    const input = points(walk.length);
    input.floats.set(walk);
    expect(decimalFloatCodec.accepts!(input, 0, walk.length)).to.equal(true);
    const { out, bytes } = roundTrip(decimalFloatCodec, input);
    expect([...out.floats.subarray(3)]).to.deep.equal(walk);
    expect(bytes.length / walk.length).to.be.below(1);
    for (const bad of [[0.1 + 0.2], [NaN], [-0], [1e300], [Math.PI]]) {
      const p = points(1);
      p.floats[0] = bad[0]!;
      expect(decimalFloatCodec.accepts!(p, 0, 1), String(bad[0])).to.equal(false);
    }
    const mixed = points(3);
    mixed.floats.set([1e8, -1234.125, 0.000001]);
    expect(decimalFloatCodec.accepts!(mixed, 0, 3)).to.equal(true);
    expect([...roundTrip(decimalFloatCodec, mixed).out.floats.subarray(3)]).to.deep.equal([1e8, -1234.125, 0.000001]);
    // each value alone fits, but at the exponent 0.5 needs 1e15 no longer does: refused, not rounded
    const wide = points(2);
    wide.floats.set([1e15, 0.5]);
    expect(decimalFloatCodec.accepts!(wide, 0, 2)).to.equal(false);
  });

  it('zigzag-varint: int64 exactly, small values compactly and the full range raw', () => {
    const small = [0n, 1n, -1n, 1000n, -1000n, 2n ** 49n, -(2n ** 49n), 5n, 5n, 5n];
    const huge = [9223372036854775807n, -9223372036854775808n, 9007199254740993n, 0n];
    for (const values of [small, huge]) {
      const input = points(values.length);
      input.ints.set(values);
      const { out } = roundTrip(zigzagIntCodec, input);
      expect([...out.ints.subarray(3)]).to.deep.equal(values);
    }
    const counter = points(1000);
    counter.ints.set(Array.from({ length: 1000 }, (_, i) => BigInt(i * 3)));
    expect(zigzagIntCodec.encode(counter, 0, 1000).length).to.be.below(1000 / 2);
  });

  it('dict-string: stores each distinct string once', () => {
    const values = Array.from({ length: 1000 }, (_, i) => ['up', 'down', 'degraded ✓'][i % 3]!);
    const input = points(values.length);
    values.forEach((v, i) => (input.texts[i] = v));
    const { out, bytes } = roundTrip(dictStringCodec, input);
    expect(out.texts.slice(3)).to.deep.equal(values);
    expect(bytes.length).to.be.below(1100);
  });

  it('compact-json: exact text back, trees for canonical text, verbatim otherwise, repeats once', () => {
    const values = ['{"a":1,"b":[true,false,null,1.5,"x"],"c":{"d":-7}}', '{"a":1,"b":[true,false,null,1.5,"x"],"c":{"d":-7}}', '{"b":1, "a":2}', '{"1":2,"b":1}', '{"n":12345678901234567890}', '{"__proto__":{"x":1}}', '{"e":1e+300,"f":-0.5}'];
    const input = points(values.length);
    values.forEach((v, i) => (input.texts[i] = v));
    const { out } = roundTrip(compactJsonCodec, input);
    expect(out.texts.slice(3)).to.deep.equal(values);
  });

  it('decimal-float and zigzag-varint still read chunks written before the range coder (bit-packed zigzag deltas)', () => {
    const r = random(21);
    const mantissas = Array.from({ length: 300 }, (_, i) => (i === 0 ? 4321 : 0) + Math.floor((r() - 0.5) * 400));
    for (let i = 1; i < mantissas.length; i++) mantissas[i] = mantissas[i - 1]! + mantissas[i]!;
    const oldLayout = (head: number) => {
      const w = new ByteWriter();
      w.byte(head);
      packUnsigned(w, Float64Array.from(mantissas, (m, i) => zigzag(m - (i ? mantissas[i - 1]! : 0))), mantissas.length);
      return w.finish();
    };
    const floats = points(mantissas.length + 3);
    decimalFloatCodec.decode(oldLayout(2), mantissas.length, floats, 3); // e = 2: hundredths
    expect([...floats.floats.subarray(3)]).to.deep.equal(mantissas.map((m) => m / 100));
    const ints = points(mantissas.length + 3);
    zigzagIntCodec.decode(oldLayout(0), mantissas.length, ints, 3); // mode 0: deltas
    expect([...ints.ints.subarray(3)]).to.deep.equal(mantissas.map(BigInt));
  });

  it('every codec throws a RangeError on truncated bytes instead of reading past them', () => {
    const input = points(200);
    for (let i = 0; i < 200; i++) {
      input.timestamps[i] = i * 1000 + (i % 5);
      input.floats[i] = i * 1.5;
      input.ints[i] = BigInt(i * 7);
      input.texts[i] = i % 2 ? `s${i}` : `{"k${i % 3}":${i}}`;
    }
    for (const codec of [deltaOfDeltaCodec, xorFloatCodec, decimalFloatCodec, zigzagIntCodec, dictStringCodec, compactJsonCodec]) {
      const bytes = codec.encode(input, 0, 200);
      const cut = bytes.subarray(0, Math.floor(bytes.length / 2));
      expect(() => codec.decode(cut, 200, points(200), 0), codec.name).to.throw(RangeError);
    }
  });
});
