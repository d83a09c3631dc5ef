/** Shared write-path pieces: OpenTSDB's rules, value text, exact JSON and the batch builder. */
export * from './rules';
export * from './value-text';
export * from './json-text';
export { BatchBuilder } from './batch-builder';
export { validateDataPoint, type IncomingPoint } from './validate-point';
export { PutCollector, type PutError, type ReceivedPoint } from './put-collector';
export type { PutFormat } from './put-format';
export { PutLineParser } from './put-line-parser';
