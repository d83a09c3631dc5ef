/**
 * Long fuzz runs, outside CI:
 *   node dist/test/fuzz/run.js --target telnet --inputs 1000000 [--e2e-inputs 20000] [--seed N] [--path P]
 * `--target all` runs every target; `--level direct|e2e|both` (default both). The seed is
 * printed first; `--seed` (or DSDB_FUZZ_SEED) with the reported `--path` replays a failure.
 * Exits 1 when any oracle failed. See docs/reliability.md.
 */
import { FuzzDaemon } from './daemon';
import { directContext, formatResult, runDirect, runE2e, type RunResult } from './runner';
import { TARGETS } from './targets';

function flag(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

async function main(): Promise<void> {
  const seed = Number(flag('--seed') ?? process.env.DSDB_FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));
  const inputs = Number(flag('--inputs') ?? 1_000_000);
  const e2eInputs = Number(flag('--e2e-inputs') ?? Math.min(inputs, 20_000));
  const level = flag('--level') ?? 'both';
  const name = flag('--target') ?? 'all';
  const path = flag('--path');
  const targets = name === 'all' ? TARGETS : TARGETS.filter((t) => t.name === name);
  if (targets.length === 0) throw new Error(`no target ${name}; targets: ${TARGETS.map((t) => t.name).join(', ')}`);
  console.log(`fuzz seed ${seed} (replay: DSDB_FUZZ_SEED=${seed}), targets ${targets.map((t) => t.name).join(', ')}`);
  const results: RunResult[] = [];
  const onResult = (r: RunResult) => {
    results.push(r);
    console.log(formatResult(r));
    if (r.failure) console.log(r.failure);
  };
  if (level !== 'e2e') {
    const { context, stop } = await directContext();
    try {
      for (const target of targets) onResult(runDirect(target, context, { seed, inputs, path, maxFindings: 10 }));
    } finally {
      await stop();
    }
  }
  if (level !== 'direct') {
    const daemon = await FuzzDaemon.start();
    try {
      for (const target of targets) onResult(await runE2e(target, daemon, { seed, inputs: e2eInputs, path }));
      daemon.checkHealth('the whole run');
    } finally {
      await daemon.stop();
    }
  }
  const failed = results.filter((r) => r.failure);
  console.log(`fuzz seed ${seed}: ${results.length} runs, ${failed.length} failed`);
  process.exitCode = failed.length > 0 ? 1 : 0;
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 2;
});
