/**
 * The telnet `put` command: each line is parsed with OpenTSDB's rules, checks and error
 * lines (lib/opentsdb's PutLineParser), and the points go to the kernel's writer once per
 * received packet (the session's `endOfInput`), which also pauses a client that writes
 * faster than storage takes. No reply on success; errors are OpenTSDB's lines.
 *
 * With `parseWorkers` > 0 (the default: 1) the lines are parsed on worker threads
 * (lib/opentsdb's PutParsePool) while this thread writes: a packet's put lines are handed
 * over as bytes, and the parsed batches are written one after another per connection, in
 * the order their lines came, so order and last-write-wins per series are as without
 * workers. Up to `maxPacketsInFlight` packets per connection are parsed ahead; beyond,
 * the connection waits. A line that is not a `put` waits until the puts before it are
 * written (`settle`), so it sees them.
 *
 * With workers, the session hands over a packet's lines from its first `put` on at once
 * (`executeRun`): they are copied to the worker unsplit, and the worker checks each as
 * the session would (a `put`, no longer than `maxLineLength`). At the first line that
 * is not, it stops; once the lines before it are written, that line and everything
 * handed over after it go back to the session (`replay`), which runs them as it runs any
 * line: the later packets' parsed batches are dropped unwritten and their lines run again.
 */
import { BatchBuilder, definePlugin, DsdbError, Type, type KernelHooks, type Logger, type WriteInfo, type WriteService } from '../../core';
import { PutLineParser, sharedPutParsePool, type PutParsePool, type ParsedLines } from '../../lib/opentsdb';
import { type TelnetCommand, type TelnetConnection, getTelnetHooks } from '../../lib/telnet';

/** One object for every batch: telnet writes are never `sync` (OpenTSDB's telnet put has no such flag). */
const WRITE_INFO: WriteInfo = Object.freeze({ source: 'telnet', sync: false });

interface Stats {
  lines: number;
  points: number;
  errors: number;
  batches: number;
}

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
   * bytes of lines gathered from the current packet, not yet handed to a worker; shared
   * memory (a SharedArrayBuffer), so the worker reads it without a copy
   */
  buffer: Buffer;
  /** staging buffers whose packets the worker has parsed: reused, so a packet allocates nothing */
  spare: Buffer[];
  length: number;
  /** the current run of contiguous lines in the packet's buffer, copied when it ends */
  run: Buffer | undefined;
  runStart: number;
  runEnd: number;
  /** packets handed over and not yet written */
  inFlight: number;
  /** settles once every batch handed over so far is written */
  tail: Promise<void>;
  /** a connection waiting for inFlight to drop */
  wake: (() => void) | undefined;
  /** jobs handed over and not yet written, in order */
  handed: Handed[];
  generation: number;
  /** the staged lines came (in part) from executeRun */
  fromRun: boolean;
  /** the session's line limit (executeRun), checked on the worker */
  maxLineLength: number;
}

export default definePlugin({
  name: 'put-telnet',
  dependencies: ['telnet'],
  options: Type.Object(
    {
      /** worker threads that parse put lines (0: parse on the main thread) */
      parseWorkers: Type.Integer({ minimum: 0, maximum: 64, default: 1 }),
      /** packets per connection parsed ahead of the one being written */
      maxPacketsInFlight: Type.Integer({ minimum: 1, maximum: 1024, default: 4 }),
    },
    { additionalProperties: false },
  ),
  register({ hooks, container, log }, options) {
    // the kernel registers the writer before any plugin: resolved once, not per packet
    const writer: WriteService = container.resolve('writer');
    const stats: Stats = { lines: 0, points: 0, errors: 0, batches: 0 };
    const put = options.parseWorkers > 0 ? workerPut(writer, stats, log, sharedPutParsePool(container, hooks, log, options.parseWorkers), options.parseWorkers, options.maxPacketsInFlight, hooks) : inlinePut(writer, stats, log);

    getTelnetHooks(hooks).commands.tap('put-telnet', (commands) => commands.add('put', put, 'put-telnet'));
    hooks.kernel.collectStats.tap('put-telnet', (collector) => {
      collector.record('rpc.received', stats.lines, { type: 'put' });
      collector.record('rpc.errors', stats.errors, { type: 'put' });
      collector.record('put.points_written', stats.points, { type: 'telnet' });
      collector.record('put.batches_written', stats.batches, { type: 'telnet' });
    });
  },
});

const DESCRIPTION = 'put <metric> <timestamp> <value> <tagk=tagv> [...]: store a point';

/** `execute`, only reached when a session lacks the raw path: the same parser, the same answers. */
function executeViaRaw(put: TelnetCommand, words: string[], connection: TelnetConnection): void | Promise<void> {
  const line = Buffer.from(words.join(' '));
  put.executeRaw!(line, 0, line.length, connection);
  return put.endOfInput!(connection);
}

/** Writes one batch; a storage failure is answered on the connection, as OpenTSDB does (tsd.rpc.telnet.return_errors). */
function writeBatch(writer: WriteService, log: Logger, connection: TelnetConnection, batch: Parameters<WriteService['write']>[0]): Promise<void> {
  return writer.write(batch, WRITE_INFO).then(
    () => undefined,
    (err: Error) => {
      if (!(err instanceof DsdbError && err.code === 'DSDB_ERR_NO_STORAGE')) log.error({ err }, 'storage write failed');
      connection.writeLine(`put: Storage error: ${err.message}`);
    },
  );
}

/** Parsing on this thread, into one BatchBuilder per connection. */
function inlinePut(writer: WriteService, stats: Stats, log: Logger): TelnetCommand {
  const parser = new PutLineParser();
  const batches = new WeakMap<TelnetConnection, BatchBuilder>();
  // Lines of one connection arrive in runs: remember the last one's batch.
  let lastConnection: TelnetConnection | undefined;
  let lastBatch: BatchBuilder | undefined;
  const batchOf = (connection: TelnetConnection): BatchBuilder => {
    if (connection === lastConnection) return lastBatch!;
    let batch = batches.get(connection);
    if (!batch) batches.set(connection, (batch = new BatchBuilder(256)));
    lastConnection = connection;
    lastBatch = batch;
    return batch;
  };
  const put: TelnetCommand = {
    description: DESCRIPTION,
    scope: 'write',
    execute(words, connection) {
      return executeViaRaw(put, words, connection);
    },
    executeRaw(line, start, end, connection) {
      stats.lines++;
      const error = parser.parse(line, start, end, batchOf(connection));
      if (error !== undefined) {
        stats.errors++;
        connection.writeLine(error);
      }
    },
    endOfInput(connection) {
      const batch = connection === lastConnection ? lastBatch : batches.get(connection);
      if (!batch || batch.length === 0) return undefined;
      const points = batch.take();
      stats.points += points.length;
      stats.batches++;
      return writeBatch(writer, log, connection, points);
    },
  };
  return put;
}

/** The line limit of jobs whose lines the session checked (executeRaw's): none. */
const UNCHECKED_LENGTH = 0x7fffffff;

/** First size of a connection's staging buffer: a socket read (64 KiB) fits without regrowth. */
const STAGING_BYTES = 64 * 1024;

/** A Buffer over shared memory: posted to a worker, it is shared rather than copied. */
function sharedBuffer(bytes: number): Buffer {
  return Buffer.from(new SharedArrayBuffer(bytes));
}

/** Parsing on worker threads; this thread gathers line bytes and writes the parsed batches in order. */
function workerPut(writer: WriteService, stats: Stats, log: Logger, pool: PutParsePool, workers: number, maxInFlight: number, hooks: KernelHooks): TelnetCommand {
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
        length: 0,
        run: undefined,
        runStart: 0,
        runEnd: 0,
        inFlight: 0,
        tail: Promise.resolve(),
        wake: undefined,
        handed: [],
        generation: 0,
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
      p.buffer.copy(grown, 0, 0, p.length);
      p.buffer = grown;
    }
    bytes.copy(p.buffer, p.length, start, end);
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
    // session; the later jobs' batches are dropped (their lines run again)
    const rest = [job.bytes.subarray(parsed.stoppedAt), ...p.handed.map((later) => later.bytes)];
    p.generation++;
    const replay = (): void => connection.replay(Buffer.concat(rest));
    if (write) return write.then(replay);
    replay();
    return undefined;
  };

  const hand = (connection: TelnetConnection, p: Pipeline): void => {
    endRun(p);
    if (p.length === 0) return;
    // the staging buffer itself goes to the worker (shared, not copied); a spare one takes its place
    const staging = p.buffer;
    const bytes = staging.subarray(0, p.length);
    p.buffer = p.spare.pop() ?? sharedBuffer(staging.length);
    p.length = 0;
    p.inFlight++;
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
      tails.delete(settled);
      const wake = p.wake;
      p.wake = undefined;
      wake?.();
    });
    tails.add(settled);
    p.tail = settled;
  };

  hooks.kernel.stopping.tapPromise('put-telnet', async () => {
    // every packet handed over reaches the writer before the kernel drains it
    while (tails.size > 0) await Promise.all([...tails]);
  });

  const put: TelnetCommand = {
    description: DESCRIPTION,
    scope: 'write',
    execute(words, connection) {
      return executeViaRaw(put, words, connection);
    },
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
      hand(connection, p);
      if (p.inFlight < maxInFlight) return undefined;
      return new Promise<void>((resolve) => (p.wake = resolve));
    },
    settle(connection) {
      const p = pipelines.get(connection);
      if (!p) return undefined;
      hand(connection, p);
      return p.inFlight > 0 ? p.tail : undefined;
    },
  };
  return put;
}
