/**
 * The crash loop's short form (test/storage/crash-loop.ts; the long form is
 * `node dist/test/storage/crash-loop.js --cycles 50`): a few SIGKILLs under telnet,
 * `/api/put?sync` and protobuf load; nothing acknowledged missing, and no telnet point
 * read before the flush window missing. The seed changes per run and is printed;
 * DSDB_CRASH_SEED=<seed> replays the kill moments.
 */
import { expect } from 'chai';
import { crashLoop } from './crash-loop';

const SEED = Number(process.env.DSDB_CRASH_SEED ?? Math.floor(Math.random() * 2 ** 31));
const CYCLES = 3;

describe(`embedded storage crash loop (seed ${SEED}; replay: DSDB_CRASH_SEED=${SEED}) @integration`, function () {
  this.timeout(120_000);

  it(`loses no acknowledged point and no telnet point older than the flush window over ${CYCLES} SIGKILLs`, async () => {
    const results = await crashLoop({ cycles: CYCLES, seed: SEED, log: (line) => console.log(`      ${line}`) });
    expect(results).to.have.length(CYCLES);
    for (const r of results) {
      expect(r.missingSync, 'sync points acknowledged and missing').to.equal(0);
      expect(r.missingProtobuf, 'protobuf points acknowledged and missing').to.equal(0);
      expect(r.missingTelnetDue, 'telnet points read before the flush window and missing').to.equal(0);
    }
    // the load really ran: each kind was acknowledged, and some telnet points fell due
    const sum = (pick: (r: (typeof results)[number]) => number) => results.reduce((s, r) => s + pick(r), 0);
    expect(sum((r) => r.syncAcked)).to.be.greaterThan(0);
    expect(sum((r) => r.protobufAcked)).to.be.greaterThan(0);
    expect(sum((r) => r.telnetDue)).to.be.greaterThan(0);
  });
});
