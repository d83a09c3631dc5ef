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

/** Encodes one job (on the worker, or in tests on any thread). */
export function encodeJob(job: EncodeJob, codecs: CodecSet, writer = new ByteWriter(1 << 16)): EncodeAnswer {
  const { buffer, capacity, ids, ends, chunkPoints } = job;
  const points: SeriesPoints = {
    length: ends.length > 0 ? ends[ends.length - 1]! : 0,
    timestamps: new Float64Array(buffer, 0, capacity),
    floats: new Float64Array(buffer, capacity * 8, capacity),
    ints: new BigInt64Array(buffer, capacity * 8, capacity),
    kinds: new Uint8Array(buffer, capacity * 16, capacity),
    texts: [],
  };
  const w = writer.reset();
  let chunks = 0;
  for (let s = 0; s < ends.length; s++) chunks += chunkCount(ends[s]! - (s > 0 ? ends[s - 1]! : 0), chunkPoints);
  const meta = new Float64Array(chunks * CHUNK_META_FIELDS);
  let m = 0;
  for (let s = 0, from = 0; s < ends.length; from = ends[s]!, s++) m = writeSeriesChunks(w, points, from, ends[s]!, chunkPoints, codecs, ids[s]!, meta, m);
  return { id: job.id, bytes: w.finish(), meta, chunks };
}

/**
 * The chunk encode service on a helper thread (core/helper-threads.ts, attached by
 * ChunkEncoder with `{ codecs }`): each EncodeJob on `port` is answered with its
 * EncodeAnswer. Throws (the service fails to start) when a codec module does not load.
 */
export function serveHelper(port: MessagePort, data: unknown): void {
  const codecs = codecSetFrom((data as { codecs: EncoderCodecs }).codecs);
  const writer = new ByteWriter(1 << 20);
  port.on('message', (job: EncodeJob) => {
    port.postMessage({ id: job.id, started: true } satisfies EncodeAnswer);
    let answer: EncodeAnswer;
    try {
      answer = encodeJob(job, codecs, writer);
    } catch (err) {
      answer = { id: job.id, error: err instanceof Error ? err.message : String(err) };
    }
    port.postMessage(answer, answer.bytes ? [answer.bytes.buffer as ArrayBuffer, answer.meta!.buffer as ArrayBuffer] : []);
  });
}
