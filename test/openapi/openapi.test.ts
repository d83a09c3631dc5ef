/**
 * GET /api/openapi.json: a valid OpenAPI 3.1 document (checked by
 * @seriousme/openapi-schema-validator) describing every route fastify registered — the
 * built-in plugins', the example plugins', and a route added without any schema — and
 * real requests and answers of a scripted session validate against it (ajv).
 */
import { expect } from 'chai';
import { Validator } from '@seriousme/openapi-schema-validator';
import { Described } from './described';
import { openApiPath, startOpenApiDaemon, type OpenApiDaemon } from './daemon';

describe('OpenAPI description (/api/openapi.json)', () => {
  let daemon: OpenApiDaemon;
  let doc: Record<string, any>;
  before(async () => {
    daemon = await startOpenApiDaemon();
    const res = await fetch(`${daemon.base}/api/openapi.json`);
    expect(res.status).to.equal(200);
    expect(res.headers.get('content-type')).to.equal('application/json; charset=UTF-8');
    doc = (await res.json()) as Record<string, any>;
  });
  after(() => daemon?.stop());

  it('is a valid OpenAPI 3.1 document', async () => {
    expect(doc.openapi).to.equal('3.1.0');
    const result = await new Validator().validate(doc);
    expect(result.errors ?? [], JSON.stringify(result.errors)).to.deep.equal([]);
    expect(result.valid).to.equal(true);
  });

  it('is also served under /api/v1/', async () => {
    const res = await fetch(`${daemon.base}/api/v1/openapi.json`);
    expect(res.status).to.equal(200);
    expect(((await res.json()) as { openapi: string }).openapi).to.equal('3.1.0');
  });

  it('describes every route fastify registered, built-in and the example plugins’', () => {
    const recorded = daemon.routes.filter((r) => r.method !== 'HEAD');
    // the built-in plugins' and the examples' routes were seen by the recorder
    for (const url of ['/api/put', '/api/query', '/api/query/last', '/api/suggest', '/api/search/lookup', '/api/annotation', '/q', '/gui/*', '/api/hello', '/api/test/bare']) {
      expect(recorded.map((r) => r.url), url).to.include(url);
    }
    const missing = recorded.filter((r) => !doc.paths[openApiPath(r.url)]?.[r.method.toLowerCase()]).map((r) => `${r.method} ${r.url}`);
    expect(missing).to.deep.equal([]);
    // the http plugin's own two, added before any plugin's routes
    expect(doc.paths['/api/version']).to.have.keys('get', 'post');
    expect(doc.paths['/api/openapi.json']).to.have.keys('get');
    // and nothing else: every described operation is a registered route
    const registered = new Set([...recorded.map((r) => `${r.method.toLowerCase()} ${openApiPath(r.url)}`), 'get /api/version', 'post /api/version', 'get /api/openapi.json']);
    const extra = Object.entries(doc.paths as Record<string, object>).flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m} ${p}`)).filter((op) => !registered.has(op));
    expect(extra).to.deep.equal([]);
  });

  it('gives every operation a summary and tags; a route without a schema is tagged with its plugin', () => {
    for (const [p, ops] of Object.entries(doc.paths as Record<string, Record<string, { summary?: string; tags?: string[] }>>)) {
      for (const [m, op] of Object.entries(ops)) {
        expect(op.summary, `${m} ${p}`).to.be.a('string').and.not.equal('');
        expect(op.tags, `${m} ${p}`).to.be.an('array').that.is.not.empty;
      }
    }
    expect(doc.paths['/api/test/bare'].get.tags).to.deep.equal(['route-recorder']);
    expect(doc.paths['/api/test/bare'].get.summary).to.include('no schema given');
    expect(doc.paths['/api/hello'].get.tags).to.deep.equal(['hello']);
    expect(doc.paths['/api/query'].get.tags).to.deep.equal(['query']);
  });

  it('lists the /api/put body formats the loaded plugins read (JSON, protobuf)', () => {
    expect(Object.keys(doc.paths['/api/put'].post.requestBody.content)).to.have.members(['application/json', 'application/x-protobuf']);
  });

  it('describes OpenTSDB’s error JSON for 4xx and 5xx answers', () => {
    const error = doc.paths['/api/query'].get.responses['4XX'].content['application/json'].schema;
    expect(error.required).to.deep.equal(['error']);
    expect(error.properties.error.required).to.deep.equal(['code', 'message']);
    expect(doc.paths['/api/query'].get.responses['5XX']).to.be.an('object');
  });

  it('matches the requests and answers of a scripted session (put, query, last, suggest, lookup, annotation, errors)', async () => {
    const described = new Described(doc);
    const t = 1_700_000_000;
    // a step marked `invalid` sends what the description rules out (OpenTSDB's error answers)
    type Step = [method: string, path: string, body?: unknown, invalid?: 'invalid'];
    const steps: Step[] = [
      ['GET', '/api/version'],
      ['POST', '/api/put', [{ metric: 'oa.cpu', timestamp: t, value: 1.5, tags: { host: 'a' } }, { metric: 'oa.cpu', timestamp: t + 10, value: 2, tags: { host: 'b' } }]],
      ['POST', '/api/put?details', { metric: 'oa.cpu', timestamp: t + 20, value: 3, tags: { host: 'a' } }],
      ['POST', '/api/put?summary', { metric: 'oa.cpu', timestamp: t + 30, value: 4, tags: { host: 'b' } }],
      ['POST', '/api/put?details', [{ metric: 'oa.cpu', timestamp: t + 40, value: 5, tags: {} }]],
      ['POST', '/api/put', [{ metric: 'oa.cpu', timestamp: t + 40, value: 5, tags: {} }]],
      ['GET', `/api/query?start=${t - 60}&end=${t + 60}&m=sum:oa.cpu{host=*}&show_query`],
      ['GET', `/api/query?start=${t - 60}&end=${t + 60}&m=sum:1m-avg:oa.cpu&ms&arrays`],
      ['POST', '/api/query', { start: t - 60, end: t + 60, showTSUIDs: true, queries: [{ aggregator: 'max', metric: 'oa.cpu', filters: [{ type: 'literal_or', tagk: 'host', filter: 'a', groupBy: true }] }] }],
      ['GET', `/api/query?start=${t - 60}&m=sum:oa.nosuch`],
      ['GET', '/api/query?m=sum:oa.cpu'],
      ['POST', '/api/query', { start: t - 60, queries: [{ aggregator: 'nosuch', metric: 'oa.cpu' }] }],
      ['GET', `/api/query?start=${t - 60}&m=${encodeURIComponent('sum:oa.cpu{host=regexp([)}')}`],
      ['GET', '/api/query/last?timeseries=oa.cpu{host=a}&resolve'],
      ['POST', '/api/query/last', { queries: [{ metric: 'oa.cpu', tags: { host: 'b' } }], resolveNames: true }],
      ['GET', '/api/query/last'],
      ['GET', `/api/query/gexp?start=${t - 60}&end=${t + 60}&exp=${encodeURIComponent('scale(sum:oa.cpu{host=*},2)')}`],
      ['GET', `/api/query/gexp?start=${t - 60}&exp=${encodeURIComponent('nosuch(sum:oa.cpu,2)')}`],
      ['POST', '/api/query/exp', { time: { start: t - 60, end: t + 60, aggregator: 'sum' }, metrics: [{ id: 'a', metric: 'oa.cpu' }], expressions: [{ id: 'e', expr: 'a * 2' }] }],
      ['POST', '/api/query/exp', { time: { start: t - 60, aggregator: 'sum' }, metrics: [] }],
      ['GET', '/api/suggest?type=metrics&q=oa'],
      ['POST', '/api/suggest', { type: 'tagv', q: '', max: 10 }],
      ['GET', '/api/suggest?type=nope', undefined, 'invalid'],
      ['GET', '/api/search/lookup?m=oa.cpu{host=*}'],
      ['POST', '/api/search/lookup', { metric: 'oa.cpu', tags: [{ key: 'host', value: 'a' }], limit: 5 }],
      ['GET', '/api/search/lookup'],
      ['POST', '/api/annotation', { startTime: t, description: 'deploy', tsuid: '', custom: { by: 'ci' } }],
      ['GET', `/api/annotation?start_time=${t}`],
      ['PUT', '/api/annotation/bulk', [{ startTime: t + 5, description: 'a' }, { startTime: t + 6, notes: 'b' }]],
      ['DELETE', `/api/annotation?start_time=${t}`],
      ['GET', `/api/annotation?start_time=${t}`],
      ['POST', '/api/annotation', { description: 'no start' }, 'invalid'],
      ['GET', '/api/aggregators'],
      ['GET', '/api/config/filters'],
      ['GET', '/api/config'],
      ['GET', '/api/stats'],
      ['GET', '/metrics'],
      ['GET', '/api/dropcaches'],
      ['GET', '/api/serializers'],
      ['GET', '/api/hello?name=you'],
      ['GET', '/gui/manifest.json'],
      ['GET', `/q?start=${t - 60}&end=${t + 60}&m=sum:oa.cpu&json`],
      ['GET', `/q?start=${t - 60}&end=${t + 60}&m=sum:oa.cpu&ascii`],
      ['GET', '/api/test/bare'],
    ];
    const problems: string[] = [];
    const statuses: number[] = [];
    for (const [method, path, body, invalid] of steps) {
      const url = new URL(path, daemon.base);
      const requestProblems = described.checkRequest(method, url, body);
      if (invalid) expect(requestProblems, `${method} ${path} is invalid by the description`).to.not.be.empty;
      else problems.push(...requestProblems);
      const res = await fetch(url, { method, ...(body !== undefined ? { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } } : {}) });
      const text = await res.text();
      statuses.push(res.status);
      problems.push(...described.checkResponse(method, url, res.status, res.headers.get('content-type'), text));
    }
    expect(problems).to.deep.equal([]);
    // the session covered successes, empty answers and errors
    expect(statuses).to.include.members([200, 204, 400, 404]);
    expect(statuses.filter((s) => s >= 500)).to.deep.equal([]);
  });

  it('catches an answer that does not match (the checker is not blind)', () => {
    const described = new Described(doc);
    const url = new URL('/api/suggest?type=metrics', daemon.base);
    expect(described.checkResponse('GET', url, 200, 'application/json', '{"not":"an array"}')).to.have.length(1);
    expect(described.checkResponse('GET', url, 400, 'application/json', '{"error":{"message":"no code"}}')).to.have.length(1);
    expect(described.checkRequest('GET', new URL('/api/suggest?typo=1', daemon.base))).to.have.length(1);
    expect(described.checkRequest('POST', new URL('/api/suggest', daemon.base), { type: 'nope' })).to.have.length(1);
  });
});
