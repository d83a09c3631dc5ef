/**
 * `lib/uid`: OpenTSDB's UIDs and TSUIDs over the storage engine's MetaStore, for the
 * plugins that speak in them (the UID and meta API, trees, search, the query plugin's
 * TSUIDs). It imports only core. `uidServiceFor(engine)` gives every plugin of a daemon
 * the one service of its engine.
 */
export type { UidKind, UidService, SeriesName } from './types';
export { MetaUidService, UidNameError, UidsExhaustedError, UID_BYTES, UID_HEX, UID_KINDS, isUidHex, splitTsuid, uidHex, type MetaUidServiceOptions } from './meta-uid-service';
export { MetaRecords, defaultTsMeta, defaultUidMeta, mergedCreated, typeName, uidMetaJson, TSMETA_SPACE, UIDMETA_SPACE, type TsMetaFields, type UidMetaFields } from './meta-records';
export { uidServiceFor, metaRecordsFor } from './service-for';
export { knownTsuidOfSeries, tsuidOfSeries, seriesOfTsuid, seriesOfTsuids } from './series-tsuids';
export { nameExists } from './name-exists';
