import net from 'node:net';
import zlib from 'node:zlib';
import { expect } from 'chai';
import { definePlugin } from '../../core';
import { startDaemon, type RunningDaemon } from '../helpers/daemon';
import { getHttpHooks } from '../../lib/http';
import { openTsdbApiPath } from '../../plugins/http';

/** Sends `text` on a new connection; resolves with everything answered until the server closes it. */
function rawHttp(port: number, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    let answer = '';
    socket.on('data', (chunk: Buffer) => (answer += chunk.toString('latin1')));
    socket.on('close', () => resolve(answer));
    socket.on('error', reject);
    socket.write(text);
  });
}

describe('http plugin: OpenTSDB routing and error conventions', () => {
  let daemon: RunningDaemon;
  let base: string;
  before(async () => {
    // A route added through the http.routes hook, echoing the (inflated) raw body.
    const echo = definePlugin({
      name: 'echo',
      register({ hooks }) {
        getHttpHooks(hooks).routes.tap('echo', (app) => {
          app.post('/api/echo', async (request) => ({ bytes: (request.body as Buffer | undefined)?.length ?? 0, text: String(request.body ?? '') }));
        });
      },
    });
    daemon = await startDaemon({ plugins: ['http', echo] });
    base = `http://127.0.0.1:${daemon.port}`;
  });
  after(() => daemon.stop());

  it('GET /api/version has OpenTSDB\'s fields as strings (H49)', async () => {
    const res = await fetch(`${base}/api/version`);
    expect(res.status).to.equal(200);
    expect(res.headers.get('content-type')).to.equal('application/json; charset=UTF-8');
    const body = (await res.json()) as Record<string, unknown>;
    for (const key of ['version', 'short_revision', 'full_revision', 'timestamp', 'repo_status', 'user', 'host', 'repo', 'branch']) {
      expect(body[key], key).to.be.a('string');
    }
  });

  it('routes /api/v1/x like /api/x and answers 501 for /api/v2 (H50)', async () => {
    expect((await fetch(`${base}/api/v1/version`)).status).to.equal(200);
    const res = await fetch(`${base}/api/v2/version`);
    expect(res.status).to.equal(501);
    expect(await res.json()).to.deep.equal({ error: { code: 501, message: 'Requested API version is greater than the max implemented' } });
  });

  it('routes /api paths in any case and with trailing slashes, as OpenTSDB\'s getQueryBaseRoute (the query string untouched)', async () => {
    for (const path of ['/API/VERSION', '/api/Version', '/api/version/', '/api/version//', '/Api/V1/Version/']) {
      expect((await fetch(`${base}${path}`)).status, path).to.equal(200);
    }
    expect((await fetch(`${base}/API/V2/version`)).status).to.equal(501);
    expect(openTsdbApiPath('/API/Query/?m=Sum:Sys.CPU&Start=1h-ago')).to.equal('/api/query?m=Sum:Sys.CPU&Start=1h-ago');
    expect(openTsdbApiPath('/Assets/App.JS')).to.equal('/Assets/App.JS');
    expect(openTsdbApiPath('/apiary/')).to.equal('/apiary/');
    expect(openTsdbApiPath('/api/')).to.equal('/api');
  });

  it('answers an unknown endpoint with OpenTSDB\'s 404 JSON (H51)', async () => {
    const res = await fetch(`${base}/api/nosuch`);
    expect(res.status).to.equal(404);
    expect(await res.json()).to.deep.equal({ error: { code: 404, message: 'Endpoint not found' } });
  });

  it('answers a known endpoint with the wrong method with 405 and OpenTSDB\'s message', async () => {
    const res = await fetch(`${base}/api/echo`);
    expect(res.status).to.equal(405);
    const body = (await res.json()) as { error: { message: string; details: string } };
    expect(body.error.message).to.equal('Method not allowed');
    expect(body.error.details).to.equal('The HTTP method [GET] is not permitted for this endpoint');
  });

  it('answers any other method as OpenTSDB 2.4.1 does: 405 with its message, 404 on an unknown endpoint (PATCH, TRACE, CONNECT, FOO)', async () => {
    // what the real server answered (research/opentsdb.md's H55 had it a bare 405)
    const details = (method: string) => ({ error: { code: 405, message: 'Method not allowed', details: `The HTTP method [${method}] is not permitted for this endpoint` } });
    for (const method of ['PATCH', 'PROPFIND']) {
      const res = await fetch(`${base}/api/version`, { method });
      expect(res.status, method).to.equal(405);
      expect(await res.json(), method).to.deep.equal(details(method));
    }
    const unknown = await fetch(`${base}/api/nosuch`, { method: 'PATCH' });
    expect(unknown.status).to.equal(404);
    // TRACE (which fetch will not send), CONNECT and a method Node's parser does not know
    // (the last two never reach a route: answered on the socket)
    for (const method of ['TRACE', 'CONNECT', 'FOO']) {
      const answer = await rawHttp(daemon.port, `${method} /api/version HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
      expect(answer.split('\r\n')[0], method).to.equal('HTTP/1.1 405 Method Not Allowed');
      expect(JSON.parse(answer.split('\r\n\r\n')[1]!), method).to.deep.equal(details(method));
    }
  });

  it('inflates gzip-encoded request bodies, whatever their content type', async () => {
    const text = JSON.stringify({ metric: 'sys.cpu', value: 1 });
    const res = await fetch(`${base}/api/echo`, {
      method: 'POST',
      headers: { 'content-encoding': 'gzip', 'content-type': 'text/plain' },
      body: zlib.gzipSync(text),
    });
    expect(await res.json()).to.deep.equal({ bytes: text.length, text });
  });

  it('gives non-API paths an HTML 404', async () => {
    const res = await fetch(`${base}/nothing-here`);
    expect(res.status).to.equal(404);
    expect(await res.text()).to.contain('Page Not Found');
  });
});
