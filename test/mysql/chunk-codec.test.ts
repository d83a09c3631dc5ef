/** The storage-mysql chunk format and its own codecs: exact round trips, small output. */
import { expect } from 'chai';
import { allocPoints, Registry, ValueKind, type Codec, type SeriesPoints } from '../../core';
import { ChunkCodec, DEFAULT_CODEC_NAMES } from '../../plugins/storage-mysql/chunk';

function roundTrip(codec: ChunkCodec, fill: (p: SeriesPoints, i: number) => void, n: number) {
  const points = allocPoints(n);
  for (let i = 0; i < n; i++) fill(points, i);
  const bytes = codec.encode(points, 0, n);
  expect(ChunkCodec.count(bytes)).to.equal(n);
  const back = allocPoints(n + 2);
  expect(codec.decode(bytes, back, 2)).to.equal(n);
  for (let i = 0; i < n; i++) {
    expect(back.timestamps[i + 2]).to.equal(points.timestamps[i]);
    expect(back.kinds[i + 2]).to.equal(points.kinds[i]);
    if (points.kinds[i] === ValueKind.Int) expect(back.ints[i + 2]).to.equal(points.ints[i]);
    if (points.kinds[i] === ValueKind.Float) expect(Object.is(back.floats[i + 2], points.floats[i])).to.equal(true, `float ${i}: ${points.floats[i]}`);
    if (points.kinds[i]! >= ValueKind.String) expect(back.texts[i + 2]).to.equal(points.texts[i]);
  }
  return bytes;
}

describe('storage-mysql chunk codec', () => {
  const codec = new ChunkCodec(DEFAULT_CODEC_NAMES);

  it('round-trips int64 at and across the extremes, with wrapping deltas', () => {
    const values = [0n, -1n, 1n, 9223372036854775807n, -9223372036854775808n, 9007199254740993n, -9007199254740993n, 4294967296n, 4294967295n, -4294967296n, 123456789012345678n];
    roundTrip(codec, (p, i) => {
      p.timestamps[i] = 1_700_000_000_000 + i * 10_000;
      p.kinds[i] = ValueKind.Int;
      p.ints[i] = values[i % values.length]!;
    }, 200);
  });

  it('round-trips floats bit for bit (NaN, ±0, ±Infinity, subnormals) and irregular negative timestamps', () => {
    const values = [0, -0, NaN, Infinity, -Infinity, 5e-324, Number.MAX_VALUE, 0.1, 0.1, 1 / 3, -2.5];
    roundTrip(codec, (p, i) => {
      p.timestamps[i] = -5000 + i * i * 7;
      p.kinds[i] = ValueKind.Float;
      p.floats[i] = values[i % values.length]!;
    }, 100);
  });

  it('writes short decimals as scaled integers (small), and still keeps -0 and long fractions exact', () => {
    const decimals = [12.25, -3.5, 0, 100, 99.99, 0.000001, 42];
    const small = roundTrip(codec, (p, i) => {
      p.timestamps[i] = i * 10_000;
      p.kinds[i] = ValueKind.Float;
      p.floats[i] = decimals[i % decimals.length]!;
    }, 140);
    expect(small.length).to.be.lessThan(140 * 5);
    for (const odd of [-0, 0.1 + 0.2, 1e300, 2 ** 60 + 0.5]) {
      roundTrip(codec, (p, i) => {
        p.timestamps[i] = i;
        p.kinds[i] = ValueKind.Float;
        p.floats[i] = i === 3 ? odd : i;
      }, 8);
    }
  });

  it('round-trips mixed kinds in one chunk, strings through the dictionary', () => {
    roundTrip(codec, (p, i) => {
      p.timestamps[i] = i * 1000;
      p.kinds[i] = (i % 4) + 1;
      p.ints[i] = BigInt(i) << 40n;
      p.floats[i] = i / 3;
      p.texts[i] = i % 4 === 3 ? `{"n":${i % 5}}` : `value ${i % 3} ✓`;
    }, 64);
  });

  it('costs about a byte per regular timestamp plus a byte per repeated value', () => {
    const bytes = roundTrip(codec, (p, i) => {
      p.timestamps[i] = 1_700_000_000_000 + i * 10_000;
      p.kinds[i] = ValueKind.Float;
      p.floats[i] = 42.5;
    }, 360);
    expect(bytes.length).to.be.lessThan(360 * 2 + 32);
  });

  it('prefers a codec plugin named in the options, and still decodes chunks written with its own codecs', () => {
    const registry = new Registry<Codec>('codec');
    let used = 0;
    const base = new ChunkCodec(DEFAULT_CODEC_NAMES);
    const points = allocPoints(3);
    points.timestamps.set([1, 2, 3]);
    points.kinds.fill(ValueKind.Float);
    points.floats.set([1.5, 2.5, 3.5]);
    registry.add('plain-float', {
      name: 'plain-float',
      id: 7,
      target: ValueKind.Float,
      encode(p, start, end) {
        used++;
        return new Uint8Array(p.floats.slice(start, end).buffer);
      },
      decode(bytes, count, into, offset) {
        into.floats.set(new Float64Array(bytes.slice().buffer, 0, count), offset);
      },
    });
    const swapped = new ChunkCodec({ ...DEFAULT_CODEC_NAMES, float: 'plain-float' }, registry);
    const back = allocPoints(3);
    swapped.decode(swapped.encode(points, 0, 3), back, 0);
    expect(used).to.equal(1);
    expect([...back.floats]).to.deep.equal([1.5, 2.5, 3.5]);
    swapped.decode(base.encode(points, 0, 3), back, 0);
    expect([...back.floats]).to.deep.equal([1.5, 2.5, 3.5]);
    expect(() => new ChunkCodec({ ...DEFAULT_CODEC_NAMES, float: 'nope' }, registry)).to.throw(/no codec named "nope"/);
  });
});
