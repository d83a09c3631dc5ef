import { expect } from 'chai';
import { canonicalJson, isJsonObject, JsonNumber, parseExactJson, type ExactJson } from '../../lib/opentsdb';
import { exchange } from '../helpers/clients';
import { startDaemon, type RunningDaemon } from '../helpers/daemon';
import { encodeRequest, frame, PREAMBLE, sendFrames } from '../helpers/protobuf-client';

/** One point per value kind: tag k, timestamp as sent, the value per transport, and /api/query's dps entry (ms → canonical JSON). */
const STRING = 'spaces, "quotes", back\\slash and ünïcode ✓';
const JSON_VALUE = '{"z":{"deep":[1,{"x":null}]},"a":9223372036854775807}';
const CASES = [
  { k: 'int.max', ts: 1356998400, telnet: '9223372036854775807', json: '9223372036854775807', pb: { intValue: '9223372036854775807' }, dps: ['1356998400000', '9223372036854775807'] },
  { k: 'int.min', ts: 1356998400, telnet: '-9223372036854775808', json: '-9223372036854775808', pb: { intValue: '-9223372036854775808' }, dps: ['1356998400000', '-9223372036854775808'] },
  { k: 'int.2p53', ts: 1356998400, telnet: '9007199254740993', json: '9007199254740993', pb: { intValue: '9007199254740993' }, dps: ['1356998400000', '9007199254740993'] },
  { k: 'float', ts: 1356998400, telnet: '0.1', json: '0.1', pb: { doubleValue: 0.1 }, dps: ['1356998400000', '0.1'] },
  { k: 'float.ms', ts: 1356998400250, telnet: '-1.5e300', json: '-1.5e300', pb: { doubleValue: -1.5e300 }, dps: ['1356998400250', '-1.5e+300'] },
  { k: 'string', ts: 1356998400123, telnet: JSON.stringify(STRING), json: JSON.stringify(JSON.stringify(STRING)), pb: { stringValue: STRING }, dps: ['1356998400123', JSON.stringify(STRING)] },
  { k: 'json', ts: 1356998400, telnet: JSON_VALUE, json: JSON_VALUE, pb: { jsonValue: JSON_VALUE }, dps: ['1356998400000', '{"a":9223372036854775807,"z":{"deep":[1,{"x":null}]}}'] },
];

describe('round trip through /api/query, every value kind over every transport @integration', () => {
  let daemon: RunningDaemon;
  before(async () => {
    daemon = await startDaemon({ plugins: ['http', 'telnet', 'storage-memory', 'put-telnet', 'put-http', 'protobuf', 'aggregators-opentsdb', 'aggregators-discrete', 'query'] });
  });
  after(() => daemon.stop());

  /** /api/query (aggregator none, one result per series), dps as canonical JSON text per k, read exactly. */
  async function query(metric: string): Promise<Record<string, [string, string][]>> {
    const res = await fetch(`http://127.0.0.1:${daemon.port}/api/query`, {
      method: 'POST',
      body: JSON.stringify({ start: 1356998300, end: 1356998500, msResolution: true, queries: [{ aggregator: 'none', metric, tags: { k: '*' } }] }),
    });
    const text = await res.text();
    expect(res.status, text).to.equal(200);
    const out: Record<string, [string, string][]> = {};
    for (const result of parseExactJson(text) as ExactJson[]) {
      if (!isJsonObject(result)) throw new Error('not an object');
      const k = (result.tags as Record<string, string>).k!;
      // floats compared by value (the query side may print -1.5E300), integers by exact text
      const text = (v: ExactJson) => (v instanceof JsonNumber && /[.eE]/.test(v.text) ? String(Number(v.text)) : canonicalJson(v));
      out[k] = Object.entries(result.dps as Record<string, ExactJson>).map(([ts, v]) => [ts, text(v)]);
    }
    return out;
  }

  const expected = () => Object.fromEntries(CASES.map((c) => [c.k, [c.dps]]));

  it('telnet put', async () => {
    const lines = CASES.map((c) => `put e2e.telnet ${c.ts} ${c.telnet} k=${c.k}\n`).join('');
    expect((await exchange(daemon.port, [lines])).data).to.equal('');
    expect(await query('e2e.telnet')).to.deep.equal(expected());
  });

  it('POST /api/put (JSON)', async () => {
    const body = '[' + CASES.map((c) => `{"metric":"e2e.http","timestamp":${c.ts},"value":${c.json},"tags":{"k":"${c.k}"}}`).join(',') + ']';
    const res = await fetch(`http://127.0.0.1:${daemon.port}/api/put?details`, { method: 'POST', body });
    expect(res.status, await res.clone().text()).to.equal(200);
    expect(await query('e2e.http')).to.deep.equal(expected());
  });

  const request = (metric: string) => encodeRequest({ id: 1, points: CASES.map((c) => ({ metric, timestamp: c.ts, tags: { k: c.k }, ...c.pb })) });

  it('POST /api/put (application/x-protobuf)', async () => {
    const res = await fetch(`http://127.0.0.1:${daemon.port}/api/put`, { method: 'POST', body: request('e2e.pbhttp'), headers: { 'content-type': 'application/x-protobuf' } });
    expect(res.status).to.equal(204);
    expect(await query('e2e.pbhttp')).to.deep.equal(expected());
  });

  it('raw TCP protobuf', async () => {
    const { acks } = await sendFrames(daemon.port, [Buffer.concat([PREAMBLE, frame(request('e2e.pbtcp'))])], 1);
    expect(acks[0]).to.deep.include({ written: CASES.length, failed: 0 });
    expect(await query('e2e.pbtcp')).to.deep.equal(expected());
  });
});
