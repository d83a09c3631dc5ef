/**
 * DSDB's public API for plugin authors and embedders: `import { definePlugin } from 'dsdb'`.
 */
export { defineConfig, loadConfig, resolveConfig, DEFAULT_PLUGINS, DEFAULT_PLUGIN_GROUPS, type DsdbConfig, type PluginSpec, type ResolvedConfig } from './config';
export { definePlugin, type DsdbPlugin, type PluginContext } from './plugin';
export { Kernel, DEFAULT_BUILTIN_DIR, type KernelOptions } from './kernel';
export { flattenSpecs } from './plugin-loader';
export { createKernelHooks, FEATURE_HOOKS, type KernelHooks, type ListenInfo } from './hooks';
export { Registry } from './registry';
export { BatchBuilder } from './batch-builder';
export { NameInterner } from './name-interner';
export { newSeriesRef, newSeriesRefSlot, newSeriesSpace, seriesCountOf, type SeriesRef, type SeriesSpace, type SeriesSlots } from './series-ref';
export { tagsPassSelector } from './selector-match';
export { TimeSlice, yieldToEventLoop, slicedWorkRunning, DEFAULT_SLICE_MS } from './time-slice';
export { startWorkerThread, stopWorkerThread, type WorkerThreadSpec } from './worker-thread';
export { HelperThreads, HelperService, HELPER_THREAD_LIMITS, type HelperDeathCause, type HelperServiceModule, type HelperServiceSpec } from './helper-threads';
export { defineFeatureHooks } from './feature-hooks';
export { Writer, type WriteService, type WriteInfo } from './writer';
export { assertValidBatch } from './batch-check';
export { INTERNAL_METRIC_PREFIX, isInternalMetric } from './internal-series';
export { CliExit, type CliCommand, type CliContext, type CliPluginInfo } from './cli-command';
export { DsdbError, ConfigError, type DsdbErrorCode } from './errors';
export type { Cradle, DsdbContainer, ConnectionDetector, BuildInfo, Lifecycle } from './container';
export type { Logger, LogLevel } from './logger';
export { throttledLog } from './logger';
export * from './extension-points';
export * from './types';
export type * from './storage';
export { Type, type Static } from '@sinclair/typebox';
export { ByteWriter, ByteReader, Float64Scratch, zigzag, unzigzag, packUnsigned, unpackUnsigned, PACK_GROUP, int64AsNumber, int64ToDouble, setInt64FromNumber, int64Words } from './codec-io';
export { packRanged, unpackRanged, RANGE_GROUP } from './range-pack';
export { allocPoints, slicePoints, lowerBound, upperBound, rangeOfSorted, growColumns } from './series-points';
export { SortedPoints } from './sorted-points';
export { runStorageConformance, type ConformanceOptions } from './testing/storage-conformance';
export { loadStorageEngineFactory, type LoadStorageOptions } from './testing/load-storage';
export { pointBatch } from './testing/batch';
