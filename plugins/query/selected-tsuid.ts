/**
 * Whether an OpenTSDB TSUID names a series a metric sub-query selects: its metric UID is the
 * sub-query's metric's, and the names its UIDs resolve to pass the selector. Used for the
 * annotations of rows read (engine.ts attachNotedSeries) and those a delete takes
 * (delete-annotations.ts).
 */
import { tagsPassSelector, type SeriesSelector } from '../../core';
import { splitTsuid, type MetaUidService, type SeriesName } from '../../lib/uid';

/** The series name of `tsuid` (upper case) when `selector` (whose metric's UID is `metricUid`) selects it, else undefined. */
export async function selectedNameOf(uids: MetaUidService, metricUid: string, selector: SeriesSelector, tsuid: string): Promise<SeriesName | undefined> {
  if (splitTsuid(tsuid)?.metric !== metricUid) return undefined;
  const name = await uids.resolveTsuid(tsuid);
  return name !== undefined && name.metric === selector.metric && tagsPassSelector(name.tags, selector.predicates, selector.explicitTagKeys) ? name : undefined;
}
