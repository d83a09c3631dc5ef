/**
 * The differential test from the command line (longer runs than CI's):
 *   node dist/test/oracle/run.js [--seeds N] [--seed S] [--queries Q] [--shrink] [--json FILE]
 * Needs the oracle running (scripts/oracle/oracle.sh start). Prints every difference with its
 * query and the agreement figures per seed and per kind of request.
 */
import fs from 'node:fs';
import { loadAllowances, oracleUrl, runSeed, startDsdb, type RunResult } from './harness';

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const flag = (name: string) => {
    const i = args.indexOf(name);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const seeds = Number(flag('--seeds') ?? 1);
  const firstSeed = Number(flag('--seed') ?? process.env.DSDB_ORACLE_SEED ?? Math.floor(Math.random() * 1e9));
  const queries = Number(flag('--queries') ?? 400);
  const oracle = oracleUrl();
  if (!oracle) throw new Error('no oracle: run scripts/oracle/oracle.sh start (or set DSDB_ORACLE_URL)');
  const useAllow = !args.includes('--no-allow');
  const dsdb = await startDsdb();
  const results: RunResult[] = [];
  try {
    for (let i = 0; i < seeds; i++) {
      const seed = firstSeed + i;
      const t = Date.now();
      const r = await runSeed({ seed, queries, dsdb: dsdb.url, oracle, shrink: args.includes('--shrink'), allowances: useAllow ? loadAllowances() : [], log: (l) => console.log(l) });
      results.push(r);
      console.log(`seed ${seed}: ${r.agreed}/${r.total} agree (${((100 * r.agreed) / r.total).toFixed(1)}%, ${r.allowed} by documented divergences) in ${((Date.now() - t) / 1000).toFixed(0)} s`);
      for (const [k, v] of Object.entries(r.byKind)) console.log(`   ${k.padEnd(12)} ${v.agreed}/${v.total}`);
    }
  } finally {
    await dsdb.stop();
  }
  const total = results.reduce((s, r) => s + r.total, 0);
  const agreed = results.reduce((s, r) => s + r.agreed, 0);
  console.log(`TOTAL: ${agreed}/${total} agree (${((100 * agreed) / total).toFixed(2)}%) over seeds ${results.map((r) => r.seed).join(', ')}`);
  const out = flag('--json');
  if (out) fs.writeFileSync(out, JSON.stringify(results, null, 1));
  process.exitCode = agreed === total ? 0 : 1;
}

main().catch((err) => {
  console.error(err);
  process.exit(2);
});
