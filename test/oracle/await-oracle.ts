/**
 * The oracle for a differential test file: waits for scripts/oracle/oracle.sh start (run in
 * the background by scripts/test.sh) when DSDB_ORACLE_REQUIRED is set, fails when it is set
 * and no oracle answers, and resolves undefined (skip) otherwise.
 */
import fs from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from '../helpers/daemon';
import { oracleUrl, waitForOracle } from './harness';

const ORACLE_DIR = process.env.DSDB_ORACLE_DIR ?? path.join(REPO_ROOT, '.test-data', 'oracle');

export async function requireOracle(timeoutMs = 10 * 60_000): Promise<string | undefined> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const url = oracleUrl();
    if (url && (await waitForOracle(url, 30_000))) return url;
    if (fs.existsSync(path.join(ORACLE_DIR, 'failed'))) throw new Error('the oracle did not start (scripts/oracle/oracle.sh start)');
    if (!process.env.DSDB_ORACLE_REQUIRED) return undefined;
    if (Date.now() > deadline) throw new Error('DSDB_ORACLE_REQUIRED is set but no oracle answered (scripts/oracle/oracle.sh start)');
    await new Promise((r) => setTimeout(r, 2000));
  }
}
