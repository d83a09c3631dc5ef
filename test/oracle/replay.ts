/**
 * Replays one request of the differential test on a fresh DSDB holding a seed's data and on
 * the running oracle, and prints both answers:
 *   node dist/test/oracle/replay.js SEED GET '/api/query?…'
 *   node dist/test/oracle/replay.js SEED POST /api/query '{"start":…}'
 */
import { generateData } from './generate';
import { oracleUrl, send, startDsdb, writeBoth } from './harness';
import { fixedVectors } from './vectors';

async function main(): Promise<void> {
  const [seedText, method, path, body] = process.argv.slice(2);
  const oracle = oracleUrl();
  if (!oracle || !seedText || !method || !path) throw new Error('usage: replay.js SEED METHOD PATH [BODY] (with the oracle running)');
  const seed = Number(seedText);
  const data = generateData(seed);
  const fixed = fixedVectors(`fx${seed.toString(36)}`);
  const dsdb = await startDsdb();
  try {
    await writeBoth(dsdb.url, oracle, data, data.metrics, data.t0 - 3_600_000, data.t1 + 3_600_000);
    await writeBoth(dsdb.url, oracle, fixed.points, fixed.metrics, fixed.start, fixed.end);
    const req = { kind: 'replay', method: method as 'GET' | 'POST', path, ...(body ? { body: JSON.parse(body) } : {}) };
    for (const [name, url] of [['dsdb', dsdb.url], ['opentsdb', oracle]] as const) {
      const a = await send(url, req);
      console.log(`${name} ${a.status}\n${a.text}\n`);
    }
  } finally {
    await dsdb.stop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(2);
});
