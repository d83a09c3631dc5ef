/**
 * OpenTSDB's UIDs, kept in the storage engine's MetaStore so that every backend and every
 * daemon over it sees the same ones. A UID is 3 bytes per kind (OpenTSDB's default
 * widths), written as 6 upper-case hex digits (`000001`); UIDs of a kind are assigned
 * 1, 2, 3… in the order names are first seen, as OpenTSDB's atomic increment does. A TSUID
 * is the metric's UID followed by each tag's key UID and value UID, pairs sorted by key
 * UID (OpenTSDB's `UniqueId.getTSUIDFromKey`), in hex.
 */
export type UidKind = 'metric' | 'tagk' | 'tagv';

export interface SeriesName {
  metric: string;
  tags: Record<string, string>;
}

export interface UidService {
  /** The UID of a name, assigning the next free one when it has none (`getOrCreateId`). */
  getOrCreate(kind: UidKind, name: string): Promise<string>;
  /** The UID of a name, or undefined when none was assigned. */
  getId(kind: UidKind, name: string): Promise<string | undefined>;
  /** The name of a UID (hex), or undefined. */
  getName(kind: UidKind, uid: string): Promise<string | undefined>;
  /** The TSUID of a series, assigning UIDs to names that have none. */
  tsuid(series: SeriesName): Promise<string>;
  /** The TSUIDs of many series (one result each, in order: a TSUID or the Error that kept one of its names from a UID), their new names assigned together. */
  tsuids(series: readonly SeriesName[]): Promise<(string | Error)[]>;
  /** The series a TSUID names, or undefined when one of its UIDs is unknown. */
  resolveTsuid(tsuid: string): Promise<SeriesName | undefined>;
}
