/**
 * Long fuzz runs, outside CI:
 *   node dist/test/fuzz/run.js --target telnet --inputs 1000000 [--e2e-inputs 20000] [--seed N] [--path P]
 * `--target all` (or a comma-separated list) runs every target; `--level direct|e2e|both`
 * (default both). The seed is printed first; `--seed` (or DSDB_FUZZ_SEED) with the
 * reported `--path` replays a failure. With `--chunk N` the direct level goes round the
 * targets N inputs at a time (chunk k uses seed+k·1000) and prints each target's running
 * total, so a run stopped early (or bounded by `--minutes M`) still reports its counts.
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
  const chunk = Number(flag('--chunk') ?? 0);
  const deadline = flag('--minutes') ? Date.now() + Number(flag('--minutes')) * 60_000 : Infinity;
  const targets = name === 'all' ? TARGETS : TARGETS.filter((t) => name.split(',').includes(t.name));
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
      if (chunk > 0) {
        const totals = new Map(targets.map((t) => [t.name, { inputs: 0, ms: 0, failures: [] as string[] }]));
        for (let k = 0; Date.now() < deadline && [...totals.values()].some((t) => t.inputs < inputs); k++) {
          for (const target of targets) {
            const total = totals.get(target.name)!;
            if (total.inputs >= inputs || Date.now() >= deadline) continue;
            const r = runDirect(target, context, { seed: seed + k * 1000, inputs: Math.min(chunk, inputs - total.inputs), maxFindings: 10 });
            total.inputs += r.inputs;
            total.ms += r.ms;
            if (r.failure) total.failures.push(`seed ${seed + k * 1000}: ${r.failure}`);
            console.log(`${formatResult({ ...r, inputs: total.inputs, ms: total.ms, failure: total.failures.length > 0 ? 'x' : undefined })} (running total; chunk seed ${seed + k * 1000})`);
            if (r.failure) console.log(r.failure);
          }
        }
        for (const [target, t] of totals) results.push({ target, level: 'direct', inputs: t.inputs, ms: t.ms, failure: t.failures.length > 0 ? t.failures.join('\n') : undefined });
      } else for (const target of targets) onResult(runDirect(target, context, { seed, inputs, path, maxFindings: 10 }));
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
