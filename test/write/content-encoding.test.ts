/**
 * Request bodies' Content-Encoding: gzip, deflate (zlib-wrapped or raw, as clients send
 * both and Netty's ZLIB_OR_NONE reads both) and br are decoded; any other encoding is a 415
 * in OpenTSDB's error form, where its bytes used to reach the JSON parser ("Unable to parse
 * the given JSON").
 */
import zlib from 'node:zlib';
import { expect } from 'chai';
import { startDaemon, type RunningDaemon } from '../helpers/daemon';

describe('HTTP: request body Content-Encoding', () => {
  let daemon: RunningDaemon;
  before(async () => {
    daemon = await startDaemon({ plugins: ['http', 'put-http', 'query', 'read-api', 'aggregators-opentsdb', 'storage-memory'] });
  });
  after(() => daemon.stop());

  const put = (encoding: string, body: Buffer): Promise<Response> =>
    fetch(`http://127.0.0.1:${daemon.port}/api/put?details`, { method: 'POST', headers: { 'content-encoding': encoding, 'content-type': 'application/json' }, body });

  const encodings: [string, string, (b: Buffer) => Buffer][] = [
    ['gzip', 'gzip', (b) => zlib.gzipSync(b)],
    ['x-gzip', 'x-gzip', (b) => zlib.gzipSync(b)],
    ['deflate (zlib-wrapped)', 'deflate', (b) => zlib.deflateSync(b)],
    ['deflate (raw)', 'deflate', (b) => zlib.deflateRawSync(b)],
    ['br', 'br', (b) => zlib.brotliCompressSync(b)],
    ['BR (any case)', 'BR', (b) => zlib.brotliCompressSync(b)],
    ['identity', 'identity', (b) => b],
  ];
  encodings.forEach(([what, header, encode], i) => {
    it(`stores a body encoded as ${what}`, async () => {
      const body = Buffer.from(JSON.stringify([{ metric: 'enc.m', timestamp: 1_700_000_000 + i, value: i + 1, tags: { enc: String(i) } }]));
      const res = await put(header, encode(body));
      expect(res.status, await res.clone().text()).to.equal(200);
      expect(await res.json()).to.deep.equal({ success: 1, failed: 0, errors: [] });
      const query = await fetch(`http://127.0.0.1:${daemon.port}/api/query?start=1699999999&m=sum:enc.m{enc=${i}}`);
      expect(((await query.json()) as { dps: Record<string, number> }[])[0]!.dps).to.deep.equal({ [String(1_700_000_000 + i)]: i + 1 });
    });
  });

  for (const header of ['zstd', 'gzip, br', 'compress']) {
    it(`refuses a body encoded as ${header} with 415 in OpenTSDB's error form, and closes the connection`, async () => {
      const res = await put(header, Buffer.from('{"metric":"x"}'));
      expect(res.status).to.equal(415);
      expect(res.headers.get('connection')).to.equal('close');
      expect(await res.json()).to.deep.equal({
        error: { code: 415, message: 'Unsupported Content-Encoding', details: `The request body's Content-Encoding [${header}] is not supported: send gzip, deflate, br or identity` },
      });
    });
  }

  it('answers a br body that does not decode with 400, and a request without a body whatever its Content-Encoding', async () => {
    const bad = await put('br', Buffer.from('not brotli'));
    expect(bad.status).to.equal(400);
    expect(((await bad.json()) as { error: { code: number } }).error.code).to.equal(400);
    const version = await fetch(`http://127.0.0.1:${daemon.port}/api/version`, { headers: { 'content-encoding': 'zstd' } });
    expect(version.status).to.equal(200);
  });
});
