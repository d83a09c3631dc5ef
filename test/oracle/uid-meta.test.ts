/**
 * #21 item 1, differential: /api/uid/assign, /api/uid/uidmeta, /api/uid/tsmeta and
 * /api/uid/rename (and TSUID sub-queries of /api/query) sent to DSDB and to the real
 * OpenTSDB 2.4.1, answers compared (compare.ts). Names carry a per-run prefix (the oracle
 * is shared and keeps its names); before the run DSDB's UID counters are brought level
 * with the oracle's (filler names), so both assign the same UIDs to the same names in the
 * same order. Wall-clock stamps (`created`, `lastReceived`) are compared as "set / unset".
 * Runs when an oracle is up; fails when DSDB_ORACLE_REQUIRED=1 and none answers.
 */
import { expect } from 'chai';
import { diffTrees, parseExact, type Answer } from './compare';
import { oracleOrSkip } from './await-oracle';
import { send, startDsdb, writePoints, type DsdbUnderTest } from './harness';
import type { OracleRequest } from './generate';

const KINDS = ['metric', 'tagk', 'tagv'] as const;

/** Wall-clock stamps as "set" or 0: the two servers stamp at different instants. */
function stampless(tree: unknown): unknown {
  if (Array.isArray(tree)) return tree.map(stampless);
  if (tree && typeof tree === 'object' && !('$n' in tree)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(tree)) {
      const n = v && typeof v === 'object' && '$n' in v ? Number((v as { $n: string }).$n) : undefined;
      out[k] = (k === 'created' || k === 'lastReceived') && n !== undefined && n > 1e9 ? '(time)' : stampless(v);
    }
    return out;
  }
  return tree;
}

function normalize(text: string): unknown {
  const tree = parseExact(text) as Record<string, unknown>;
  if (tree && typeof tree === 'object' && 'error' in tree) {
    const e = tree.error as Record<string, unknown>;
    return { error: { code: e.code, message: e.message } };
  }
  // /api/uid/tsmeta?m= lists series in an order of OpenTSDB's own (not TSUID order, which
  // DSDB answers in): compared as a set, by TSUID (docs/opentsdb-compat.md)
  const tsuidOf = (x: unknown) => String((x as { tsuid?: unknown })?.tsuid ?? '');
  const sorted = Array.isArray(tree) ? [...(tree as unknown[])].sort((x, y) => (tsuidOf(x) < tsuidOf(y) ? -1 : tsuidOf(x) > tsuidOf(y) ? 1 : 0)) : tree;
  return stampless(sorted);
}

export function compareUidAnswers(a: Answer, b: Answer): string | undefined {
  // divergence 10 (docs/opentsdb-compat.md): OpenTSDB's 500s for bad input are DSDB's 400s
  // with the same message
  if (a.status === 400 && b.status === 500) {
    a = { status: 500, text: a.text.replace('"code":400', '"code":500') };
  }
  if (a.status !== b.status) return `status: dsdb ${a.status} vs opentsdb ${b.status} (dsdb ${a.text.slice(0, 300)} | opentsdb ${b.text.slice(0, 300)})`;
  if (a.text.trim() === '' || b.text.trim() === '') return a.text.trim() === b.text.trim() ? undefined : `body: dsdb ${a.text.slice(0, 200)} vs opentsdb ${b.text.slice(0, 200)}`;
  return diffTrees(normalize(a.text), normalize(b.text));
}

const get = (path: string): OracleRequest => ({ kind: 'uid', method: 'GET', path });
const req = (method: string, path: string, body?: unknown): OracleRequest => ({ kind: 'uid', method: method as OracleRequest['method'], path, ...(body !== undefined ? { body } : {}) });

async function json(base: string, r: OracleRequest): Promise<Record<string, Record<string, string>>> {
  return JSON.parse((await send(base, r)).text) as Record<string, Record<string, string>>;
}

/** Assigns filler names on DSDB until its next UID of each kind is the oracle's. */
async function levelCounters(dsdb: string, oracle: string, prefix: string): Promise<void> {
  for (const kind of KINDS) {
    const probe = `${prefix}.level.${kind}`;
    const theirs = parseInt((await json(oracle, get(`/api/uid/assign?${kind}=${probe}`)))[kind]![probe]!, 16);
    for (let i = 1; ; i++) {
      const filler = `${prefix}.fill.${kind}.${i}`;
      const ours = parseInt((await json(dsdb, get(`/api/uid/assign?${kind}=${filler}`)))[kind]![filler]!, 16);
      if (ours >= theirs - 1) break;
      // a big gap is closed in steps of 100 names per request
      const names = Array.from({ length: Math.min(100, theirs - 2 - ours) }, (_, j) => `${filler}.${j}`);
      if (names.length > 0) await send(dsdb, get(`/api/uid/assign?${kind}=${names.join(',')}`));
    }
    const again = (await json(dsdb, get(`/api/uid/assign?${kind}=${probe}`)))[kind]![probe];
    expect(parseInt(again!, 16), `DSDB's ${kind} UIDs levelled with the oracle's`).to.equal(theirs);
  }
}

/** Polls `path` on a server until `ready` holds for its answer (OpenTSDB writes meta asynchronously). */
async function until(base: string, path: string, ready: (a: Answer) => boolean): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    if (ready(await send(base, get(path)))) return;
    await new Promise((r) => setTimeout(r, 300));
  }
  throw new Error(`${base}${path} never became ready`);
}

describe('UID and meta endpoints against OpenTSDB 2.4.1 (oracle) @integration', function () {
  this.timeout(10 * 60_000);
  let oracle: string | undefined;
  let dsdb: DsdbUnderTest | undefined;
  const P = `u${Date.now().toString(36)}`;
  const differences: string[] = [];
  let compared = 0;

  async function both(r: OracleRequest): Promise<[Answer, Answer]> {
    const a = await send(dsdb!.url, r);
    const b = await send(oracle!, r);
    return [a, b];
  }

  /** Counts a comparison of `r`'s answers, DSDB's `a` and the oracle's `b`, and notes how they differ. */
  function record(r: OracleRequest, a: Answer, b: Answer): void {
    compared++;
    const d = compareUidAnswers(a, b);
    if (d) differences.push(`${r.method} ${r.path}${r.body !== undefined ? ` ${JSON.stringify(r.body)}` : ''}\n    ${d}`);
  }

  async function same(r: OracleRequest): Promise<void> {
    const [a, b] = await both(r);
    record(r, a, b);
  }

  /**
   * `same`, but asks the oracle once more when its first answer is one OpenTSDB gave
   * without doing what it says (`oracleMissed` reads the oracle's state to tell). The
   * second answer is compared; a real difference answers the same twice and still fails.
   */
  async function sameUnlessOracleMissed(r: OracleRequest, oracleMissed: (oracleAnswer: Answer) => Promise<boolean>): Promise<void> {
    const [a, first] = await both(r);
    record(r, a, (await oracleMissed(first)) ? await send(oracle!, r) : first);
  }

  before(async function () {
    oracle = await oracleOrSkip(this);
    dsdb = await startDsdb();
    await levelCounters(dsdb.url, oracle, P);
  });

  // each test reports its own differences (one failure must not show again in every later test)
  beforeEach(() => {
    differences.length = 0;
  });

  after(async () => {
    await dsdb?.stop();
  });

  it('assigns UIDs as OpenTSDB does, partial failures included', async () => {
    await same(get(`/api/uid/assign?metric=${P}.cpu,${P}.mem&tagk=${P}.host,${P}.dc`));
    await same(get(`/api/uid/assign?tagv=${P}.web01,${P}.web02,${P}.lga`));
    await same(get(`/api/uid/assign?metric=${P}.cpu,bad%20name,${P}.disk&tagv=${P}.web01`));
    await same(req('POST', '/api/uid/assign', { metric: [`${P}.net`], tagk: [`${P}.host`, `${P}.rack`], tagv: [`${P}.web01`] }));
    await same(get(`/api/uid/assign?metric=${P}.dup,${P}.dup`));
    await same(get('/api/uid/assign'));
    await same(get('/api/uid/assign?metric='));
    await same(req('POST', '/api/uid/assign', {}));
    await same(req('POST', '/api/uid/assign', { metric: 'x' }));
    await same(req('PUT', `/api/uid/assign?metric=${P}.put`));
    expect(differences, differences.join('\n')).to.deep.equal([]);
  });

  it('reads, changes and deletes UID meta as OpenTSDB does', async () => {
    const uid = (await json(dsdb!.url, get(`/api/uid/assign?metric=${P}.meta`))).metric![`${P}.meta`]!;
    await send(oracle!, get(`/api/uid/assign?metric=${P}.meta`));
    await same(get(`/api/uid/uidmeta?uid=${uid}&type=metric`));
    await same(get(`/api/uid/uidmeta?uid=${uid}&type=METRIC`));
    await same(get('/api/uid/uidmeta?uid=FFFFFE&type=metric'));
    await same(get(`/api/uid/uidmeta?uid=${uid}&type=foo`));
    await same(get(`/api/uid/uidmeta?uid=${uid}`));
    await same(get('/api/uid/uidmeta?type=metric'));
    await same(get('/api/uid/uidmeta?uid=zz&type=metric'));
    await same(req('POST', '/api/uid/uidmeta', { uid, type: 'metric', description: 'd1', custom: { a: 'b' } }));
    await same(req('POST', '/api/uid/uidmeta', { uid, type: 'metric', notes: 'n' }));
    await same(req('POST', '/api/uid/uidmeta', { uid, type: 'metric' }));
    await same(req('POST', '/api/uid/uidmeta', { uid, type: 'metric', created: 5 }));
    // `created` as Jackson binds a long (a fraction dropped, text holding an integer, past the
    // range or a boolean a 400), 0 as no change (304), an earlier one kept (UIDMeta.syncMeta)
    for (const created of ['3', '9', '0', '-99999999999999999999', '1e999', 'true', '"x"', '"1.5"', '-5', '1.7', '"12"']) {
      await same(req('POST', '/api/uid/uidmeta', `{"uid":"${uid}","type":"metric","created":${created}}`));
    }
    // a text equal to a new UIDMeta's ("") is no change: 304 alone, and beside a change it
    // leaves the stored text (the setters mark only what differs from the defaults)
    for (const field of ['description', 'displayName', 'notes']) await same(req('POST', '/api/uid/uidmeta', { uid, type: 'metric', [field]: '' }));
    await same(req('POST', '/api/uid/uidmeta', { uid, type: 'metric', description: '', notes: 'n2' }));
    await same(req('POST', `/api/uid/uidmeta?uid=${uid}&type=metric&description=`));
    await same(req('PUT', '/api/uid/uidmeta', { uid, type: 'metric', displayName: 'D' }));
    await same(get(`/api/uid/uidmeta?uid=${uid}&type=metric`));
    await same(req('POST', '/api/uid/uidmeta', { uid: 'FFFFFE', type: 'metric', notes: 'n' }));
    await same(req('POST', '/api/uid/uidmeta', { type: 'metric', notes: 'n' }));
    await same(req('POST', '/api/uid/uidmeta', { uid, notes: 'n' }));
    await same(req('POST', `/api/uid/uidmeta?uid=${uid}&type=metric&description=qs`));
    await same(req('DELETE', `/api/uid/uidmeta?uid=${uid}&type=metric`));
    await same(req('DELETE', '/api/uid/uidmeta'));
    await same(get(`/api/uid/uidmeta?uid=${uid}&type=metric`));
    expect(differences, differences.join('\n')).to.deep.equal([]);
  });

  it('creates TSMeta on first write and answers /api/uid/tsmeta as OpenTSDB does', async () => {
    // one new name per kind per request: OpenTSDB assigns a point's new names concurrently
    await same(get(`/api/uid/assign?metric=${P}.ts&tagk=${P}.k1,${P}.k2&tagv=${P}.a,${P}.b`));
    const t = 1500000000;
    for (const base of [dsdb!.url, oracle!]) {
      await writePoints(base, [{ metric: `${P}.ts`, timestamp: t, value: '1', tags: { [`${P}.k1`]: `${P}.a`, [`${P}.k2`]: `${P}.b` } }]);
      await writePoints(base, [{ metric: `${P}.ts`, timestamp: t, value: '2', tags: { [`${P}.k1`]: `${P}.new` } }]);
      await writePoints(base, [{ metric: `${P}.fresh`, timestamp: t, value: '3', tags: { [`${P}.k1`]: `${P}.a` } }]);
    }
    const ids = await json(dsdb!.url, get(`/api/uid/assign?metric=${P}.ts`));
    const metric = ids.metric_errors![`${P}.ts`]!.slice(-6);
    const names = async (kind: string, name: string) => (await json(dsdb!.url, get(`/api/uid/assign?${kind}=${name}`)))[`${kind}_errors`]![name]!.slice(-6);
    const k1 = await names('tagk', `${P}.k1`);
    const a = await names('tagv', `${P}.a`);
    const fresh = await names('tagv', `${P}.new`);
    const tsuid2 = metric + k1 + fresh;
    for (const base of [dsdb!.url, oracle!]) await until(base, `/api/uid/tsmeta?tsuid=${tsuid2}`, (x) => x.status === 200);
    await same(get(`/api/uid/tsmeta?m=${P}.ts`));
    await same(get(`/api/uid/tsmeta?tsuid=${tsuid2}`));
    await same(get(`/api/uid/tsmeta?m=${encodeURIComponent(`${P}.ts{${P}.k1=${P}.a}`)}`));
    await same(get(`/api/uid/tsmeta?m=${encodeURIComponent(`${P}.ts{${P}.k1=*}`)}`));
    await same(get(`/api/uid/tsmeta?m=${encodeURIComponent(`${P}.ts{${P}.k1=${P}.zzz}`)}`));
    await same(get(`/api/uid/tsmeta?m=${P}.nosuch`));
    await same(get(`/api/uid/tsmeta?m=${P}.fresh`));
    await same(get('/api/uid/tsmeta'));
    await same(get('/api/uid/tsmeta?tsuid=FFFFFE000001000003'));
    await same(get('/api/uid/tsmeta?tsuid=zz'));
    await same(req('POST', '/api/uid/tsmeta', { tsuid: tsuid2, description: 'd', units: 'u', custom: { x: 'y' }, retention: 3, max: 10, min: 1, dataType: 'g' }));
    await same(req('POST', '/api/uid/tsmeta', { tsuid: tsuid2 }));
    await same(req('PUT', '/api/uid/tsmeta', { tsuid: tsuid2, notes: 'n' }));
    // numbers as Jackson binds them: `retention` an int, `created` a long (an earlier one kept:
    // TSMeta.syncMeta), `max` and `min` doubles (Infinity past their range)
    for (const field of ['"retention":1.5', '"retention":"7"', '"retention":"7.5"', '"retention":99999999999999999999999', '"retention":2147483648', '"created":true', '"created":100', '"created":200', '"created":0', '"created":-3', '"created":7', '"min":1e999', '"max":"-1e999"']) {
      await same(req('POST', '/api/uid/tsmeta', `{"tsuid":"${tsuid2}",${field}}`));
    }
    // texts equal to a new TSMeta's ("") and retention 0 are no change (304 alone)
    for (const field of ['"description":""', '"units":""', '"dataType":""', '"displayName":""', '"notes":""', '"retention":0', '"description":"","notes":"n3"']) {
      await same(req('POST', '/api/uid/tsmeta', `{"tsuid":"${tsuid2}",${field}}`));
    }
    await same(get(`/api/uid/tsmeta?tsuid=${tsuid2}`));
    await same(req('POST', '/api/uid/tsmeta', { tsuid: metric + k1 + a + k1 + a, notes: 'n' }));
    await same(req('POST', '/api/uid/tsmeta', { notes: 'n' }));
    await same(req('POST', `/api/uid/tsmeta?tsuid=${tsuid2}&notes=qs`));
    await same(req('POST', `/api/uid/tsmeta?m=${encodeURIComponent(`${P}.ts{${P}.k1=${P}.new}`)}&create=true`));
    await same(req('POST', `/api/uid/tsmeta?m=${encodeURIComponent(`${P}.ts{${P}.k1=${P}.unknown}`)}&create=true`));
    await same(req('POST', `/api/uid/tsmeta?m=${P}.ts&create=true`));
    await same(req('DELETE', `/api/uid/tsmeta?tsuid=${tsuid2}`));
    await same(req('DELETE', '/api/uid/tsmeta'));
    for (const base of [dsdb!.url, oracle!]) await until(base, `/api/uid/tsmeta?tsuid=${tsuid2}`, (x) => x.status === 404);
    await same(get(`/api/uid/tsmeta?tsuid=${tsuid2}`));
    expect(differences, differences.join('\n')).to.deep.equal([]);
  });

  it('takes and gives OpenTSDB TSUIDs in /api/query, /api/query/last and annotations', async () => {
    await same(get(`/api/uid/assign?metric=${P}.q&tagk=${P}.qk&tagv=${P}.x,${P}.y`));
    let now = Math.floor(Date.now() / 1000) - 5;
    // not 80-95 s into an hour: OpenTSDB 2.4.1 fails last-point reads of such a point
    // (its qualifier starts 0x05, read as an append column): divergence 8, opentsdb-compat.md
    if (now % 3600 >= 80 && now % 3600 < 96) now -= 20;
    const points = [
      { metric: `${P}.q`, timestamp: now, value: '1', tags: { [`${P}.qk`]: `${P}.x` } },
      { metric: `${P}.q`, timestamp: now, value: '2', tags: { [`${P}.qk`]: `${P}.y` } },
    ];
    for (const base of [dsdb!.url, oracle!]) {
      await writePoints(base, points);
      await until(base, `/api/query?start=1h-ago&m=sum:${P}.q`, (x) => x.status === 200 && x.text.includes(`"${now}":3`));
    }
    const lookup = JSON.parse((await send(dsdb!.url, get(`/api/search/lookup?m=${P}.q`))).text) as { results: { tsuid: string; tags: Record<string, string> }[] };
    const tx = lookup.results.find((r) => r.tags[`${P}.qk`] === `${P}.x`)!.tsuid;
    const ty = lookup.results.find((r) => r.tags[`${P}.qk`] === `${P}.y`)!.tsuid;
    expect(tx, 'lookup answers the OpenTSDB TSUID').to.match(/^[0-9A-F]{18}$/);
    await same(get(`/api/uid/tsmeta?tsuid=${tx}`));
    await same(get(`/api/query?start=1h-ago&tsuid=sum:${tx}&show_tsuids`));
    await same(get(`/api/query?start=1h-ago&tsuid=sum:${tx},${ty}&show_tsuids`));
    await same(req('POST', '/api/query', { start: '1h-ago', showTSUIDs: true, queries: [{ aggregator: 'sum', tsuids: [tx, ty] }] }));
    await same(req('POST', '/api/query', { start: '1h-ago', showTSUIDs: true, queries: [{ aggregator: 'sum', metric: `${P}.q`, filters: [{ type: 'wildcard', tagk: `${P}.qk`, filter: '*', groupBy: true }] }] }));
    await same(get(`/api/query/last?tsuids=${tx}&back_scan=1`));
    await same(req('POST', '/api/query/last', { queries: [{ tsuids: [ty] }], resolveNames: true, backScan: 1 }));
    await same(get(`/api/query/last?timeseries=${encodeURIComponent(`${P}.q{${P}.qk=${P}.x}`)}&back_scan=1&resolve=true`));
    await same(req('POST', '/api/annotation', { startTime: now, tsuid: tx, description: 'on x' }));
    // DELETE /api/annotation/bulk by body and by query string, its errors, and what is left
    await same(req('POST', '/api/annotation/bulk', [{ startTime: now + 1, tsuid: tx, description: 'b1' }, { startTime: now + 2, tsuid: ty, description: 'b2' }]));
    await same(req('DELETE', '/api/annotation/bulk', { tsuids: [tx], startTime: String(now + 1), endTime: now + 1 }));
    await same(get(`/api/annotation?start_time=${now + 1}&tsuid=${tx}`));
    await same(get(`/api/annotation?start_time=${now}&tsuid=${tx}`));
    // Once in ~15 CI runs OpenTSDB 2.4.1 (HBase 2.6.1) answered totalDeleted 0 here and kept
    // the annotation: its scan (Annotation.deleteRange) came back empty. Not reproduced under
    // load in 12 runs; a second ask is the oracle's real answer, and the GET below checks both.
    const b2Path = `/api/annotation?start_time=${now + 2}&tsuid=${ty}`;
    await sameUnlessOracleMissed(req('DELETE', `/api/annotation/bulk?start_time=${now + 2}&end_time=${now + 2}&tsuids=${ty}`), async (answer) => {
      const deleted = (JSON.parse(answer.text) as { totalDeleted?: number }).totalDeleted;
      return deleted === 0 && (await send(oracle!, get(b2Path))).status === 200;
    });
    await same(get(b2Path));
    await same(req('DELETE', '/api/annotation/bulk', { tsuids: [ty] }));
    await same(req('DELETE', '/api/annotation/bulk', { startTime: '1h-ago' }));
    await same(req('DELETE', `/api/annotation/bulk?tsuids=${ty}`));
    await same(req('DELETE', '/api/annotation/bulk', { tsuids: [ty], startTime: now + 10, endTime: now }));
    await same(get(`/api/query?start=1h-ago&tsuid=sum:${tx}&show_tsuids`));
    // a TSUID that is not hex is refused by every annotation method and by /api/query/last
    // (UniqueId.stringToUid: an odd length padded with a 0, then parseHexBinary)
    for (const bad of ['ZZZ', 'zz', '0G']) {
      await same(req('POST', '/api/annotation', { startTime: now + 30, tsuid: bad, description: 'bad' }));
      await same(req('PUT', '/api/annotation', { startTime: now + 30, tsuid: bad, description: 'bad' }));
      await same(get(`/api/annotation?start_time=${now + 30}&tsuid=${bad}`));
      await same(req('DELETE', `/api/annotation?start_time=${now + 30}&tsuid=${bad}`));
      await same(req('POST', '/api/annotation/bulk', [{ startTime: now + 30, tsuid: bad, description: 'bad' }]));
      await same(req('DELETE', '/api/annotation/bulk', { tsuids: [tx, bad], startTime: now - 100 }));
      // an end before the start too: the first TSUID's failure answers
      await same(req('DELETE', '/api/annotation/bulk', { tsuids: [tx, bad], startTime: now + 30 }));
      await same(req('DELETE', '/api/annotation/bulk', { tsuids: [bad, tx], startTime: now + 30 }));
      await same(req('POST', '/api/query/last', { queries: [{ tsuids: [bad] }] }));
      await same(get(`/api/query/last?tsuids=${tx},${bad}`));
    }
    // an annotation two hours on, where the series has no points: OpenTSDB's scan finds its
    // row all the same, a Span without points whose group answers `metric ""` with the
    // annotation (or joins a group with points); a global one beside it
    const later = now + 7200;
    await same(req('POST', '/api/annotation', { startTime: later, tsuid: tx, description: 'later on x', custom: { k: 'v' } }));
    await same(req('POST', '/api/annotation', { startTime: later + 10, description: 'global later' }));
    const m = (tags: string) => encodeURIComponent(`${P}.q${tags}`);
    for (const params of [`m=sum:${m(`{${P}.qk=*}`)}`, `m=sum:${m('')}`, `m=none:${m('')}`, `m=sum:${m(`{${P}.qk=*}`)}&global_annotations=true`, `m=sum:${m(`{${P}.qk=*}`)}&no_annotations=true`]) {
      // a narrow window: an oracle shared by several runs keeps their global annotations
      await same(get(`/api/query?start=${later - 5}&end=${later + 12}&${params}`));
    }
    // a query from the points to the annotation: x's group holds both
    await same(get(`/api/query?start=${now - 10}&end=${later + 12}&m=sum:${m(`{${P}.qk=*}`)}`));
    await same(get(`/api/query?start=${now - 10}&end=${later + 12}&m=sum:${m(`{${P}.qk=literal_or(${P}.y)}`)}`));
    // an annotation in a row read but not in the range: `"annotations":[]`; a TSUID in lower case
    await same(req('POST', '/api/annotation', { startTime: now - 2, tsuid: ty.toLowerCase(), description: 'y, lower-case' }));
    await same(get(`/api/query?start=${now - 1}&end=${now + 5}&m=sum:${m(`{${P}.qk=*}`)}`));
    await same(get(`/api/query?start=${now - 3}&end=${now + 5}&m=sum:${m(`{${P}.qk=*}`)}`));
    expect(differences, differences.join('\n')).to.deep.equal([]);
  });

  it('renames as OpenTSDB does', async () => {
    await same(get(`/api/uid/assign?metric=${P}.old,${P}.taken`));
    await same(get(`/api/uid/rename?metric=${P}.old&name=${P}.renamed`));
    await same(get(`/api/uid/rename?metric=${P}.renamed&name=${P}.taken`));
    await same(get(`/api/uid/rename?metric=${P}.nosuch&name=${P}.x1`));
    await same(get(`/api/uid/rename?metric=${P}.renamed`));
    await same(get(`/api/uid/rename?name=${P}.x`));
    await same(get(`/api/uid/rename?metric=${P}.renamed&name=bad%20x`));
    await same(req('POST', '/api/uid/rename', { metric: `${P}.renamed`, name: `${P}.again` }));
    await same(req('DELETE', `/api/uid/rename?metric=${P}.again&name=y`));
    await same(get(`/api/uid/assign?metric=${P}.again,${P}.old`));
    await same(get('/api/search/foo'));
    await same(get('/api/search'));
    expect(differences, differences.join('\n')).to.deep.equal([]);
    expect(compared).to.be.greaterThan(60);
  });
});
