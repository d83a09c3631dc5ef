/**
 * The requests Grafana's OpenTSDB data source sends (research clients/grafana-opentsdb-requests.md),
 * answered in the shapes its frontend and backend parse.
 */
import { expect } from 'chai';
import { at, float, int, startQueryDaemon, type QueryDaemon } from '../helpers/query';

const t0 = 1699999200; // a whole hour, so 30 s and 1 m buckets start on it

describe('Grafana OpenTSDB data source requests', () => {
  let d: QueryDaemon;
  before(async () => {
    d = await startQueryDaemon();
    const points = [];
    for (let i = 0; i <= 120; i++) {
      for (const host of ['web01', 'web02', 'db01']) {
        points.push(at('sys.cpu.user', { host, dc: 'eu', cpu: String(i % 2) }, t0 + i * 30, float(10 + i)));
        points.push(at('net.bytes', { host, iface: 'eth0' }, t0 + i * 30, int(1000 * i + (host === 'web02' ? 5 : 0))));
      }
    }
    points.push(at('deploy.events', { host: 'web01' }, t0 + 100, int(1)));
    await d.write(points);
    const [deploySeries] = await collect(d.storage.lookup({ metric: 'deploy.events' }));
    await d.storage.putAnnotation({ startTime: (t0 + 100) * 1000, tsuid: deploySeries!.id, description: 'deploy' });
    await d.storage.putAnnotation({ startTime: (t0 + 200) * 1000, description: 'outage' });
  });
  after(() => d.stop());

  async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
    const out: T[] = [];
    for await (const x of it) out.push(x);
    return out;
  }

  it('frontend body (ms times, tags and filters, showQuery): array matched by query.index', async () => {
    const body = {
      start: t0 * 1000,
      queries: [
        { metric: 'sys.cpu.user', aggregator: 'sum', downsample: '30s-avg', tags: { host: 'web01|web02', dc: '*' } },
        {
          metric: 'net.bytes',
          aggregator: 'avg',
          rate: true,
          rateOptions: { counter: true, counterMax: 4294967295, dropResets: false },
          downsample: '1m-max-zero',
          filters: [
            { type: 'iliteral_or', tagk: 'host', filter: 'WEB01|web02', groupBy: true },
            { type: 'wildcard', tagk: 'iface', filter: 'eth*', groupBy: false },
          ],
          explicitTags: true,
        },
      ],
      msResolution: false,
      globalAnnotations: true,
      end: (t0 + 3600) * 1000,
      showQuery: true,
    };
    const r = await d.post('/api/query', body);
    expect(r.status).to.equal(200);
    expect(r.json).to.be.an('array');
    const cpu = r.json.filter((s: any) => s.query.index === 0);
    expect(cpu.map((s: any) => s.tags.host)).to.deep.equal(['web01', 'web02']);
    for (const s of cpu) {
      expect(s.metric).to.equal('sys.cpu.user');
      expect(s.tags.dc).to.equal('eu');
      expect(s.aggregateTags).to.deep.equal(['cpu']);
      const keys = Object.keys(s.dps);
      expect(keys[0]).to.equal(String(t0)); // seconds, as strings
      // cpu=1 has 11 at t0+30; cpu=0 (points at t0 and t0+60) is interpolated to 11
      expect(s.dps[String(t0 + 30)]).to.equal(22);
      expect(s.globalAnnotations.map((a: any) => a.description)).to.deep.equal(['outage']);
    }
    const net = r.json.filter((s: any) => s.query.index === 1);
    expect(net.map((s: any) => s.tags.host)).to.deep.equal(['web01', 'web02']);
    // counter rate of 1000 per 30 s, downsampled 1m-max: 1000/30 per second
    expect(net[0].dps[String(t0 + 60)]).to.be.closeTo(1000 / 30, 1e-9);
    expect(net[0].query).to.include({ aggregator: 'avg', metric: 'net.bytes', index: 1, rate: true, explicitTags: true });
  });

  it('explicitTags excludes series whose tag keys differ from the filters', async () => {
    const r = await d.post('/api/query', {
      start: t0,
      end: t0 + 60,
      queries: [{ metric: 'sys.cpu.user', aggregator: 'sum', tags: { host: '*' }, explicitTags: true }],
    });
    expect(r.status).to.equal(200);
    expect(r.json).to.deep.equal([]);
  });

  it('backend body (seconds, float counterMax, dropResets) with ?arrays=true: dps as [[ts, v], …]', async () => {
    const body = {
      start: t0,
      end: t0 + 3600,
      queries: [{ aggregator: 'sum', downsample: '1m-avg', metric: 'net.bytes', rate: true, rateOptions: { counter: true, counterMax: 4294967295.0, dropResets: true }, tags: { host: '*' } }],
    };
    const r = await d.post('/api/query?arrays=true', body);
    expect(r.status).to.equal(200);
    expect(r.json).to.have.length(3);
    const first = r.json[0];
    expect(first.dps).to.be.an('array');
    expect(first.dps[0]).to.have.length(2);
    expect(first.dps[0][0]).to.equal(t0 + 60);
    for (const [ts, v] of first.dps) {
      expect(ts).to.be.a('number');
      expect(v).to.be.a('number'); // Go cannot read "NaN" or null
    }
  });

  it('annotation query: response[0].annotations and globalAnnotations, startTime in seconds', async () => {
    const r = await d.post('/api/query', {
      start: t0 * 1000,
      queries: [{ aggregator: 'sum', metric: 'deploy.events' }],
      msResolution: false,
      globalAnnotations: true,
      end: (t0 + 3600) * 1000,
    });
    expect(r.status).to.equal(200);
    expect(r.json[0].annotations).to.have.length(1);
    expect(r.json[0].annotations[0]).to.include({ description: 'deploy', startTime: t0 + 100 });
    expect(r.json[0].globalAnnotations[0]).to.include({ description: 'outage', startTime: t0 + 200 });
  });

  it('suggest with empty q and max=1000, and the backend health check', async () => {
    const tagv = await d.get('/api/suggest?type=tagv&q=&max=1000');
    expect(tagv.status).to.equal(200);
    expect(tagv.json).to.include.members(['web01', 'web02', 'db01', 'eu', 'eth0']);
    const tagk = await d.get('/api/suggest?type=tagk&q=&max=1000');
    expect(tagk.json).to.deep.equal(['cpu', 'dc', 'host', 'iface']);
    const health = await d.get('/api/suggest?q=cpu&type=metrics');
    expect(health.status).to.equal(200);
    expect(health.json).to.deep.equal([]);
    const metrics = await d.get('/api/suggest?type=metrics&q=sys&max=1000');
    expect(metrics.json).to.deep.equal(['sys.cpu.user']);
  });

  it('search/lookup for tag names and tag values (URL-encoded braces)', async () => {
    const names = await d.get('/api/search/lookup?m=sys.cpu.user&limit=1000');
    expect(names.status).to.equal(200);
    const keys = new Set(names.json.results.flatMap((r: any) => Object.keys(r.tags)));
    expect([...keys].sort()).to.deep.equal(['cpu', 'dc', 'host']);
    const values = await d.get(`/api/search/lookup?limit=1000&m=${encodeURIComponent('sys.cpu.user{host=*,dc=eu}')}`);
    expect(values.json.type).to.equal('LOOKUP');
    expect(new Set(values.json.results.map((r: any) => r.tags.host))).to.deep.equal(new Set(['web01', 'web02', 'db01']));
    expect(values.json.totalResults).to.equal(6);
    const keyOnly = await d.get(`/api/search/lookup?m=${encodeURIComponent('net.bytes{host=*,iface}')}`);
    expect(keyOnly.json.results).to.have.length(3);
  });

  it('/api/aggregators is an array of strings and /api/config/filters an object', async () => {
    const aggs = await d.get('/api/aggregators');
    expect(aggs.json).to.be.an('array').that.includes.members(['avg', 'sum', 'min', 'max', 'dev', 'zimsum', 'mimmin', 'mimmax']);
    const filters = await d.get('/api/config/filters');
    // OpenTSDB 2.4.1 has no not_key filter
    expect(filters.json).to.be.an('object').that.has.keys('literal_or', 'iliteral_or', 'not_literal_or', 'not_iliteral_or', 'wildcard', 'iwildcard', 'regexp');
  });

  it('errors carry error.message', async () => {
    const r = await d.post('/api/query', { start: t0 * 1000, queries: [{ metric: 'no.such', aggregator: 'sum' }] });
    expect(r.status).to.equal(400);
    expect(r.json.error.message).to.equal("No such name for 'metrics': 'no.such'");
  });
});
