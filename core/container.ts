/**
 * The awilix container: the one place shared services live, so plugins never import
 * each other. Plugins add their services to `Cradle` by declaration merging:
 *
 *   declare module 'dsdb' { interface Cradle { myService: MyService } }
 */
import { asValue, createContainer, InjectionMode, type AwilixContainer } from 'awilix';
import type { ResolvedConfig } from './config';
import type { Aggregator, Codec } from './extension-points';
import type { KernelHooks } from './hooks';
import type { Logger } from './logger';
import type { Registry } from './registry';
import type { StorageEngine } from './storage';
import type { WriteService } from './writer';
import type { HelperThreads } from './helper-threads';
import type { Duplex } from 'node:stream';

/** Hands a stream to protocol detection, as if it were a new connection. */
export interface ConnectionDetector {
  detect(socket: Duplex, options?: { secure?: boolean }): void;
}

/** The daemon's own life, for plugins that may end it (the telnet `diediedie` command). */
export interface Lifecycle {
  /**
   * Starts the graceful shutdown SIGTERM starts — stop accepting, let plugins flush and end
   * their connections, drain accepted writes, close storage — on the next turn of the event
   * loop, and returns at once. The `dsdb` process then exits 0.
   */
  requestStop(reason: string): void;
}

export interface Cradle {
  config: ResolvedConfig;
  logger: Logger;
  hooks: KernelHooks;
  connections: ConnectionDetector;
  /** the configured storage engine; resolvable once `kernel.starting` has run */
  storage: StorageEngine;
  codecs: Registry<Codec>;
  aggregators: Registry<Aggregator>;
  /** the one way points reach storage: every transport writes its batches through it */
  writer: WriteService;
  /** DSDB's build: version, revision, … (the /api/version fields) */
  buildInfo: BuildInfo;
  /** worker threads features share, one V8 isolate each (core/helper-threads.ts): the put parse and chunk encode services attach there */
  helperThreads: HelperThreads;
  lifecycle: Lifecycle;
}

export interface BuildInfo {
  version: string;
  short_revision: string;
  full_revision: string;
  timestamp: string;
  repo_status: string;
  user: string;
  host: string;
  repo: string;
  branch: string;
}

export type DsdbContainer = AwilixContainer<Cradle>;

export function createDsdbContainer(): DsdbContainer {
  return createContainer<Cradle>({ injectionMode: InjectionMode.PROXY, strict: true });
}

export { asValue };
