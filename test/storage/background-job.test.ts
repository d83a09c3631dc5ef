/** The embedded engine's one background-job loop (cuts and compactions run through it). */
import { expect } from 'chai';
import { JobRunner, type BackgroundJob } from '../../plugins/storage-embedded/background-job';

/** A job of `total` points that records what happened to it. */
function job(total: number, failAt = Infinity): BackgroundJob & { done: number; log: string[] } {
  return {
    done: 0,
    log: [],
    step(budget) {
      if (this.done >= failAt) throw new Error('disk full');
      this.done = Math.min(total, this.done + budget);
      this.log.push(`step ${this.done}`);
      return this.done >= total;
    },
    finish() {
      this.log.push('finish');
    },
    abort() {
      this.log.push('abort');
    },
  };
}

const turn = () => new Promise((resolve) => setImmediate(resolve));

describe('embedded engine background jobs (JobRunner)', () => {
  it('runs a job one slice per event-loop turn, then installs it', async () => {
    const events: string[] = [];
    const runner = new JobRunner(10, { finished: (_, background) => events.push(`finished ${background}`), failed: () => events.push('failed') });
    const j = job(30);
    runner.runInBackground(j);
    expect(j.log).to.deep.equal([]);
    await turn();
    expect(j.log).to.deep.equal(['step 10']);
    expect(runner.current).to.equal(j);
    await turn();
    await turn();
    expect(j.log).to.deep.equal(['step 10', 'step 20', 'step 30', 'finish']);
    expect(events).to.deep.equal(['finished true']);
    expect(runner.current).to.equal(undefined);
  });

  it('settled() resolves once the job in progress ends — finished, failed, finished now or aborted — after its event', async () => {
    const events: string[] = [];
    const runner = new JobRunner(10, { finished: () => events.push('finished'), failed: () => events.push('failed') });
    await runner.settled(); // none runs: at once
    const ended = (label: string) => runner.settled().then(() => events.push(`settled ${label}`));
    runner.runInBackground(job(30));
    const a = ended('a');
    await turn();
    expect(events).to.deep.equal([]);
    await a;
    expect(events).to.deep.equal(['finished', 'settled a']);
    runner.runInBackground(job(30, 10));
    const b = ended('b');
    await b;
    expect(events.slice(2)).to.deep.equal(['failed', 'settled b']);
    runner.runInBackground(job(100));
    const c = ended('c');
    runner.finishNow();
    await c;
    runner.runInBackground(job(100));
    const d = ended('d');
    runner.abort();
    await d;
    expect(events.slice(4)).to.deep.equal(['finished', 'settled c', 'settled d']);
  });

  it('finishes a job now when asked, and the background loop stops', async () => {
    const events: string[] = [];
    const runner = new JobRunner(10, { finished: (_, background) => events.push(`finished ${background}`), failed: () => events.push('failed') });
    const j = job(100);
    runner.runInBackground(j);
    await turn();
    runner.finishNow();
    expect(j.log).to.deep.equal(['step 10', 'step 100', 'finish']);
    await turn();
    await turn();
    expect(j.log).to.have.length(3);
    expect(events).to.deep.equal(['finished false']);
  });

  it('aborts a job whose slice fails and reports it; finishNow throws instead', async () => {
    const failures: unknown[] = [];
    const runner = new JobRunner(10, { finished: () => expect.fail('finished'), failed: (err) => failures.push(err) });
    const j = job(100, 20);
    runner.runInBackground(j);
    for (let i = 0; i < 4; i++) await turn();
    expect(j.log).to.deep.equal(['step 10', 'step 20', 'abort']);
    expect(failures).to.have.length(1);
    expect(runner.current).to.equal(undefined);

    const k = job(100, 0);
    expect(() => runner.run(k)).to.throw('disk full');
    expect(k.log).to.deep.equal(['abort']);
  });

  it('lets a WAL fsync in flight go first, waiting for it once per slice', async () => {
    let release!: () => void;
    const fsync = new Promise<void>((resolve) => (release = resolve));
    let inFlight: Promise<void> | undefined = fsync;
    const runner = new JobRunner(10, { finished: () => undefined, failed: () => undefined }, () => inFlight);
    const j = job(20);
    runner.runInBackground(j);
    for (let i = 0; i < 3; i++) await turn();
    expect(j.log).to.deep.equal([], 'waits for the fsync in flight');
    release();
    inFlight = new Promise(() => undefined); // another fsync at once: waited for only at the next slice
    for (let i = 0; i < 3; i++) await turn();
    expect(j.log).to.deep.equal(['step 10']);
  });

  it('waits for a job that is idle (its work on another thread) instead of spinning, and paces it by the wait too', async () => {
    let release!: () => void;
    let steps = 0;
    const rests: number[] = [];
    const waiting: BackgroundJob = {
      step: () => ++steps >= 3,
      idle: () => (steps === 1 ? new Promise<void>((resolve) => (release = resolve)) : undefined),
      finish() {},
      abort() {},
    };
    const runner = new JobRunner(10, { finished: () => {}, failed: () => {} }, undefined, (ms) => (rests.push(ms), 0));
    runner.runInBackground(waiting);
    for (let i = 0; i < 5; i++) await turn();
    expect(steps, 'no step while it waits').to.equal(1);
    await new Promise((resolve) => setTimeout(resolve, 30));
    release();
    for (let i = 0; i < 5; i++) await turn();
    expect(steps).to.equal(3);
    expect(runner.current).to.equal(undefined);
    expect(rests[0], 'the wait counts as work').to.be.greaterThan(25);
  });

  it('leaves no timer behind when a job it waits for is finished now', async () => {
    let release!: () => void;
    let steps = 0;
    const rests: number[] = [];
    const waiting: BackgroundJob = {
      step: (budget) => (++steps, budget === Infinity),
      idle: () => new Promise<void>((resolve) => (release = resolve)),
      finish() {},
      abort() {},
    };
    const runner = new JobRunner(10, { finished: () => {}, failed: () => {} }, undefined, (ms) => (rests.push(ms), 0));
    runner.runInBackground(waiting);
    await turn();
    runner.finishNow();
    release();
    for (let i = 0; i < 5; i++) await turn();
    expect(steps).to.equal(2);
    expect(rests, 'the finished job is not driven again').to.deep.equal([]);
  });
});
