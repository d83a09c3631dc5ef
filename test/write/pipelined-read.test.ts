/**
 * A read pipelined on one connection behind writes answers what they wrote, as behind
 * OpenTSDB's Netty pipeline (one request at a time per channel). Found by a break-it pass:
 * 20 puts of a new metric, then a query, in one TCP write: the query ran while the puts
 * were still queued and answered `No such name for 'metrics'`.
 */
import net from 'node:net';
import { expect } from 'chai';
import { startDaemon, type RunningDaemon } from '../helpers/daemon';

const T0 = 1700000000;

describe('a read pipelined behind writes on one connection', () => {
  let daemon: RunningDaemon;
  before(async () => {
    daemon = await startDaemon({ plugins: ['http', 'storage-memory', 'put-http', 'aggregators-opentsdb', 'query'] });
  });
  after(() => daemon?.stop());

  it('answers what the writes before it wrote (the last value of each timestamp), every round, with no listener-leak warning', async () => {
    const warnings: string[] = [];
    const onWarning = (w: Error): void => void warnings.push(w.name);
    process.on('warning', onWarning);
    const request = (method: string, path: string, body = ''): string => `${method} ${path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
    for (let round = 0; round < 5; round++) {
      const metric = `piped.read.${round}`;
      const puts = Array.from({ length: 20 }, (_, i) => request('POST', '/api/put', JSON.stringify({ metric, timestamp: T0, value: i, tags: { host: 'a' } })));
      const query = request('GET', `/api/query?start=${T0 - 1}&end=${T0 + 5}&m=none:${metric}`);
      const socket = net.connect(daemon.port, '127.0.0.1');
      let answers = '';
      socket.on('data', (chunk: Buffer) => (answers += chunk.toString('latin1')));
      await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
      socket.write(puts.join('') + query); // all before any answer
      const deadline = Date.now() + 20_000;
      while (!/"dps"|"error"/.test(answers) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
      socket.destroy();
      expect((answers.match(/^HTTP\/1\.1 \d+/gm) ?? []).slice(0, 20), `round ${round}: the puts`).to.deep.equal(Array(20).fill('HTTP/1.1 204'));
      const body = answers.slice(answers.lastIndexOf('\r\n\r\n') + 4);
      expect(body, `round ${round}`).to.contain(`"dps":{"${T0}":19}`);
    }
    await new Promise((resolve) => setImmediate(resolve));
    process.off('warning', onWarning);
    // one 'close' listener a socket however many writes wait on it (21 requests went past Node's 10)
    expect(warnings).to.not.include('MaxListenersExceededWarning');
  });
});
