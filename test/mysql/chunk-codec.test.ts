/**
 * The chunks storage-mysql stores: the shared format (lib/chunks) written with the codec
 * plugins, exact round trips, small output; and rows in the layout written before it
 * (bytes captured from that code, test/fixtures/mysql-chunks-v1.json), still read.
 */
import { expect } from 'chai';
import { allocPoints, Registry, ValueKind, type Codec, type SeriesPoints } from '../../core';
import { CodecSet, DEFAULT_CODECS, encodeChunk, type CodecPreferences } from '../../lib/chunks';
import { codecPreferences, MysqlChunks } from '../../plugins/storage-mysql/chunk';
import { startDaemon } from '../helpers/daemon';
import { expectLegacyPoints, legacyRows } from './legacy-rows';
import { testCodecs } from './mariadb';

function chunksWith(prefs: CodecPreferences = DEFAULT_CODECS, registry: Registry<Codec> = testCodecs()): MysqlChunks {
  return new MysqlChunks(new CodecSet(registry, prefs, 'storage-mysql'));
}

function roundTrip(codec: MysqlChunks, fill: (p: SeriesPoints, i: number) => void, n: number) {
  const points = allocPoints(n);
  for (let i = 0; i < n; i++) fill(points, i);
  const bytes = codec.encode(points, 0, n);
  expect(MysqlChunks.count(bytes)).to.equal(n);
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
  const codec = chunksWith();

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

  it('stores the chunk the embedded engine writes (lib/chunks), behind format byte 2', () => {
    const points = allocPoints(50);
    for (let i = 0; i < 50; i++) {
      points.timestamps[i] = 1_700_000_000_000 + i * 15_000;
      points.kinds[i] = i % 5 === 0 ? ValueKind.String : ValueKind.Float;
      points.floats[i] = i * 0.25;
      points.texts[i] = `s${i % 2}`;
    }
    const bytes = codec.encode(points, 0, 50);
    expect(bytes[0]).to.equal(2);
    expect(Buffer.from(bytes.subarray(1)).equals(Buffer.from(encodeChunk(points, 0, 50, new CodecSet(testCodecs(), DEFAULT_CODECS))))).to.equal(true);
  });

  it('prefers a codec plugin named in the options, and still decodes chunks written with the defaults', () => {
    const registry = new Registry<Codec>('codec');
    for (const [name, c] of testCodecs()) registry.add(name, c);
    let used = 0;
    const base = chunksWith();
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
    const swapped = chunksWith(codecPreferences({ float: 'plain-float' }), registry);
    const back = allocPoints(3);
    swapped.decode(swapped.encode(points, 0, 3), back, 0);
    expect(used).to.equal(1);
    expect([...back.floats]).to.deep.equal([1.5, 2.5, 3.5]);
    swapped.decode(base.encode(points, 0, 3), back, 0);
    expect([...back.floats]).to.deep.equal([1.5, 2.5, 3.5]);
    expect(() => chunksWith(codecPreferences({ float: 'nope' }), registry)).to.throw(/floats: nope \(load a plugin providing codec "nope"\)/);
  });

  it('maps the names of its former codecs in the options to the codec plugins that replaced them', () => {
    const prefs = codecPreferences({ timestamp: 'mysql-dod-timestamp', float: ['mysql-xor-float'], int: 'zigzag-varint' });
    expect(prefs).to.deep.equal({ ...DEFAULT_CODECS, timestamp: ['delta-of-delta'], float: ['decimal-float', 'xor-float'] });
  });

  it('stops a daemon configured with storage-mysql and no codec plugin, with one line naming them (before connecting)', async () => {
    let error: Error | undefined;
    try {
      const daemon = await startDaemon({ plugins: [['storage-mysql', { port: 1, connectTimeoutMs: 100 }]] });
      await daemon.stop();
    } catch (err) {
      error = err as Error;
    }
    expect(error?.message).to.match(/^storage-mysql: no codec registered for timestamps: delta-of-delta \(load plugin codec-delta-of-delta\);.*codec-compact-json/);
    expect(error!.message).to.not.contain('\n');
  });

  it('names the codec plugins to load when the config loads none', () => {
    let error: Error | undefined;
    try {
      chunksWith(DEFAULT_CODECS, new Registry<Codec>('codec'));
    } catch (err) {
      error = err as Error;
    }
    expect((error as { code?: string }).code).to.equal('DSDB_ERR_NO_STORAGE');
    expect(error!.message).to.match(/^storage-mysql: no codec registered for timestamps: delta-of-delta \(load plugin codec-delta-of-delta\)/);
    for (const plugin of ['codec-zigzag-int', 'codec-decimal-float or plugin codec-xor-float', 'codec-dict-string', 'codec-compact-json']) expect(error!.message).to.contain(plugin);
    expect(error!.message).to.not.contain('\n');
  });
});

describe('storage-mysql rows written before the shared chunk format', () => {
  const codec = chunksWith();
  const { cases } = legacyRows();

  it('reads every case of the captured rows (own codecs 0xF0–0xF4 and codec plugins by id), at an offset', () => {
    expect(cases.length).to.be.greaterThan(6);
    for (const c of cases) {
      const bytes = Buffer.from(c.data, 'hex');
      expect(bytes[0], c.name).to.equal(1);
      expect(MysqlChunks.count(bytes), c.name).to.equal(c.points.length);
      const out = allocPoints(c.points.length + 3);
      expect(codec.decode(bytes, out, 3), c.name).to.equal(c.points.length);
      expectLegacyPoints(out, 3, c.points, c.name);
    }
  });

  it('reports a truncated row as corrupt instead of reading past it', () => {
    const bytes = Buffer.from(cases[0]!.data, 'hex');
    expect(() => codec.decode(bytes.subarray(0, bytes.length - 3), allocPoints(cases[0]!.points.length), 0)).to.throw(RangeError);
  });
});
