import fs from 'node:fs';
import { expect } from 'chai';
import { ValueKind } from '../../core';
import { ARTIFACTS } from '../helpers/browser';
import { bluish, countColour, countPixels, decodePng } from '../helpers/png';
import { startQueryDaemon, type QueryDaemon } from '../helpers/query';
import { sampleData, T0 } from './gui-daemon';

const BLUE: [number, number, number] = [0x1f, 0x77, 0xb4];
const RED: [number, number, number] = [0xd6, 0x27, 0x28];
const q = (params: Record<string, string | string[] | true>): string => {
  const parts: string[] = [];
  for (const [key, value] of Object.entries(params)) {
    for (const v of Array.isArray(value) ? value : [value]) parts.push(v === true ? key : `${key}=${encodeURIComponent(v)}`);
  }
  return `/q?${parts.join('&')}`;
};

describe('/q graph images (OpenTSDB GraphHandler)', function () {
  this.timeout(30_000);
  let daemon: QueryDaemon;
  /** Fetches a PNG, checks it, decodes it; `save` keeps it in test-artifacts/ to look at. */
  const png = async (path: string, save?: string) => {
    const res = await fetch(`http://127.0.0.1:${daemon.port}${path}`);
    expect(res.status, await res.clone().text().then((t) => t.slice(0, 300))).to.equal(200);
    expect(res.headers.get('content-type')).to.equal('image/png');
    const bytes = Buffer.from(await res.arrayBuffer());
    if (save) {
      fs.mkdirSync(ARTIFACTS, { recursive: true });
      fs.writeFileSync(`${ARTIFACTS}/${save}.png`, bytes);
    }
    return decodePng(bytes);
  };

  before(async () => {
    daemon = await startQueryDaemon(['graph-image']);
    await daemon.write([
      ...sampleData(),
      { metric: 'big.counter', tags: { host: 'a' }, timestamp: T0 * 1000, value: { kind: ValueKind.Int, value: 9007199254740993n } },
      { metric: 'app.j', tags: { host: 'a' }, timestamp: T0 * 1000, value: { kind: ValueKind.Json, value: '{"big":9223372036854775807,"e":1e400,"f":1.0,"s":"x"}' } },
      { metric: 'extreme', tags: { host: 'a' }, timestamp: T0 * 1000, value: { kind: ValueKind.Float, value: 0.1 } },
      { metric: 'extreme', tags: { host: 'a' }, timestamp: (T0 + 60) * 1000, value: { kind: ValueKind.Float, value: 1.7976931348623157e308 } },
      { metric: 'extreme', tags: { host: 'b' }, timestamp: T0 * 1000, value: { kind: ValueKind.Float, value: 5e-324 } },
      { metric: 'note', tags: { host: 'a' }, timestamp: T0 * 1000, value: { kind: ValueKind.String, value: 'line one\nline "two"' } },
      { metric: 'note', tags: { host: 'a' }, timestamp: (T0 + 60) * 1000, value: { kind: ValueKind.String, value: '42' } },
    ]);
  });
  after(() => daemon.stop());

  it('png&wxh=800x400 is a valid PNG of that size with both series drawn in the plot area', async () => {
    const image = await png(q({ start: String(T0), end: String(T0 + 3600), m: ['sum:sys.cpu.user{host=web01}', 'sum:sys.cpu.user{host=web02}'], png: true, wxh: '800x400', ylabel: 'cpu %', title: 'CPU' }), 'q-800x400');
    expect([image.width, image.height]).to.deep.equal([800, 400]);
    const plotArea = { x0: 90, y0: 40, x1: 770, y1: 350 };
    expect(countColour(image, BLUE, plotArea)).to.be.greaterThan(400);
    expect(countColour(image, RED, plotArea)).to.be.greaterThan(400);
    // a white background, not an empty transparent image
    expect(countColour(image, [255, 255, 255], { x0: 0, y0: 0, x1: 800, y1: 400 })).to.be.greaterThan(200_000);
  });

  it('without wxh the image is OpenTSDB\'s default 800x600', async () => {
    const image = await png(q({ start: String(T0), m: 'sum:sys.cpu.user', png: true }));
    expect([image.width, image.height]).to.deep.equal([800, 600]);
  });

  it('yrange sets the y axis: a flat 50 sits at the bottom of [0:1000] and mid-height by default', async () => {
    const base = { start: String(T0), end: String(T0 + 3600), m: 'sum:sys.cpu.user{host=db01}', png: true, wxh: '800x400', nokey: true } as const;
    const auto = await png(q(base));
    const ranged = await png(q({ ...base, yrange: '[0:1000]' }));
    const band = (y0: number, y1: number) => ({ x0: 70, y0, x1: 780, y1 });
    // plot area: y 14..360
    expect(countPixels(auto, band(150, 220), bluish)).to.be.greaterThan(500);
    expect(countPixels(ranged, band(20, 320), bluish)).to.equal(0);
    expect(countPixels(ranged, band(330, 360), bluish)).to.be.greaterThan(500);
  });

  it('key=out puts the legend below the plot; nokey drops it', async () => {
    const base = { start: String(T0), end: String(T0 + 3600), m: 'sum:sys.cpu.user{host=db01}', png: true, wxh: '800x400' } as const;
    const below = { x0: 0, y0: 365, x1: 800, y1: 400 };
    const topRight = { x0: 560, y0: 20, x1: 780, y1: 60 }; // where the legend sits by default
    const inside = await png(q(base));
    const out = await png(q({ ...base, key: 'out' }), 'q-key-out');
    const none = await png(q({ ...base, nokey: true }));
    expect(countPixels(inside, topRight, bluish)).to.be.greaterThan(10); // the legend's line sample: 18 × 2.5 px
    expect(countPixels(inside, below, bluish)).to.equal(0);
    expect(countPixels(out, below, bluish)).to.be.greaterThan(10);
    expect(countPixels(out, topRight, bluish)).to.equal(0);
    expect(countPixels(none, topRight, bluish) + countPixels(none, below, bluish)).to.equal(0);
  });

  it('json answers GraphHandler\'s {plotted, points, etags, timing}', async () => {
    const res = await daemon.get(q({ start: String(T0), m: ['sum:sys.cpu.user', 'sum:sys.cpu.user{host=*}'], json: true }));
    expect(res.status).to.equal(200);
    expect(res.headers.get('content-type')).to.equal('application/json; charset=UTF-8');
    expect(Object.keys(res.json).sort()).to.deep.equal(['etags', 'plotted', 'points', 'timing']);
    expect(res.json.plotted, 'data points drawn, as runGnuplot counts them').to.equal(60 + 3 * 60);
    expect(res.json.points).to.equal(60 + 3 * 60);
    expect(res.json.etags).to.deep.equal([['dc', 'host'], []]);
    expect(res.json.timing).to.be.a('number');
  });

  it('ascii prints `<metric> <ts> <value> <tags>` lines, numbers exactly as /api/query writes them', async () => {
    const res = await daemon.get(q({ start: String(T0), end: String(T0 + 120), m: ['sum:sys.cpu.user{host=web01}', 'sum:big.counter', 'sum:sys.mem.free'], ascii: true }));
    expect(res.status).to.equal(200);
    expect(res.headers.get('content-type')).to.equal('text/plain; charset=UTF-8');
    expect(res.text).to.equal(
      [
        `sys.cpu.user ${T0} 10.0 dc=eu host=web01`,
        `sys.cpu.user ${T0 + 60} 11.0 dc=eu host=web01`,
        `sys.cpu.user ${T0 + 120} 12.0 dc=eu host=web01`,
        `big.counter ${T0} 9007199254740993 host=a`,
        `sys.mem.free ${T0} 1000 dc=eu host=web01`,
        `sys.mem.free ${T0 + 60} 1010 dc=eu host=web01`,
        `sys.mem.free ${T0 + 120} 1020 dc=eu host=web01`,
      ].join('\n') + '\n',
    );
  });

  it('ascii prints a JSON value as /api/query writes it (int64 past 2^53, 1e400, 1.0 kept)', async () => {
    const res = await daemon.get(q({ start: String(T0), end: String(T0 + 120), m: 'none:app.j', ascii: true }));
    expect(res.text).to.equal(`app.j ${T0} {"big":9223372036854775807,"e":1e400,"f":1.0,"s":"x"} host=a\n`);
  });

  it('draws values at the ends of the double range, and a y range there, in bounded time (no endless tick loop)', async () => {
    // each of these held the event loop ~10 s and ~2 GB, then answered 500 "Invalid array length"
    const cases: Record<string, string | string[] | true>[] = [
      { m: 'sum:extreme{host=a}' },
      { m: 'none:extreme' },
      { m: 'sum:sys.cpu.user', yrange: '[0:1.7976931348623157e308]' },
      { m: 'sum:sys.cpu.user', yrange: '[-1.7976931348623157e308:0]' },
      { m: 'sum:sys.cpu.user', yrange: '[1e-323:2e-323]' },
      { m: 'sum:sys.cpu.user', yrange: '[-1.7976931348623157e308:1.7976931348623157e308]' },
    ];
    for (const c of cases) {
      const image = await png(q({ start: String(T0), end: String(T0 + 3600), png: true, wxh: '400x300', ...c }));
      expect(image.width, JSON.stringify(c)).to.equal(400);
    }
    // the daemon answers at once afterwards
    expect((await daemon.get('/api/version')).status).to.equal(200);
  });

  it('string series print their values in ascii and draw as markers in png', async () => {
    const res = await daemon.get(q({ start: String(T0), m: 'none:door.state', ascii: true }));
    expect(res.text.split('\n')[0]).to.equal(`door.state ${T0 + 600} "open" room=lab`);
    const image = await png(q({ start: String(T0), end: String(T0 + 3600), m: 'none:door.state', png: true, wxh: '800x400', nokey: true }), 'q-events');
    expect(countColour(image, BLUE, { x0: 70, y0: 20, x1: 780, y1: 350 })).to.be.greaterThan(200);
  });

  it('ascii writes a string value as a put line\'s JSON string token: a newline stays in its line, "42" is not the number 42', async () => {
    const res = await daemon.get(q({ start: String(T0), m: 'none:note', ascii: true }));
    expect(res.text).to.equal(`note ${T0} "line one\\nline \\"two\\"" host=a\nnote ${T0 + 60} "42" host=a\n`);
  });

  it('without an output flag it answers an HTML page showing the PNG', async () => {
    const res = await daemon.get(q({ start: '1h-ago', m: 'sum:sys.cpu.user' }));
    expect(res.status).to.equal(200);
    expect(res.headers.get('content-type')).to.equal('text/html; charset=UTF-8');
    expect(res.text).to.contain('<img src="/q?start=1h-ago&amp;m=sum%3Asys.cpu.user&amp;png"');
  });

  describe('bad input: OpenTSDB-style errors, and the daemon keeps serving', () => {
    const cases: Array<[string, Record<string, string | true>, number, string]> = [
      ['no start', { m: 'sum:sys.cpu.user' }, 400, 'Missing parameter <code>start</code>'],
      ['no m', { start: '1h-ago' }, 400, 'Missing parameter <code>m</code>'],
      ['wxh too short', { start: '1h-ago', m: 'sum:sys.cpu.user', wxh: '10x10' }, 400, 'Parameter wxh too short: 10x10'],
      ['wxh without x', { start: '1h-ago', m: 'sum:sys.cpu.user', wxh: '8000400' }, 400, 'Invalid wxh parameter: 8000400'],
      ['wxh not numbers', { start: '1h-ago', m: 'sum:sys.cpu.user', wxh: 'abcxdef' }, 400, 'Can\'t parse wxh \'abcxdef\': For input string: "abc"'],
      ['wxh too large', { start: '1h-ago', m: 'sum:sys.cpu.user', wxh: '99999x99999' }, 400, 'Parameter wxh too large: 99999x99999 (maximum 4096x4096)'],
      ['bad yrange', { start: '1h-ago', m: 'sum:sys.cpu.user', yrange: '[a:b]' }, 400, "'yrange' was invalid. Must be in the format [min:max]."],
      ['unknown metric', { start: '1h-ago', m: 'sum:no.such' }, 400, "No such name for 'metrics': 'no.such'"],
      ['bad aggregator', { start: '1h-ago', m: 'foo:sys.cpu.user' }, 400, 'No such aggregation function: foo'],
      ['bad start', { start: '1x-ago', m: 'sum:sys.cpu.user' }, 400, 'Invalid duration (suffix): 1x'],
    ];
    for (const [what, params, status, message] of cases) {
      it(`${what}: ${status} {"err": "${message}"} with json, an HTML page without`, async () => {
        const json = await daemon.get(q({ ...params, json: true }));
        expect(json.status).to.equal(status);
        expect(json.json).to.deep.equal({ err: message });
        const html = await daemon.get(q({ ...params, png: true }));
        expect(html.status).to.equal(status);
        expect(html.headers.get('content-type')).to.equal('text/html; charset=UTF-8');
        // escaped, but for OpenTSDB's own <code> pair, which is markup (#20)
        const escaped = message.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
        expect(html.text).to.contain(escaped.replace(/&lt;code&gt;(.*?)&lt;\/code&gt;/g, '<code>$1</code>'));
      });
    }

    it('a metric name with markup comes back escaped in the HTML error', async () => {
      const html = await daemon.get(q({ start: '1h-ago', m: 'sum:<script>alert(1)</script>', png: true }));
      expect(html.status).to.equal(400);
      expect(html.text).not.to.contain('<script>');
      expect(html.text).to.contain('&lt;script&gt;');
    });

    it('the daemon still answers after all of them', async () => {
      expect((await daemon.get('/api/version')).status).to.equal(200);
      expect((await png(q({ start: String(T0), m: 'sum:sys.cpu.user', png: true, wxh: '300x200' }))).width).to.equal(300);
    });
  });
});
