/**
 * What trees read of a series: its TSMeta (does it exist, its JSON for /api/tree/test) and,
 * for the rules, the names and UID meta custom fields of its metric and tags — through
 * lib/uid's UID service and meta records, so trees see the same UIDs as /api/uid/*.
 */
import type { MetaRecords, UidKind } from '../../lib/uid';
import type { SeriesMetaView, UidMetaView } from './builder';

/** The part of lib/uid's MetaRecords that trees use. */
export type MetaRecordsView = Pick<MetaRecords, 'uids' | 'getUidMeta' | 'getTsMeta' | 'tsMetaJson' | 'tsuids'>;

export type SeriesLookup =
  | { kind: 'found'; view: SeriesMetaView; json: Record<string, unknown> }
  | { kind: 'no-meta' }
  | { kind: 'no-uid'; message: string };

const UID_HEX = 6;

/**
 * The series of a TSUID as TreeRpc's test needs it: `no-meta` when it has no TSMeta
 * ("Unable to locate TSUID meta data"), `no-uid` when one of its UIDs has no name
 * (OpenTSDB's NoSuchUniqueId, e.g. "No such unique ID for 'tagv': '[0, 0, 9]'").
 */
export async function lookupSeries(records: MetaRecordsView, tsuidIn: string): Promise<SeriesLookup> {
  const tsuid = tsuidIn.toUpperCase();
  const fields = await records.getTsMeta(tsuid);
  if (!fields) return { kind: 'no-meta' };
  const uids: Array<[UidKind, string]> = [['metric', tsuid.slice(0, UID_HEX)]];
  for (let i = UID_HEX; i + 2 * UID_HEX <= tsuid.length; i += 2 * UID_HEX) uids.push(['tagk', tsuid.slice(i, i + UID_HEX)], ['tagv', tsuid.slice(i + UID_HEX, i + 2 * UID_HEX)]);
  const views: UidMetaView[] = [];
  for (const [kind, uid] of uids) {
    const name = await records.uids.getName(kind, uid);
    if (name === undefined) return { kind: 'no-uid', message: `No such unique ID for '${kind === 'metric' ? 'metrics' : kind}': '${uidBytes(uid)}'` };
    views.push({ type: kind === 'metric' ? 'METRIC' : kind === 'tagk' ? 'TAGK' : 'TAGV', name, custom: (await records.getUidMeta(kind, uid)).custom });
  }
  const json = await records.tsMetaJson(tsuid, fields);
  if (!json) return { kind: 'no-meta' };
  return { kind: 'found', view: { tsuid, metric: views[0], tags: views.slice(1) }, json };
}

/** A UID as Java prints its byte array: `[0, 0, 1]` (signed bytes). */
function uidBytes(uid: string): string {
  const bytes: number[] = [];
  for (let i = 0; i < uid.length; i += 2) bytes.push(((parseInt(uid.slice(i, i + 2), 16) << 24) >> 24));
  return `[${bytes.join(', ')}]`;
}
