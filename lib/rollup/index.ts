/** Rollups and pre-aggregates (OpenTSDB 2.4): config, series identity, row time. See docs/rollups.md. */
export * from './config';
export * from './row-time';
export * from './series-identity';
