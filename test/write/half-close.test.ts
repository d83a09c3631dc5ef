/**
 * A client that sends its requests and half-closes its side (`nc -N`, a script's
 * socket.end()) still reads every answer, over HTTP as over telnet, as from OpenTSDB:
 * Node's HTTP server aborted every request not yet answered at the FIN, so a POST whose
 * write was still being stored got nothing back and its points' fate was unknown.
 */
import net from 'node:net';
import { expect } from 'chai';
import { startDaemon, type RunningDaemon } from '../helpers/daemon';

/** Writes `bytes`, half-closes, and resolves with everything received until the server closes (or 10 s). */
function sendAndHalfClose(port: number, bytes: string): Promise<{ received: string; closed: boolean }> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ port, host: '127.0.0.1', allowHalfOpen: true }, () => {
      socket.write(bytes);
      socket.end();
    });
    let received = '';
    const timer = setTimeout(() => (socket.destroy(), resolve({ received, closed: false })), 10_000);
    socket.on('data', (chunk) => (received += chunk.toString('utf8')));
    socket.on('error', reject);
    socket.on('close', () => (clearTimeout(timer), resolve({ received, closed: true })));
  });
}

function post(path: string, body: string): string {
  return `POST ${path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
}

const point = (host: string, value: number): string => JSON.stringify({ metric: 'half.close', timestamp: 1_700_000_000, value, tags: { host } });

describe('HTTP: a client that half-closes after its requests reads every answer', () => {
  let daemon: RunningDaemon;
  before(async () => {
    daemon = await startDaemon({ plugins: ['http', 'put-http', 'query', 'read-api', 'aggregators-opentsdb', 'storage-memory'] });
  });
  after(() => daemon.stop());

  it('answers a POST /api/put sent just before the FIN, stores its point, and then closes', async () => {
    const { received, closed } = await sendAndHalfClose(daemon.port, post('/api/put?details', point('a', 7)));
    expect(closed, 'the server ends the connection after the answer').to.equal(true);
    expect(received).to.match(/^HTTP\/1\.1 200 OK\r\n/);
    expect(received.slice(received.indexOf('\r\n\r\n') + 4)).to.equal('{"success":1,"failed":0,"errors":[]}');
    const query = await fetch(`http://127.0.0.1:${daemon.port}/api/query?start=1699999999&m=sum:half.close{host=a}`);
    expect(await query.json()).to.deep.equal([{ metric: 'half.close', tags: { host: 'a' }, aggregateTags: [], dps: { '1700000000': 7 } }]);
  });

  it('answers every pipelined request sent before the FIN, in order', async () => {
    const bytes = post('/api/put?summary', point('b', 1)) + post('/api/put?details', '{"metric":') + 'GET /api/version HTTP/1.1\r\nHost: x\r\n\r\n';
    const { received, closed } = await sendAndHalfClose(daemon.port, bytes);
    expect(closed).to.equal(true);
    const statuses = [...received.matchAll(/HTTP\/1\.1 (\d{3}) /g)].map((m) => m[1]);
    expect(statuses).to.deep.equal(['200', '400', '200']);
    expect(received).to.contain('{"success":1,"failed":0}');
    expect(received).to.contain('"version":');
  });

  it('answers a body cut short by the FIN with a 400, not silence', async () => {
    const full = post('/api/put', point('c', 1));
    const { received, closed } = await sendAndHalfClose(daemon.port, full.slice(0, full.length - 10));
    expect(closed).to.equal(true);
    expect(received).to.match(/^HTTP\/1\.1 400 Bad Request\r\n/);
    expect(received).to.contain('"code":400');
  });
});
