/**
 * #20 (2): a plain string over /api/put is a string value; strings OpenTSDB reads as numbers
 * stay numbers; `"\"42\""` stores the string 42; arrays and booleans name the accepted forms.
 */
import { expect } from 'chai';
import { exchange } from '../helpers/clients';
import { startDaemon, type RunningDaemon } from '../helpers/daemon';
import { readPoints } from '../helpers/read-back';

const T0 = 1700000000;

describe('/api/put string values (#20)', () => {
  let d: RunningDaemon;
  let base: string;
  before(async () => {
    d = await startDaemon({ plugins: ['http', 'telnet', 'put-telnet', 'storage-memory', 'put-http', 'aggregators-opentsdb', 'aggregators-discrete', 'query', 'read-api'] });
    base = `http://127.0.0.1:${d.port}`;
  });
  after(() => d.stop());

  const put = (points: unknown) => fetch(`${base}/api/put?details`, { method: 'POST', body: JSON.stringify(points) });
  const point = (metric: string, value: unknown, ts = T0) => ({ metric, timestamp: ts, value, tags: { host: 'a' } });

  it('stores a plain string as a string and reads it back as one through /api/query', async () => {
    const res = await put([point('app.status', 'deploy started'), point('app.status', 'done: v1.2 "ok"', T0 + 1), point('app.status', '12abc', T0 + 2)]);
    expect(await res.json()).to.deep.equal({ success: 3, failed: 0, errors: [] });
    const stored = await readPoints(d, 'app.status');
    expect(stored.map((p) => [p.kind, p.value])).to.deep.equal([
      ['string', 'deploy started'],
      ['string', 'done: v1.2 "ok"'],
      ['string', '12abc'],
    ]);
    const q = (await (await fetch(`${base}/api/query?start=${T0 - 1}&end=${T0 + 10}&m=last:app.status`)).json()) as { dps: Record<string, unknown> }[];
    expect(q[0]!.dps).to.deep.equal({ [T0]: 'deploy started', [T0 + 1]: 'done: v1.2 "ok"', [T0 + 2]: '12abc' });
  });

  it('keeps OpenTSDB numbers-as-strings numbers ("42", "1.5e3", "-7"), and "\\"42\\"" a string', async () => {
    const res = await put([point('app.n', '42'), point('app.n', '1.5e3', T0 + 1), point('app.n', '-7', T0 + 2), point('app.s', '"42"'), point('app.j', '{"a":1}')]);
    expect(await res.json()).to.deep.equal({ success: 5, failed: 0, errors: [] });
    expect((await readPoints(d, 'app.n')).map((p) => [p.kind, p.value])).to.deep.equal([
      ['int', 42n],
      ['float', 1500],
      ['int', -7n],
    ]);
    expect((await readPoints(d, 'app.s')).map((p) => [p.kind, p.value])).to.deep.equal([['string', '42']]);
    expect((await readPoints(d, 'app.j')).map((p) => [p.kind, p.value])).to.deep.equal([['json', '{"a":1}']]);
    const q = (await (await fetch(`${base}/api/query?start=${T0 - 1}&end=${T0 + 10}&m=sum:app.n`)).json()) as { dps: Record<string, unknown> }[];
    expect(q[0]!.dps[T0]).to.equal(42);
  });

  it('refuses an integer past int64 sent as a string, as OpenTSDB does (not a string value)', async () => {
    const res = await put([point('app.big', '9223372036854775808'), point('app.big', '-9223372036854775809', T0 + 1), point('app.big', '9223372036854775807', T0 + 2)]);
    const json = (await res.json()) as { success: number; failed: number; errors: { error: string }[] };
    expect(json.success).to.equal(1);
    expect(json.errors.map((e) => e.error)).to.deep.equal(['Unable to parse value to a number', 'Unable to parse value to a number']);
    expect((await readPoints(d, 'app.big')).map((p) => [p.kind, p.value])).to.deep.equal([['int', 9223372036854775807n]]);
  });

  it('refuses a string with a lone surrogate (\\ud800 alone: no UTF-8 holds it, it would come back as U+FFFD), over /api/put and telnet; keeps a pair', async () => {
    const body = `[${JSON.stringify(point('app.sur', 'ok \u{1F600}'))},{"metric":"app.sur","timestamp":${T0 + 1},"value":"\\ud800x","tags":{"host":"a"}}]`;
    const res = await put(JSON.parse(body));
    const json = (await res.json()) as { success: number; failed: number; errors: { error: string }[] };
    expect(json.success).to.equal(1);
    expect(json.failed).to.equal(1);
    expect(json.errors[0]!.error).to.match(/lone surrogate \\ud800 at character 0/);
    const telnet = await exchange(d.port, [`put app.sur ${T0 + 2} "\\udc00 tail" host=a\nput app.sur ${T0 + 3} "pair \\ud83d\\ude00" host=a\n`]);
    expect(telnet.data).to.match(/^put: invalid value: Invalid string value \(a lone surrogate \\udc00 at character 0 is not Unicode text\)/);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect((await readPoints(d, 'app.sur')).map((p) => [p.timestamp / 1000, p.value])).to.deep.equal([
      [T0, 'ok \u{1F600}'],
      [T0 + 3, 'pair \u{1F600}'],
    ]);
  });

  it('refuses a telnet string value whose bytes are not UTF-8 (they would be stored as U+FFFD); takes UTF-8, U+FFFD itself included', async () => {
    const lines = Buffer.concat([
      Buffer.from(`put app.utf ${T0} "a`),
      Buffer.from([0xff]),
      Buffer.from(`b" host=a\nput app.utf ${T0 + 1} "caf\u00e9 \ufffd" host=a\nput app.utf ${T0 + 2} {"k":"`),
      Buffer.from([0xc3]),
      Buffer.from(`"} host=a\n`),
    ]);
    const telnet = await exchange(d.port, [lines]);
    const errors = telnet.data.split('\n').filter(Boolean);
    expect(errors).to.have.length(2);
    expect(errors[0]).to.match(/^put: invalid value: Invalid string value \(not UTF-8\): "a\ufffdb"$/);
    expect(errors[1]).to.match(/^put: invalid value: Invalid JSON value \(not UTF-8\)/);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect((await readPoints(d, 'app.utf')).map((p) => [p.timestamp / 1000, p.value])).to.deep.equal([[T0 + 1, 'caf\u00e9 \ufffd']]);
  });

  it('refuses an /api/put body that is not UTF-8 as JSON it cannot parse, as OpenTSDB (Jackson) does', async () => {
    const body = Buffer.concat([Buffer.from(`[{"metric":"app.badutf","timestamp":${T0},"value":"a`), Buffer.from([0xff]), Buffer.from(`b","tags":{"host":"a"}}]`)]);
    const res = await fetch(`${base}/api/put?details`, { method: 'POST', body });
    expect(res.status).to.equal(400);
    expect(((await res.json()) as { error: { message: string; details: string } }).error).to.include({ message: 'Unable to parse the given JSON', details: 'the body is not UTF-8' });
    const fine = await put([point('app.badutf', 'a\ufffdb')]);
    expect(await fine.json()).to.deep.equal({ success: 1, failed: 0, errors: [] });
  });

  it('refuses arrays with a message naming the accepted forms, and booleans and NaN as OpenTSDB does', async () => {
    const res = await put([point('app.bad', [1, 2]), point('app.bad', true), point('app.bad', 'NaN'), point('app.bad', '')]);
    expect(res.status).to.equal(400);
    const body = (await res.json()) as { failed: number; errors: { error: string }[] };
    expect(body.failed).to.equal(4);
    expect(body.errors[0]!.error).to.match(/a number .*a string .*a JSON object.*not an array$/);
    // OpenTSDB 2.4.1 (measured): `"value":true` is read as the text "true", no number
    expect(body.errors[1]!.error).to.equal('Unable to parse value to a number');
    expect((body.errors[1] as unknown as { datapoint: { value: unknown } }).datapoint.value).to.equal('true');
    expect(body.errors[2]!.error).to.equal('Unable to parse value to a number');
    expect(body.errors[3]!.error).to.equal('Empty value');
    expect(await readPoints(d, 'app.bad')).to.deep.equal([]);
  });
});
