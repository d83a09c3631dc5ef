/**
 * What a `delete=true` query removes besides points: the annotations of the series it read
 * whose start lies in [start, end]. OpenTSDB deletes each hour row its scan read, and an
 * annotation is a cell of its row (Annotation.PREFIX, SaltScanner.processRow), so its
 * delete takes the rows' annotations with their points, measured on the real server
 * (test/oracle/query-delete.test.ts). DSDB deletes by range, not by row: annotations outside
 * [start, end] stay, as points do (docs/opentsdb-compat.md, divergence 15).
 *
 * An annotation names its series by an OpenTSDB TSUID or, where no UIDs are kept, by the
 * engine's series id (what `show_tsuids` answers then). A metric sub-query's are the TSUIDs
 * with its metric's UID whose names pass its selector, and the ids of the series its selector
 * matches; a tsuids sub-query's are its TSUIDs and its series' ids. Global annotations are
 * never deleted (OpenTSDB keeps them in rows of their own, which no series scan reads).
 */
import type { SeriesInfo, SeriesSelector, StorageEngine, TimeRange } from '../../core';
import { uidServiceFor } from '../../lib/uid';
import { selectedNameOf } from './selected-tsuid';

/**
 * Deletes the annotations in `range` (ms, inclusive) of the series `selector` names (a metric
 * sub-query), or of `tsuids` and `series` (a tsuids sub-query and the series they resolved
 * to). TSUIDs match in any case. `pause` is called between steps, so that a long list
 * yields to other work. Returns how many went.
 */
export async function deleteAnnotationsOf(
  storage: StorageEngine,
  range: TimeRange,
  target: { selector: SeriesSelector } | { tsuids: readonly string[]; series: readonly SeriesInfo[] },
  pause: () => Promise<void> | undefined,
): Promise<number> {
  const notes = (await storage.annotations(range)).filter((a) => a.tsuid !== undefined && a.tsuid !== '');
  if (notes.length === 0) return 0;
  const doomed = 'selector' in target ? await selectedBy(storage, target.selector, pause) : listed(target.tsuids, target.series);
  let deleted = 0;
  for (const note of notes) {
    await pause();
    if ((await doomed(note.tsuid!.toUpperCase())) && (await storage.deleteAnnotation({ startTime: note.startTime, tsuid: note.tsuid }))) deleted++;
  }
  return deleted;
}

/** Whether an upper-case TSUID is one of `tsuids` or a series id of `series`. */
function listed(tsuids: readonly string[], series: readonly SeriesInfo[]): (tsuid: string) => Promise<boolean> {
  const wanted = new Set([...tsuids, ...series.map((s) => s.id)].map((t) => t.toUpperCase()));
  return async (tsuid) => wanted.has(tsuid);
}

/** Whether an upper-case TSUID names a series `selector` matches: by its UIDs, or as a matched series' engine id. */
async function selectedBy(storage: StorageEngine, selector: SeriesSelector, pause: () => Promise<void> | undefined): Promise<(tsuid: string) => Promise<boolean>> {
  const uids = uidServiceFor(storage);
  const metricUid = await uids.getId('metric', selector.metric);
  let ids: Set<string> | undefined;
  return async (tsuid) => {
    if (metricUid !== undefined && (await selectedNameOf(uids, metricUid, selector, tsuid)) !== undefined) return true;
    // not a TSUID the selector passes: perhaps a series id, looked up once
    if (ids === undefined) {
      ids = new Set();
      for await (const info of storage.lookup(selector)) {
        ids.add(info.id.toUpperCase());
        await pause();
      }
    }
    return ids.has(tsuid);
  };
}
