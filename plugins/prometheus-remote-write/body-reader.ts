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
import { snappyDeclaredLength, snappyUncompress } from './snappy';

/** The route's limits, passed with each job. */
export interface RemoteWriteReadOptions {
  maxTags: number;
  maxUncompressedBytes: number;
}

/**
 * The worker's buffer for decompressed bodies, reused from one body to the next (the
 * reader copies what it keeps): a fresh buffer per body was external memory that V8
 * answered with full collections. Bodies larger than SCRATCH_MAX_BYTES get their own.
 */
let scratch = Buffer.alloc(0);
const SCRATCH_MAX_BYTES = 8 << 20;

export const bodyReader: WorkerBodyReader = {
  read(body: Uint8Array, builder: BatchBuilder, options: unknown): { points: number; detail: Admitted } | undefined {
    const { maxTags, maxUncompressedBytes } = options as RemoteWriteReadOptions;
    let bytes: Buffer;
    try {
      const { length } = snappyDeclaredLength(body);
      // grown in steps, never past SCRATCH_MAX_BYTES whatever a body declares
      if (length > scratch.length && length <= SCRATCH_MAX_BYTES) scratch = Buffer.allocUnsafeSlow(Math.min(SCRATCH_MAX_BYTES, Math.max(length, 2 * scratch.length, 64 << 10)));
      bytes = snappyUncompress(body, maxUncompressedBytes, scratch);
    } catch {
      return undefined; // the main thread answers it (400, or 413 for a body declared too large)
    }
    const admitted = readWriteRequestBytes(bytes, builder, maxTags);
    return admitted === undefined ? undefined : { points: builder.length, detail: admitted };
  },
};
