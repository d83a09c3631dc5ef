/**
 * The kernel: boots config → container → hooks → plugins (dependency order) → registries
 * → storage → kernel.starting → listen → kernel.ready, and shuts down in reverse. It
 * knows no concrete protocol, storage or endpoint: those are plugins.
 */
import path from 'node:path';
import { asValue, createDsdbContainer, type ConnectionDetector, type DsdbContainer, type Lifecycle } from './container';
import type { ResolvedConfig } from './config';
import { readBuildInfo } from './build-info';
import { detectConnection } from './detection';
import { HelperThreads } from './helper-threads';
import { DsdbError } from './errors';
import type { Aggregator, Codec } from './extension-points';
import { createKernelHooks, type KernelHooks, type ListenInfo } from './hooks';
import { DEFAULT_LISTEN_BACKLOG, Listener } from './listener';
import { createLogger, type Logger } from './logger';
import { loadPlugins, type LoadedPlugin } from './plugin-loader';
import { Registry } from './registry';
import type { StorageEngine, StorageEngineFactory } from './storage';
import { Writer } from './writer';

export interface KernelOptions {
  /** folders holding the built-in plugins (one folder per plugin) */
  builtinDirs?: string[];
  logger?: Logger;
}

/** Where the built-in plugins are, as a path: the kernel never imports them. */
export const DEFAULT_BUILTIN_DIR = path.resolve(__dirname, '..', 'plugins');

type KernelState = 'new' | 'starting' | 'running' | 'stopping' | 'stopped';

export class Kernel {
  readonly hooks: KernelHooks = createKernelHooks();
  readonly container: DsdbContainer = createDsdbContainer();
  readonly logger: Logger;
  private readonly writer: Writer;
  /** worker threads the features share (the put parse and chunk encode services): ended after the plugins' `closed` */
  private readonly helperThreads = new HelperThreads();
  private plugins: LoadedPlugin[] = [];
  private listener?: Listener;
  private storage?: StorageEngine;
  private state: KernelState = 'new';
  private address?: ListenInfo;
  private stopPromise?: Promise<void>;
  private storageOpening?: Promise<StorageEngine | undefined>;
  private markStopped!: () => void;
  /** Resolves once the kernel has stopped, whoever stopped it (stop(), or a plugin through `lifecycle`). */
  readonly stopped: Promise<void> = new Promise<void>((resolve) => (this.markStopped = resolve));

  constructor(
    readonly config: ResolvedConfig,
    private readonly options: KernelOptions = {},
  ) {
    this.logger = options.logger ?? createLogger(config.logLevel);
    const detectorOptions = { hooks: this.hooks, logger: this.logger, timeoutMs: config.detectTimeoutMs, firstByteTimeoutMs: config.firstByteTimeoutMs ?? 30_000 };
    this.writer = new Writer(this.hooks, this.container, config.writeMaxInFlightPoints ?? 1_000_000);
    this.hooks.kernel.collectStats.tap('kernel', (collector) => {
      this.writer.recordStats(collector);
      if (this.listener) collector.record('connectionmgr.refused', this.listener.refusedConnections);
    });
    this.container.register({
      writer: asValue(this.writer),
      config: asValue(config),
      logger: asValue(this.logger),
      hooks: asValue(this.hooks),
      buildInfo: asValue(readBuildInfo()),
      helperThreads: asValue(this.helperThreads),
      connections: asValue<ConnectionDetector>({
        detect: (socket, opts) => detectConnection(socket, detectorOptions, opts?.secure ?? false),
      }),
      lifecycle: asValue<Lifecycle>({
        requestStop: (reason) => {
          this.logger.warn({ reason }, 'shutdown requested');
          // next turn: the caller finishes its own work (a command writes its reply) first
          setImmediate(() => void this.stop().catch((err) => this.logger.error({ err }, 'shutdown failed')));
        },
      }),
    });
  }

  /** The plugins loaded, in registration order. */
  get loadedPlugins(): readonly LoadedPlugin[] {
    return this.plugins;
  }

  /** Where the port listens, once started. */
  get listenAddress(): ListenInfo | undefined {
    return this.address;
  }

  async start(): Promise<ListenInfo> {
    if (this.state !== 'new') throw new Error(`kernel cannot start from state ${this.state}`);
    this.state = 'starting';
    try {
      await this.registerPlugins();
      this.storage = await this.openStorage();
      if (!this.storage) {
        // Said at start-up, not on the first put: a daemon without storage refuses every write and read.
        this.logger.warn(
          { config: this.config.file },
          `no storage engine is configured in ${this.config.file}: writes and queries will be refused; add 'storage-embedded' and the codec-* plugins (dsdb init writes a config with them)`,
        );
      }
      await this.hooks.kernel.starting.promise();
      this.listener = new Listener(
        { hooks: this.hooks, logger: this.logger, timeoutMs: this.config.detectTimeoutMs, firstByteTimeoutMs: this.config.firstByteTimeoutMs ?? 30_000 },
        this.config.maxConnections ?? 10_000,
        this.config.listenBacklog ?? DEFAULT_LISTEN_BACKLOG,
      );
      this.address = await this.listener.listen(this.config.port, this.config.host);
      this.state = 'running';
      await this.hooks.kernel.ready.promise(this.address);
      if (this.config.emptyFile) this.logger.warn({ config: this.config.file }, 'the config file is empty: running on the built-in defaults');
      this.logger.info({ ...this.address, pid: process.pid, config: this.config.file, plugins: this.plugins.map((p) => p.plugin.name) }, 'DSDB is listening');
      return this.address;
    } catch (err) {
      await this.stop().catch(() => undefined);
      throw err;
    }
  }

  /**
   * Boots for a utility (`dsdb import`, `dsdb fsck`, …): loads and registers the plugins
   * and collects the registries, but neither opens storage nor listens, and fires no
   * `kernel.starting`/`ready`. Storage opens on `openStorageOnce()`; `stop()` closes it.
   */
  async load(): Promise<void> {
    if (this.state !== 'new') throw new Error(`kernel cannot load from state ${this.state}`);
    this.state = 'starting';
    try {
      await this.registerPlugins();
    } catch (err) {
      await this.stop().catch(() => undefined);
      throw err;
    }
  }

  /** After `load()`: opens the configured storage engine the first time, then returns it. */
  async openStorageOnce(): Promise<StorageEngine | undefined> {
    if (this.state !== 'starting') throw new Error(`kernel cannot open storage from state ${this.state}`);
    this.storageOpening ??= this.openStorage().then((engine) => (this.storage = engine));
    return this.storageOpening;
  }

  private async registerPlugins(): Promise<void> {
    this.plugins = await loadPlugins(this.config, this.options.builtinDirs ?? [DEFAULT_BUILTIN_DIR]);
    for (const { plugin, options, key } of this.plugins) {
      const log = this.logger.child({ plugin: plugin.name });
      await plugin.register(
        {
          hooks: this.hooks,
          container: this.container,
          config: this.config,
          log,
          baseDir: this.config.baseDir,
          configFile: this.config.file,
          configKey: key,
        },
        options,
      );
    }
    this.collectRegistries();
  }

  private collectRegistries(): void {
    const codecs = new Registry<Codec>('codec');
    this.hooks.codec.codecs.call(codecs);
    const aggregators = new Registry<Aggregator>('aggregator');
    this.hooks.query.aggregators.call(aggregators);
    this.container.register({
      codecs: asValue(codecs),
      aggregators: asValue(aggregators),
    });
  }

  /** Opens the engine named by `storage` in the config, or the only one registered. */
  private async openStorage(): Promise<StorageEngine | undefined> {
    const engines = new Registry<StorageEngineFactory>('storage engine');
    this.hooks.storage.engines.call(engines);
    let name = this.config.storage;
    if (name === undefined) {
      if (engines.size === 0) return undefined; // a daemon without storage: only protocol plugins
      if (engines.size > 1) {
        throw new DsdbError('DSDB_ERR_NO_STORAGE', `invalid config ${this.config.file}: storage: several storage engines are loaded (${engines.names().join(', ')}); name one with "storage"`);
      }
      name = engines.names()[0]!;
    }
    const factory = engines.get(name);
    if (!factory) {
      throw new DsdbError('DSDB_ERR_NO_STORAGE', `invalid config ${this.config.file}: storage: no loaded plugin provides the storage engine "${name}" (loaded: ${engines.names().join(', ') || 'none'})`);
    }
    const engine = await factory.create({ baseDir: this.config.baseDir, logger: this.logger.child({ storage: name }), codecs: this.container.resolve('codecs') });
    await engine.open();
    this.container.register({ storage: asValue(engine) });
    return engine;
  }

  /**
   * Graceful shutdown: stop accepting, let plugins flush and end their connections
   * (bounded by shutdownTimeoutMs), close storage, then release the rest.
   */
  stop(): Promise<void> {
    if (!this.stopPromise) this.stopPromise = this.doStop();
    return this.stopPromise;
  }

  private async doStop(): Promise<void> {
    // a start that failed (a wrong config) is cleaned up here too: it never ran, so it does not
    // log a stop (its error is the one line the command prints)
    const ran = this.state === 'running';
    this.state = 'stopping';
    this.listener?.stopAccepting();
    // Not unref'd: while shutdown waits for a stuck plugin or write, this timer is what
    // keeps the process alive to honour the bound, warn, and still close storage.
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => (timer = setTimeout(resolve, this.config.shutdownTimeoutMs, 'timeout')));
    const flushed = await Promise.race([this.hooks.kernel.stopping.promise().then(() => 'ok' as const), timeout]).catch((err) => {
      this.logger.error({ err }, 'a plugin failed while stopping');
      return 'error' as const;
    });
    if (flushed === 'timeout') this.logger.warn('plugins did not finish stopping in time; closing anyway');
    // Batches the transports handed over before they stopped still reach storage.
    const drained = await Promise.race([this.writer.drain().then(() => 'ok' as const), timeout]);
    if (drained === 'timeout') this.logger.warn('writes did not finish in time; closing storage anyway');
    clearTimeout(timer);
    this.listener?.destroyRemaining();
    if (this.storage) {
      try {
        await this.storage.close();
      } catch (err) {
        this.logger.error({ err }, 'storage failed to close cleanly');
      }
    }
    await this.hooks.kernel.closed.promise().catch((err) => this.logger.error({ err }, 'a plugin failed after close'));
    await this.helperThreads.close().catch((err) => this.logger.error({ err }, 'a helper thread failed to stop'));
    await this.container.dispose().catch(() => undefined);
    this.state = 'stopped';
    if (ran) this.logger.info('DSDB stopped');
    this.logger.flush?.();
    this.markStopped();
  }
}
