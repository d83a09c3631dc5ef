/**
 * Helper threads that features share: the put parse service and the chunk encode service
 * run on the same worker thread, each over a MessagePort of its own, instead of a thread
 * each. Why: every thread is a V8 isolate with its own heap, young generation, compiled
 * code and malloc arena; an isolate fewer took 20–40 MiB off the peak RSS of a 10M-point
 * load (docs/performance.md, "Forty-seventh session"), where the work of the two services
 * fits one core between them (parsing ~1.5 s and encoding ~0.6 s of a 3.5 s load; a 2-core
 * machine time-shared the three threads anyway).
 *
 * A service is a module exporting `serveHelper(port, data)` (HelperServiceModule), loaded
 * on the thread when a feature attaches it. Each service keeps its own protocol, order and
 * state on its port; the thread's main port only carries the attaching.
 *
 * Deaths: a thread that throws or exits (a crash, an out-of-memory end, a hung thread
 * killed by one of its services) is the death of every service on it: each hears of it
 * once (`onDeath`) and falls back as it did with a thread of its own; the next attach
 * starts a new thread. A service whose module fails to load dies alone (its port closes,
 * the thread and its other services go on); `onDeath`'s `cause` tells the two apart. A
 * thread is unref'd unless a service on it ref()s itself while it waits for an answer
 * (counted: the thread is ref'd while any service is), so that an awaited answer keeps
 * the process up, and so does its death until the service has heard of it. A thread ends
 * when its last service detaches.
 */
import path from 'node:path';
import { MessageChannel, type MessagePort, type ResourceLimits, type Transferable, type Worker } from 'node:worker_threads';
import { startWorkerThread, stopWorkerThread } from './worker-thread';

/**
 * The V8 heaps of a shared helper thread. Young: small, as each service's own thread had
 * (left to V8's default of 32 MiB an isolate took 60–80 MiB under load). Old: room for the
 * parse service's series caches when full (~270 MiB, PARSE_WORKER_LIMITS' 384) plus the
 * encode service's one job (ENCODE_WORKER_LIMITS' 256).
 */
export const HELPER_THREAD_LIMITS: Readonly<ResourceLimits> = Object.freeze({ maxYoungGenerationSizeMb: 4, maxOldGenerationSizeMb: 640 });

/** What a service module exports: it serves one feature over `port`, with the `data` it was attached with. */
export interface HelperServiceModule {
  serveHelper(port: MessagePort, data: unknown): void;
}

/** A service to attach (HelperThreads.attach). */
export interface HelperServiceSpec<M> {
  /** what the service is, for the reason of its death ("put parse worker") */
  name: string;
  /** the compiled module the thread loads (HelperServiceModule) */
  file: string;
  /** structured-clonable, given to serveHelper */
  data: unknown;
  /** each message the service posts */
  onMessage: (message: M) => void;
  /**
   * Once, when the service can take no more messages: `cause` 'start' when its module
   * failed to load or serveHelper threw (the thread goes on), 'thread' when the thread
   * died — a crash or an out-of-memory end in any service on it, or a service killing it
   * as hung.
   */
  onDeath: (reason: Error, cause: HelperDeathCause) => void;
}

/** Why a helper service died (HelperServiceSpec.onDeath). */
export type HelperDeathCause = 'start' | 'thread';

/** The attach message a helper thread's main port carries (helper-thread-main.ts). */
export interface AttachMessage {
  file: string;
  data: unknown;
  port: MessagePort;
}

/** What a helper thread posts on a service's port when its module did not load; the port then closes. */
export const SERVICE_FAILED = '__dsdbHelperServiceFailed';

/** A feature's end of its service on a helper thread. */
export class HelperService {
  private dead = false;
  private detached = false;
  /** ref()'d: counted in the thread's holds */
  private held = false;

  /**
   * `thread`: the thread it runs on (for tests: to kill it as a crash would). Fixed at
   * attach: after a death the slot's next thread is another service's, never this one's.
   */
  constructor(
    private readonly owner: HelperThread,
    readonly thread: Worker,
    private readonly port: MessagePort,
    private readonly spec: HelperServiceSpec<unknown>,
  ) {
    port.on('message', (message: unknown) => {
      if (this.dead || this.detached) return;
      if (message !== null && typeof message === 'object' && SERVICE_FAILED in message) {
        this.died(new Error(`${spec.name} failed to start: ${String((message as Record<string, unknown>)[SERVICE_FAILED])}`), 'start');
        // the thread goes on for its other services (or ends, if this was its only one)
        owner.leave(this).catch(() => undefined);
        port.close();
        return;
      }
      spec.onMessage(message);
    });
    port.unref();
  }

  /** Whether the service can take messages (not dead, not detached). */
  get live(): boolean {
    return !this.dead && !this.detached;
  }

  postMessage(message: unknown, transfer?: readonly Transferable[]): void {
    this.port.postMessage(message, transfer as Transferable[] | undefined);
  }

  /**
   * Keeps the process up while an answer is awaited: the thread is ref'd (not only this
   * port, which would let the process end unnoticed when the thread exits).
   */
  ref(): void {
    if (this.held || !this.live) return;
    this.held = true;
    this.owner.hold(this.thread, 1);
  }

  unref(): void {
    if (!this.held) return;
    this.held = false;
    this.owner.hold(this.thread, -1);
  }

  /**
   * Leaves the thread: no more messages or death calls; the service's port closes (what
   * it had in flight is dropped). The thread ends if no other service is on it.
   */
  async detach(): Promise<void> {
    if (this.detached) return;
    this.unref();
    this.detached = true;
    this.port.close();
    await this.owner.leave(this);
  }

  /**
   * Ends the thread as hung, with every service on it: this one hears nothing more, the
   * others hear of a death (`reason`).
   */
  async kill(reason: Error): Promise<void> {
    this.unref();
    this.detached = true;
    this.port.close();
    await this.owner.kill(this.thread, reason);
  }

  /** The thread died, or the service's start failed: onDeath once. */
  died(reason: Error, cause: HelperDeathCause): void {
    if (this.dead || this.detached) return;
    this.unref();
    this.dead = true;
    this.spec.onDeath(reason, cause);
  }
}

/** One helper thread and the services on it. */
class HelperThread {
  worker: Worker | undefined;
  private readonly services = new Set<HelperService>();
  /** services on the current thread that are ref()'d */
  private holds = 0;

  constructor(private readonly limits: ResourceLimits) {}

  attach<M>(spec: HelperServiceSpec<M>): HelperService {
    const worker = this.start();
    const { port1, port2 } = new MessageChannel();
    const service = new HelperService(this, worker, port1, spec as HelperServiceSpec<unknown>);
    this.services.add(service);
    const attach: AttachMessage = { file: spec.file, data: spec.data, port: port2 };
    worker.postMessage(attach, [port2]);
    return service;
  }

  /** A service on `worker` ref()'d itself (+1) or unref()'d (-1): the thread is ref'd while any is. */
  hold(worker: Worker, delta: number): void {
    if (this.worker !== worker) return;
    this.holds += delta;
    if (this.holds > 0) worker.ref();
    else worker.unref();
  }

  /** A service left: the thread ends with its last one. */
  async leave(service: HelperService): Promise<void> {
    if (!this.services.delete(service) || this.services.size > 0) return;
    const worker = this.worker;
    this.worker = undefined;
    if (worker) await stopWorkerThread(worker);
  }

  /** Ends `worker` if it is still this slot's thread; every service still on it hears of it as a death. */
  async kill(worker: Worker, reason: Error): Promise<void> {
    if (this.worker !== worker) return;
    this.lost(worker, reason);
    await stopWorkerThread(worker);
  }

  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = undefined;
    this.services.clear();
    if (worker) await stopWorkerThread(worker);
  }

  private start(): Worker {
    if (this.worker) return this.worker;
    const worker = startWorkerThread<never>({
      name: 'helper thread',
      file: path.join(__dirname, 'helper-thread-main.js'),
      workerData: undefined,
      resourceLimits: this.limits,
      onMessage: () => undefined,
      onDeath: (err) => this.lost(worker, err),
    });
    this.worker = worker;
    this.holds = 0;
    return worker;
  }

  private lost(worker: Worker, reason: Error): void {
    if (this.worker !== worker) return;
    this.worker = undefined;
    this.holds = 0;
    const services = [...this.services];
    this.services.clear();
    // each hears of it, whatever another's onDeath does
    for (const service of services) {
      try {
        service.died(reason, 'thread');
      } catch (err) {
        process.emitWarning(`a helper service's onDeath threw: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
  }
}

/**
 * The daemon's helper threads, by slot (a thread starts with its slot's first service).
 * The kernel registers one set as `helperThreads`; a feature used outside a daemon (a test,
 * a tool) makes its own.
 */
export class HelperThreads {
  private readonly slots: HelperThread[] = [];

  constructor(private readonly limits: ResourceLimits = HELPER_THREAD_LIMITS) {}

  /** Slots asked for so far (reserve). */
  get size(): number {
    return this.slots.length;
  }

  /** Makes sure there are at least `count` slots. */
  reserve(count: number): void {
    while (this.slots.length < count) this.slots.push(new HelperThread(this.limits));
  }

  /** Attaches a service on the thread of `slot` (modulo the slots; a slot is made if there is none), starting it if needed. */
  attach<M>(slot: number, spec: HelperServiceSpec<M>): HelperService {
    this.reserve(1);
    return this.slots[slot % this.slots.length]!.attach(spec);
  }

  /**
   * Attaches a service that may run on any thread: the last running one (an isolate fewer
   * than starting one), or slot 0's when none runs.
   */
  attachAnywhere<M>(spec: HelperServiceSpec<M>): HelperService {
    this.reserve(1);
    let slot = 0;
    for (let i = this.slots.length - 1; i > 0; i--) {
      if (this.slots[i]!.worker) {
        slot = i;
        break;
      }
    }
    return this.slots[slot]!.attach(spec);
  }

  /** The threads running now. */
  threads(): Worker[] {
    return this.slots.flatMap((s) => (s.worker ? [s.worker] : []));
  }

  /** Ends every thread (services on them hear nothing more). */
  async close(): Promise<void> {
    await Promise.all(this.slots.map((s) => s.close()));
  }
}
