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
