/**
 * OpenTSDB's wire format for writes, shared by the put plugins and `dsdb import`: name
 * rules and error texts (PutDataPointRpc / Tags.validateString), value text, exact JSON,
 * the telnet/import put line parser and the `/api/put` point collector.
 */
export * from './rules';
export * from './value-text';
export * from './java-double';
export * from './json-text';
export { validateDataPoint, type IncomingPoint } from './validate-point';
export { PutCollector, type PutError, type ReceivedPoint } from './put-collector';
export { decodeBytesFirst, getPutHooks, type PutFormat } from './put-format';
export { PutLineParser } from './put-line-parser';
export { PutParsePool, type ParsedLines } from './put-parse-pool';
export { copyIntoShared, sharedBuffer, isShared, MAX_SHARED_BYTES, SharedBufferPool } from './shared-bytes';
export { sharedPutParsePool } from './shared-parse-pool';
export type { WorkerBodyReader, WorkerBodyReaderModule } from './put-parse-worker';
export { jsonFormat as putJsonFormat } from './put-json-format';
export { ApiError, apiErrorText } from './api-error';
export { hexBinaryUid } from './hex-uid';
export { annotationJson } from './annotation-json';
export { jsonInteger, jsonText, optionalJsonText } from './json-field';
export { QueryBudget, tooManyDataPoints, tooManySeries, queryTimedOut, queryCancelled, type QueryLimits } from './query-budget';
export { putFlags, putReply, type PutFlags, type PutTally } from './put-reply';
export { isQueryAnswer, isStringArray, type QueryAnswerResult } from './query-answer';
export { isJavaTimeZone, javaCalendarUtc, parseDateTime, parseDuration, zoneOffset, type Duration } from './time';
