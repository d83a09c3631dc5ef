/**
 * OpenTSDB 2.4.1's answers to malformed TSUIDs in /api/query (plugins/query/tsuid-checks.ts):
 * the messages below are the real server's (test/oracle/vectors.ts compares them with it).
 */
import { expect } from 'chai';
import { assertTsuidHex, assertTsuidShapes } from '../../plugins/query/tsuid-checks';
import type { TsQuery } from '../../plugins/query/model';
import { at, int, startQueryDaemon, type QueryDaemon } from '../helpers/query';

const t0 = 1356998400;

/** A query of sub-queries by TSUID lists, as far as the checks read it. */
const queryOf = (...lists: string[][]): TsQuery => ({ queries: lists.map((tsuids) => ({ tsuids })) }) as unknown as TsQuery;

/** The error a check throws: status and message, or undefined. */
function thrown(check: (q: TsQuery) => void, q: TsQuery): { status: number; message: string } | undefined {
  try {
    check(q);
    return undefined;
  } catch (err) {
    return { status: (err as { statusCode: number }).statusCode, message: (err as Error).message };
  }
}

describe('TSUID checks (OpenTSDB 2.4.1 TsdbQuery.configureFromQuery, UniqueId.stringToUid)', () => {
  it('a TSUID shorter than a metric UID gets Java substring()\'s message, metric UIDs that differ OpenTSDB\'s: 400s (OpenTSDB: 500s, divergence 10)', () => {
    expect(thrown(assertTsuidShapes, queryOf(['zz']))).to.deep.equal({ status: 400, message: 'begin 0, end 6, length 2' });
    expect(thrown(assertTsuidShapes, queryOf(['000001000001000001'], ['00000'])), 'any sub-query').to.deep.equal({ status: 400, message: 'begin 0, end 6, length 5' });
    expect(thrown(assertTsuidShapes, queryOf(['000001000001000001', '00000g000001000001']))).to.deep.equal({ status: 400, message: 'One or more TSUIDs did not share the same metric [000001] [00000G]' });
    expect(thrown(assertTsuidShapes, queryOf(['00000a000001000001', '00000A000001000002'])), 'case aside, the same').to.equal(undefined);
  });

  it("a UID with a character no hex digit is DatatypeConverter's 400; the tag part is padded to even length first", () => {
    expect(thrown(assertTsuidHex, queryOf(['00000g000001000001']))).to.deep.equal({ status: 400, message: 'contains illegal character for hexBinary: 00000g' });
    expect(thrown(assertTsuidHex, queryOf(['0000010000010000g']))).to.deep.equal({ status: 400, message: 'contains illegal character for hexBinary: 00000010000g' });
    expect(thrown(assertTsuidHex, queryOf(['000001']))).to.deep.equal({ status: 400, message: 'UID was empty' });
    expect(thrown(assertTsuidHex, queryOf(['0000010000010000100'])), 'odd but hex').to.equal(undefined);
  });

  it("engine ids (hex of a length no TSUID has) are not compared by metric UID", () => {
    expect(thrown(assertTsuidShapes, queryOf(['0000002A', '0000012B']))).to.equal(undefined);
    expect(thrown(assertTsuidHex, queryOf(['0000002A', '0000012B']))).to.equal(undefined);
  });

  describe('over HTTP', () => {
    let d: QueryDaemon;
    before(async () => {
      d = await startQueryDaemon();
      await d.write([at('sys.cpu', { host: 'a' }, t0, int(1))]);
    });
    after(() => d.stop());

    const get = async (path: string) => {
      const res = await fetch(`http://127.0.0.1:${d.port}${path}`);
      return { status: res.status, body: (await res.json()) as { error?: { code: number; message: string; details?: string } } };
    };

    it('answers the checks in error JSON, the shape checks of every sub-query before any UID parse', async () => {
      const short = await get(`/api/query?start=${t0 - 60}&tsuid=sum:00000g000001000001&tsuid=sum:zz`);
      expect(short.status).to.equal(400);
      expect(short.body.error).to.deep.equal({ code: 400, message: 'begin 0, end 6, length 2', details: 'begin 0, end 6, length 2' });
      const hex = await get(`/api/query?start=${t0 - 60}&tsuid=sum:00000100000100000g`);
      expect(hex.status).to.equal(400);
      expect(hex.body.error).to.deep.equal({ code: 400, message: 'contains illegal character for hexBinary: 00000100000g', details: 'contains illegal character for hexBinary: 00000100000g' });
    });

    it('a well-formed TSUID still reads its series, and one nobody wrote answers []', async () => {
      const shown = await get(`/api/query?start=${t0 - 60}&m=sum:sys.cpu&show_tsuids=true`);
      const tsuid = (shown.body as unknown as { tsuids: string[] }[])[0]!.tsuids[0]!;
      const read = await get(`/api/query?start=${t0 - 60}&tsuid=sum:${tsuid}`);
      expect(read.status).to.equal(200);
      expect((read.body as unknown as { dps: Record<string, number> }[])[0]!.dps).to.deep.equal({ [String(t0)]: 1 });
      const none = await get(`/api/query?start=${t0 - 60}&tsuid=sum:${tsuid.slice(0, 6)}FFFFFFFFFFFF`);
      expect(none).to.deep.equal({ status: 200, body: [] });
    });
  });
});
