/**
 * Chunk encoding on a worker thread (encode-worker.ts), for a storage engine's block cuts:
 * the caller copies series' columns into an EncodeSlice (shared memory the encoder lends),
 * and gets back the chunks' bytes, exactly as writeChunk would have written them on its
 * own thread, with each chunk's index entry (CHUNK_META_FIELDS numbers). Copying a series'
 * columns costs a memcpy; encoding them costs ~100 ns a point of the storage thread's time.
 *
 * Only codecs that say where a worker can load them (Codec.worker) can run there:
 * ChunkEncoder.forCodecs gives undefined when one of the codecs may not, and the engine
 * then encodes on its own thread. If the thread dies, the jobs in flight are rejected and
 * the next job starts a new one; callers encode what was lost themselves. A thread that
 * hangs (answers no job for `answerTimeoutMs` while jobs wait) is ended and counted as a
 * death, so a cut waiting for it (and the writes waiting for that cut) go on.
 */
import path from 'node:path';
import type { Worker } from 'node:worker_threads';
import { ValueKind, type SeriesPoints } from '../../core';
import { HelperThreads, type HelperService } from '../../core/helper-threads';
import type { CodecSet } from './codec-set';
import type { EncodeAnswer, EncodeJob, EncoderCodecs } from './encode-worker';


/** f64 timestamp, 8-byte value, u8 kind */
const BYTES_PER_POINT = 17;
/** Shared buffers kept for the next slices (a cut keeps two in flight)... */
const SPARE_BUFFERS = 2;
/** ...if no larger than this: one long series' slice must not stay allocated for the engine's life. */
const SPARE_MAX_BYTES = 8 << 20;
/** The encode thread's heaps when the encoder has a thread of its own (no `threads` given): it holds one job's output at a time. */
export const ENCODE_WORKER_LIMITS = Object.freeze({ maxYoungGenerationSizeMb: 4, maxOldGenerationSizeMb: 256 });
const INT: number = ValueKind.Int;
/**
 * Threads in a row that may die before answering a job (a codec module that does not load
 * there, a thread that cannot start) before the encoder gives up: otherwise every cut and
 * compaction would start one more and log one more failure.
 */
const MAX_FAILED_STARTS = 3;
/**
 * How long the thread may go without answering while jobs wait before it is taken for hung
 * and ended. A job is one slice (thousands of points, ~100 ns a point): milliseconds. The
 * margin is for a machine starved of CPU; ending a slow thread by mistake costs only its
 * jobs being encoded again on the storage thread.
 */
export const DEFAULT_ANSWER_TIMEOUT_MS = 60_000;

/** ChunkEncoder's settings. */
export interface ChunkEncoderOptions {
  /** ms without an answer, with jobs waiting, before the thread is ended as hung (DEFAULT_ANSWER_TIMEOUT_MS) */
  answerTimeoutMs?: number;
  /**
   * The daemon's helper threads (the kernel's `helperThreads`): the encoder runs on one
   * already running, beside the parse service there (HelperThreads.attachAnywhere). Without them it makes its own
   * thread (ENCODE_WORKER_LIMITS).
   */
  threads?: HelperThreads;
}

/** Encoded chunks: their bytes back to back, and CHUNK_META_FIELDS numbers a chunk (series id, length, crc32, minT, maxT, count, finite). */
export interface EncodedChunks {
  bytes: Uint8Array;
  meta: Float64Array;
  chunks: number;
}

/** Numeric series gathered for one encode, their columns in shared memory. */
export class EncodeSlice {
  /** points copied in so far */
  points = 0;
  readonly timestamps: Float64Array;
  readonly values: Float64Array;
  readonly ints: BigInt64Array;
  readonly kinds: Uint8Array;
  private readonly ids: number[] = [];
  private readonly ends: number[] = [];

  constructor(
    readonly buffer: SharedArrayBuffer,
    readonly capacity: number,
  ) {
    this.timestamps = new Float64Array(buffer, 0, capacity);
    this.values = new Float64Array(buffer, capacity * 8, capacity);
    this.ints = new BigInt64Array(buffer, capacity * 8, capacity);
    this.kinds = new Uint8Array(buffer, capacity * 16, capacity);
  }

  /** Points that still fit. */
  get room(): number {
    return this.capacity - this.points;
  }

  /** Series added. */
  get series(): number {
    return this.ids.length;
  }

  /**
   * Copies a series' points [0, length) (sorted, unique timestamps; integer and float
   * values only: text values are not carried) to be stored as series `id`. Throws
   * RangeError when they do not fit.
   */
  add(id: number, points: SeriesPoints): void {
    const n = points.length;
    if (n > this.room) throw new RangeError(`a series of ${n} points does not fit the ${this.room} left in the slice`);
    const at = this.points;
    this.timestamps.set(points.timestamps.subarray(0, n), at);
    this.kinds.set(points.kinds.subarray(0, n), at);
    // a head's floats and ints are views of the same bytes: one copy carries both kinds
    // (same-type typed arrays copy bytes, NaN payloads and all)
    this.values.set(points.floats.subarray(0, n), at);
    if (points.ints.buffer !== points.floats.buffer || points.ints.byteOffset !== points.floats.byteOffset) {
      for (let i = 0; i < n; i++) if (points.kinds[i] === INT) this.ints[at + i] = points.ints[i]!;
    }
    this.points = at + n;
    this.ids.push(id);
    this.ends.push(this.points);
  }

  /** The job for the worker. */
  job(id: number, chunkPoints: number): EncodeJob {
    return { id, buffer: this.buffer, capacity: this.capacity, ids: Uint32Array.from(this.ids), ends: Uint32Array.from(this.ends), chunkPoints };
  }
}

interface Waiting {
  resolve(chunks: EncodedChunks): void;
  reject(err: Error): void;
  buffer: SharedArrayBuffer;
}

export class ChunkEncoder {
  /** the encode service on its helper thread, once started */
  private worker: HelperService | undefined;
  private nextId = 1;
  private readonly waiting = new Map<number, Waiting>();
  private readonly spare: SharedArrayBuffer[] = [];
  private closed = false;
  /** threads in a row that died before answering a job */
  private failedStarts = 0;
  /** whether the current thread has answered a job */
  private answered = false;
  /** the job the thread said it started (EncodeAnswer.started) and has not answered */
  private running: number | undefined = undefined;
  /** armed while jobs wait: ends a thread that answers none in time */
  private watchdog: NodeJS.Timeout | undefined;
  private readonly answerTimeoutMs: number;
  private readonly threads: HelperThreads;
  /** the encoder's own thread when it was given none (closed with it) */
  private readonly ownThreads: HelperThreads | undefined;

  /** `codecs`: where the worker loads the codecs from; `onFailure` hears of a job the worker failed and of a thread that died or hung. */
  constructor(
    private readonly codecs: EncoderCodecs,
    private readonly onFailure: (err: Error) => void = () => {},
    options: ChunkEncoderOptions = {},
  ) {
    this.answerTimeoutMs = options.answerTimeoutMs ?? DEFAULT_ANSWER_TIMEOUT_MS;
    this.ownThreads = options.threads ? undefined : new HelperThreads(ENCODE_WORKER_LIMITS);
    this.threads = options.threads ?? this.ownThreads!;
  }

  /**
   * An encoder for `codecs`, or undefined when one of the codecs it may write numbers with
   * has no Codec.worker. Text is never sent to the thread, so its codecs need none.
   */
  static forCodecs(codecs: CodecSet, onFailure?: (err: Error) => void, options?: ChunkEncoderOptions): ChunkEncoder | undefined {
    const lists = { timestamp: codecs.timestamp, int: codecs.byKind[ValueKind.Int]!, float: codecs.byKind[ValueKind.Float]! };
    const modules = new Map<string, EncoderCodecs['modules'][number]>();
    for (const list of Object.values(lists)) {
      for (const codec of list) {
        if (!codec.worker) return undefined;
        modules.set(codec.name, { name: codec.name, module: codec.worker.module, exportName: codec.worker.exportName });
      }
    }
    const names = (list: { name: string }[]) => list.map((c) => c.name);
    const prefs = { timestamp: names(lists.timestamp), int: names(lists.int), float: names(lists.float), string: [], json: [] };
    return new ChunkEncoder({ prefs, modules: [...modules.values()] }, onFailure, options);
  }

  /**
   * False once closed, or once MAX_FAILED_STARTS threads in a row died before answering a
   * job: callers then encode on their own thread (encode() would reject at once).
   */
  get usable(): boolean {
    return !this.closed && this.failedStarts < MAX_FAILED_STARTS;
  }

  /** Jobs sent and not answered. */
  get inFlight(): number {
    return this.waiting.size;
  }

  /** A slice with room for at least `points` points, in shared memory lent until it is encoded (or given back). */
  slice(points: number): EncodeSlice {
    const bytes = Math.max(1, points) * BYTES_PER_POINT;
    // the smallest spare that fits
    let at = -1;
    for (let i = 0; i < this.spare.length; i++) if (this.spare[i]!.byteLength >= bytes && (at < 0 || this.spare[i]!.byteLength < this.spare[at]!.byteLength)) at = i;
    const buffer = at >= 0 ? this.spare.splice(at, 1)[0]! : new SharedArrayBuffer(bytes);
    return new EncodeSlice(buffer, Math.floor(buffer.byteLength / BYTES_PER_POINT));
  }

  /**
   * Encodes the slice's series into chunks of at most `chunkPoints` points on the worker.
   * The slice is the encoder's again once this is called. Rejects when the worker fails
   * the job or dies, or the encoder is closed.
   */
  encode(slice: EncodeSlice, chunkPoints: number): Promise<EncodedChunks> {
    if (this.closed) return Promise.reject(new Error('the chunk encoder is closed'));
    if (!this.usable) return Promise.reject(new Error(`the chunk encoder gave up: ${MAX_FAILED_STARTS} threads in a row died before answering a job`));
    const id = this.nextId++;
    const job = slice.job(id, chunkPoints);
    return new Promise<EncodedChunks>((resolve, reject) => {
      // posted first: a thread that cannot start leaves nothing waiting (the promise rejects)
      const worker = this.start();
      worker.postMessage(job);
      worker.ref(); // an encode in flight keeps the process up until it is answered
      this.waiting.set(id, { resolve, reject, buffer: slice.buffer });
      this.watchdog ??= this.armWatchdog();
    });
  }

  /** Ends the thread; jobs in flight are rejected. */
  async close(): Promise<void> {
    this.closed = true;
    const worker = this.worker;
    this.worker = undefined;
    this.disarmWatchdog();
    this.failAll(new Error('the chunk encoder is closed'));
    if (worker) await worker.detach();
    await this.ownThreads?.close();
  }

  /** For tests: the thread, to kill it as a crash would. */
  get thread(): Worker | undefined {
    return this.worker?.thread;
  }

  private start(): HelperService {
    if (this.worker) return this.worker;
    // beside a service already running: a thread of its own is an isolate more (20–40 MiB at a load's peak)
    const worker: HelperService = this.threads.attachAnywhere<EncodeAnswer>({
      name: 'chunk encode worker',
      file: path.join(__dirname, 'encode-worker.js'),
      data: { codecs: this.codecs },
      onMessage: (answer) => this.answer(answer),
      // counted toward MAX_FAILED_STARTS: its own module failing, or the thread dying in one of its jobs
      // (not a death another service on the thread caused while this one's jobs waited)
      onDeath: (err, cause) => this.lost(worker, err, cause === 'start' || this.running !== undefined),
    });
    this.worker = worker;
    this.answered = false;
    this.running = undefined;
    return worker;
  }

  /**
   * The service is gone (its thread died, or was ended as hung) or was left (its thread
   * busy elsewhere): its jobs are rejected (their callers encode them), the next job
   * attaches again. `counts`: toward MAX_FAILED_STARTS, unless the thread had answered.
   */
  private lost(worker: HelperService, err: Error, counts: boolean): void {
    if (this.worker !== worker) return;
    this.worker = undefined;
    this.disarmWatchdog();
    if (this.answered) this.failedStarts = 0;
    else if (counts) this.failedStarts++;
    this.running = undefined;
    this.failAll(err);
    this.onFailure(err);
  }

  /**
   * After answerTimeoutMs with jobs waiting and no answer: a job of the encoder's that
   * started and never ended is hung, and the thread is ended with every service on it (a
   * thread stuck in a codec serves no one). A job that never started waited behind another
   * service's work on the shared thread: the encoder leaves that thread (its jobs are
   * encoded by the caller) and the thread goes on.
   */
  private armWatchdog(): NodeJS.Timeout {
    const timer = setTimeout(() => {
      this.watchdog = undefined;
      const worker = this.worker;
      if (!worker || this.waiting.size === 0) return;
      if (this.running !== undefined) {
        const hung = new Error(`chunk encode worker answered no job in ${this.answerTimeoutMs} ms: ended as hung`);
        this.lost(worker, hung, true);
        worker.kill(hung).catch(() => {});
        return;
      }
      this.lost(worker, new Error(`chunk encode worker started no job in ${this.answerTimeoutMs} ms (its thread busy with other work): the jobs are encoded here`), false);
      worker.detach().catch(() => {});
    }, this.answerTimeoutMs);
    timer.unref(); // the jobs' ref() on the thread is what keeps the process up
    return timer;
  }

  private disarmWatchdog(): void {
    if (this.watchdog) clearTimeout(this.watchdog);
    this.watchdog = undefined;
  }

  private answer(answer: EncodeAnswer): void {
    if (answer.started) {
      // the thread took the job: the full timeout from now, for that job alone
      this.running = answer.id;
      this.disarmWatchdog();
      this.watchdog = this.armWatchdog();
      return;
    }
    if (this.running === answer.id) this.running = undefined;
    this.answered = true;
    const waiting = this.waiting.get(answer.id);
    this.waiting.delete(answer.id);
    // an answer: the thread is alive; the jobs still waiting get a full timeout
    this.disarmWatchdog();
    if (this.waiting.size > 0) this.watchdog = this.armWatchdog();
    if (!waiting) return;
    if (this.waiting.size === 0) this.worker?.unref();
    // the thread is done with the buffer: kept for the next slice (small ones only)
    if (this.spare.length < SPARE_BUFFERS && waiting.buffer.byteLength <= SPARE_MAX_BYTES) this.spare.push(waiting.buffer);
    if (answer.error !== undefined) {
      const err = new Error(`chunk encode worker: ${answer.error}`);
      this.onFailure(err);
      waiting.reject(err);
    } else waiting.resolve({ bytes: answer.bytes!, meta: answer.meta!, chunks: answer.chunks! });
  }

  private failAll(err: Error): void {
    const all = [...this.waiting.values()];
    this.waiting.clear();
    for (const w of all) w.reject(err);
  }
}
