/**
 * Parses telnet `put` lines on worker threads (the daemon's helper threads,
 * core/helper-threads.ts: slot i's parse service shares thread i with whatever else runs
 * there, the chunk encoder), so that parsing and finding series run on the second core
 * while the storage thread appends. A job is a run
 * of complete lines; its answer, a PointBatch plus the error line of each bad line in
 * order, resolves in the order jobs were given to that worker (one worker serves a
 * caller's jobs in FIFO order: pass the same `affinity` for a connection and its lines
 * keep their order).
 *
 * The batch's series cross threads as slots (put-parse-worker.ts): each worker's table
 * maps slot → series object and key here, so a known series costs no object or string.
 *
 * A worker that dies (a crash, an out-of-memory, its thread ended by another service as
 * hung) loses nothing: every job not yet answered is parsed here, on the main thread, with
 * the same code, in order, and a new worker takes the later jobs. Workers are unref'd
 * (they never keep the process alive) and started on the first job.
 */
import path from 'node:path';
import type { Worker } from 'node:worker_threads';
import { NO_TEXTS } from '../../core/batch-builder';
import { HelperThreads, type HelperService } from '../../core/helper-threads';
import type { PointBatch } from '../../core/storage';
import { newSeriesRef, newSeriesSpace, type SeriesRef, type SeriesSlots, type SeriesSpace } from '../../core/series-ref';
import type { SeriesKey } from '../../core/types';
import { isShared, MAX_SHARED_BYTES, SharedBufferPool } from './shared-bytes';
import { NameInterner } from '../../core/name-interner';
import { JobParsers, type ParseRequest, type ParseResult } from './put-parse-worker';

export interface ParsedLines {
  /** undefined when no line of the job gave a point */
  batch: PointBatch | undefined;
  /** the error line of each refused line, in order */
  errors: string[];
  /** lines (a lines job), or points (a JSON job) */
  lines: number;
  /** a JSON body the byte-level reader did not take (no batch): read it with the exact reader */
  exact: boolean;
  /** a module job's WorkerBodyReader detail (parseWith) */
  detail?: unknown;
  /** a checked lines job (parse with maxLineLength): where the first line it did not take starts, or -1 */
  stoppedAt: number;
}

/**
 * The V8 heap of each parse worker. Its live data is one job (a packet's lines: tens of
 * KiB; a JSON body) and its series caches: the line parser's (2^18 entries) and the JSON
 * reader's (JSON_CACHE_SERIES, 2^16), ~800 bytes of heap a cached series, so ~270 MiB
 * when both are full (a high-cardinality load). The old generation holds that with room
 * for a body; a smaller cap made a worker die each time it had learnt ~110k series (the
 * next one learnt them again and died again: test/write/parse-worker-heap.test.ts). The
 * young generation stays small: left to V8's default (32 MiB) the isolate takes 60–80 MiB
 * under load even with few series. A worker that runs out anyway dies and loses nothing
 * (see above).
 *
 * These are a pool's own threads' limits (a pool made without `threads`); in a daemon the
 * parse services run on the kernel's helper threads, whose HELPER_THREAD_LIMITS hold these
 * and the chunk encoder's (test/kernel/helper-threads.test.ts checks it).
 */
export const PARSE_WORKER_LIMITS = Object.freeze({ maxYoungGenerationSizeMb: 4, maxOldGenerationSizeMb: 384 });

/** A worker's series by slot, as this thread knows them: the same objects in every batch of a series. */
interface TableEntry {
  series: SeriesKey;
  key: string;
  ref: SeriesRef;
}

/**
 * A worker's slots as this thread knows them (put-parse-worker's SlotTable hands them
 * out), and the SeriesSpace its batches name: both renewed whenever the worker's slots
 * start over, so a slot names one series for the space's whole life.
 */
class WorkerSeriesTable {
  readonly entries: TableEntry[] = [];
  readonly space: SeriesSpace = newSeriesSpace();
}

/**
 * A worker's batch. Its series arrive as slots (`seriesSlots`), which the storage thread's
 * consumers read directly; `series`, `seriesKeys` and `seriesRefs` are built from the slot
 * table only when something reads them (a new series, a `beforeWrite` tap, an engine that
 * does not read slots): building three arrays per batch, each as long as its series, was a
 * quarter of what the storage thread allocated in a load of a fleet's series.
 */
class SlotBatch implements PointBatch {
  /** dropped when `series`, `seriesKeys` or `seriesRefs` is replaced: the slots would name the old series */
  seriesSlots: SeriesSlots | undefined;
  private built: { series: SeriesKey[]; seriesKeys: string[]; seriesRefs: (SeriesRef | undefined)[] | undefined } | undefined;

  constructor(
    readonly length: number,
    private readonly table: WorkerSeriesTable,
    private readonly slots: Uint32Array,
    readonly seriesIndex: Uint32Array,
    readonly timestamps: Float64Array,
    readonly kinds: Uint8Array,
    readonly floats: Float64Array,
    readonly ints: BigInt64Array,
    readonly texts: (string | undefined)[],
  ) {
    this.seriesSlots = { space: table.space, slots };
  }

  get series(): SeriesKey[] {
    return this.build().series;
  }

  set series(series: SeriesKey[]) {
    this.build().series = series;
    this.seriesSlots = undefined;
  }

  get seriesKeys(): string[] {
    return this.build().seriesKeys;
  }

  set seriesKeys(keys: string[]) {
    this.build().seriesKeys = keys;
    this.seriesSlots = undefined;
  }

  get seriesRefs(): (SeriesRef | undefined)[] | undefined {
    return this.build().seriesRefs;
  }

  set seriesRefs(refs: (SeriesRef | undefined)[] | undefined) {
    this.build().seriesRefs = refs;
    this.seriesSlots = undefined;
  }

  private build(): NonNullable<SlotBatch['built']> {
    if (this.built !== undefined) return this.built;
    const slots = this.slots;
    const entries = this.table.entries;
    const n = slots.length;
    const series: SeriesKey[] = new Array(n);
    const seriesKeys: string[] = new Array(n);
    const seriesRefs: SeriesRef[] = new Array(n);
    for (let s = 0; s < n; s++) {
      const entry = entries[slots[s]!]!;
      series[s] = entry.series;
      seriesKeys[s] = entry.key;
      seriesRefs[s] = entry.ref;
    }
    this.built = { series, seriesKeys, seriesRefs };
    return this.built;
  }
}

interface Job extends ParseRequest {
  resolve(parsed: ParsedLines): void;
  /** the shared buffer the bytes were copied to for the worker, given back when the job is answered */
  lease: Buffer | undefined;
}

class ParseWorker {
  /** the parse service on its helper thread, once started */
  private worker: HelperService | undefined;
  private readonly jobs: Job[] = [];
  /** by slot: the series, its key and its SeriesRef (the same objects in every batch of the series) */
  private table = new WorkerSeriesTable();
  private nextId = 1;
  /** shared buffers that carry bytes not in shared memory (JSON and plugin bodies) to the thread */
  private readonly buffers = new SharedBufferPool(4);
  /** terminated: jobs submitted after it are parsed on this thread (no thread is started that nothing would end) */
  private closed = false;

  constructor(
    private readonly onCrash: (err: unknown) => void,
    private readonly threads: HelperThreads,
    private readonly slot: number,
    /** the pool's names: one string a metric, tag key or tag value, whichever worker sent it */
    private readonly names: NameInterner,
  ) {}

  /** Jobs given to this worker and not answered yet. */
  get pending(): number {
    return this.jobs.length;
  }

  submit(request: Omit<ParseRequest, 'id'>): Promise<ParsedLines> {
    return new Promise<ParsedLines>((resolve) => {
      const job: Job = { ...request, id: this.nextId++, resolve, lease: undefined };
      this.jobs.push(job);
      if (this.closed) return this.fallBack();
      // the bytes stay readable here for the fallback after a crash: shared when they are
      // in shared memory already (telnet's), otherwise copied to a lent shared buffer
      // (posting them would clone them into a fresh buffer of the worker's each time), but
      // for large ones (MAX_SHARED_BYTES), which are posted as they are
      const bytes = request.bytes;
      let posted = bytes;
      if (!isShared(bytes) && bytes.length <= MAX_SHARED_BYTES) {
        job.lease = this.buffers.lend(bytes);
        posted = job.lease.subarray(0, bytes.length);
      }
      this.start().postMessage({ ...request, bytes: posted, id: job.id });
    });
  }

  /** Ends the thread; unanswered jobs are parsed here first. */
  async terminate(): Promise<void> {
    this.closed = true;
    const worker = this.worker;
    if (!worker) return;
    this.worker = undefined;
    const stopped = worker.detach();
    this.fallBack();
    await stopped;
  }

  /** For tests: the shared buffers kept for the next bodies. */
  get sharedBuffersKept(): number {
    return this.buffers.spareCount;
  }

  /** For tests: the thread, to kill it as a crash would. */
  get thread(): Worker | undefined {
    return this.worker?.thread;
  }

  private start(): HelperService {
    if (this.worker) return this.worker;
    const worker: HelperService = this.threads.attach<ParseResult>(this.slot, {
      name: 'put parse worker',
      file: path.join(__dirname, 'put-parse-worker.js'),
      data: undefined,
      onMessage: (result) => this.answer(result),
      onDeath: (err) => {
        if (this.worker !== worker) return;
        this.worker = undefined;
        this.onCrash(err);
        this.fallBack();
      },
    });
    this.worker = worker;
    this.table = new WorkerSeriesTable();
    return worker;
  }

  private answer(result: ParseResult): void {
    const job = this.jobs.shift();
    if (!job || job.id !== result.id) throw new Error(`put parse worker answered job ${result.id} out of order`);
    this.giveBack(job);
    job.resolve(this.toParsed(result));
  }

  /** Parses every unanswered job on this thread, in order (the worker is gone). */
  private fallBack(): void {
    if (this.jobs.length === 0) return;
    const parsers = new JobParsers();
    this.table = new WorkerSeriesTable();
    for (const job of this.jobs.splice(0)) {
      // read here from the caller's bytes; a thread that is going may still read the lease,
      // which is harmless (only read, and its answer is never taken)
      this.giveBack(job);
      job.resolve(this.toParsed(parsers.parse(job)));
    }
    // the next worker numbers its slots from 0 again
    this.table = new WorkerSeriesTable();
  }

  private giveBack(job: Job): void {
    if (job.lease === undefined) return;
    this.buffers.release(job.lease);
    job.lease = undefined;
  }

  private toParsed(r: ParseResult): ParsedLines {
    if (r.reset) this.table = new WorkerSeriesTable();
    const entries = this.table.entries;
    // a posted series' names are fresh copies (structured clone): shared here, once a series
    const names = this.names;
    for (const [slot, metric, tags, key] of r.added) entries[slot] = { series: { metric: names.intern(metric), tags: names.internValues(tags) }, key, ref: newSeriesRef() };
    const stoppedAt = r.stoppedAt ?? -1;
    if (r.length === 0) return { batch: undefined, errors: r.errors, lines: r.lines, exact: r.exact, detail: r.detail, stoppedAt };
    const batch = new SlotBatch(r.length, this.table, r.slots, r.seriesIndex, r.timestamps, r.kinds, r.floats, r.ints, r.texts ?? NO_TEXTS);
    return { batch, errors: r.errors, lines: r.lines, exact: false, detail: r.detail, stoppedAt };
  }
}

export class PutParsePool {
  private readonly workers: ParseWorker[] = [];
  /** the names of the series the workers send (NameInterner), shared by them all */
  private readonly names = new NameInterner();
  private readonly helpers: HelperThreads;
  /** the pool's own threads when it was given none (closed with it) */
  private readonly ownThreads: HelperThreads | undefined;

  /**
   * @param size worker slots (at least 1): slot i parses on helper thread i
   * @param threads the daemon's helper threads (the kernel's `helperThreads`); without
   *   them the pool makes its own, with PARSE_WORKER_LIMITS
   */
  constructor(
    size: number,
    private readonly onCrash: (err: unknown) => void,
    threads?: HelperThreads,
  ) {
    this.ownThreads = threads ? undefined : new HelperThreads(PARSE_WORKER_LIMITS);
    this.helpers = threads ?? this.ownThreads!;
    this.grow(Math.max(1, size));
  }

  /** Worker slots (a thread starts on its first job). */
  get size(): number {
    return this.workers.length;
  }

  /** Adds worker slots up to `size` (never fewer): a transport that asks for more threads than the pool has gets them. */
  grow(size: number): void {
    this.helpers.reserve(size);
    while (this.workers.length < size) this.workers.push(new ParseWorker(this.onCrash, this.helpers, this.workers.length, this.names));
  }

  /**
   * Parses `bytes` (complete lines) on the worker `affinity` picks. The pool owns them
   * until the promise settles (they may be reused then); bytes over a SharedArrayBuffer
   * reach the worker without a copy. With `maxLineLength` the bytes are a telnet
   * session's run (TelnetCommand.executeRun), checked as the session would check them:
   * the answer's `stoppedAt` is where the first line not taken starts
   * (PutLineParser.parseLines).
   */
  parse(bytes: Uint8Array, affinity: number, maxLineLength?: number): Promise<ParsedLines> {
    return this.workers[affinity % this.workers.length]!.submit({ kind: 'lines', bytes, ...(maxLineLength !== undefined ? { maxLineLength } : {}) });
  }

  /**
   * Reads an `/api/put` JSON body on a worker with the byte-level reader: its points as a
   * batch, or `exact: true` (no batch) when the body needs the exact reader. The body is
   * copied to the worker (kept here for the fallback after a crash).
   */
  parseJson(body: Uint8Array, affinity: number): Promise<ParsedLines> {
    return this.workers[affinity % this.workers.length]!.submit({ kind: 'json', bytes: body });
  }

  /**
   * Reads a body on a worker with a plugin's byte reader: `module` is the path of a module
   * exporting `bodyReader` (WorkerBodyReader), `options` its structured-clonable options.
   * Its points come back as a batch with the reader's `detail`, or `exact: true` (no batch)
   * when the body needs the plugin's exact reader here. The body is copied to the worker.
   */
  parseWith(module: string, body: Uint8Array, options: unknown, affinity: number): Promise<ParsedLines> {
    return this.workers[affinity % this.workers.length]!.submit({ kind: 'module', bytes: body, module, options });
  }

  /** For tests: the shared buffers each worker slot keeps for the bodies it carries to its thread. */
  sharedBuffersKept(): number[] {
    return this.workers.map((w) => w.sharedBuffersKept);
  }

  /** For tests: the worker threads started so far. */
  threads(): Worker[] {
    return this.workers.flatMap((w) => (w.thread ? [w.thread] : []));
  }

  /** Ends the threads. Jobs submitted afterwards (a connection's last packet during shutdown) are parsed on this thread. */
  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
    await this.ownThreads?.close();
  }
}
