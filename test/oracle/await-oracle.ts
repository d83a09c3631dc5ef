/** Waits for the oracle scripts/test.sh starts in the background (as oracle.test.ts does). */
import fs from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from '../helpers/daemon';
import { oracleUrl, waitForOracle } from './harness';

const ORACLE_DIR = process.env.DSDB_ORACLE_DIR ?? path.join(REPO_ROOT, '.test-data', 'oracle');

/** The oracle's URL once it answers; undefined when none runs and none is required. */
export async function awaitOracle(timeoutMs: number): Promise<string | undefined> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const url = oracleUrl();
    if (url) return (await waitForOracle(url, 30_000)) ? url : undefined;
    if (fs.existsSync(path.join(ORACLE_DIR, 'failed'))) throw new Error('the oracle did not start');
    if (!process.env.DSDB_ORACLE_REQUIRED || Date.now() > deadline) return undefined;
    await new Promise((r) => setTimeout(r, 2000));
  }
}
