/**
 * The differential test against a real OpenTSDB 2.4.1 (docs/opentsdb-compat.md): the fixed
 * vectors plus DSDB_ORACLE_QUERIES (400) random requests (and a quarter as many random
 * /api/query/gexp expressions, and as many /api/query/exp requests) from a seed that changes per run
 * (printed; DSDB_ORACLE_SEED=N replays it). Fails on any difference not listed in the
 * `oracle-allow` block of docs/opentsdb-compat.md.
 *
 * `npm test` (scripts/test.sh) starts the oracle in the background and sets
 * DSDB_ORACLE_REQUIRED=1. Elsewhere the test runs when an oracle is up
 * (scripts/oracle/oracle.sh start) and is skipped otherwise.
 */
import { expect } from 'chai';
import { oracleOrSkip } from './await-oracle';
import { describe as describeRequest, loadAllowances, runSeed, startDsdb, type DsdbUnderTest } from './harness';

describe('OpenTSDB 2.4.1 differential test (oracle) @integration', function () {
  this.timeout(15 * 60_000);
  let oracle: string | undefined;
  let dsdb: DsdbUnderTest | undefined;

  before(async function () {
    oracle = await oracleOrSkip(this);
    dsdb = await startDsdb();
  });

  after(async () => {
    await dsdb?.stop();
  });

  it('answers every fixed vector and random query as OpenTSDB does', async () => {
    const seed = Number(process.env.DSDB_ORACLE_SEED ?? Math.floor(Math.random() * 1e9));
    const queries = Number(process.env.DSDB_ORACLE_QUERIES ?? 400);
    console.log(`      oracle seed ${seed} (replay: DSDB_ORACLE_SEED=${seed}), ${queries} random queries`);
    const t0 = Date.now();
    const result = await runSeed({ seed, queries, dsdb: dsdb!.url, oracle: oracle!, shrink: true, allowances: loadAllowances() });
    const kinds = Object.entries(result.byKind)
      .map(([k, v]) => `${k} ${v.agreed}/${v.total}`)
      .join(', ');
    console.log(`      ${result.agreed}/${result.total} agree (${result.allowed} by documented divergences) in ${((Date.now() - t0) / 1000).toFixed(0)} s: ${kinds}`);
    const report = result.differences
      .slice(0, 25)
      .map((d) => `[${d.kind}] ${describeRequest(d.smallest ?? d.request)}\n    ${d.smallestDiff ?? d.diff}${d.smallest ? `\n    (from ${describeRequest(d.request)})` : ''}`)
      .join('\n');
    expect(result.differences.length, `seed ${seed}: ${result.differences.length} differences (replay with DSDB_ORACLE_SEED=${seed}):\n${report}`).to.equal(0);
    expect(result.total).to.be.greaterThan(queries);
    // the expressions (/api/query/gexp) are part of every run: random ones and the fixed vectors
    expect(result.byKind.gexp?.total ?? 0, 'random gexp requests').to.be.greaterThan(0);
    expect(result.byKind['fixed-gexp']?.total ?? 0, 'fixed gexp vectors').to.be.greaterThan(0);
    // and the JSON expressions (/api/query/exp): random ones and their fixed vectors
    expect(result.byKind.exp?.total ?? 0, 'random exp requests').to.be.greaterThan(0);
    expect(result.byKind['fixed-exp']?.total ?? 0, 'fixed exp vectors').to.be.greaterThan(0);
  });
});
