/**
 * `lib/uid`: OpenTSDB's UIDs and TSUIDs over the storage engine's MetaStore, for the
 * plugins that speak in them (the UID and meta API, trees, search). It imports only core.
 */
export type { UidKind, UidService, SeriesName } from './types';
