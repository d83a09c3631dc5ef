/** Waiting for the oracle that scripts/test.sh starts in the background (scripts/oracle/oracle.sh start). */
import fs from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from '../helpers/daemon';
import { oracleUrl, waitForOracle } from './harness';

export const ORACLE_DIR = process.env.DSDB_ORACLE_DIR ?? path.join(REPO_ROOT, '.test-data', 'oracle');

/**
 * The oracle's URL once it answers; undefined when none is up (at once, unless
 * DSDB_ORACLE_REQUIRED is set: then it waits up to `timeoutMs`). Throws when its boot failed.
 */
export async function awaitOracle(timeoutMs: number): Promise<string | undefined> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const url = oracleUrl();
    if (url) return (await waitForOracle(url, 30_000)) ? url : undefined;
    if (fs.existsSync(path.join(ORACLE_DIR, 'failed'))) {
      const log = `${ORACLE_DIR}.log`;
      throw new Error(`the oracle did not start${fs.existsSync(log) ? `:\n${fs.readFileSync(log, 'utf8').slice(-3000)}` : ''}`);
    }
    if (!process.env.DSDB_ORACLE_REQUIRED || Date.now() > deadline) return undefined;
    await new Promise((r) => setTimeout(r, 2000));
  }
}

/**
 * For a suite's `before`: the oracle's URL (awaitOracle), or the suite skipped when none is
 * up — a failure instead when DSDB_ORACLE_REQUIRED is set (CI), so a missing oracle is never
 * a silent pass.
 */
export async function oracleOrSkip(ctx: Mocha.Context, timeoutMs = 10 * 60_000): Promise<string> {
  const url = await awaitOracle(timeoutMs);
  if (url) return url;
  if (process.env.DSDB_ORACLE_REQUIRED) throw new Error('DSDB_ORACLE_REQUIRED is set but no oracle answered (scripts/oracle/oracle.sh start)');
  ctx.skip();
}
