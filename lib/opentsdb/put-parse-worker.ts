/**
 * The helper-thread side of PutParsePool (put-parse-pool.ts): parses `put` lines and
 * `/api/put` JSON bodies on a second core (serveHelper, on a thread core/helper-threads.ts
 * shares with the chunk encode service). A lines job is a run of complete lines (`\n` or `\r\n`
 * separated), a JSON job one request body; the answer is the batch's columns (one buffer,
 * transferred, not copied), the error line of each bad line in order,
 * and the batch's series as slots: a series is sent by name once per worker (`added`),
 * then only as its slot number, so a batch of known series costs no object or string
 * crossing threads. `reset` tells the main thread the slots start over (the table bound).
 */
import type { MessagePort } from 'node:worker_threads';
import { BatchBuilder } from '../../core/batch-builder';
import type { SeriesRef } from '../../core/series-ref';
import type { Tags } from '../../core/types';
import { PutJsonBytesReader } from './put-json-bytes';
import { PutLineParser } from './put-line-parser';

/** A job: `put` lines, an `/api/put` JSON body, or a body for a plugin's byte reader (`module`), to parse. */
export interface ParseRequest {
  id: number;
  kind: JobKind;
  bytes: Uint8Array;
  /** kind `module`: the reader's module (WorkerBodyReaderModule) and its options (structured-clonable) */
  module?: string;
  options?: unknown;
  /** kind `lines`: a telnet session's run, checked as the session would (PutLineParser.parseLines) */
  maxLineLength?: number;
}

export type JobKind = 'lines' | 'json' | 'module';

/**
 * A body reader a plugin runs on the parse workers (PutParsePool.parseWith): the module at
 * the path given exports it as `bodyReader`. It reads `bytes` into `builder` and returns
 * its points and a structured-clonable `detail` for the plugin (refusals, skips), or
 * undefined when the body needs the plugin's exact reader on the main thread (its batch is
 * then discarded). It runs on the worker, or on the main thread after a worker crash.
 */
export interface WorkerBodyReader {
  read(bytes: Uint8Array, builder: BatchBuilder, options: unknown): { points: number; detail?: unknown } | undefined;
}

/** The shape of a module given to PutParsePool.parseWith. */
export interface WorkerBodyReaderModule {
  bodyReader: WorkerBodyReader;
}

/** A job's answer. `texts` only when a string or JSON value is in the batch. */
export interface ParseResult {
  id: number;
  /** lines (a lines job), or points (a JSON job) */
  lines: number;
  errors: string[];
  /** a JSON body the byte-level reader did not take: read it with the exact reader */
  exact: boolean;
  /** a module job's WorkerBodyReader detail */
  detail?: unknown;
  /** a checked lines job: where the first line it did not take starts (PutLineParser.stoppedAt) */
  stoppedAt?: number;
  length: number;
  reset: boolean;
  added: [slot: number, metric: string, tags: Tags, key: string][];
  slots: Uint32Array;
  seriesIndex: Uint32Array;
  timestamps: Float64Array;
  kinds: Uint8Array;
  floats: Float64Array;
  ints: BigInt64Array;
  texts?: (string | undefined)[];
}

/** Slots a worker hands out before it starts over (bounds the main thread's table; a series the cache no longer knows takes a new slot). */
export const MAX_SLOTS = 1 << 18;

/**
 * What a SlotTable memoizes on a series' ref: its slot and the number of the table that
 * gave it. The series caches' identities (SeriesIdentity) have both fields from birth; on
 * another reader's ref they are added at its first batch.
 */
type SlotMemo = SeriesRef & { workerSlot?: number; workerTable?: number };

/**
 * The bound of a worker's JSON reader's series cache. The line parser's keeps the default
 * (2^18 entries); both live in the worker's heap, which PARSE_WORKER_LIMITS (put-parse-pool.ts)
 * sizes to hold them full: a cached series costs ~800 bytes of heap.
 */
export const JSON_CACHE_SERIES = 1 << 16;

/**
 * Turns a filled builder into a job's answer: its columns in one buffer, and its series as
 * slots of this worker's table (a series' slot is memoized on its SeriesRef, its cache
 * identity: no keyed lookup per series and batch). One per worker, shared by the line and JSON parsers, so that the
 * main thread's table is one per worker too.
 */
export class SlotTable {
  /**
   * Table numbers, unique in the thread: a table made after another (the main thread's
   * fallback makes one per crash or closed pool) must not take a slot memoized by an older
   * one on a series identity that outlived it (the plugins' readers keep their series
   * caches at module level), or a slot the new table never announced would name a series.
   */
  private static nextTable = 0;
  /** the table's number (renewed when it starts over) and its next free slot */
  private table = SlotTable.nextTable++;
  private nextSlot = 0;

  answer(id: number, lines: number, errors: string[], builder: BatchBuilder, exact = false, detail?: unknown, stoppedAt = -1): ParseResult {
    const refs = builder.seriesRefs;
    const count = builder.seriesCount;
    // the columns and the slots in one buffer: one allocation, one transfer (the series
    // arrays are the builder's, longer than `count` once reused: read up to `count`)
    const { batch, extra: slots } = builder.takePacked(count);
    let reset = false;
    if (this.nextSlot + count > MAX_SLOTS) {
      this.table = SlotTable.nextTable++;
      this.nextSlot = 0;
      reset = true;
    }
    const added: ParseResult['added'] = [];
    for (let s = 0; s < count; s++) {
      // a series' slot is memoized on its ref (its cache identity), with the table's number
      const ref = refs[s] as SlotMemo | undefined;
      if (ref !== undefined && ref.workerTable === this.table) {
        slots[s] = ref.workerSlot!;
        continue;
      }
      const slot = this.nextSlot++;
      if (ref !== undefined) {
        ref.workerSlot = slot;
        ref.workerTable = this.table;
      }
      const series = batch.series[s]!;
      added.push([slot, series.metric, series.tags, batch.seriesKeys[s]!]);
      slots[s] = slot;
    }
    let texts: (string | undefined)[] | undefined;
    // (a batch without texts has an empty array: no point to look at)
    for (let i = 0; i < batch.texts.length; i++) {
      if (batch.texts[i] !== undefined) {
        texts = batch.texts;
        break;
      }
    }
    return {
      id,
      lines,
      errors,
      exact,
      length: batch.length,
      reset,
      added,
      slots,
      seriesIndex: batch.seriesIndex,
      timestamps: batch.timestamps,
      kinds: batch.kinds,
      floats: batch.floats,
      ints: batch.ints,
      ...(texts ? { texts } : {}),
      ...(detail !== undefined ? { detail } : {}),
      ...(stoppedAt >= 0 ? { stoppedAt } : {}),
    };
  }
}

/** Parses `put` line jobs; exported so the main thread's fallback (a crashed worker) runs the very same code. */
export class LineJobParser {
  // one job's batch is taken before the next starts
  private readonly parser = new PutLineParser({ oneBatchAtATime: true });
  private readonly builder = new BatchBuilder(1024);

  constructor(private readonly slots = new SlotTable()) {}

  /** `maxLineLength`: a telnet session's run, checked as the session would (PutLineParser.parseLines) */
  parse(id: number, bytes: Uint8Array, maxLineLength = -1): ParseResult {
    const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const errors: string[] = [];
    const lines = this.parser.parseLines(buf, 0, buf.length, this.builder, errors, maxLineLength);
    return this.slots.answer(id, lines, errors, this.builder, false, undefined, this.parser.stoppedAt);
  }
}

/**
 * Parses `/api/put` JSON bodies with the byte-level reader (PutJsonBytesReader). A body
 * it cannot take whole — any point that is not the common, valid kind — is answered with
 * `exact: true` and no points: the caller reads it with the exact reader, for OpenTSDB's
 * answer point by point.
 */
export class JsonJobParser {
  private readonly reader = new PutJsonBytesReader({ maxSeries: JSON_CACHE_SERIES });
  private readonly builder = new BatchBuilder(1024);

  constructor(private readonly slots = new SlotTable()) {}

  parse(id: number, bytes: Uint8Array): ParseResult {
    const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const points = this.reader.read(buf, this.builder);
    if (points > 0) return this.slots.answer(id, points, [], this.builder);
    this.builder.take(); // whatever it read of a body it gave up on
    return this.slots.answer(id, 0, [], this.builder, true);
  }
}

/** Runs the plugins' body readers (module jobs), each module loaded once. */
export class ModuleJobParser {
  private readonly readers = new Map<string, WorkerBodyReader>();
  private readonly builder = new BatchBuilder(1024);

  constructor(private readonly slots = new SlotTable()) {}

  parse(id: number, bytes: Uint8Array, module: string, options: unknown): ParseResult {
    let reader = this.readers.get(module);
    if (!reader) {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      reader = (require(module) as WorkerBodyReaderModule).bodyReader;
      this.readers.set(module, reader);
    }
    const read = reader.read(bytes, this.builder, options);
    if (read !== undefined) return this.slots.answer(id, read.points, [], this.builder, false, read.detail);
    this.builder.take(); // whatever it read of a body it gave up on
    return this.slots.answer(id, 0, [], this.builder, true);
  }
}

/**
 * A worker's three parsers over one slot table, by job kind: what the worker runs, and
 * what the main thread runs for the jobs of a worker that died (PutParsePool).
 */
export class JobParsers {
  private readonly lines: LineJobParser;
  private readonly json: JsonJobParser;
  private readonly modules: ModuleJobParser;

  constructor(slots = new SlotTable()) {
    this.lines = new LineJobParser(slots);
    this.json = new JsonJobParser(slots);
    this.modules = new ModuleJobParser(slots);
  }

  parse(job: ParseRequest): ParseResult {
    if (job.kind === 'json') return this.json.parse(job.id, job.bytes);
    if (job.kind === 'module') return this.modules.parse(job.id, job.bytes, job.module!, job.options);
    return this.lines.parse(job.id, job.bytes, job.maxLineLength);
  }
}

/** The buffer a result hands over: its columns and slots are views of one (BatchBuilder.takePacked). */
export function transferList(r: ParseResult): ArrayBuffer[] {
  return [r.timestamps.buffer as ArrayBuffer];
}

/**
 * The put parse service on a helper thread (core/helper-threads.ts, attached by
 * PutParsePool): each ParseRequest on `port` is answered in order with its ParseResult,
 * the result's columns transferred, not copied.
 */
export function serveHelper(port: MessagePort): void {
  const parsers = new JobParsers();
  port.on('message', (request: ParseRequest) => {
    const result = parsers.parse(request);
    port.postMessage(result, transferList(result));
  });
}
