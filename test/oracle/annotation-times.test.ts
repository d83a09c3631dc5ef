/**
 * Annotation times against a real OpenTSDB 2.4.1: how /api/annotation and
 * /api/annotation/bulk read `startTime` and `endTime` from a JSON body (Jackson's `long`
 * binding: a fraction truncated, a numeric string taken, a missing or non-positive start
 * refused by each method in its own words) and `start_time`/`end_time` from a query
 * string (DateTime.parseDateTimeString, then truncated to the second: `1h-ago`, dates and
 * milliseconds name a note). Every answer compared whole: status and body (OpenTSDB's 500
 * for bad input is DSDB's 400 with the same message: docs/opentsdb-compat.md, divergence 10).
 *
 * Uses the oracle scripts/test.sh starts (DSDB_ORACLE_DIR); fails without one when
 * DSDB_ORACLE_REQUIRED=1, is skipped otherwise.
 */
import { expect } from 'chai';
import { oracleOrSkip } from './await-oracle';
import { send, startDsdb, type DsdbUnderTest } from './harness';

/** `YYYY/MM/DD-HH:MM:SS` in UTC, an absolute date as OpenTSDB reads it */
function date(seconds: number): string {
  const iso = new Date(seconds * 1000).toISOString();
  return `${iso.slice(0, 10).replace(/-/g, '/')}-${iso.slice(11, 19)}`;
}

describe('annotation times against OpenTSDB 2.4.1 (oracle) @integration', function () {
  this.timeout(10 * 60_000);
  let oracle: string | undefined;
  let dsdb: DsdbUnderTest | undefined;

  before(async function () {
    oracle = await oracleOrSkip(this);
    dsdb = await startDsdb();
  });
  after(async () => {
    await dsdb?.stop();
  });

  it('reads body and query-string times as OpenTSDB does, answer for answer', async () => {
    // a window of this run's own: the oracle is shared, and global notes are keyed by time alone
    const base = 1_400_000_000 + (Math.floor(Date.now() / 1000) % 10_000_000) * 10;
    const post = (body: unknown, method = 'POST', path = '/api/annotation') => ({ kind: 'annotation', method, path, body } as never);
    const get = (path: string, method = 'GET') => ({ kind: 'annotation', method, path } as never);
    const requests = [
      post({ startTime: base + 0.5, description: 'fraction' }),
      post({ startTime: Number(`${base + 1}e0`) * 1, description: 'plain' }),
      post(`{"startTime":${(base + 2) / 1e9}e9,"description":"exponent"}`),
      post({ startTime: String(base + 3), description: 'string' }),
      post({ startTime: base + 4, endTime: -5, description: 'negative end' }),
      post({ startTime: base + 5, endTime: 12.7, description: 'fractional end' }),
      post({ description: 'no start' }),
      post({ startTime: 0, description: 'zero start' }),
      post({ startTime: -5, description: 'negative start' }),
      post({ description: 'no start' }, 'PUT'),
      post({ description: 'no start' }, 'DELETE'),
      get('/api/annotation?start_time=0', 'DELETE'),
      get('/api/annotation?start_time=-1', 'DELETE'),
      get(`/api/annotation?start_time=${base}`),
      get(`/api/annotation?start_time=${(base + 1) * 1000 + 999}`),
      get(`/api/annotation?start_time=${encodeURIComponent(date(base + 3))}`),
      get(`/api/annotation?start_time=${base + 2}&end_time=${base + 100}`),
      get('/api/annotation?start_time=1h-ago'),
      get('/api/annotation?start_time=1h-ago', 'DELETE'),
      get(`/api/annotation?start_time=${base + 4}`, 'DELETE'),
      get(`/api/annotation?start_time=${base + 4}`),
      post([{ startTime: base + 6, description: 'ok' }, { description: 'no start' }], 'POST', '/api/annotation/bulk'),
      post([{ startTime: -3, tsuid: '000001000001000001', description: 'negative' }], 'POST', '/api/annotation/bulk'),
      post([{ startTime: base + 7.9, description: 'bulk fraction' }], 'POST', '/api/annotation/bulk'),
      get(`/api/annotation?start_time=${base + 7}`),
      // a null custom value stays null; an empty string time is Jackson's 0
      post({ startTime: base + 8, description: 'custom null', custom: { a: null, b: 'x', c: 3 } }),
      get(`/api/annotation?start_time=${base + 8}`),
      post({ startTime: base + 9, endTime: '', description: 'empty end' }),
      post({ startTime: '', description: 'empty start' }),
      // a leading `+` (Tags.parseLong): 11 characters, so milliseconds
      get(`/api/annotation?start_time=%2B${base + 8}`),
    ];
    const differences: string[] = [];
    for (const request of requests) {
      const [o, d] = await Promise.all([send(oracle!, request), send(dsdb!.url, request)]);
      // OpenTSDB's 500 for bad input is DSDB's 400 with the same message (divergence 10)
      if (o.status === 500 && d.status === 400 && o.text.replace('"code":500', '"code":400') === d.text) continue;
      if (o.status !== d.status || o.text !== d.text) differences.push(`${JSON.stringify(request)}\n  opentsdb ${o.status} ${o.text}\n  dsdb     ${d.status} ${d.text}`);
    }
    expect(differences, differences.join('\n')).to.deep.equal([]);
  });
});
