/**
 * `delete=true` queries against the real OpenTSDB 2.4.1 (scripts/oracle/oracle.sh runs it
 * with `tsd.http.query.allow_delete`; DSDB's `query` plugin gets `allowDelete` here). The same
 * points go to both servers, the same DELETE and POST `"delete":true` queries go to both,
 * and their answers must agree; what is left afterwards is compared too, with the one
 * deliberate divergence (docs/opentsdb-compat.md, divergence 15) asserted point by point:
 * OpenTSDB deletes every cell of each hour row its scan read, points and annotations, DSDB
 * only the points and annotations in [start, end].
 *
 * OpenTSDB sends its deletes through asynchbase's buffer (flushed every second), so its side
 * is read again until it shows the expected state (or a deadline passes).
 *
 * It writes names of its own (metric `del.<run>`, tag key `delhost`) into the shared oracle,
 * so it runs after oracle.test.ts (mocha's file order), whose /api/suggest answers list the
 * oracle's names.
 */
import { expect } from 'chai';
import { DEFAULT_PLUGINS, type PluginSpec } from '../../core';
import { scratchDir, startDaemon, type RunningDaemon } from '../helpers/daemon';
import { oracleOrSkip } from './await-oracle';

type Series = { metric: string; tags: Record<string, string>; dps: Record<string, number> };

/** An hour row's start (OpenTSDB's rows hold an hour of one series) */
const T0 = 1_700_006_400;
/** points' offsets from T0: the row before, four in T0's row, one in each of the next two rows */
const OFFSETS = [-100, 100, 1000, 2000, 3000, 3700, 7300];
/** annotations put on the series: in the deleted range and outside it in the same row */
const NOTES: [string, number][] = [
  ['a', 1500],
  ['a', 3000],
  ['b', 1500],
];

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
  /** `read()` again until it equals `expected` or 15 s pass (OpenTSDB's deletes land within about a second); its last answer. */
  const eventually = async <T>(read: () => Promise<T>, expected: T): Promise<T> => {
    const deadline = Date.now() + 15_000;
    for (;;) {
      const now = await read();
      if (JSON.stringify(now) === JSON.stringify(expected) || Date.now() > deadline) return now;
      await new Promise((r) => setTimeout(r, 300));
    }
  };
  /** Each server's TSUID of `delhost=h` (they assign UIDs their own way). */
  const tsuids = new Map<string, Record<string, string>>();
  const tsuidOf = async (base: string, host: string): Promise<string> => {
    const r = await get(base, `/api/query?start=${T0 - 3600}&end=${T0 + 3 * 3600}&show_tsuids=true&m=${encodeURIComponent(`sum:${M}{delhost=${host}}`)}`);
    return (r.body as { tsuids: string[] }[])[0]!.tsuids[0]!;
  };
  /** Which of the annotations put in `before` (`host offset`) a server still has. */
  const notesLeft = async (base: string): Promise<string[]> => {
    const out: string[] = [];
    for (const [host, offset] of NOTES) {
      const r = await get(base, `/api/annotation?tsuid=${tsuids.get(base)![host]}&start_time=${T0 + offset}`);
      if (r.status === 200) out.push(`${host} ${offset}`);
    }
    return out;
  };
  /** An answer with its annotations' TSUIDs left out (each server has its own). */
  const withoutTsuids = (answer: { status: number; body: unknown }) => JSON.parse(JSON.stringify(answer).replace(/"tsuid":"[0-9A-Fa-f]*",?/g, ''));
  const all = (hosts: string[], offsets: number[]): string[] => hosts.flatMap((h) => offsets.map((o) => `${h} ${o}`)).sort();

  before(async function () {
    oracle = await oracleOrSkip(this);
    const plugins: PluginSpec[] = DEFAULT_PLUGINS.map((p): PluginSpec => (p === 'query' ? ['query', { allowDelete: true }] : p));
    daemon = await startDaemon({ plugins }, scratchDir('delete-oracle'));
    dsdb = `http://127.0.0.1:${daemon.port}`;
    const points = OFFSETS.flatMap((o) => ['a', 'b'].map((h) => ({ metric: M, timestamp: T0 + o, value: o + (h === 'b' ? 0.5 : 0), tags: { delhost: h } })));
    for (const base of [oracle, dsdb]) {
      const r = await post(base, '/api/put?sync&details', points);
      expect(r.body).to.include({ success: points.length, failed: 0 });
    }
    for (const base of [oracle, dsdb]) {
      expect(await left(base)).to.deep.equal(all(['a', 'b'], OFFSETS));
      tsuids.set(base, { a: await tsuidOf(base, 'a'), b: await tsuidOf(base, 'b') });
      for (const [host, offset] of NOTES) {
        const r = await post(base, '/api/annotation', { startTime: T0 + offset, tsuid: tsuids.get(base)![host], description: `note ${host} ${offset}` });
        expect(r.status).to.equal(200);
      }
      expect(await notesLeft(base)).to.deep.equal(['a 1500', 'a 3000', 'b 1500']);
      // a global annotation in the range: kept by both deletes below
      expect((await post(base, '/api/annotation', { startTime: T0 + 1500, description: 'global' })).status).to.equal(200);
    }
  });
  after(async () => {
    await daemon?.stop();
  });

  it('DELETE answers the points it deletes, as a query does; the points and annotations in [start, end] are gone from both, the rest of the row only from OpenTSDB', async () => {
    const path = `/api/query?start=${T0 + 900}&end=${T0 + 2100}&m=${encodeURIComponent(`sum:${M}{delhost=a}`)}`;
    const [a, b] = [await get(dsdb, path, 'DELETE'), await get(oracle!, path, 'DELETE')];
    expect(withoutTsuids(a)).to.deep.equal(withoutTsuids(b));
    expect((a.body as Series[]).map((s) => s.dps)).to.deep.equal([{ [T0 + 1000]: 1000, [T0 + 2000]: 2000 }]);
    // divergence 15: OpenTSDB deleted a's whole row T0 (its scan read that row only), its
    // annotations with it; DSDB the two points and the annotation in range
    const oracleExpected = all(['a'], [-100, 3700, 7300]).concat(all(['b'], OFFSETS)).sort();
    expect(await eventually(() => left(oracle!), oracleExpected)).to.deep.equal(oracleExpected);
    expect(await eventually(() => notesLeft(oracle!), ['b 1500'])).to.deep.equal(['b 1500']);
    expect(await left(dsdb)).to.deep.equal(all(['a'], [-100, 100, 3000, 3700, 7300]).concat(all(['b'], OFFSETS)).sort());
    expect(await notesLeft(dsdb)).to.deep.equal(['a 3000', 'b 1500']);
  });

  it('POST "delete": true agrees too (the other series); afterwards the range answers no points on either', async () => {
    const body = { start: T0 + 900, end: T0 + 2100, delete: true, queries: [{ metric: M, aggregator: 'sum', tags: { delhost: 'b' } }] };
    const [a, b] = [await post(dsdb, '/api/query', body), await post(oracle!, '/api/query', body)];
    expect(withoutTsuids(a)).to.deep.equal(withoutTsuids(b));
    expect((a.body as Series[]).map((s) => s.dps)).to.deep.equal([{ [T0 + 1000]: 1000.5, [T0 + 2000]: 2000.5 }]);
    const oracleExpected = all(['a', 'b'], [-100, 3700, 7300]);
    expect(await eventually(() => left(oracle!), oracleExpected)).to.deep.equal(oracleExpected);
    expect(await eventually(() => notesLeft(oracle!), [])).to.deep.equal([]);
    expect(await left(dsdb)).to.deep.equal(all(['a', 'b'], [-100, 100, 3000, 3700, 7300]));
    expect(await notesLeft(dsdb)).to.deep.equal(['a 3000']);
    for (const base of [dsdb, oracle!]) expect((await get(base, `/api/annotation?start_time=${T0 + 1500}`)).status).to.equal(200);
    // the range itself holds no point on either server (OpenTSDB answers no series: its rows
    // are gone; DSDB's series still have points in the hour, so its answer may name them with no dps)
    const range = `/api/query?start=${T0 + 900}&end=${T0 + 2100}&m=${encodeURIComponent(`sum:${M}{delhost=*}`)}`;
    for (const base of [dsdb, oracle!]) {
      const r = await get(base, range);
      expect(r.status).to.equal(200);
      expect((r.body as Series[]).flatMap((s) => Object.keys(s.dps))).to.deep.equal([]);
    }
  });
  it('with a downsample or a rate, the answers agree too, and OpenTSDB still deletes only the row of [start, end]', async () => {
    const offsets = [-3700, -100, 100, 1000, 2000, 3000, 3700, 7300];
    for (const [i, spec] of ['1h-avg:', '30m-avg:', 'rate:'].entries()) {
      const metric = `${M}.ds${i}`;
      const points = offsets.map((o) => ({ metric, timestamp: T0 + o, value: o, tags: { delhost: 'a' } }));
      for (const base of [oracle!, dsdb]) expect((await post(base, '/api/put?sync&details', points)).body).to.include({ success: points.length });
      const path = `/api/query?start=${T0 + 900}&end=${T0 + 2100}&m=${encodeURIComponent(`sum:${spec}${metric}{delhost=a}`)}`;
      const [a, b] = [await get(dsdb, path, 'DELETE'), await get(oracle!, path, 'DELETE')];
      expect(a, spec).to.deep.equal(b);
      const offsetsLeft = async (base: string) => {
        const r = await get(base, `/api/query?start=${T0 - 7200}&end=${T0 + 3 * 3600}&m=${encodeURIComponent(`sum:${metric}{delhost=a}`)}`);
        return Object.keys((r.body as Series[])[0]?.dps ?? {}).map((t) => Number(t) - T0);
      };
      // measured: the scan of a downsampled or rated delete reads no earlier row here
      const oracleExpected = [-3700, -100, 3700, 7300];
      expect(await eventually(() => offsetsLeft(oracle!), oracleExpected), spec).to.deep.equal(oracleExpected);
      expect(await offsetsLeft(dsdb), spec).to.deep.equal([-3700, -100, 100, 3000, 3700, 7300]);
    }
  });
});
