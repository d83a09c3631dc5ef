/**
 * The checks OpenTSDB 2.4.1 makes of a sub-query's TSUIDs before it reads anything, with
 * its answers (proven against the real server: test/oracle/vectors.ts):
 *  - TsdbQuery.configureFromQuery takes each TSUID's metric UID as `substring(0, 6)`: a
 *    TSUID shorter than that is Java's StringIndexOutOfBoundsException, whose message
 *    OpenTSDB answers ("begin 0, end 6, length 2"); a metric UID that differs (ignoring
 *    case) from the first TSUID's is "One or more TSUIDs did not share the same metric
 *    [A] [B]" (both upper-cased). OpenTSDB answers both with a 500; DSDB with a 400 and the
 *    same message, as all bad input (docs/opentsdb-compat.md, divergence 10);
 *  - then, as each sub-query's scan starts: the first TSUID's metric UID, and each TSUID's
 *    tag part in sorted order, go through UniqueId.stringToUid: an empty tag part is a 400
 *    "UID was empty", and lib/opentsdb's hexBinaryUid pads and checks the rest (a 400
 *    "contains illegal character for hexBinary: <the UID>").
 * A well-formed TSUID nobody wrote answers no series (200 []), as before. DSDB also takes an
 * engine's own series id where a series' names have no UIDs (lib/uid): hex whose length no
 * TSUID has (8 digits for the embedded engine). Such an id names no metric, so it is not
 * compared with the others' metric UIDs; every other check applies to it as to a TSUID.
 */
import { ApiError, hexBinaryUid } from '../../lib/opentsdb';
import { UID_HEX } from '../../lib/uid';
import type { TsQuery } from './model';

/** configureFromQuery's checks, for every sub-query in order (they all run before any scan). Throws ApiError 400. */
export function assertTsuidShapes(query: TsQuery): void {
  for (const sub of query.queries) {
    if (!sub.tsuids) continue;
    let first: string | undefined;
    for (const tsuid of sub.tsuids) {
      if (tsuid.length < UID_HEX) throw invalid(`begin 0, end ${UID_HEX}, length ${tsuid.length}`);
      if (isEngineId(tsuid)) continue;
      const metric = tsuid.slice(0, UID_HEX).toUpperCase();
      if (first === undefined) first = metric;
      else if (metric !== first) throw invalid(`One or more TSUIDs did not share the same metric [${first}] [${metric}]`);
    }
  }
}

/** The scan's UID parsing, for every sub-query in order. Throws ApiError 400. */
export function assertTsuidHex(query: TsQuery): void {
  for (const sub of query.queries) {
    if (!sub.tsuids || sub.tsuids.length === 0) continue;
    hexBinaryUid(sub.tsuids[0]!.slice(0, UID_HEX));
    // QueryUtil.getRowKeyTSUIDRegex sorts the list (String.compareTo: UTF-16 code units, as JS sorts)
    for (const tsuid of [...sub.tsuids].sort()) {
      const tags = tsuid.slice(UID_HEX);
      if (tags.length === 0) throw invalid('UID was empty');
      hexBinaryUid(tags);
    }
  }
}

const HEX = /^[0-9a-fA-F]*$/;

/** Hex of a length no TSUID has (a TSUID is a metric UID and whole tag key and value UID pairs). */
function isEngineId(id: string): boolean {
  return (id.length - UID_HEX) % (2 * UID_HEX) !== 0 && HEX.test(id);
}

function invalid(message: string): ApiError {
  return new ApiError(400, message, message);
}
