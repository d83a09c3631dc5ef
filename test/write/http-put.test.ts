import net from 'node:net';
import os from 'node:os';
import zlib from 'node:zlib';
import { expect } from 'chai';
import { startDaemon, type RunningDaemon } from '../helpers/daemon';
import { readPoints } from '../helpers/read-back';

const T0 = 1346846400;
const point = (over: Record<string, unknown> = {}) => ({ metric: 'sys.cpu.nice', timestamp: T0, value: 18, tags: { host: 'web01' }, ...over });

describe('POST /api/put @integration', () => {
  let daemon: RunningDaemon;
  let url: string;
  before(async () => {
    daemon = await startDaemon({ plugins: ['http', 'telnet', 'storage-memory', 'put-http'] });
    url = `http://127.0.0.1:${daemon.port}/api/put`;
  });
  after(() => daemon.stop());

  const post = (query: string, body: string | Buffer, headers: Record<string, string> = {}) =>
    fetch(url + query, { method: 'POST', body, headers: { 'content-type': 'application/json', ...headers } });

  it('reads bare NaN and Infinity as Jackson does and refuses only those points (OpenTSDB 2.4.1: the same answer)', async () => {
    // Python's json.dumps writes NaN and Infinity bare; the whole body was a 400 before.
    // The real server answered this body with exactly these errors and stored the 5.
    const t = 1700000000;
    const body = `[{"metric":"nanput","timestamp":${t},"value":NaN,"tags":{"h":"a"}},{"metric":"nanput","timestamp":${t + 1},"value":5,"tags":{"h":"a"}},{"metric":"nanput","timestamp":${t + 2},"value":Infinity,"tags":{"h":"a"}},{"metric":"nanput","timestamp":${t + 3},"value":-Infinity,"tags":{"h":"a"}},{"metric":"nanput","timestamp":${t + 4},"value":+Infinity,"tags":{"h":"a"}}]`;
    const res = await post('?details', body);
    expect(res.status).to.equal(400);
    const refused = (value: string, dt: number) => ({ datapoint: { metric: 'nanput', timestamp: t + dt, value, tags: { h: 'a' } }, error: 'Unable to parse value to a number' });
    expect(await res.json()).to.deep.equal({ success: 1, failed: 4, errors: [refused('NaN', 0), refused('Infinity', 2), refused('-Infinity', 3), refused('+Infinity', 4)] });
    expect((await readPoints(daemon, 'nanput')).map((p) => [p.timestamp, p.value])).to.deep.equal([[(t + 1) * 1000, 5n]]);
    // inside a JSON value it would not be JSON: that point alone is refused
    const inJson = await post('?details', `[{"metric":"nanjson","timestamp":${t},"value":{"a":[1,NaN]},"tags":{"h":"a"}},{"metric":"nanjson","timestamp":${t + 1},"value":{"a":1},"tags":{"h":"a"}}]`);
    expect(((await inJson.json()) as { success: number; failed: number }).failed).to.equal(1);
    expect(await readPoints(daemon, 'nanjson')).to.have.length(1);
    // a lower-case `nan` is no token (Jackson: "Unrecognized token 'nan'"): the whole body is a 400
    const lower = await post('', `{"metric":"nanlower","timestamp":${t},"value":nan,"tags":{"h":"a"}}`);
    expect(lower.status).to.equal(400);
    expect(((await lower.json()) as { error: { message: string } }).error.message).to.equal('Unable to parse the given JSON');
  });

  it('answers 204 with an empty body for one point and for an array (H1, H2)', async () => {
    const one = await post('', JSON.stringify(point({ metric: 'h1' })));
    expect(one.status).to.equal(204);
    expect(await one.text()).to.equal('');
    const two = await post('', JSON.stringify([point({ metric: 'h2' }), point({ metric: 'h2', timestamp: T0 + 1 })]));
    expect(two.status).to.equal(204);
    expect(await readPoints(daemon, 'h2')).to.have.length(2);
  });

  it('reads bodies on one parse thread per core beside the storage thread, one or two (parseWorkers by default)', async () => {
    const pool = daemon.kernel.container.resolve('putParsePool');
    expect(pool.size).to.equal(Math.min(2, Math.max(1, os.availableParallelism() - 1)));
    // bodies go to the threads in turn: as many bodies as slots start every thread
    for (let i = 0; i < 4; i++) expect((await post('', JSON.stringify(point({ metric: 'threads', timestamp: T0 + i })))).status).to.equal(204);
    expect(pool.threads()).to.have.length(pool.size);
    expect(await readPoints(daemon, 'threads')).to.have.length(4);
  });

  it('reads the body whatever the Content-Type, a malformed one too, as OpenTSDB does (no 415)', async () => {
    for (const [i, type] of ['foo', '/', 'application/json, text/plain', 'text/plain', 'a/b'].entries()) {
      const res = await post('', JSON.stringify(point({ metric: 'ctype', timestamp: T0 + i })), { 'content-type': type });
      expect(res.status, type).to.equal(204);
    }
    expect(await readPoints(daemon, 'ctype')).to.have.length(5);
  });

  it('answers ?summary with 200 {success, failed} (H3)', async () => {
    const res = await post('?summary', JSON.stringify([point({ metric: 'h3' }), point({ metric: 'h3', timestamp: T0 + 1 })]));
    expect(res.status).to.equal(200);
    expect(await res.json()).to.deep.equal({ success: 2, failed: 0 });
  });

  it('lists each bad point under ?details with OpenTSDB messages and still stores the good ones (H4, H6–H11)', async () => {
    const nineTags = Object.fromEntries(Array.from({ length: 9 }, (_, i) => [`t${i + 1}`, 'a']));
    const cases: [Record<string, unknown>, string][] = [
      [point({ metric: 'h4', tags: {} }), 'Missing tags'],
      [point({ metric: '' }), 'Metric name was empty'],
      [point({ metric: 'h7', timestamp: 0 }), 'Invalid timestamp'],
      [{ metric: 'h7', value: 1, tags: { a: 'b' } }, 'Invalid timestamp'],
      [point({ metric: 'h8', value: '' }), 'Empty value'],
      [point({ metric: 'h9', value: 'NaN' }), 'Unable to parse value to a number'],
      [point({ metric: 'h9', value: true }), 'Unable to parse value to a number'], // OpenTSDB reads the text "true" (measured)
      [point({ metric: 'sys cpu' }), 'Invalid metric name ("sys cpu"): illegal character:  '],
      [point({ metric: 'h11', tags: nineTags }), 'Too many tags: 9 maximum allowed: 8…'],
      [point({ metric: 'h11', value: 1e400 === Infinity ? '1e400' : 0 }), 'value is NaN or Infinite: Infinity for metric=h11 timestamp=1346846400'],
      [point({ metric: 'h11', timestamp: 99999999999999 }), 'bad timestamp=99999999999999 when trying to add value=…'],
      [point({ metric: 'h11', tags: { 'ho$t': 'a' } }), 'Invalid tag name with value [a] ("ho$t"): illegal character: $'],
      [point({ metric: 'h11', tags: { host: 'a,b' } }), 'Invalid tag value with key [host] ("a,b"): illegal character: ,'],
    ];
    const body = JSON.stringify([point({ metric: 'h4.good' }), ...cases.map(([p]) => p), point({ metric: 'h4.good', timestamp: T0 + 1 })]);
    const res = await post('?details', body);
    expect(res.status).to.equal(400);
    const json = (await res.json()) as { success: number; failed: number; errors: { datapoint: { value: unknown }; error: string }[] };
    expect(json.success).to.equal(2);
    expect(json.failed).to.equal(cases.length);
    cases.forEach(([, expected], i) => {
      const error = json.errors[i]!.error;
      if (expected.endsWith('…')) expect(error.startsWith(expected.slice(0, -1)), error).to.equal(true);
      else expect(error).to.equal(expected);
    });
    expect(json.errors[0]!.datapoint).to.deep.equal({ metric: 'h4', timestamp: T0, value: '18', tags: {} }); // value echoed as a string
    expect(await readPoints(daemon, 'h4.good')).to.have.length(2);
    for (const metric of ['h4', 'h7', 'h8', 'h9', 'h11']) expect(await readPoints(daemon, metric)).to.deep.equal([]);
  });

  it('refuses names holding NUL even after a series whose names joined with NUL read the same (not stored into it)', async () => {
    // the request's series key joins names with NUL: {a:"b\0c\0d"} must not be {a:"b",c:"d"}
    const body = JSON.stringify([
      point({ metric: 'r.nul', timestamp: T0, value: 1, tags: { a: 'b', c: 'd' } }),
      point({ metric: 'r.nul', timestamp: T0 + 1, value: 2, tags: { a: 'b\u0000c\u0000d' } }),
      point({ metric: 'r.nul\u0000a\u0000b', timestamp: T0 + 2, value: 3, tags: { c: 'd' } }),
    ]);
    const res = await post('?details', body);
    const json = (await res.json()) as { success: number; failed: number; errors: { error: string }[] };
    expect(json.success).to.equal(1);
    expect(json.errors.map((e) => e.error)).to.deep.equal([
      'Invalid tag value with key [a] ("b\u0000c\u0000d"): illegal character: \u0000',
      'Invalid metric name ("r.nul\u0000a\u0000b"): illegal character: \u0000',
    ]);
    expect((await readPoints(daemon, 'r.nul')).map((p) => p.timestamp)).to.deep.equal([T0 * 1000]);
  });

  it('answers a partly bad batch without flags with 400 "One or more data points had errors", keeping the good point (H5)', async () => {
    const res = await post('', JSON.stringify([point({ metric: 'h5' }), point({ metric: 'h5', tags: {} })]));
    expect(res.status).to.equal(400);
    expect(await res.json()).to.deep.equal({
      error: { code: 400, message: 'One or more data points had errors', details: 'Please see the TSD logs or append "details" to the put request' },
    });
    expect(await readPoints(daemon, 'h5')).to.have.length(1);
  });

  it('answers body-level errors with their messages and stores nothing (H12–H15, null point)', async () => {
    const cases: [string, string][] = [
      ['[]', 'No datapoints found in content'],
      ['"x"', 'The JSON must start as an object or an array'],
      ['{"metric":', 'Unable to parse the given JSON'],
      ['', 'Missing request content'],
    ];
    for (const [body, message] of cases) {
      const res = await post('', body);
      expect(res.status, body).to.equal(400);
      expect(((await res.json()) as { error: { message: string } }).error.message).to.equal(message);
    }
    const nul = await post('?details', JSON.stringify([null, point({ metric: 'hnull' })]));
    expect(nul.status).to.equal(400);
    // echoed as null, as OpenTSDB 2.4.1 does (measured)
    expect(((await nul.json()) as { errors: unknown[] }).errors[0]).to.deep.equal({ datapoint: null, error: 'Unexpected null datapoint encountered in set.' });
    expect(await readPoints(daemon, 'hnull')).to.have.length(1);
    // an empty-string timestamp is Jackson's 0: refused, echoed as 0
    const empty = await post('?details', JSON.stringify([point({ metric: 'hempty', timestamp: '' })]));
    const emptyError = ((await empty.json()) as { errors: { datapoint: { timestamp: unknown }; error: string }[] }).errors[0]!;
    expect([emptyError.error, emptyError.datapoint.timestamp]).to.deep.equal(['Invalid timestamp', 0]);
  });

  it('answers and stores a request followed by bad bytes in the same packet, then closes without a word about them, as OpenTSDB', async () => {
    const body = JSON.stringify([point({ metric: 'hjunk' })]);
    const request = `POST /api/put?details HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}xyz\n`;
    const socket = net.connect(daemon.port, '127.0.0.1');
    let reply = '';
    socket.on('data', (d) => (reply += d.toString('latin1')));
    const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
    socket.write(request);
    await closed;
    expect(reply).to.match(/^HTTP\/1\.1 200 OK\r\n/);
    expect(reply.split('HTTP/1.1').length - 1, 'one answer').to.equal(1);
    expect(reply.endsWith('{"success":1,"failed":0,"errors":[]}')).to.equal(true);
    expect(await readPoints(daemon, 'hjunk')).to.have.length(1);
  });

  it('writes requests pipelined on one connection in the order they came (a long body, then a short one read sooner on the other parse worker)', async () => {
    const request = (body: string): string => `POST /api/put HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
    for (let round = 0; round < 3; round++) {
      const metric = `pipelined.${round}`;
      const filler = Array.from({ length: 20_000 }, (_, i) => point({ metric: `${metric}.filler`, timestamp: T0 + i, tags: { host: `h${i % 50}` } }));
      // the short one is read sooner (on the other parse worker)
      const bodies = [JSON.stringify([...filler, point({ metric, value: 1 })]), JSON.stringify([point({ metric, value: 2 }), point({ metric, timestamp: T0 + 1, value: 4 })])];
      const socket = net.connect(daemon.port, '127.0.0.1');
      let answers = '';
      socket.on('data', (chunk: Buffer) => (answers += chunk.toString('latin1')));
      await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
      socket.write(bodies.map(request).join('')); // both before any answer
      const deadline = Date.now() + 20_000;
      while ((answers.match(/^HTTP\/1\.1 /gm) ?? []).length < 2 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
      socket.destroy();
      expect(answers.match(/^HTTP\/1\.1 \d+/gm), 'both answers').to.deep.equal(['HTTP/1.1 204', 'HTTP/1.1 204']);
      // last write wins in request order: 1, then 2
      expect((await readPoints(daemon, metric)).map((p) => [p.timestamp / 1000, Number(p.value)]), `round ${round}`).to.deep.equal([
        [T0, 2],
        [T0 + 1, 4],
      ]);
    }
  });

  it('answers GET with 405 (H16)', async () => {
    const res = await fetch(url);
    expect(res.status).to.equal(405);
  });

  it('stores millisecond timestamps (H17) and gzip bodies (H18)', async () => {
    const ms = await post('?details', JSON.stringify(point({ metric: 'h17', timestamp: 1346846400123 })));
    expect(ms.status).to.equal(200);
    expect((await readPoints(daemon, 'h17'))[0]!.timestamp).to.equal(1346846400123);
    const gz = await post('', zlib.gzipSync(JSON.stringify(point({ metric: 'h18' }))), { 'content-encoding': 'gzip' });
    expect(gz.status).to.equal(204);
    expect(await readPoints(daemon, 'h18')).to.have.length(1);
  });

  it('?sync waits for storage and reports timeouts:0 with sync_timeout', async () => {
    const res = await post('?sync&summary&sync_timeout=5000', JSON.stringify(point({ metric: 'hsync' })));
    expect(res.status).to.equal(200);
    expect(await res.json()).to.deep.equal({ success: 1, failed: 0, timeouts: 0 });
    // OpenTSDB's GroupCB adds timeouts whenever sync_timeout is given, sync or not (measured)
    const unsynced = await post('?summary&sync_timeout=1000', JSON.stringify(point({ metric: 'hnosync' })));
    expect(await unsynced.json()).to.deep.equal({ success: 1, failed: 0, timeouts: 0 });
    expect(await readPoints(daemon, 'hsync')).to.have.length(1);
  });

  it('round-trips every value kind exactly: int64 extremes, floats, strings, nested JSON; s and ms', async () => {
    // Written as raw JSON text: JSON.stringify cannot carry 9223372036854775807.
    const body = `[
      {"metric":"rt.http","timestamp":1356998400,"value":9223372036854775807,"tags":{"k":"int"}},
      {"metric":"rt.http","timestamp":1356998401,"value":-9223372036854775808,"tags":{"k":"int"}},
      {"metric":"rt.http","timestamp":1356998402,"value":9007199254740993,"tags":{"k":"int"}},
      {"metric":"rt.http","timestamp":1356998400,"value":42.0,"tags":{"k":"float"}},
      {"metric":"rt.http","timestamp":1356998401500,"value":-1.5e-7,"tags":{"k":"float"}},
      {"metric":"rt.http","timestamp":1356998400,"value":"\\"quoted \\\\\\"x\\\\\\" and spaces ✓\\"","tags":{"k":"string"}},
      {"metric":"rt.http","timestamp":1356998400,"value":{"b":[1,{"c":null}],"a":{"deep":9223372036854775807}},"tags":{"k":"json"}},
      {"metric":"rt.http","timestamp":1356998401,"value":"{\\"y\\": 1, \\"x\\": \\"two words\\"}","tags":{"k":"json"}}
    ]`;
    const res = await post('?details', body);
    expect(res.status, await res.clone().text()).to.equal(200);
    const rows = (await readPoints(daemon, 'rt.http')).map((p) => [p.tags.k, p.timestamp, p.kind, p.value]);
    expect(rows).to.deep.include.members([
      ['int', 1356998400000, 'int', 9223372036854775807n],
      ['int', 1356998401000, 'int', -9223372036854775808n],
      ['int', 1356998402000, 'int', 9007199254740993n],
      ['float', 1356998400000, 'float', 42],
      ['float', 1356998401500, 'float', -1.5e-7],
      ['string', 1356998400000, 'string', 'quoted "x" and spaces ✓'],
      ['json', 1356998400000, 'json', '{"a":{"deep":9223372036854775807},"b":[1,{"c":null}]}'],
      ['json', 1356998401000, 'json', '{"x":"two words","y":1}'],
    ]);
  });
});
