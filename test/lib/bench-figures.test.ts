/** bench/lib: the comparison's CPU figure (a process' CPU from /proc, its median and ratio over rounds). */
import { expect } from 'chai';
import { cpuSeconds, cpuSecondsOfStat } from '../../bench/lib/process';
import { PROTOBUF_PUT_MODE, type SystemResult } from '../../bench/lib/report';
import { mergeRounds, roundRatios } from '../../bench/lib/rounds';

function result(name: string, rate: number, cpu: number | null, rss: number): SystemResult {
  return { name, ingest: { 'telnet ×1': rate }, ingestCpu: { 'telnet ×1': cpu }, bytesPerPoint: 1.5, peakRssMiB: rss, queries: {}, notes: [] };
}

describe('bench figures: server CPU a point', () => {
  it('reads utime and stime after the command name, however many spaces and parentheses it holds', () => {
    // fields 14 and 15 (utime 250, stime 75 ticks) of a process named "a) (b c"
    const stat = '4242 (a) (b c) S 1 4242 4242 0 -1 4194560 100 0 0 0 250 75 0 0 20 0 15 0 12345 1000000 300';
    expect(cpuSecondsOfStat(stat, 100)).to.equal(3.25);
    expect(cpuSecondsOfStat(stat, 1000)).to.equal(0.325);
    expect(cpuSecondsOfStat('4242 (x) S 1 2', 100)).to.be.NaN;
  });

  it('reads this process and grows as it works; NaN for a process that is not there', () => {
    const before = cpuSeconds(process.pid);
    expect(before).to.be.a('number').and.to.be.at.least(0);
    // work until a few ticks show (or 10 s pass, which would be the failure)
    const deadline = Date.now() + 10_000;
    let spins = 0;
    while (cpuSeconds(process.pid) - before < 0.05 && Date.now() < deadline) for (let i = 0; i < 1e5; i++) spins += i & 1;
    expect(spins).to.be.above(0);
    expect(cpuSeconds(process.pid) - before).to.be.at.least(0.05);
    expect(cpuSeconds(2 ** 22 + 1)).to.be.NaN;
  });

  it('merges rounds by the median and gives each round the CPU ratio to the baseline', () => {
    const dsdb = [result('DSDB', 100, 2, 300), result('DSDB', 120, 3, 310), result('DSDB', 90, null, 320)];
    const vm = [result('VM', 100, 1, 150), result('VM', 100, 2, 160), result('VM', 100, 1, 170)];
    expect(mergeRounds(dsdb).ingestCpu['telnet ×1']).to.equal(2.5);
    const ratios = roundRatios(dsdb, vm);
    expect(ratios['telnet ×1, CPU a point']).to.deep.equal({ ratios: [2, 1.5, null], median: 1.75 });
    expect(ratios['telnet ×1']!.median).to.equal(1);
  });

  it("sets a form the baseline does not take beside the baseline's /api/put, rate and CPU alike", () => {
    const of = (rate: number | null, cpu: number | null, putRate: number, putCpu: number): SystemResult => ({
      name: 'x',
      ingest: { 'HTTP /api/put': putRate, [PROTOBUF_PUT_MODE]: rate },
      ingestCpu: { 'HTTP /api/put': putCpu, [PROTOBUF_PUT_MODE]: cpu },
      bytesPerPoint: 1,
      peakRssMiB: 1,
      queries: {},
      notes: [],
    });
    const ratios = roundRatios([of(300, 6, 100, 2)], [of(null, null, 200, 3)]);
    expect(ratios[PROTOBUF_PUT_MODE]!.ratios).to.deep.equal([1.5]);
    expect(ratios[`${PROTOBUF_PUT_MODE}, CPU a point`]!.ratios).to.deep.equal([2]);
    expect(ratios['HTTP /api/put, CPU a point']!.ratios[0]).to.be.closeTo(2 / 3, 1e-12);
  });

  it("gives no ratio for a mode the baseline failed (a warm mode whose warm-up timed out), not its /api/put's", () => {
    const of = (warm: number | null, put: number): SystemResult => ({
      name: 'x', ingest: { 'HTTP /api/put': put, 'telnet ×1, warm': warm }, ingestCpu: { 'HTTP /api/put': 1, 'telnet ×1, warm': warm === null ? null : 1 }, bytesPerPoint: 1, peakRssMiB: 1, queries: {}, notes: [],
    });
    const ratios = roundRatios([of(300, 100)], [of(null, 200)]);
    expect(ratios['telnet ×1, warm']!.ratios).to.deep.equal([null]);
    expect(ratios['telnet ×1, warm, CPU a point']!.ratios).to.deep.equal([null]);
  });
});
