/**
 * core/time-slice.ts: a slice is due once its time is used up, and slicedWorkRunning tells
 * background work that a slice waits for its turn or resumed just now.
 */
import { expect } from 'chai';
import { slicedWorkRunning, TimeSlice, yieldToEventLoop } from '../../core';

/** Busy-waits `ms` (the slices read the wall clock). */
function spin(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until);
}

describe('core TimeSlice', () => {
  it('is due once its time is used up, and starts a fresh slice after a pause', async () => {
    const slice = new TimeSlice(20);
    expect(slice.due()).to.equal(false);
    spin(25);
    expect(slice.due()).to.equal(true);
    await slice.pause();
    expect(slice.due()).to.equal(false);
  });

  it('tells background work that sliced work runs: while one waits for its turn, and for a while after it resumed', async () => {
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(slicedWorkRunning(20), 'nothing ran for 30 ms').to.equal(false);
    const slice = new TimeSlice(5);
    let seenWhilePaused: boolean | undefined;
    // runs in the turn the pause yields to, before the slice resumes
    setImmediate(() => (seenWhilePaused = slicedWorkRunning(0)));
    await slice.pause();
    expect(seenWhilePaused, 'a slice waiting for its turn').to.equal(true);
    expect(slicedWorkRunning(20), 'just resumed').to.equal(true);
    spin(25);
    expect(slicedWorkRunning(20), '25 ms after the resume').to.equal(false);
    await yieldToEventLoop(); // a plain yield is no sliced work
    expect(slicedWorkRunning(20)).to.equal(false);
  });
});
