/**
 * core/helper-threads.ts: services of different features on one worker thread, each over
 * its own port, and how deaths, detaches and kills reach them. Real threads throughout.
 */
import { expect } from 'chai';
import { spawn } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { HELPER_THREAD_LIMITS, HelperThreads, type HelperService } from '../../core';
import { ENCODE_WORKER_LIMITS } from '../../lib/chunks/chunk-encoder';
import { PARSE_WORKER_LIMITS } from '../../lib/opentsdb/put-parse-pool';
import type { EchoAnswer } from '../fixtures/helper-echo-service';
import { startDaemon } from '../helpers/daemon';
import { tempDataDir } from '../helpers/embedded';

const ECHO = path.join(__dirname, '..', 'fixtures', 'helper-echo-service.js');

/** A service of the echo fixture, its answers and deaths recorded. */
function echo(threads: HelperThreads, slot: number | 'any', tag: string, fail?: string) {
  const answers: EchoAnswer[] = [];
  const deaths: Error[] = [];
  let wake: () => void = () => undefined;
  const spec = {
    name: `echo ${tag}`,
    file: ECHO,
    data: { tag, ...(fail !== undefined ? { fail } : {}) },
    onMessage: (a: EchoAnswer) => {
      answers.push(a);
      wake();
    },
    onDeath: (err: Error) => {
      deaths.push(err);
      wake();
    },
  };
  const service: HelperService = slot === 'any' ? threads.attachAnywhere(spec) : threads.attach(slot, spec);
  /** Resolves once `test` holds, waking on each answer or death. */
  const until = async (test: () => boolean): Promise<void> => {
    while (!test()) await new Promise<void>((resolve) => (wake = resolve));
  };
  return { service, answers, deaths, until };
}

describe('helper threads (core/helper-threads.ts)', function () {
  this.timeout(30_000);
  let threads: HelperThreads;
  beforeEach(() => (threads = new HelperThreads()));
  afterEach(() => threads.close());

  it('runs services of two features on one thread, each answered over its own port in order', async () => {
    const a = echo(threads, 0, 'a');
    const b = echo(threads, 0, 'b');
    for (let n = 0; n < 50; n++) {
      a.service.postMessage({ n });
      b.service.postMessage({ n: 100 + n });
    }
    await a.until(() => a.answers.length === 50);
    await b.until(() => b.answers.length === 50);
    expect(a.answers.map((x) => x.n)).to.deep.equal(Array.from({ length: 50 }, (_, n) => n));
    expect(b.answers.map((x) => x.n)).to.deep.equal(Array.from({ length: 50 }, (_, n) => 100 + n));
    expect(a.answers.every((x) => x.tag === 'a') && b.answers.every((x) => x.tag === 'b')).to.equal(true);
    expect(new Set([...a.answers, ...b.answers].map((x) => x.threadId)).size, 'one thread').to.equal(1);
    expect(threads.threads()).to.have.length(1);
  });

  it('gives a slot a thread of its own, and attachAnywhere a running thread rather than a new one', async () => {
    threads.reserve(3);
    const a = echo(threads, 2, 'a');
    a.service.postMessage({ n: 1 });
    await a.until(() => a.answers.length === 1);
    const b = echo(threads, 1, 'b');
    b.service.postMessage({ n: 1 });
    await b.until(() => b.answers.length === 1);
    expect(b.answers[0]!.threadId).to.not.equal(a.answers[0]!.threadId);
    const c = echo(threads, 'any', 'c');
    c.service.postMessage({ n: 1 });
    await c.until(() => c.answers.length === 1);
    expect(c.answers[0]!.threadId, 'the last running slot').to.equal(a.answers[0]!.threadId);
    expect(threads.threads()).to.have.length(2);
  });

  it('fails a service whose module throws at start alone: the thread and its other service go on', async () => {
    const a = echo(threads, 0, 'a');
    a.service.postMessage({ n: 1 });
    await a.until(() => a.answers.length === 1);
    const bad = echo(threads, 0, 'bad', 'no codec here');
    await bad.until(() => bad.deaths.length === 1);
    expect(bad.deaths[0]!.message).to.match(/echo bad failed to start: no codec here/);
    a.service.postMessage({ n: 2 });
    await a.until(() => a.answers.length === 2);
    expect(a.answers[1]!.threadId).to.equal(a.answers[0]!.threadId);
    expect(a.deaths).to.deep.equal([]);
  });

  it('tells every service on a thread that dies, once each, and starts a new thread for the next attach', async () => {
    const a = echo(threads, 0, 'a');
    const b = echo(threads, 0, 'b');
    a.service.postMessage({ n: 1 });
    await a.until(() => a.answers.length === 1);
    const first = a.answers[0]!.threadId;
    b.service.postMessage({ crash: true });
    await a.until(() => a.deaths.length === 1);
    await b.until(() => b.deaths.length === 1);
    expect(a.deaths[0]!.message).to.match(/the echo service crashed/);
    expect(b.deaths[0]!.message).to.match(/the echo service crashed/);
    expect(a.service.live || b.service.live).to.equal(false);
    const c = echo(threads, 0, 'c');
    c.service.postMessage({ n: 1 });
    await c.until(() => c.answers.length === 1);
    expect(c.answers[0]!.threadId).to.not.equal(first);
    expect(c.service.thread, 'a new thread').to.not.equal(a.service.thread);
    // a dead service's late kill (a watchdog that fires after the death) ends nothing of the new thread's
    await a.service.kill(new Error('late'));
    c.service.postMessage({ n: 2 });
    await c.until(() => c.answers.length === 2);
    expect(c.deaths).to.deep.equal([]);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(a.deaths.length + b.deaths.length, 'no second death call').to.equal(2);
  });

  it('ends a thread with its last service, not before', async () => {
    const a = echo(threads, 0, 'a');
    const b = echo(threads, 0, 'b');
    b.service.postMessage({ n: 1 });
    await b.until(() => b.answers.length === 1);
    await a.service.detach();
    b.service.postMessage({ n: 2 });
    await b.until(() => b.answers.length === 2);
    expect(threads.threads()).to.have.length(1);
    await b.service.detach();
    expect(threads.threads()).to.have.length(0);
    expect(a.deaths.concat(b.deaths), 'a detach is no death').to.deep.equal([]);
  });

  it('kills a hung thread for one service: the others hear of a death with its reason, the killer nothing', async () => {
    const a = echo(threads, 0, 'a');
    const b = echo(threads, 0, 'b');
    a.service.postMessage({ spinMs: 5_000 });
    await new Promise((resolve) => setTimeout(resolve, 100));
    const started = Date.now();
    await a.service.kill(new Error('answered nothing: hung'));
    await b.until(() => b.deaths.length === 1);
    expect(Date.now() - started, 'ended, not waited out').to.be.below(4_000);
    expect(b.deaths[0]!.message).to.equal('answered nothing: hung');
    expect(a.deaths).to.deep.equal([]);
    expect(threads.threads()).to.have.length(0);
  });

  it('keeps the process free to exit: an idle thread and its ports hold nothing open, a waited answer does', async () => {
    // a process that attaches a service, asks, and exits on its own once nothing is awaited
    const script = `
      const { HelperThreads } = require(${JSON.stringify(path.join(__dirname, '..', '..', 'core'))});
      const threads = new HelperThreads();
      const service = threads.attach(0, { name: 'echo', file: ${JSON.stringify(ECHO)}, data: { tag: 'x' },
        onMessage: (a) => { service.unref(); console.log('answered ' + a.n); }, onDeath: (e) => console.log('died ' + e.message) });
      service.ref(); // the answer is awaited: the process stays for it
      service.postMessage({ n: 7, spinMs: 300 });`;
    const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const code = await new Promise<number | null>((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error('the process did not exit on its own'));
      }, 15_000);
      child.on('exit', (c) => {
        clearTimeout(timer);
        resolve(c);
      });
    });
    expect(out.trim()).to.equal('answered 7');
    expect(code).to.equal(0);
  });

  it('keeps the process up until a service that awaits an answer hears of its thread exiting', async () => {
    // the thread ends with process.exit (no error event): a ref'd port alone would let the process end unnoticed
    const script = `
      const { HelperThreads } = require(${JSON.stringify(path.join(__dirname, '..', '..', 'core'))});
      const threads = new HelperThreads();
      const service = threads.attach(0, { name: 'echo', file: ${JSON.stringify(ECHO)}, data: { tag: 'x' },
        onMessage: () => console.log('answered'), onDeath: (e, cause) => console.log('died (' + cause + '): ' + e.message) });
      service.ref();
      service.postMessage({ spinMs: 200, exit: 3 });`;
    const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(out.trim()).to.match(/^died \(thread\): helper thread exited with code 3$/);
    expect(code).to.equal(0);
  });

  it('gives a shared thread the heaps of both services on it: the parse caches and an encode job', () => {
    const young = HELPER_THREAD_LIMITS.maxYoungGenerationSizeMb!;
    const old = HELPER_THREAD_LIMITS.maxOldGenerationSizeMb!;
    expect(young).to.equal(Math.max(PARSE_WORKER_LIMITS.maxYoungGenerationSizeMb, ENCODE_WORKER_LIMITS.maxYoungGenerationSizeMb));
    expect(old).to.be.at.least(PARSE_WORKER_LIMITS.maxOldGenerationSizeMb + ENCODE_WORKER_LIMITS.maxOldGenerationSizeMb);
  });

  describe('in a daemon @integration', () => {
    it('parses telnet puts and encodes block cuts on one helper thread: one isolate, not two', async () => {
      const dir = tempDataDir('helper-threads');
      const daemon = await startDaemon({
        plugins: [
          'telnet',
          'put-telnet',
          ['storage-embedded', { dataDir: dir, headMaxPoints: 5_000 }],
          ...['codec-delta-of-delta', 'codec-zigzag-int', 'codec-decimal-float', 'codec-xor-float', 'codec-dict-string', 'codec-compact-json'],
        ],
      });
      try {
        await new Promise<void>((resolve, reject) => {
          const socket = net.connect(daemon.port, '127.0.0.1', () => {
            let lines = '';
            for (let i = 0; i < 20_000; i++) lines += `put helper.m ${1767225600 + i} ${i} host=h${i % 20}\n`;
            socket.end(lines);
          });
          socket.on('close', () => resolve());
          socket.on('error', reject);
        });
        const engine = daemon.kernel.container.resolve('storage');
        while ((await engine.stats()).checkpoints === 0) await new Promise((resolve) => setTimeout(resolve, 10));
        const pool = daemon.kernel.container.resolve('putParsePool');
        const encoder = (engine as unknown as { encoder?: { thread?: unknown } }).encoder;
        const helpers = daemon.kernel.container.resolve('helperThreads').threads();
        expect(pool.threads(), 'telnet parsed on a worker').to.have.length(1);
        expect(encoder?.thread, 'the cut encoded on a worker').to.not.equal(undefined);
        expect(encoder!.thread, 'the same thread').to.equal(pool.threads()[0]);
        expect(helpers).to.deep.equal([encoder!.thread]);
      } finally {
        await daemon.stop();
      }
      expect(daemon.kernel.container.resolve('helperThreads').threads(), 'ended with the daemon').to.deep.equal([]);
    });
  });
});
