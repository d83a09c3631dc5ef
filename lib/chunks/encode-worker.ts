/**
 * The helper-thread side of ChunkEncoder (chunk-encoder.ts): encodes series' columns into
 * chunks on another core, so that a block cut does not take the storage thread from ingest
 * (Prometheus compacts its head on goroutines of its own for the same reason). It shares
 * its thread with the put parse service (core/helper-threads.ts).
 *
 * Attached with `{ codecs: EncoderCodecs }`, the codecs loaded by module (Codec.worker). A
 * job is an EncodeJob; its answer an EncodeAnswer: the chunks' bytes back to back and
 * CHUNK_META_FIELDS numbers a chunk (series-chunks.ts), both in buffers transferred, not
 * copied. A job that throws is answered with its error's message.
 */
import type { MessagePort } from 'node:worker_threads';
// core's files, not its barrel (which loads the whole kernel: ~20 MiB more on this thread)
import type { Codec, SeriesPoints } from '../../core';
import { ByteWriter } from '../../core/codec-io';
import { Registry } from '../../core/registry';
import { CodecSet, NUMERIC_CODEC_COLUMNS, type CodecPreferences } from './codec-set';
import { CHUNK_META_FIELDS, chunkCount, writeSeriesChunks } from './series-chunks';

/** The codecs a worker writes with: the preference lists by name, and where each codec is. */
export interface EncoderCodecs {
  prefs: CodecPreferences;
  modules: { name: string; module: string; exportName: string }[];
}

/**
 * Series to encode, in `buffer` (a SharedArrayBuffer of `capacity` points: f64 timestamps,
 * then the 8-byte values — a float's bits or an int64's, as its kind says — then u8 kinds).
 * Series `s` holds points [ends[s-1], ends[s]) (from 0 for the first) and is stored as
 * `ids[s]`; each is cut into chunks of at most `chunkPoints` points.
 */
export interface EncodeJob {
  id: number;
  buffer: SharedArrayBuffer;
  capacity: number;
  ids: Uint32Array;
  ends: Uint32Array;
  chunkPoints: number;
}

export interface EncodeAnswer {
  id: number;
  /** sent as a job starts, before its answer: the encoder's watchdog tells a job that runs too long from one waiting behind another service's work */
  started?: true;
  /** the chunks back to back, in series then time order */
  bytes?: Uint8Array;
  /** CHUNK_META_FIELDS numbers a chunk */
  meta?: Float64Array;
  chunks?: number;
  error?: string;
}

/** Loads the codecs named in `spec` and resolves them as the main thread did (numeric columns only: no text comes here). Throws when one is missing. */
export function codecSetFrom(spec: EncoderCodecs): CodecSet {
  const registry = new Registry<Codec>('codec');
  for (const { name, module, exportName } of spec.modules) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const codec = (require(module) as Record<string, Codec | undefined>)[exportName];
    if (!codec || codec.name !== name) throw new Error(`${module} does not export codec "${name}" as ${exportName}`);
    registry.add(name, codec, 'encode-worker');
  }
  return new CodecSet(registry, spec.prefs, 'encode worker', NUMERIC_CODEC_COLUMNS);
}

/**
 * Points the encode service encodes in one piece, one piece an event-loop turn
 * (serveHelper): a block cut's slice (`slicePoints`, 100k by default) is one piece; a larger
 * job (one long series, a merge's) is several. Why turns at all: the thread is shared with
 * the put parse service, and a port's messages are handled back to back, so the parse jobs
 * that came while a cut's slices (IN_FLIGHT two at a time: series-encoding.ts) were queued
 * waited behind all of them. A 10M-point telnet ×1 load took points at ~0.3M a second for
 * the ~0.2 s of each cut, against ~2.7M between cuts, its storage thread two thirds idle.
 * A piece a turn lets the parse jobs that came in first. Why not smaller pieces: pieces of
 * 16k points let them in sooner, but the encoding, now getting only the time the parsing
 * left, stretched each cut so far that both heads lived longer: slower and more memory than
 * 100k (docs/performance.md, "Forty-eighth session").
 */
export const ENCODE_YIELD_POINTS = 100_000;

/** A job being encoded: where encodeSome goes on from. */
interface JobProgress {
  readonly job: EncodeJob;
  readonly points: SeriesPoints;
  readonly writer: ByteWriter;
  readonly meta: Float64Array;
  readonly chunks: number;
  readonly codecs: CodecSet;
  /** the next series, and the meta numbers written so far */
  series: number;
  metaAt: number;
}

/** Starts encoding `job` into `writer` (reset here: one job at a time a writer). */
function startJob(job: EncodeJob, writer: ByteWriter, codecs: CodecSet): JobProgress {
  const { buffer, capacity, ends, chunkPoints } = job;
  const points: SeriesPoints = {
    length: ends.length > 0 ? ends[ends.length - 1]! : 0,
    timestamps: new Float64Array(buffer, 0, capacity),
    floats: new Float64Array(buffer, capacity * 8, capacity),
    ints: new BigInt64Array(buffer, capacity * 8, capacity),
    kinds: new Uint8Array(buffer, capacity * 16, capacity),
    texts: [],
  };
  let chunks = 0;
  for (let s = 0; s < ends.length; s++) chunks += chunkCount(ends[s]! - (s > 0 ? ends[s - 1]! : 0), chunkPoints);
  return { job, points, writer: writer.reset(), meta: new Float64Array(chunks * CHUNK_META_FIELDS), chunks, codecs, series: 0, metaAt: 0 };
}

/**
 * Encodes the job's next series, whole ones, until at least `budget` points are done or
 * none is left; returns the answer when the job is done, else undefined. Throws what a
 * codec throws.
 */
function encodeSome(progress: JobProgress, budget: number): EncodeAnswer | undefined {
  const { job, points, writer, meta } = progress;
  const { ids, ends, chunkPoints } = job;
  const codecs = progress.codecs;
  let s = progress.series;
  let m = progress.metaAt;
  let done = 0;
  for (let from = s > 0 ? ends[s - 1]! : 0; s < ends.length && done < budget; from = ends[s]!, s++) {
    m = writeSeriesChunks(writer, points, from, ends[s]!, chunkPoints, codecs, ids[s]!, meta, m);
    done += ends[s]! - from;
  }
  progress.series = s;
  progress.metaAt = m;
  return s < ends.length ? undefined : { id: job.id, bytes: writer.finish(), meta, chunks: progress.chunks };
}

/**
 * The chunk encode service on a helper thread (core/helper-threads.ts, attached by
 * ChunkEncoder with `{ codecs }`): each EncodeJob on `port` is answered with its
 * EncodeAnswer, in order. A job is encoded ENCODE_YIELD_POINTS at a time, one piece an
 * event-loop turn (setImmediate), so that the messages of the thread's other services
 * (put parse jobs) that came meanwhile are handled between pieces instead of after the
 * whole job. Throws (the service fails to start) when a codec module does not load.
 */
export function serveHelper(port: MessagePort, data: unknown): void {
  const codecs = codecSetFrom((data as { codecs: EncoderCodecs }).codecs);
  const writer = new ByteWriter(1 << 20);
  const queue: EncodeJob[] = [];
  let current: JobProgress | undefined;
  let scheduled = false;
  const answer = (reply: EncodeAnswer): void => {
    port.postMessage(reply, reply.bytes ? [reply.bytes.buffer as ArrayBuffer, reply.meta!.buffer as ArrayBuffer] : []);
  };
  const run = (): void => {
    scheduled = false;
    let job = current?.job;
    let reply: EncodeAnswer | undefined;
    try {
      if (!current) {
        job = queue.shift();
        if (!job) return;
        port.postMessage({ id: job.id, started: true } satisfies EncodeAnswer);
        current = startJob(job, writer, codecs);
      }
      reply = encodeSome(current, ENCODE_YIELD_POINTS);
    } catch (err) {
      reply = { id: job!.id, error: err instanceof Error ? err.message : String(err) };
    }
    if (reply) {
      current = undefined;
      answer(reply);
    }
    if (current || queue.length > 0) schedule();
  };
  const schedule = (): void => {
    if (scheduled) return;
    scheduled = true;
    setImmediate(run);
  };
  port.on('message', (job: EncodeJob) => {
    queue.push(job);
    schedule();
  });
}
