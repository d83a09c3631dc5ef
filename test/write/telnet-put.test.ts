import { expect } from 'chai';
import { bytewise, exchange } from '../helpers/clients';
import { startDaemon, type RunningDaemon } from '../helpers/daemon';
import { readPoints } from '../helpers/read-back';

const PLUGINS = ['http', 'telnet', 'storage-memory', 'put-telnet'];

/** OpenTSDB's put error vectors (opentsdb.md §6.1): line → exact reply, or a prefix when it ends with `…`. */
const ERROR_VECTORS: [string, string, string][] = [
  ['T4', 'put', 'put: illegal argument: not enough arguments (need least 4, got 0)'],
  ['T4b', 'put ', 'put: illegal argument: not enough arguments (need least 4, got 1)'],
  ['T5', 'put sys.cpu.user 1356998400 42', 'put: illegal argument: not enough arguments (need least 4, got 3)'],
  ['T6', 'put metric.foo notatime 42 host=web01', "put: invalid value: Invalid character 'n' in notatime"],
  ['T7', 'put m 0 1 host=a', 'put: illegal argument: invalid timestamp: 0'],
  ['T8', 'put m -5 1 host=a', 'put: illegal argument: invalid timestamp: -5'],
  ['T9', 'put m 99999999999999 1 host=a', 'put: illegal argument: bad timestamp=99999999999999 when trying to add value=…'],
  ['T10', 'put m 123456789012345678901 1 host=a', 'put: invalid value: Value too long: 123456789012345678901'],
  ['T11', 'put m 1356998400 abc host=a', "put: invalid value: Invalid character 'a' in abc"],
  ['T12', 'put m 1356998400 NaN host=a', "put: invalid value: Invalid character 'N' in NaN"],
  ['T13', 'put m 1356998400 1e400 host=a', 'put: illegal argument: value is NaN or Infinite: Infinity for metric=m timestamp=1356998400…'],
  ['T16', 'put m 1356998400 9223372036854775808 host=a', 'put: invalid value: Overflow in 9223372036854775808'],
  ['T18', 'put m 1356998400 1 host', 'put: illegal argument: invalid tag: host'],
  ['T19', 'put m 1356998400 1 host=', 'put: illegal argument: invalid tag: host='],
  ['T20', 'put m 1356998400 1 a=b=c', 'put: illegal argument: invalid tag: a=b=c'],
  ['T20b', 'put m 1356998400 1 =web01', 'put: illegal argument: invalid tag: =web01'],
  ['T21', 'put m 1356998400 1 host=a host=b', 'put: illegal argument: duplicate tag: host=b, tags={host=a}…'],
  ['T23', 'put m 1356998400 1 ', 'put: illegal argument: Need at least one tag (metric=m, tags={})'],
  ['T24', 'put m 1356998400 1 t1=a t2=a t3=a t4=a t5=a t6=a t7=a t8=a t9=a', 'put: illegal argument: Too many tags: 9 maximum allowed: 8, tags: …'],
  ['T26', 'put sys cpu 1356998400 1 host=a', "put: invalid value: Invalid character 'c' in cpu"],
  ['T27', 'put sys:cpu 1356998400 1 host=a', 'put: illegal argument: Invalid metric name ("sys:cpu"): illegal character: :'],
  ['T28', 'put m 1356998400 1 ho$t=a', 'put: illegal argument: Invalid tag name with value [a] ("ho$t"): illegal character: $'],
  ['T29', 'put m 1356998400 1 host=a,b', 'put: illegal argument: Invalid tag value with key [host] ("a,b"): illegal character: ,'],
  ['T31', 'put  m 1356998400 1 host=a', 'put: illegal argument: empty metric name'],
  ['empty value', 'put m 1356998400  host=a', 'put: illegal argument: empty value'],
  // Double.parseDouble's own message for a second point (a real OpenTSDB 2.4.1 answers so)
  ['bad float', 'put m 1356998400 1.5.5 host=a', 'put: invalid value: multiple points'],
  ['bad float', 'put m 1356998400 1.5x host=a', 'put: invalid value: For input string: "1.5x"'],
  ['sign only', 'put m - 1 host=a', 'put: invalid value: Just a sign, no value: -'],
];

function matches(reply: string, expected: string): void {
  if (expected.endsWith('…')) expect(reply.startsWith(expected.slice(0, -1)), `${reply} starts with ${expected}`).to.equal(true);
  else expect(reply).to.equal(expected);
}

describe('telnet put @integration', () => {
  let daemon: RunningDaemon;
  before(async () => {
    daemon = await startDaemon({ plugins: PLUGINS });
  });
  after(() => daemon.stop());

  it("answers every OpenTSDB put error case with OpenTSDB's line, keeps serving, and loses no accepted point", async () => {
    // One connection: each bad line is followed by a good one, which must still be stored.
    const lines: string[] = [];
    ERROR_VECTORS.forEach(([, line], i) => lines.push(line, `put err.survivor ${1356998400 + i} ${i} host=a`));
    const { data, closed } = await exchange(daemon.port, [lines.join('\n') + '\n']);
    expect(closed).to.equal(false);
    const replies = data.split('\n').slice(0, -1);
    expect(replies).to.have.length(ERROR_VECTORS.length);
    ERROR_VECTORS.forEach(([, , expected], i) => matches(replies[i]!, expected));
    const stored = await readPoints(daemon, 'err.survivor');
    expect(stored.map((p) => p.value)).to.deep.equal(ERROR_VECTORS.map((_, i) => BigInt(i)));
    // Nothing of the bad lines was stored.
    for (const metric of ['m', 'sys', 'sys:cpu', 'metric.foo', 'sys.cpu.user']) expect(await readPoints(daemon, metric)).to.deep.equal([]);
  });

  it('stores the accepted OpenTSDB vectors: seconds, ms, dotted ms, floats, int extremes, 8 tags, CRLF', async () => {
    const lines = [
      'put t1 1356998400 42.5 host=web01 cpu=0', // T1
      'put t2 1356998400000 42 host=web01', // T2
      'put t3 1356998400.250 1 host=web01', // T3
      'put t14 1356998400 1.5e3 host=a', // T14
      'put t15 1356998400 -9223372036854775808 host=a', // T15
      'put t15 1356998401 9223372036854775807 host=a',
      'put t15 1356998402 9007199254740993 host=a',
      'put t17 1356998400 +7 host=a', // T17
      'put t22 1356998400 1 host=a host=a', // T22
      'put t25 1356998400 1 t1=a t2=a t3=a t4=a t5=a t6=a t7=a t8=a', // T25
      'put t30.ü/x-_ 1356998400 1 host=é', // T30
      'put t33 1356998400 1 host=a', // T33 twice
      'put t33 1356998400 1 host=a',
      'put t43 1356998400 1 host=a\r', // T43
      'put t5g 5000000000 1 host=a', // > 2^32-1: milliseconds
      'put tf 1356998400 1.5f host=a',
    ];
    const { data } = await exchange(daemon.port, [lines.join('\n') + '\n']);
    expect(data).to.equal('');
    expect(await readPoints(daemon, 't1')).to.deep.equal([{ metric: 't1', tags: { cpu: '0', host: 'web01' }, timestamp: 1356998400000, value: 42.5, kind: 'float' }]);
    expect((await readPoints(daemon, 't2'))[0]).to.include({ timestamp: 1356998400000, value: 42n });
    expect((await readPoints(daemon, 't3'))[0]).to.include({ timestamp: 1356998400250, value: 1n });
    expect((await readPoints(daemon, 't14'))[0]).to.include({ value: 1500, kind: 'float' });
    expect((await readPoints(daemon, 't15')).map((p) => p.value)).to.deep.equal([-9223372036854775808n, 9223372036854775807n, 9007199254740993n]);
    expect((await readPoints(daemon, 't17'))[0]).to.include({ value: 7n });
    expect((await readPoints(daemon, 't22'))[0]!.tags).to.deep.equal({ host: 'a' });
    expect(Object.keys((await readPoints(daemon, 't25'))[0]!.tags)).to.have.length(8);
    expect((await readPoints(daemon, 't30.ü/x-_'))[0]!.tags).to.deep.equal({ host: 'é' });
    expect(await readPoints(daemon, 't33')).to.have.length(1);
    expect((await readPoints(daemon, 't43'))[0]!.tags).to.deep.equal({ host: 'a' });
    expect((await readPoints(daemon, 't5g'))[0]).to.include({ timestamp: 5000000000 });
    expect((await readPoints(daemon, 'tf'))[0]).to.include({ value: 1.5, kind: 'float' });
  });

  it('refuses a timestamp over 19 characters for a known series too (leading zeros: Value too long)', async () => {
    // the first line makes the series known, so the second takes the common path's number reading
    const { data } = await exchange(daemon.port, ['put lz.m 1356998400 1 host=a\nput lz.m 0000000000001356998400 2 host=a\nput lz.m 000001356998401 3 host=a\n']);
    expect(data).to.equal('put: invalid value: Value too long: 0000000000001356998400\n');
    expect((await readPoints(daemon, 'lz.m')).map((p) => [p.timestamp, p.value])).to.deep.equal([
      [1356998400000, 1n],
      [1356998401000, 3n],
    ]);
  });

  it('reads lines split across packets, byte by byte', async () => {
    const { data } = await exchange(daemon.port, bytewise('put split.m 1356998400 12 host=a\nput split.m 1356998401 13 host=a\n'));
    expect(data).to.equal('');
    expect((await readPoints(daemon, 'split.m')).map((p) => p.value)).to.deep.equal([12n, 13n]);
  });

  it('closes the connection on a line longer than the maximum, keeping the points before it', async () => {
    const { closed } = await exchange(daemon.port, ['put long.m 1356998400 1 host=a\n', 'x'.repeat(1100)]);
    expect(closed).to.equal(true);
    expect(await readPoints(daemon, 'long.m')).to.have.length(1);
  });

  it('round-trips strings (spaces, quotes, unicode) and nested JSON objects as value tokens', async () => {
    const lines = [
      'put kinds.s 1356998400 "disk \\"sda\\" is full, 100 %" host=a',
      'put kinds.s 1356998401 "ünïcödé ✓ \\u00e9" host=a',
      'put kinds.s 1356998402 "" host=a',
      'put kinds.j 1356998400 {"b": {"c": [1, 2.5, "x y"]}, "a": 9223372036854775807} host=a',
      'put kinds.j 1356998401123 {"z":null,"n":{"deep":{"deeper":true}}} host=a',
    ];
    const { data } = await exchange(daemon.port, [lines.join('\n') + '\n']);
    expect(data).to.equal('');
    expect((await readPoints(daemon, 'kinds.s')).map((p) => [p.kind, p.value])).to.deep.equal([
      ['string', 'disk "sda" is full, 100 %'],
      ['string', 'ünïcödé ✓ é'],
      ['string', ''],
    ]);
    const json = await readPoints(daemon, 'kinds.j');
    expect(json.map((p) => [p.kind, p.timestamp, p.value])).to.deep.equal([
      ['json', 1356998400000, '{"a":9223372036854775807,"b":{"c":[1,2.5,"x y"]}}'],
      ['json', 1356998401123, '{"n":{"deep":{"deeper":true}},"z":null}'],
    ]);
  });

  it('answers malformed string and JSON tokens with an invalid value line', async () => {
    const { data } = await exchange(daemon.port, ['put bad.s 1356998400 "open host=a\nput bad.j 1356998400 {"a":1 host=a\nput bad.j 1356998400 {"a":}x host=a\n']);
    const replies = data.split('\n').slice(0, -1);
    expect(replies).to.have.length(3);
    for (const reply of replies) expect(reply).to.match(/^put: invalid value: Invalid (string|JSON) value/);
  });
});

describe('telnet put stats @integration', () => {
  it('counts put lines and errors in `stats` (tsd.rpc.received/errors type=put)', async () => {
    const daemon = await startDaemon({ plugins: ['http', 'telnet', 'storage-memory', 'put-telnet', 'aggregators-opentsdb', 'query', 'read-api'] });
    try {
      await exchange(daemon.port, ['put st.m 1356998400 1 host=a\nput st.m 1356998401 2 host=a\nput bad\n']);
      const { data } = await exchange(daemon.port, ['stats\n']);
      expect(data).to.match(/^tsd\.rpc\.received \d+ 3 host=\S+ type=put$/m);
      expect(data).to.match(/^tsd\.rpc\.errors \d+ 1 host=\S+ type=put$/m);
      expect(data).to.match(/^tsd\.put\.points_written \d+ 2 host=\S+ type=telnet$/m);
    } finally {
      await daemon.stop();
    }
  });
});

describe('telnet put without a storage engine @integration', () => {
  it('answers each packet of valid lines with a storage error line instead of dropping them silently', async () => {
    const daemon = await startDaemon({ plugins: ['telnet', 'put-telnet'] });
    try {
      const { data, closed } = await exchange(daemon.port, ['put m 1356998400 1 host=a\nput m 1356998401 2 host=a\n']);
      expect(closed).to.equal(false);
      expect(data).to.equal('put: Storage error: no storage engine is configured\n');
    } finally {
      await daemon.stop();
    }
  });
});

describe('telnet put under garbage @integration', () => {
  it('answers thousands of random put lines without crashing and still stores the good line after them', async () => {
    const daemon = await startDaemon({ plugins: ['telnet', 'storage-memory', 'put-telnet'] });
    try {
      // Deterministic pseudo-random bytes (no newline), biased towards put-ish characters.
      let seed = 42;
      const next = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0);
      const alphabet = Buffer.from(' ="{}\\.-+eE0123456789=abcxyz:$,\u00e9\u00ff\r\t');
      const lines: Buffer[] = [];
      for (let i = 0; i < 3000; i++) {
        const body = Buffer.alloc(1 + (next() % 80));
        for (let j = 0; j < body.length; j++) body[j] = next() % 4 === 0 ? next() % 256 : alphabet[next() % alphabet.length]!;
        for (let j = 0; j < body.length; j++) if (body[j] === 0x0a) body[j] = 0x20;
        lines.push(Buffer.concat([Buffer.from('put '), body, Buffer.from('\n')]));
      }
      lines.push(Buffer.from('put fuzz.survivor 1356998400 7 host=a\n'));
      const { data, closed } = await exchange(daemon.port, [Buffer.concat(lines)], { idleMs: 500 });
      expect(closed).to.equal(false);
      // every reply is one of put's error forms, never an exception's
      const replies = data.split('\n').slice(0, -1);
      expect(replies.length).to.be.greaterThan(2000);
      for (const reply of replies) expect(reply).to.match(/^put: (illegal argument|invalid value): /);
      expect((await readPoints(daemon, 'fuzz.survivor')).map((p) => p.value)).to.deep.equal([7n]);
    } finally {
      await daemon.stop();
    }
  });
});

describe('tag keys that are Object.prototype names, written and read back through /api/query @integration', () => {
  it('answers `__proto__` and `constructor` in a series\' tags and in a group\'s', async () => {
    const daemon = await startDaemon({ plugins: ['http', 'telnet', 'storage-memory', 'put-telnet', 'aggregators-opentsdb', 'query'] });
    try {
      const lines = ['put proto.q 1356998400 1 host=b\n', 'put proto.q 1356998400 100 host=b __proto__=x\n', 'put proto.q 1356998400 7 host=c __proto__=y\n', 'put proto.only 1356998400 5 __proto__=only\n'];
      expect((await exchange(daemon.port, lines)).data).to.equal('');
      const query = async (m: string) => (await (await fetch(`http://127.0.0.1:${daemon.port}/api/query?start=1356998300&end=1356998500&m=${encodeURIComponent(m)}`)).json()) as { tags: Record<string, string>; aggregateTags: string[]; dps: Record<string, number> }[];
      const each = await query('none:proto.q');
      // entries, not objects: chai's deep equality and its diff read `__proto__` as the prototype
      expect(each.map((r) => [Object.entries(r.tags), r.dps['1356998400']]).sort((a, b) => Number(a[1]) - Number(b[1]))).to.deep.equal([
        [[['host', 'b']], 1],
        [[['__proto__', 'y'], ['host', 'c']], 7],
        [[['__proto__', 'x'], ['host', 'b']], 100],
      ]);
      // SpanGroup.computeTags (2.4.1): a pair every member that has the key shares is a tag
      const two = await query('sum:proto.q{host=b}');
      expect(Object.entries(two[0]!.tags)).to.deep.equal([['__proto__', 'x'], ['host', 'b']]);
      expect(two[0]!.aggregateTags).to.deep.equal([]);
      const three = await query('sum:proto.q');
      expect(Object.entries(three[0]!.tags)).to.deep.equal([]);
      expect(three[0]!.aggregateTags).to.deep.equal(['__proto__', 'host']);
      const only = await query('sum:proto.only{__proto__=*}');
      expect(Object.entries(only[0]!.tags)).to.deep.equal([['__proto__', 'only']]);
    } finally {
      await daemon.stop();
    }
  });
});

describe('telnet put: tag keys that are Object.prototype names @integration', () => {
  it('stores `constructor` and `__proto__` as ordinary tag keys', async () => {
    const daemon = await startDaemon({ plugins: ['telnet', 'storage-memory', 'put-telnet'] });
    try {
      const { data } = await exchange(daemon.port, ['put proto.m 1356998400 1 constructor=a __proto__=b\n']);
      expect(data).to.equal('');
      const [point] = await readPoints(daemon, 'proto.m');
      expect(Object.entries(point!.tags).sort()).to.deep.equal([
        ['__proto__', 'b'],
        ['constructor', 'a'],
      ]);
    } finally {
      await daemon.stop();
    }
  });
});
