/**
 * What a query leaves behind once answered: nothing of its answer (the completed-query
 * list keeps 256 entries, one per remote port and query: each had kept its whole answer
 * alive through its budget, until the daemon ran out of memory), and a query whose
 * client ended its side of the connection is stopped after a grace, not run to its end.
 */
import { EventEmitter } from 'node:events';
import net from 'node:net';
import v8 from 'node:v8';
import vm from 'node:vm';
import { expect } from 'chai';
import type { FastifyReply } from 'fastify';
import { ValueKind } from '../../core';
import { ApiError, QueryBudget } from '../../lib/opentsdb';
import { RunningQueries } from '../../plugins/query/running-queries';
import { requestBudget } from '../../plugins/query/routes/query-route';
import { startQueryDaemon, type QueryDaemon } from '../helpers/query';

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

const LIMITS = { maxSeries: 0, maxDataPoints: 0, timeoutMs: 0 };

/** Whether the object `make` returns is collected while `keep` (what must not hold it) stays reachable. */
async function collectedWhileKept(make: () => Promise<object>, keep: unknown[]): Promise<boolean> {
  const ref = new WeakRef(await make());
  // a WeakRef's target lives to the end of the job that made it
  await new Promise((resolve) => setTimeout(resolve, 0));
  gc();
  expect(keep.every((k) => k !== undefined)).to.equal(true);
  return ref.deref() === undefined;
}

function fakeReply(): { reply: FastifyReply; response: EventEmitter & { writableFinished: boolean }; socket: EventEmitter } {
  const response = Object.assign(new EventEmitter(), { writableFinished: false });
  const socket = new EventEmitter();
  return { reply: { raw: response, request: { raw: { socket } } } as unknown as FastifyReply, response, socket };
}

const cancelled = (budget: QueryBudget): ApiError | undefined => {
  try {
    budget.check();
    return undefined;
  } catch (err) {
    return err as ApiError;
  }
};

describe('query memory: nothing of an answer is kept; a half-closed client\'s query stops', function () {
  this.timeout(30_000);

  it('a budget kept after its race does not keep the answer', async () => {
    const budget = new QueryBudget(LIMITS);
    expect(await collectedWhileKept(() => budget.race(Promise.resolve({ answer: 'x'.repeat(1 << 20) })), [budget])).to.equal(true);
  });

  it('a completed query in the list does not keep its budget or its answer', async () => {
    const queries = new RunningQueries();
    const origin = { query: { start: '1h-ago' }, remote: '/127.0.0.1:5555', user: null, headers: {} };
    const answered = async (): Promise<object> => {
      const budget = new QueryBudget(LIMITS);
      const run = queries.start(origin, budget);
      const answer = await budget.race(Promise.resolve({ answer: 'x'.repeat(1 << 20) }));
      queries.sent(queries.finish(run, 200, undefined), true);
      return answer;
    };
    expect(await collectedWhileKept(answered, [queries])).to.equal(true);
    const [entry] = queries.toJson().completed as { sentToClient: boolean; stats: { totalTime: number } }[];
    expect(entry!.sentToClient).to.equal(true);
    expect(entry!.stats.totalTime).to.be.a('number');
  });

  it('a FIN cancels the query (499) once the grace has passed without an answer', async () => {
    const { reply, socket } = fakeReply();
    const budget = requestBudget(reply, LIMITS, 20);
    socket.emit('end');
    expect(cancelled(budget), 'not within the grace').to.equal(undefined);
    await new Promise((resolve) => setTimeout(resolve, 60));
    const err = cancelled(budget);
    expect(err?.statusCode).to.equal(499);
    expect(err?.message).to.equal('Client closed the request');
  });

  it('an answer sent within the grace after a FIN is not cancelled', async () => {
    const { reply, response, socket } = fakeReply();
    const budget = requestBudget(reply, LIMITS, 20);
    socket.emit('end');
    response.writableFinished = true;
    response.emit('close');
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(cancelled(budget)).to.equal(undefined);
    expect(socket.listenerCount('end'), 'the FIN listener is removed with the response').to.equal(0);
  });

  describe('on the daemon', () => {
    let daemon: QueryDaemon;
    before(async () => {
      daemon = await startQueryDaemon();
      await daemon.write(Array.from({ length: 10 }, (_, i) => ({ metric: 'hc.q', tags: { host: 'a' }, timestamp: (1_700_000_000 + i) * 1000, value: { kind: ValueKind.Int, value: BigInt(i) } })));
    });
    after(() => daemon.stop());

    it('a quick query sent before a FIN (nc -N) is still answered', async () => {
      const received = await new Promise<string>((resolve, reject) => {
        const socket = net.connect({ port: daemon.port, host: '127.0.0.1', allowHalfOpen: true }, () => {
          socket.end('GET /api/query?start=1699999999&end=1700000100&m=sum:hc.q HTTP/1.1\r\nHost: x\r\n\r\n');
        });
        let text = '';
        socket.on('data', (chunk) => (text += chunk.toString('utf8')));
        socket.on('error', reject);
        socket.on('close', () => resolve(text));
      });
      expect(received).to.match(/^HTTP\/1\.1 200 OK\r\n/);
      expect(received).to.contain('"dps":{"1700000000":0,"1700000001":1');
    });
  });
});
