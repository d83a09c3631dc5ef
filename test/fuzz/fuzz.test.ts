/**
 * The short form of the fuzz runs (docs/reliability.md): every target, a small count of
 * inputs at both levels, from a seed that changes per run and is printed; replay with
 * DSDB_FUZZ_SEED=<seed>. Long runs: `node dist/test/fuzz/run.js --target all --inputs 1000000`.
 */
import { expect } from 'chai';
import { FuzzDaemon } from './daemon';
import { directContext, formatResult, runDirect, runE2e } from './runner';
import { TARGETS, type DirectContext } from './targets';

const SEED = Number(process.env.DSDB_FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));
const DIRECT_INPUTS = 1500;
/** each end-to-end input is a request or a connection; detection waits up to a second on some heads */
const E2E_INPUTS: Record<string, number> = { detection: 20 };
const E2E_DEFAULT = 60;

describe(`fuzz, short form (seed ${SEED}; replay: DSDB_FUZZ_SEED=${SEED}) @integration`, function () {
  this.timeout(60_000);
  let context: DirectContext;
  let stopContext: () => Promise<void>;
  let daemon: FuzzDaemon;

  before(async () => {
    console.log(`      fuzz seed ${SEED} (replay: DSDB_FUZZ_SEED=${SEED})`);
    ({ context, stop: stopContext } = await directContext());
    daemon = await FuzzDaemon.start();
  });
  after(async () => {
    await stopContext?.();
    await daemon?.stop();
  });

  for (const target of TARGETS) {
    it(`${target.name}: ${DIRECT_INPUTS} inputs to the parser in-process`, () => {
      const result = runDirect(target, context, { seed: SEED, inputs: DIRECT_INPUTS });
      expect(result.failure, result.failure).to.equal(undefined);
      expect(result.inputs).to.equal(DIRECT_INPUTS);
    });

    it(`${target.name}: through the running daemon (no 5xx, no hang, daemon alive)`, async () => {
      const inputs = E2E_INPUTS[target.name] ?? E2E_DEFAULT;
      const result = await runE2e(target, daemon, { seed: SEED, inputs });
      console.log(`      ${formatResult(result)}`);
      expect(result.failure, result.failure).to.equal(undefined);
      daemon.checkHealth(target.name);
    });
  }
});
