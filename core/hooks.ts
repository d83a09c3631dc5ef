/**
 * The kernel's hook table: every extension point of DSDB, typed. Plugins tap these;
 * only the component named under "called by" calls them. The tapable class states the
 * kind: Sync/Async, Series/Parallel, Bail (until the first tap answers). docs/plugins.md
 * repeats this table for plugin authors. Hooks of features (telnet commands, HTTP routes,
 * GUI panels, put formats) belong to the plugin that calls them and live in lib/, reached
 * through `defineFeatureHooks` accessors.
 */
import { AsyncParallelHook, AsyncSeriesHook, AsyncSeriesWaterfallHook, SyncBailHook, SyncHook } from 'tapable';
import type { CliCommand } from './cli-command';
import type { Aggregator, Codec, DetectionContext, DetectionResult, StatsCollector } from './extension-points';
import type { Registry } from './registry';
import type { PointBatch, StorageEngineFactory } from './storage';
import type { WriteInfo } from './writer';

export interface ListenInfo {
  host: string;
  port: number;
}

/**
 * Where feature plugins' own hooks live (see feature-hooks.ts). A global symbol, so
 * every copy of DSDB's modules in one process finds the same slot.
 */
export const FEATURE_HOOKS: unique symbol = Symbol.for('dsdb.featureHooks');

export const createKernelHooks = () =>
  Object.freeze({
    /** Hooks owned by feature plugins, by owner name: reach them with their accessor. */
    [FEATURE_HOOKS]: new Map<string, unknown>(),
    kernel: Object.freeze({
      /**
       * After every plugin has registered and the configured storage engine opened (so
       * `storage` resolves), before the port listens. Taps run in series; a tap that
       * throws aborts start-up. Called by the kernel.
       */
      starting: new AsyncSeriesHook<[]>([]),
      /** The port is listening and storage is open. Series. Called by the kernel. */
      ready: new AsyncSeriesHook<[ListenInfo]>(['listen']),
      /**
       * Shutdown began: the port no longer accepts connections. Taps flush what they
       * buffer and end their connections; they run in parallel, and storage is closed
       * only after all of them finish. Called by the kernel.
       */
      stopping: new AsyncParallelHook<[]>([]),
      /** Storage is closed; last chance to release resources. Series. Called by the kernel. */
      closed: new AsyncSeriesHook<[]>([]),
      /**
       * Someone asked for stats (`stats` over telnet, /api/stats, /metrics). Each tap
       * records its figures into the collector. Sync, every tap runs. Called by the
       * plugin serving the stats.
       */
      collectStats: new SyncHook<[StatsCollector]>(['collector']),
    }),
    net: Object.freeze({
      /**
       * Decides what a new connection speaks from its first bytes. Fires each time more
       * bytes arrive until a tap answers (SyncBailHook: taps run in `stage` order and the
       * first non-undefined answer wins). A tap returns:
       *  - a `ProtocolMatch` to take the connection,
       *  - `NEED_MORE_BYTES` when the bytes so far are a prefix of its protocol,
       *  - `undefined` when the bytes are not its protocol.
       * With `context.final` set no more bytes will come, and NEED_MORE_BYTES counts as no.
       * Called by the kernel's listener, and again on decrypted streams by the TLS plugin.
       */
      detectProtocol: new SyncBailHook<[Buffer, DetectionContext], DetectionResult>(['head', 'context']),
    }),
    storage: Object.freeze({
      /**
       * Collects storage engine factories by name, once at start-up. Every tap runs and
       * adds its engines to the registry. Called by the kernel before it opens the
       * configured engine.
       */
      engines: new SyncHook<[Registry<StorageEngineFactory>]>(['engines']),
    }),
    codec: Object.freeze({
      /** Collects chunk codecs by name, once at start-up. Every tap runs. Called by the kernel. */
      codecs: new SyncHook<[Registry<Codec>]>(['codecs']),
    }),
    query: Object.freeze({
      /** Collects aggregators by name, once at start-up. Every tap runs. Called by the kernel. */
      aggregators: new SyncHook<[Registry<Aggregator>]>(['aggregators']),
    }),
    write: Object.freeze({
      /**
       * A batch is on its way to storage (from any transport: telnet, /api/put, protobuf,
       * remote_write, `dsdb import`). Fires once per batch, never per point. Taps run in
       * series and may return a replacement batch (a waterfall): filter, relabel, copy.
       * A tap that throws fails the whole batch with that error. Called by the `writer`.
       */
      beforeWrite: new AsyncSeriesWaterfallHook<[PointBatch, WriteInfo]>(['batch', 'info']),
      /**
       * The batch (after every beforeWrite tap) is about to be written: work that must be
       * done first and leaves the batch as it is — e.g. the uid-meta plugin gives new series
       * their UIDs, as OpenTSDB assigns them before it writes the row. Once per batch; taps
       * run in series and must not change the batch (it is not checked again, which keeps
       * the write path free of per-series work). A tap that throws fails the whole batch,
       * as in beforeWrite. Called by the `writer`.
       */
      prepare: new AsyncSeriesHook<[PointBatch, WriteInfo]>(['batch', 'info']),
      /**
       * Storage accepted a batch (durable when `info.sync`). Once per batch; taps are
       * observers (replication, counters) and must not throw. Called by the `writer`.
       */
      afterWrite: new SyncHook<[PointBatch, WriteInfo]>(['batch', 'info']),
    }),
    cli: Object.freeze({
      /**
       * Collects `dsdb` subcommands by name (`import`, `fsck`, …), once when the `dsdb`
       * bin runs one. Every tap runs. Called by core/cli.ts after every plugin has
       * registered and the registries were collected; the port never listens and
       * `kernel.starting`/`ready` do not fire in that mode.
       */
      commands: new SyncHook<[Registry<CliCommand>]>(['commands']),
    }),
  });

export type KernelHooks = ReturnType<typeof createKernelHooks>;
