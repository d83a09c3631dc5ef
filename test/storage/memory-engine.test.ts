import { expect } from 'chai';
import { ValueKind, type SeriesData } from '../../core';
import { MemoryEngine } from '../../plugins/storage-memory/engine';
import { batchOf } from '../helpers/batch';

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

describe('storage-memory engine', () => {
  it('keeps int64 extremes exact, sorts out-of-order points, last write wins', async () => {
    const engine = new MemoryEngine();
    await engine.open();
    const tags = { host: 'a' };
    await engine.write(
      batchOf([
        { metric: 'm', tags, timestamp: 3000, value: { kind: ValueKind.Int, value: 9223372036854775807n } },
        { metric: 'm', tags, timestamp: 1000, value: { kind: ValueKind.Int, value: 9007199254740993n } },
        { metric: 'm', tags, timestamp: 2000, value: { kind: ValueKind.Float, value: 1.5 } },
        { metric: 'm', tags, timestamp: 2000, value: { kind: ValueKind.String, value: 'last wins' } },
      ]),
    );
    const [data] = (await collect(engine.read({ metric: 'm' }, { start: 0, end: 5000 }))) as SeriesData[];
    expect([...data!.points.timestamps]).to.deep.equal([1000, 2000, 3000]);
    expect(data!.points.ints[0]).to.equal(9007199254740993n);
    expect(data!.points.ints[2]).to.equal(9223372036854775807n);
    expect(data!.points.kinds[1]).to.equal(ValueKind.String);
    expect(data!.points.texts[1]).to.equal('last wins');
  });

  it('filters by tag predicates and suggests names', async () => {
    const engine = new MemoryEngine();
    await engine.write(
      batchOf(
        ['web01', 'web02', 'db01'].map((host, i) => ({ metric: 'sys.cpu', tags: { host }, timestamp: 1000, value: { kind: ValueKind.Float, value: i } })),
      ),
    );
    const web = await collect(engine.lookup({ metric: 'sys.cpu', predicates: [{ key: 'host', test: (v) => !!v && v.startsWith('web') }] }));
    expect(web.map((s) => s.tags.host)).to.deep.equal(['web01', 'web02']);
    const literal = await collect(engine.lookup({ metric: 'sys.cpu', predicates: [{ key: 'host', literals: ['db01'], test: (v) => v === 'db01' }] }));
    expect(literal.map((s) => s.tags.host)).to.deep.equal(['db01']);
    expect(await engine.suggest('tagv', 'web', 10)).to.deep.equal(['web01', 'web02']);
    expect(await engine.deleteRange({ metric: 'sys.cpu' }, { start: 0, end: 2000 })).to.equal(3);
  });
});
