/**
 * The histogram plugin on DSDB's own (no oracle): histograms survive a restart of the
 * embedded engine, stay apart from numbers of the same metric, round-trip the binary form,
 * and the plugin's options and absence answer clearly. OpenTSDB's answers themselves are
 * compared in test/oracle/histogram.test.ts.
 */
import { expect } from 'chai';
import net from 'node:net';
import { CODEC_PLUGINS } from '../helpers/plugins';
import { scratchDir, startDaemon, type RunningDaemon } from '../helpers/daemon';

const BASE = ['http', 'telnet', 'put-telnet', 'put-http', 'aggregators-opentsdb', 'query', 'read-api'];
const T = 1_700_000_000;

async function req(port: number, method: string, url: string, body?: unknown): Promise<{ status: number; json: any; text: string }> {
  const res = await fetch(`http://127.0.0.1:${port}${url}`, { method, ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }) });
  const text = await res.text();
  let json: any;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, json, text };
}

async function telnetLines(port: number, lines: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1');
    let out = '';
    s.on('data', (d) => {
      out += d.toString();
      if (/DSDB|dsdb/.test(out)) {
        s.destroy();
        resolve(out);
      }
    });
    s.on('error', reject);
    s.write(`${lines.join('\n')}\nversion\n`);
  });
}

const percentilesOf = (port: number, metric: string, extra = '') => req(port, 'GET', `/api/query?start=${T - 60}&end=${T + 600}&m=sum:${extra}percentiles%5B50,99%5D:${metric}`);

describe('histogram plugin (DSDB)', function () {
  this.timeout(60_000);

  it('keeps histograms in the embedded engine across a restart, apart from numbers of the same metric', async () => {
    const dir = scratchDir('histogram');
    const plugins = [...BASE, ['storage-embedded', { dataDir: `${dir}/data` }], ...CODEC_PLUGINS, 'histogram'];
    let d: RunningDaemon = await startDaemon({ plugins } as never, dir);
    try {
      const w = await req(d.port, 'POST', '/api/histogram?details', [
        { metric: 'lat', timestamp: T, tags: { host: 'a' }, buckets: { '0,1': 5, '1,2.5': 3, '2.5,10': 2 }, underflow: 1, overflow: 4 },
        { metric: 'lat', timestamp: T + 60, tags: { host: 'b' }, value: 'AAIAAAAAP4AAAAU/gAAAQCAAAAMAAA==', id: 0 },
      ]);
      expect(w.json).to.deep.equal({ success: 2, failed: 0, errors: [] });
      expect(await telnetLines(d.port, [`histogram lat ${T + 120} 0,1=1:1,2.5=9 host=a`])).to.not.match(/^histogram:/m);
      // a number in the same metric, at a timestamp of its own
      expect((await req(d.port, 'POST', '/api/put', { metric: 'lat', timestamp: T + 30, value: 7, tags: { host: 'a' } })).status).to.equal(204);
      const before = await percentilesOf(d.port, 'lat');
      expect(before.status).to.equal(200);
      expect(before.json.map((s: any) => s.metric)).to.deep.equal(['lat_pct_50.0', 'lat_pct_99.0']);
      expect(before.json[0].dps).to.deep.equal({ [T]: 0.5, [T + 60]: 0.5, [T + 120]: 1.75 });
      expect(before.json[1].dps).to.deep.equal({ [T]: 6.25, [T + 60]: 1.75, [T + 120]: 1.75 });
      // the numeric query sees the number only
      const numeric = await req(d.port, 'GET', `/api/query?start=${T - 60}&end=${T + 600}&m=sum:lat`);
      expect(numeric.json).to.have.length(1);
      expect(numeric.json[0].dps).to.deep.equal({ [T + 30]: 7 });
      await d.stop();
      d = await startDaemon({ plugins } as never, dir);
      const after = await percentilesOf(d.port, 'lat');
      expect(after.json).to.deep.equal(before.json);
      const buckets = await req(d.port, 'GET', `/api/query?start=${T - 60}&end=${T + 600}&m=none:show-histogram-buckets:lat%7Bhost=b%7D`);
      expect(buckets.json.map((s: any) => [s.metric, s.dps[T + 60]])).to.deep.equal([
        ['lat_UNDERFLOW', 0],
        ['lat_0.0_1.0', 5],
        ['lat_1.0_2.5', 3],
        ['lat_OVERFLOW', 0],
      ]);
    } finally {
      await d.stop();
    }
  });

  it('with codecs {} answers as OpenTSDB without tsd.core.histograms.config', async () => {
    const d = await startDaemon({ plugins: [...BASE, 'storage-memory', ['histogram', { codecs: {} }]] } as never);
    try {
      const r = await req(d.port, 'POST', '/api/histogram', [{ metric: 'lat', timestamp: T, tags: { host: 'a' }, buckets: { '0,1': 1 } }]);
      expect(r.status).to.equal(503);
      expect(r.json.error.message).to.equal("Histogram storage has not been enabled. Check the 'tsd.core.histograms.config' configuration.");
      expect(await telnetLines(d.port, [`histogram lat ${T} 0,1=1 host=a`])).to.include("histogram: illegal argument: Histogram storage has not been enabled. Check the 'tsd.core.histograms.config' configuration.");
    } finally {
      await d.stop();
    }
  });

  it('refuses an unknown codec or a duplicate id at start-up, naming the key', async () => {
    for (const [codecs, message] of [
      [{ 'com.example.Digest': 1 }, "Unable to find a decoder named 'com.example.Digest'"],
      [{ SimpleHistogramDecoder: 300 }, "ID for codec 'SimpleHistogramDecoder' must be from 0 to 255."],
    ] as const) {
      let error: Error | undefined;
      try {
        const d = await startDaemon({ plugins: [...BASE, 'storage-memory', ['histogram', { codecs }]] } as never);
        await d.stop();
      } catch (err) {
        error = err as Error;
      }
      expect(error?.message).to.include(message).and.to.include('codecs');
    }
  });

  it('without the plugin a histogram query is refused with a reason, and other queries are unchanged', async () => {
    const d = await startDaemon({ plugins: [...BASE, 'storage-memory'] } as never);
    try {
      await req(d.port, 'POST', '/api/put', { metric: 'lat', timestamp: T, value: 1, tags: { host: 'a' } });
      const r = await percentilesOf(d.port, 'lat');
      expect(r.status).to.equal(400);
      expect(r.json.error.message).to.equal('Histogram queries need the histogram plugin');
      expect((await req(d.port, 'POST', '/api/histogram', '[]')).status).to.equal(404);
      expect((await req(d.port, 'GET', `/api/query?start=${T - 60}&end=${T + 600}&m=sum:lat`)).json[0].dps).to.deep.equal({ [T]: 1 });
    } finally {
      await d.stop();
    }
  });
});
