/**
 * A remote_write request read on a parse worker (PutParsePool.parseWith; the module's
 * path is BODY_READER in index.ts): snappy, then the byte reader (admit.ts
 * readWriteRequestBytes). Any request that reader does not take whole — a body that is
 * not snappy, a frame it does not know — comes back `exact`, and the route reads it on the
 * main thread with the reference decoder and its error answers, as before.
 */
import type { BatchBuilder } from '../../core';
import type { WorkerBodyReader } from '../../lib/opentsdb';
import { readWriteRequestBytes, type Admitted } from './admit';
import { snappyUncompress } from './snappy';

/** The route's limits, passed with each job. */
export interface RemoteWriteReadOptions {
  maxTags: number;
  maxUncompressedBytes: number;
}

export const bodyReader: WorkerBodyReader = {
  read(body: Uint8Array, builder: BatchBuilder, options: unknown): { points: number; detail: Admitted } | undefined {
    const { maxTags, maxUncompressedBytes } = options as RemoteWriteReadOptions;
    let bytes: Buffer;
    try {
      bytes = snappyUncompress(body, maxUncompressedBytes);
    } catch {
      return undefined; // the main thread answers it (400, or 413 for a body declared too large)
    }
    const admitted = readWriteRequestBytes(bytes, builder, maxTags);
    return admitted === undefined ? undefined : { points: builder.length, detail: admitted };
  },
};
