/**
 * `delete=true` queries against the real OpenTSDB 2.4.1 (scripts/oracle/oracle.sh runs it
 * with `tsd.http.query.allow_delete`; DSDB's `query` plugin gets `allowDelete` here). The same
 * points go to both servers, the same DELETE and POST `"delete":true` queries go to both,
 * and their answers must agree; what is left afterwards is compared too, with the one
 * deliberate divergence (docs/opentsdb-compat.md, divergence 15) asserted point by point:
 * OpenTSDB deletes every cell of each hour row its scan read, DSDB only the points in
 * [start, end].
 *
 * OpenTSDB sends its deletes through asynchbase's buffer (flushed every second), so its side
 * is read again until it settles.
 *
 * It writes names of its own (metric `del.<run>`, tag key `delhost`) into the shared oracle,
 * so it runs after oracle.test.ts (mocha's file order), whose /api/suggest answers list the
 * oracle's names.
 */
import { expect } from 'chai';
import { DEFAULT_PLUGINS, type PluginSpec } from '../../core';
import { scratchDir, startDaemon, type RunningDaemon } from '../helpers/daemon';
import { awaitOracle } from './await-oracle';

type Series = { metric: string; tags: Record<string, string>; dps: Record<string, number> };

/** An hour row's start (OpenTSDB's rows hold an hour of one series) */
const T0 = 1_700_006_400;
/** points' offsets from T0: the row before, four in T0's row, one in each of the next two rows */
const OFFSETS = [-100, 100, 1000, 2000, 3000, 3700, 7300];

describe('delete=true queries against OpenTSDB 2.4.1 (oracle) @integration', function () {
  this.timeout(120_000);
  let oracle: string | undefined;
  let daemon: RunningDaemon | undefined;
  let dsdb = '';
  const M = `del.${Date.now().toString(36)}`;

  const get = async (base: string, path: string, method = 'GET'): Promise<{ status: number; body: unknown }> => {
    const res = await fetch(base + path, { method });
    return { status: res.status, body: JSON.parse(await res.text()) };
  };
  const post = async (base: string, path: string, body: unknown): Promise<{ status: number; body: unknown }> => {
    const res = await fetch(base + path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return { status: res.status, body: JSON.parse(await res.text()) };
  };
  /** Every point of the metric, as `host offset` words (the offset from T0), sorted. */
  const left = async (base: string): Promise<string[]> => {
    const r = await get(base, `/api/query?start=${T0 - 3600}&end=${T0 + 3 * 3600}&m=${encodeURIComponent(`sum:${M}{delhost=*}`)}`);
    expect(r.status).to.equal(200);
    return (r.body as Series[]).flatMap((s) => Object.keys(s.dps).map((t) => `${s.tags.delhost} ${Number(t) - T0}`)).sort();
  };
  /** OpenTSDB's points once its deletes have landed: after asynchbase's one-second flush, two reads 1.2 s apart that agree. */
  const settledLeft = async (base: string): Promise<string[]> => {
    await new Promise((r) => setTimeout(r, 1500));
    let last = await left(base);
    for (let i = 0; i < 10; i++) {
      await new Promise((r) => setTimeout(r, 1200));
      const now = await left(base);
      if (JSON.stringify(now) === JSON.stringify(last)) return now;
      last = now;
    }
    return last;
  };
  const all = (hosts: string[], offsets: number[]): string[] => hosts.flatMap((h) => offsets.map((o) => `${h} ${o}`)).sort();

  before(async function () {
    oracle = await awaitOracle(10 * 60_000);
    if (!oracle) {
      if (process.env.DSDB_ORACLE_REQUIRED) throw new Error('DSDB_ORACLE_REQUIRED is set but no oracle answered (scripts/oracle/oracle.sh start)');
      this.skip();
    }
    const plugins: PluginSpec[] = DEFAULT_PLUGINS.map((p): PluginSpec => (p === 'query' ? ['query', { allowDelete: true }] : p));
    daemon = await startDaemon({ plugins }, scratchDir('delete-oracle'));
    dsdb = `http://127.0.0.1:${daemon.port}`;
    const points = OFFSETS.flatMap((o) => ['a', 'b'].map((h) => ({ metric: M, timestamp: T0 + o, value: o + (h === 'b' ? 0.5 : 0), tags: { delhost: h } })));
    for (const base of [oracle, dsdb]) {
      const r = await post(base, '/api/put?sync&details', points);
      expect(r.body).to.include({ success: points.length, failed: 0 });
    }
    for (const base of [oracle, dsdb]) expect(await left(base)).to.deep.equal(all(['a', 'b'], OFFSETS));
  });
  after(async () => {
    await daemon?.stop();
  });

  it('DELETE answers the points it deletes, as a query does; the points in [start, end] are gone from both', async () => {
    const path = `/api/query?start=${T0 + 900}&end=${T0 + 2100}&m=${encodeURIComponent(`sum:${M}{delhost=a}`)}`;
    const [a, b] = [await get(dsdb, path, 'DELETE'), await get(oracle!, path, 'DELETE')];
    expect(a).to.deep.equal(b);
    expect((a.body as Series[]).map((s) => s.dps)).to.deep.equal([{ [T0 + 1000]: 1000, [T0 + 2000]: 2000 }]);
    const [dsdbLeft, oracleLeft] = [await left(dsdb), await settledLeft(oracle!)];
    // divergence 15: OpenTSDB deleted a's whole row T0 (its scan read that row only); DSDB the two points in range
    expect(oracleLeft).to.deep.equal(all(['a'], [-100, 3700, 7300]).concat(all(['b'], OFFSETS)).sort());
    expect(dsdbLeft).to.deep.equal(all(['a'], [-100, 100, 3000, 3700, 7300]).concat(all(['b'], OFFSETS)).sort());
  });

  it('POST "delete": true agrees too, over both series; afterwards the range answers no points on either', async () => {
    const body = { start: T0 + 900, end: T0 + 2100, delete: true, queries: [{ metric: M, aggregator: 'sum', tags: { delhost: 'b' } }] };
    const [a, b] = [await post(dsdb, '/api/query', body), await post(oracle!, '/api/query', body)];
    expect(a).to.deep.equal(b);
    expect((a.body as Series[]).map((s) => s.dps)).to.deep.equal([{ [T0 + 1000]: 1000.5, [T0 + 2000]: 2000.5 }]);
    const [dsdbLeft, oracleLeft] = [await left(dsdb), await settledLeft(oracle!)];
    expect(oracleLeft).to.deep.equal(all(['a', 'b'], [-100, 3700, 7300]));
    expect(dsdbLeft).to.deep.equal(all(['a', 'b'], [-100, 100, 3000, 3700, 7300]));
    // the range itself holds no point on either server (OpenTSDB answers no series: its rows
    // are gone; DSDB's series still have points in the hour, so its answer may name them with no dps)
    const range = `/api/query?start=${T0 + 900}&end=${T0 + 2100}&m=${encodeURIComponent(`sum:${M}{delhost=*}`)}`;
    for (const base of [dsdb, oracle!]) {
      const r = await get(base, range);
      expect(r.status).to.equal(200);
      expect((r.body as Series[]).flatMap((s) => Object.keys(s.dps))).to.deep.equal([]);
    }
  });
});
