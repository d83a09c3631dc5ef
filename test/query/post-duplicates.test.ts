/**
 * A POST /api/query drops a sub-query equal to an earlier one, as OpenTSDB's LinkedHashSet
 * does (plugins/query/parse-json.ts; the oracle's vectors measure what equals means). Each
 * sub-query is compared only with the kept ones that share what equals compares: compared
 * with every earlier one, 8,000 sub-queries differing in one filter held the event loop for
 * over two minutes (every protocol of the daemon stalled).
 */
import { expect } from 'chai';
import type { Aggregator, Registry } from '../../core';
import { parseQueryBody } from '../../plugins/query/parse-json';
import { startDaemon, type RunningDaemon } from '../helpers/daemon';

// the module's exports object, as parse-json.js reads it at each call: a spy replaces the function there
// eslint-disable-next-line @typescript-eslint/no-require-imports
const equalsModule = require('../../plugins/query/exp/sub-query-equals') as { subQueriesEqual: (...args: unknown[]) => boolean };

describe('POST /api/query: sub-queries equal to an earlier one', () => {
  let d: RunningDaemon;
  let aggregators: Registry<Aggregator>;
  before(async () => {
    d = await startDaemon({ plugins: ['http', 'put-http', 'storage-memory', 'aggregators-opentsdb', 'query'] as never, storage: 'memory' });
    aggregators = d.kernel.container.resolve('aggregators');
  });
  after(() => d.stop());

  /** Runs `fn` counting the calls of subQueriesEqual it makes. */
  async function countingEquals<T>(fn: () => T | Promise<T>): Promise<{ result: T; calls: number }> {
    const original = equalsModule.subQueriesEqual;
    let calls = 0;
    equalsModule.subQueriesEqual = (...args: unknown[]) => {
      calls++;
      return original(...args);
    };
    try {
      const result = await fn();
      return { result, calls };
    } finally {
      equalsModule.subQueriesEqual = original;
    }
  }

  const sub = (host: string, extra: Record<string, unknown> = {}) => ({ aggregator: 'sum', metric: 'm.dup', filters: [{ type: 'literal_or', tagk: 'host', filter: `a|b|${host}`, groupBy: false }], ...extra });

  it('keeps the first of equal sub-queries in order, and compares each only with the kept ones it may equal', async () => {
    const distinct = 2000;
    const queries: unknown[] = [];
    for (let i = 0; i < distinct; i++) queries.push(sub(`h${i}`));
    // equal to earlier ones: the same literals in another order (a set), groupBy differing (ignored)
    queries.splice(10, 0, { ...sub('h3'), filters: [{ type: 'literal_or', tagk: 'host', filter: 'h3|b|a', groupBy: true }] });
    queries.push(sub('h1999'));
    // not equal: another downsampler, rate options, aggregator
    queries.push(sub('h5', { downsample: '1m-avg' }), sub('h5', { rate: true }), sub('h5', { rate: true, rateOptions: { counter: true } }), sub('h5', { aggregator: 'max' }));
    const { result, calls } = await countingEquals(() => parseQueryBody(JSON.stringify({ start: 1767225600, end: 1767229200, queries }), aggregators));
    expect(result.queries.length).to.equal(distinct + 4);
    // the one equal to h3 (at 10) dropped: h9, h10, h11 follow each other; the last four are the unequal ones
    expect(result.queries.slice(8, 12).map((q) => q.filters[0]!.filter)).to.deep.equal(['a|b|h8', 'a|b|h9', 'a|b|h10', 'a|b|h11']);
    expect(result.queries.slice(-5).map((q) => [q.filters[0]!.filter, q.aggregator.name, q.rate, q.downsample !== undefined])).to.deep.equal([
      ['a|b|h1999', 'sum', false, false],
      ['a|b|h5', 'sum', false, true],
      ['a|b|h5', 'sum', true, false],
      ['a|b|h5', 'sum', true, false],
      ['a|b|h5', 'max', false, false],
    ]);
    // the two equal ones compared with their one earlier equal each; the rate's pair (same filters,
    // rate, rate options differing) with each other; nothing else
    expect(calls).to.be.at.most(4);
  });

  it('answers a body of 8,000 sub-queries that differ in a filter without comparing them with each other', async () => {
    await fetch(`http://127.0.0.1:${d.port}/api/put?sync`, { method: 'POST', body: JSON.stringify([{ metric: 'm.dup', timestamp: 1767225600, value: 1, tags: { host: 'a' } }]) });
    const queries = Array.from({ length: 8000 }, (_, i) => ({ aggregator: 'sum', metric: 'm.dup', filters: [{ type: 'literal_or', tagk: 'host', filter: `a|x${i}`, groupBy: false }] }));
    const { result: answer, calls } = await countingEquals(async () => {
      const res = await fetch(`http://127.0.0.1:${d.port}/api/query`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ start: 1767225600, end: 1767225660, queries }) });
      return { status: res.status, body: await res.text() };
    });
    expect(calls).to.equal(0);
    // every sub-query resolves `a` and refuses the unknown literal, as OpenTSDB does
    expect(answer.status, answer.body.slice(0, 200)).to.equal(400);
    expect(JSON.parse(answer.body).error.message).to.equal("No such name for 'tagv': 'x0'");
  });
});
