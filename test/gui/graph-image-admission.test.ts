import { EventEmitter } from 'node:events';
import type { ServerResponse } from 'node:http';
import { expect } from 'chai';
import { Admission } from '../../lib/http';
import { GraphError } from '../../plugins/graph-image/params';
import { RENDERS_PENDING, takeRenderTurn } from '../../plugins/graph-image/render-turn';
import { decodePng } from '../helpers/png';
import { startQueryDaemon, type QueryDaemon } from '../helpers/query';
import { sampleData, T0 } from './gui-daemon';

/** A response as takeRenderTurn sees it: 'close' events, `destroyed`, a live socket. */
function fakeResponse(): ServerResponse & { leave(): void } {
  const response = new EventEmitter() as EventEmitter & { destroyed: boolean; socket: { destroyed: boolean }; leave(): void };
  response.destroyed = false;
  response.socket = { destroyed: false };
  response.leave = () => {
    response.destroyed = true;
    response.socket.destroyed = true;
    response.emit('close');
  };
  return response as unknown as ServerResponse & { leave(): void };
}

async function refusal(promise: Promise<unknown>): Promise<GraphError> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof GraphError) return err;
    throw err;
  }
  throw new Error('expected a GraphError');
}

describe('/q PNG renders: a bounded number at once (graph-image maxConcurrentRenders)', function () {
  this.timeout(60_000);

  describe('takeRenderTurn', () => {
    it('takes a free turn at once, and the next request waits for its release', async () => {
      const renders = new Admission(1, 10_000);
      expect(await takeRenderTurn(renders, 4, fakeResponse())).to.equal(true);
      let second: true | 'gone' | undefined;
      const waiting = takeRenderTurn(renders, 4, fakeResponse()).then((turn) => (second = turn));
      await new Promise((resolve) => setImmediate(resolve));
      expect(second).to.equal(undefined);
      expect(renders.queued).to.equal(1);
      renders.release();
      await waiting;
      expect(second).to.equal(true);
      expect([renders.inFlight, renders.queued]).to.deep.equal([1, 0]);
      renders.release();
      expect(renders.inFlight).to.equal(0);
    });

    it('answers 503 at once when maxQueued requests already wait', async () => {
      const renders = new Admission(1, 10_000);
      await takeRenderTurn(renders, 1, fakeResponse());
      const queued = takeRenderTurn(renders, 1, fakeResponse());
      const err = await refusal(takeRenderTurn(renders, 1, fakeResponse()));
      expect(err.status).to.equal(503);
      expect(err.message).to.equal(`${RENDERS_PENDING} (1 renders waiting, graph-image maxQueuedRenders)`);
      renders.release();
      expect(await queued).to.equal(true);
      renders.release();
      expect([renders.inFlight, renders.queued]).to.deep.equal([0, 0]);
    });

    it('answers 503 when the wait passes the queue timeout, and holds nothing after', async () => {
      const renders = new Admission(1, 30);
      await takeRenderTurn(renders, 4, fakeResponse());
      const err = await refusal(takeRenderTurn(renders, 4, fakeResponse()));
      expect([err.status, err.message]).to.deep.equal([503, `${RENDERS_PENDING} (waited 30 ms for a render, graph-image renderQueueTimeoutMs)`]);
      expect([renders.inFlight, renders.queued]).to.deep.equal([1, 0]);
      renders.release();
      expect(renders.inFlight).to.equal(0);
    });

    it('a client that leaves while it waits holds no turn (the next one gets it)', async () => {
      const renders = new Admission(1, 10_000);
      await takeRenderTurn(renders, 4, fakeResponse());
      const leaving = fakeResponse();
      const gone = takeRenderTurn(renders, 4, leaving);
      const staying = takeRenderTurn(renders, 4, fakeResponse());
      leaving.leave();
      expect(await gone).to.equal('gone');
      expect(renders.queued).to.equal(1);
      renders.release();
      expect(await staying).to.equal(true);
      renders.release();
      expect([renders.inFlight, renders.queued]).to.deep.equal([0, 0]);
    });
  });

  describe('on the daemon, one render at once and one waiting', () => {
    let daemon: QueryDaemon;
    before(async () => {
      daemon = await startQueryDaemon([['graph-image', { maxConcurrentRenders: 1, maxQueuedRenders: 1, renderQueueTimeoutMs: 60_000 }]]);
      await daemon.write(sampleData());
    });
    after(() => daemon.stop());
    const bigPng = () => `http://127.0.0.1:${daemon.port}/q?start=${T0}&end=${T0 + 3600}&m=sum:sys.cpu.user&png&wxh=4096x4096`;

    it('six large renders at once: each answer is a whole PNG or a 503 with OpenTSDB\'s message, and the ones past the queue are refused', async () => {
      const answers = await Promise.all(
        Array.from({ length: 6 }, async () => {
          const res = await fetch(bigPng());
          return { status: res.status, retryAfter: res.headers.get('retry-after'), type: res.headers.get('content-type'), body: Buffer.from(await res.arrayBuffer()) };
        }),
      );
      const drawn = answers.filter((a) => a.status === 200);
      const refused = answers.filter((a) => a.status === 503);
      expect(drawn.length + refused.length, JSON.stringify(answers.map((a) => a.status))).to.equal(6);
      // the first holds the turn, the second waits for it: both are drawn
      expect(drawn.length).to.be.at.least(2);
      expect(refused.length).to.be.at.least(1);
      for (const a of drawn) {
        expect(a.type).to.equal('image/png');
        const image = decodePng(a.body);
        expect([image.width, image.height]).to.deep.equal([4096, 4096]);
      }
      for (const a of refused) {
        expect(a.type).to.match(/^text\/html/);
        expect(a.body.toString()).to.include(RENDERS_PENDING).and.include('<title>Service Unavailable</title>');
        expect(a.retryAfter).to.equal('1');
      }
    });

    it('ascii and json outputs take no render turn: answered while both turns are taken', async () => {
      const holders = [fetch(bigPng()), fetch(bigPng())];
      await new Promise((resolve) => setTimeout(resolve, 50));
      const [png, ascii, json] = await Promise.all([
        fetch(bigPng()),
        fetch(`http://127.0.0.1:${daemon.port}/q?start=${T0}&end=${T0 + 3600}&m=sum:sys.cpu.user&ascii`),
        fetch(`http://127.0.0.1:${daemon.port}/q?start=${T0}&end=${T0 + 3600}&m=sum:sys.cpu.user&json`),
      ]);
      // the turn and the one place in the queue are taken: a third PNG is refused
      expect(png.status).to.equal(503);
      expect(await png.text()).to.include(RENDERS_PENDING);
      expect(ascii.status).to.equal(200);
      expect((await ascii.text()).split('\n')[0]).to.match(/^sys\.cpu\.user \d+ /);
      expect(json.status).to.equal(200);
      expect(await json.json()).to.have.property('plotted');
      for (const holder of await Promise.all(holders)) {
        expect(holder.status).to.equal(200);
        await holder.arrayBuffer();
      }
    });

    it('a client that leaves while its render waits does not keep the turn: the next render is drawn', async () => {
      const holder = fetch(bigPng());
      await new Promise((resolve) => setTimeout(resolve, 20));
      const abort = new AbortController();
      const leaving = fetch(bigPng(), { signal: abort.signal }).catch((err: Error) => err.name);
      await new Promise((resolve) => setTimeout(resolve, 20));
      abort.abort();
      expect(await leaving).to.equal('AbortError');
      await (await holder).arrayBuffer();
      // with a leaked turn this would wait for renderQueueTimeoutMs (60 s) and fail the test's timeout
      const next = await fetch(`http://127.0.0.1:${daemon.port}/q?start=${T0}&end=${T0 + 3600}&m=sum:sys.cpu.user&png&wxh=400x300`);
      expect(next.status).to.equal(200);
      expect(decodePng(Buffer.from(await next.arrayBuffer())).width).to.equal(400);
    });
  });
});
