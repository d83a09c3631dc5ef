/**
 * The put command parsing on worker threads (lib/opentsdb's PutParsePool): this thread
 * gathers a connection's line bytes in shared memory, hands them over once per packet (or
 * per several, gathered while the worker is behind: GATHER_BYTES), and
 * writes the parsed batches one after another in the order the lines came. Lines a worker
 * does not take go back to the session (see index.ts).
 */
import type { KernelHooks, Logger, WriteService } from '../../core';
import { copyIntoShared, sharedBuffer, type ParsedLines, type PutParsePool } from '../../lib/opentsdb';
import type { TelnetCommand, TelnetConnection } from '../../lib/telnet';
import { putCommand, writeBatch, type Stats } from './put-command';

/** Lines handed to a worker and not yet written. */
interface Handed {
  /** the staging buffer they were copied to, and their bytes in it */
  staging: Buffer;
  bytes: Buffer;
  /** the pipeline's generation when handed: a replay drops the jobs of the ones before */
  generation: number;
  /** staged by executeRun: counted as received lines when written (executeRaw's were counted by the session) */
  fromRun: boolean;
}

/** A connection's put lines on their way through a worker. */
interface Pipeline {
  /** which worker parses this connection's lines */
  affinity: number;
  /**
   * bytes of lines gathered from the current packet (or packets: GATHER_BYTES), not yet handed to a worker; shared
   * memory (a SharedArrayBuffer), so the worker reads it without a copy
   */
  buffer: Buffer;
  /** staging buffers whose jobs the worker has parsed: reused, so a job allocates nothing */
  spare: Buffer[];
  /** drops `spare` once the connection has had nothing in flight for SPARE_IDLE_MS */
  trim: NodeJS.Timeout | undefined;
  length: number;
  /** the current run of contiguous lines in the packet's buffer, copied when it ends */
  run: Buffer | undefined;
  runStart: number;
  runEnd: number;
  /** jobs handed over and not yet written */
  inFlight: number;
  /** their bytes: bounded as well as their count (maxBytesInFlight) */
  inFlightBytes: number;
  /** settles once every batch handed over so far is written */
  tail: Promise<void>;
  /** a connection waiting for inFlight (or inFlightBytes) to drop */
  wake: (() => void) | undefined;
  /** jobs handed over and not yet written, in order */
  handed: Handed[];
  generation: number;
  /**
   * Lines to give back to the session, gathered from the moment a worker stopped at a line
   * (its job's turn) until the session gets them (after the batch before it is written):
   * lines staged meanwhile join them rather than go to a worker, so they run after them.
   */
  replaying: Buffer[] | undefined;
  /** the staged lines came (in part) from executeRun */
  fromRun: boolean;
  /** the session's line limit (executeRun), checked on the worker */
  maxLineLength: number;
}

/** The line limit of jobs whose lines the session checked (executeRaw's): none. */
const UNCHECKED_LENGTH = 0x7fffffff;

/**
 * How long a connection keeps its spare staging buffers with nothing in flight. Up to
 * maxPacketsInFlight of them (64 KiB each, or more) serve a loaded connection; kept for the
 * connection's life, a fleet's connections that each sent one burst would hold them all
 * while idle (10 connections after 3 MB each: 22 MiB at 16 in flight).
 */
const SPARE_IDLE_MS = 1000;

/** First size of a connection's staging buffer: a socket read (64 KiB) fits without regrowth. */
const STAGING_BYTES = 64 * 1024;

/**
 * While a connection has at least JOBS_AHEAD jobs in flight, its reads are gathered into
 * one job until it holds at least this many bytes (a read more at most). Why: each job costs the same whatever its size (a
 * message to the worker and one back, a batch through the writer, a WAL record, four
 * promises); a loaded connection read 64–128 KiB at a time, ~10,500 jobs for a 10M-point
 * load. When the pipeline runs dry (fewer in flight) a read is handed at once, so a
 * lightly loaded connection's lines wait for no other; gathered ones wait at most until
 * one of the two jobs ahead of them is written. A staging buffer that grew for a gathered
 * job (to 512 KiB) is kept among the spares: a busy connection keeps ~6 of them.
 */
const GATHER_BYTES = 256 * 1024;
const JOBS_AHEAD = 2;

/** Parsing on worker threads; this thread gathers line bytes and writes the parsed batches in order. */
export function workerPut(writer: WriteService, stats: Stats, log: Logger, pool: PutParsePool, workers: number, maxInFlight: number, maxInFlightBytes: number, hooks: KernelHooks): TelnetCommand {
  const pipelines = new WeakMap<TelnetConnection, Pipeline>();
  const tails = new Set<Promise<void>>();
  let nextAffinity = 0;
  let lastConnection: TelnetConnection | undefined;
  let last: Pipeline | undefined;

  const pipelineOf = (connection: TelnetConnection): Pipeline => {
    if (connection === lastConnection) return last!;
    let p = pipelines.get(connection);
    if (!p) {
      p = {
        affinity: nextAffinity++ % workers,
        buffer: sharedBuffer(STAGING_BYTES),
        spare: [],
        trim: undefined,
        length: 0,
        run: undefined,
        runStart: 0,
        runEnd: 0,
        inFlight: 0,
        inFlightBytes: 0,
        tail: Promise.resolve(),
        wake: undefined,
        handed: [],
        generation: 0,
        replaying: undefined,
        fromRun: false,
        maxLineLength: UNCHECKED_LENGTH,
      };
      pipelines.set(connection, p);
    }
    lastConnection = connection;
    last = p;
    return p;
  };

  /** Copies `bytes[start, end)` into the pipeline's buffer, with room for `extra` bytes after them. */
  const stage = (p: Pipeline, bytes: Buffer, start: number, end: number, extra: number): void => {
    const length = end - start;
    if (p.length + length + extra > p.buffer.length) {
      const grown = sharedBuffer(Math.max(p.buffer.length * 2, p.length + length + extra));
      copyIntoShared(grown, 0, p.buffer, 0, p.length);
      p.buffer = grown;
    }
    copyIntoShared(p.buffer, p.length, bytes, start, end);
    p.length += length;
  };

  /** Copies the current run of lines (and its line ends) into the pipeline's buffer. */
  const endRun = (p: Pipeline): void => {
    if (!p.run) return;
    const bytes = p.runEnd - p.runStart;
    stage(p, p.run, p.runStart, p.runEnd, 2);
    // a line ending in `\r` keeps it: the worker drops one `\r` before each `\n`, as the session did
    if (bytes > 0 && p.buffer[p.length - 1] === 0x0d) p.buffer[p.length++] = 0x0d;
    p.buffer[p.length++] = 0x0a;
    p.run = undefined;
  };

  /** Nothing in flight: the spare buffers go once that lasts SPARE_IDLE_MS (a timer per idle spell, not per packet). */
  const idle = (p: Pipeline): void => {
    if (p.spare.length === 0) return;
    if (p.trim) p.trim.refresh();
    else p.trim = setTimeout(() => (p.inFlight === 0 ? (p.spare.length = 0) : undefined), SPARE_IDLE_MS).unref();
  };

  /** A job's turn (in order): its errors and batch written; the lines it did not take given back. */
  const written = (connection: TelnetConnection, p: Pipeline, job: Handed, parsed: ParsedLines): Promise<void> | undefined => {
    p.handed.shift();
    // given back already (a replay from an earlier job): the session runs these lines again
    if (job.generation !== p.generation) return undefined;
    if (job.fromRun) {
      stats.lines += parsed.lines;
      connection.countLines(parsed.lines);
    }
    stats.errors += parsed.errors.length;
    for (const error of parsed.errors) connection.writeLine(error);
    const write = parsed.batch ? writeBatch(writer, log, connection, parsed.batch) : undefined;
    if (parsed.batch) {
      stats.points += parsed.batch.length;
      stats.batches++;
    }
    if (parsed.stoppedAt < 0) return write;
    // a line the worker did not take: it and every later line handed over go back to the
    // session; the later jobs' batches are dropped (their lines run again), and lines staged
    // until the session has them join them (hand), so none runs before them
    p.replaying = [job.bytes.subarray(parsed.stoppedAt), ...p.handed.map((later) => later.bytes)];
    // lines gathered and not handed yet (endOfInput) came after all of those
    if (p.length > 0) {
      p.replaying.push(Buffer.from(p.buffer.subarray(0, p.length)));
      p.length = 0;
      p.fromRun = false;
    }
    p.generation++;
    const replay = (): void => {
      const lines = Buffer.concat(p.replaying!);
      p.replaying = undefined;
      connection.replay(lines);
    };
    if (write) return write.then(replay);
    replay();
    return undefined;
  };

  const hand = (connection: TelnetConnection, p: Pipeline): void => {
    endRun(p);
    if (p.length === 0) return;
    if (p.replaying) {
      // lines given back are on their way to the session: these follow them (a copy: the staging buffer is reused)
      p.replaying.push(Buffer.from(p.buffer.subarray(0, p.length)));
      p.length = 0;
      p.fromRun = false;
      return;
    }
    // the staging buffer itself goes to the worker (shared, not copied); a spare one takes its place
    const staging = p.buffer;
    const bytes = staging.subarray(0, p.length);
    p.buffer = p.spare.pop() ?? sharedBuffer(staging.length);
    p.length = 0;
    p.inFlight++;
    p.inFlightBytes += bytes.length;
    const job: Handed = { staging, bytes, generation: p.generation, fromRun: p.fromRun };
    p.fromRun = false;
    p.handed.push(job);
    const parsed = pool.parse(bytes, p.affinity, p.maxLineLength);
    // written strictly one after another: the writer may reorder concurrent batches
    const tail = p.tail.then(() => parsed).then((result) => written(connection, p, job, result));
    const settled = tail.then(() => {
      // written or given back (the batch holds no view of the bytes): the buffer can take another packet
      if (p.spare.length < maxInFlight) p.spare.push(staging);
      p.inFlight--;
      p.inFlightBytes -= bytes.length;
      if (p.inFlight === 0) idle(p);
      tails.delete(settled);
      const wake = p.wake;
      p.wake = undefined;
      wake?.();
      // lines gathered while this job was ahead of them (endOfInput) go now; last, so that
      // the bookkeeping above is done whatever hand does
      if (p.inFlight < JOBS_AHEAD && p.length > 0 && p.run === undefined) hand(connection, p);
    });
    tails.add(settled);
    p.tail = settled;
  };

  hooks.kernel.stopping.tapPromise('put-telnet', async () => {
    // every packet handed over reaches the writer before the kernel drains it
    while (tails.size > 0) await Promise.all([...tails]);
  });

  const command = putCommand({
    executeRaw(line, start, end, connection) {
      stats.lines++;
      const p = pipelineOf(connection);
      // lines next to each other in the packet are copied as one run, line ends included
      if (p.run === line && (start === p.runEnd + 1 || (start === p.runEnd + 2 && line[p.runEnd] === 0x0d))) {
        p.runEnd = end;
        return;
      }
      endRun(p);
      p.run = line;
      p.runStart = start;
      p.runEnd = end;
    },
    executeRun(bytes, start, end, maxLineLength, connection) {
      const p = pipelineOf(connection);
      endRun(p);
      stage(p, bytes, start, end, 0);
      p.fromRun = true;
      p.maxLineLength = maxLineLength;
    },
    endOfInput(connection) {
      const p = pipelines.get(connection);
      if (!p) return undefined;
      // the packet's bytes are only valid until this returns: its run is copied either way
      endRun(p);
      if (p.inFlight >= JOBS_AHEAD && p.length < GATHER_BYTES && !p.replaying) return undefined;
      hand(connection, p);
      // the session waits until it has the lines given back (they settle the tail) before it reads on
      if (p.replaying) return p.tail;
      if (p.inFlight < maxInFlight && p.inFlightBytes < maxInFlightBytes) return undefined;
      return new Promise<void>((resolve) => (p.wake = resolve));
    },
    settle(connection) {
      const p = pipelines.get(connection);
      if (!p) return undefined;
      hand(connection, p);
      return p.inFlight > 0 ? p.tail : undefined;
    },
  });
  // for tests: the spare staging buffers a connection keeps
  return Object.assign(command, { sparesKept: (connection: TelnetConnection): number => pipelines.get(connection)?.spare.length ?? 0 });
}
