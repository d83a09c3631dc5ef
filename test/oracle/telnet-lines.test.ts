/**
 * Long telnet lines against a real OpenTSDB 2.4.1: its LineBasedFrameDecoder(1024) checks
 * the limit only against bytes it holds without a newline, so a line that arrives whole is
 * taken past 1024 bytes, and a line whose first part (no newline yet) passes 1024 bytes
 * closes the connection. (Netty reads a new connection 1 KiB at a time at first, so there
 * a whole line of more than ~2 KiB may close it too, depending on its reads; DSDB takes a
 * whole line of any length: docs/telnet.md.) The same lines sent to both; compared: whether the
 * connection still answers `version` after them, and whether the point was stored.
 *
 * Uses the oracle scripts/test.sh starts (DSDB_ORACLE_DIR); fails without one when
 * DSDB_ORACLE_REQUIRED=1, is skipped otherwise.
 */
import { expect } from 'chai';
import { exchange } from '../helpers/clients';
import { oracleOrSkip } from './await-oracle';
import { send, startDsdb, type DsdbUnderTest } from './harness';

const T = 1700000000;

describe('long telnet lines against OpenTSDB 2.4.1 (oracle) @integration', function () {
  this.timeout(10 * 60_000);
  let oracle: string | undefined;
  let dsdb: DsdbUnderTest | undefined;

  before(async function () {
    oracle = await oracleOrSkip(this);
    dsdb = await startDsdb();
  });
  after(async () => {
    await dsdb?.stop();
  });

  it('takes a whole line of any length and closes at an incomplete one past 1024 bytes, as OpenTSDB', async () => {
    const run = Date.now().toString(36);
    // [line length, bytes of it sent before the rest (and its newline) 300 ms later; 0: whole]
    const cases: [number, number][] = [
      [1024, 0],
      [1025, 0],
      [2047, 0],
      [1500, 750],
      [2049, 1024],
      [2100, 1050],
      [3000, 1500],
    ];
    const outcome = async (base: string, port: number): Promise<string[]> => {
      const out: string[] = [];
      for (const [length, first] of cases) {
        const metric = `tl.m${run}.${length}.${first}`;
        const prefix = `put ${metric} ${T} 1 k=`;
        const line = prefix + 'v'.repeat(length - prefix.length);
        const chunks = first > 0 ? [line.slice(0, first), `${line.slice(first)}\nversion\n`] : [`${line}\nversion\n`];
        const reply = await exchange(port, chunks, { gapMs: 300, idleMs: 1500 });
        out.push(`${length}/${first}: ${/built at revision/.test(reply.data) ? 'answers' : 'closed'}`);
      }
      // OpenTSDB buffers writes ~1 s
      await new Promise((resolve) => setTimeout(resolve, 1500));
      for (const [length, first] of cases) {
        const answer = await send(base, { kind: 'query', method: 'GET', path: `/api/query?start=${T - 10}&end=${T + 10}&m=sum:tl.m${run}.${length}.${first}` } as never);
        out.push(`${length}/${first}: ${answer.status === 200 && answer.text.includes(`"${T}"`) ? 'stored' : `not stored (${answer.status})`}`);
      }
      return out;
    };
    const port = (url: string) => Number(new URL(url).port);
    const [fromOracle, fromDsdb] = [await outcome(oracle!, port(oracle!)), await outcome(dsdb!.url, dsdb!.telnetPort)];
    expect(fromDsdb).to.deep.equal(fromOracle);
    // the cases do tell the two behaviours apart
    expect(fromOracle).to.include('2047/0: stored').and.to.include('3000/1500: closed');
  });
});
