import { expect } from 'chai';
import { startDaemon, type RunningDaemon } from '../helpers/daemon';
import { encodeRequest, frame, PREAMBLE, sendFrames } from '../helpers/protobuf-client';
import { readPoints } from '../helpers/read-back';

/** Every value kind, as protobufjs objects (int64 as decimal strings, so they stay exact). */
function allKinds(metric: string) {
  return [
    { metric, timestamp: 1356998400, tags: { k: 'int' }, intValue: '9223372036854775807' },
    { metric, timestamp: 1356998401, tags: { k: 'int' }, intValue: '-9223372036854775808' },
    { metric, timestamp: 1356998402, tags: { k: 'int' }, intValue: '9007199254740993' },
    { metric, timestamp: 1356998400, tags: { k: 'float' }, doubleValue: 0.1 },
    { metric, timestamp: 1356998400250, tags: { k: 'float' }, doubleValue: -1.5e300 },
    { metric, timestamp: 1356998400, tags: { k: 'string' }, stringValue: 'spaces, "quotes" and ünïcode ✓' },
    { metric, timestamp: 1356998400, tags: { k: 'json' }, jsonValue: '{"b": {"c": [1, "x y"]}, "a": 9223372036854775807}' },
  ];
}

const EXPECTED = [
  ['int', 1356998400000, 'int', 9223372036854775807n],
  ['int', 1356998401000, 'int', -9223372036854775808n],
  ['int', 1356998402000, 'int', 9007199254740993n],
  ['float', 1356998400000, 'float', 0.1],
  ['float', 1356998400250, 'float', -1.5e300],
  ['string', 1356998400000, 'string', 'spaces, "quotes" and ünïcode ✓'],
  ['json', 1356998400000, 'json', '{"a":9223372036854775807,"b":{"c":[1,"x y"]}}'],
];

describe('protobuf writes @integration', () => {
  let daemon: RunningDaemon;
  before(async () => {
    daemon = await startDaemon({ plugins: ['http', 'telnet', 'storage-memory', 'put-http', 'protobuf'] });
  });
  after(() => daemon.stop());

  const rows = async (metric: string) => (await readPoints(daemon, metric)).map((p) => [p.tags.k, p.timestamp, p.kind, p.value]);

  it('round-trips every value kind over POST /api/put with application/x-protobuf', async () => {
    const res = await fetch(`http://127.0.0.1:${daemon.port}/api/put?summary`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-protobuf' },
      body: encodeRequest({ points: allKinds('pb.http') }),
    });
    expect(res.status).to.equal(200);
    expect(await res.json()).to.deep.equal({ success: 7, failed: 0 });
    expect(await rows('pb.http')).to.have.deep.members(EXPECTED);
    // read on a parse worker (PutFormat.workerReader): this daemon's only worker jobs are these bodies
    expect(daemon.kernel.container.resolve('putParsePool').threads().length).to.be.greaterThan(0);
  });

  it("lists bad protobuf points under ?details with OpenTSDB's messages over HTTP", async () => {
    const res = await fetch(`http://127.0.0.1:${daemon.port}/api/put?details`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-protobuf' },
      body: encodeRequest({ points: [{ metric: 'pb.bad', timestamp: 1356998400, tags: {}, intValue: 1 }, { metric: 'pb.ok', timestamp: 1356998400, tags: { a: 'b' }, intValue: 1 }] }),
    });
    expect(res.status).to.equal(400);
    const body = (await res.json()) as { success: number; failed: number; errors: { error: string }[] };
    expect(body.success).to.equal(1);
    expect(body.errors.map((e) => e.error)).to.deep.equal(['Missing tags']);
    const garbage = await fetch(`http://127.0.0.1:${daemon.port}/api/put`, { method: 'POST', headers: { 'content-type': 'application/x-protobuf' }, body: Buffer.from([0xff, 0xff, 0xff]) });
    expect(garbage.status).to.equal(400);
  });

  it('round-trips every value kind over raw TCP, with the preamble and frames split byte by byte', async () => {
    const bytes = Buffer.concat([PREAMBLE, frame(encodeRequest({ id: 7, points: allKinds('pb.tcp') }))]);
    const chunks = [...bytes].map((b) => Buffer.from([b]));
    const { acks, closed } = await sendFrames(daemon.port, chunks, 1);
    expect(closed).to.equal(false);
    expect(acks).to.deep.equal([{ id: '7', written: 7, failed: 0, errors: [], error: '' }]);
    expect(await rows('pb.tcp')).to.have.deep.members(EXPECTED);
  });

  it('acks each pipelined frame in order with point errors, survives an undecodable frame, honours sync', async () => {
    const frames = [
      frame(encodeRequest({ id: 1, points: [{ metric: 'pb.pipe', timestamp: 1356998400, tags: { a: 'b' }, intValue: 1 }] })),
      frame(Buffer.from([0xff, 0xff, 0xff])),
      frame(
        encodeRequest({
          id: 3,
          sync: true,
          points: [
            { metric: 'sys:cpu', timestamp: 1356998400, tags: { a: 'b' }, intValue: 1 },
            { metric: 'pb.pipe', timestamp: 1356998401, tags: { a: 'b' }, doubleValue: Infinity },
            { metric: 'pb.pipe', timestamp: 1356998402, tags: { a: 'b' }, jsonValue: '[1]' },
            { metric: 'pb.pipe', timestamp: 1356998403, tags: { a: 'b' }, intValue: 3 },
          ],
        }),
      ),
    ];
    const { acks } = await sendFrames(daemon.port, [Buffer.concat([PREAMBLE, ...frames])], 3);
    expect(acks[0]).to.deep.equal({ id: '1', written: 1, failed: 0, errors: [], error: '' });
    expect(acks[1]!.error).to.match(/^invalid WriteRequest: /);
    expect(acks[2]).to.deep.include({ id: '3', written: 1, failed: 3 });
    expect(acks[2]!.errors).to.deep.equal([
      { index: 0, message: 'Invalid metric name ("sys:cpu"): illegal character: :' },
      { index: 1, message: 'value is NaN or Infinite: Infinity for metric=pb.pipe timestamp=1356998401' },
      { index: 2, message: 'Invalid JSON value: not an object: [1]' },
    ]);
    expect((await readPoints(daemon, 'pb.pipe')).map((p) => p.value)).to.deep.equal([1n, 3n]);
  });

  it('answers a frame over the size limit with an error ack and closes', async () => {
    const header = Buffer.alloc(4);
    header.writeUInt32BE(0x7fffffff, 0);
    // Asks for 2 acks: only 1 comes, so this returns when the server closes.
    const { acks, closed } = await sendFrames(daemon.port, [Buffer.concat([PREAMBLE, header])], 2);
    expect(acks).to.have.length(1);
    expect(acks[0]!.error).to.match(/exceeds the limit/);
    expect(closed).to.equal(true);
  });
});
