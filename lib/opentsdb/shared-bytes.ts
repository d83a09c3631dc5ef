/**
 * Bytes in shared memory (a SharedArrayBuffer) for the parse workers: posted to a worker,
 * a view over shared memory is shared, not copied, so the worker allocates nothing to
 * receive it. A structured clone of an ordinary buffer is a fresh ArrayBuffer in the
 * worker's isolate for every job; with `/api/put` bodies (~100 bytes a point) that was
 * ~450 MiB of external memory per worker in a 10M-point load, and V8 answers external
 * memory growth with a full mark-compact: ~35 of them per worker, each freeing nothing.
 */

/** A Buffer over `bytes` of fresh shared memory. */
export function sharedBuffer(bytes: number): Buffer {
  return Buffer.from(new SharedArrayBuffer(bytes));
}

/**
 * Copies `source[start, end)` into `target` (shared memory) at `at`. Not Buffer#copy:
 * in Node 20 that is TypedArray#set, which V8 runs into shared memory as a relaxed-atomic
 * move (~1.9 GB/s here), while a fill with a buffer as long as the range is one memcpy in
 * Node's C++ (~35 GB/s).
 */
export function copyIntoShared(target: Buffer, at: number, source: Uint8Array, start: number, end: number): void {
  if (end > start) target.fill(source.subarray(start, end), at, at + (end - start));
}

/** Whether `bytes` already lie in shared memory (they reach a worker without a copy). */
export function isShared(bytes: Uint8Array): boolean {
  return bytes.buffer instanceof SharedArrayBuffer;
}

/**
 * The largest bytes worth carrying in shared memory. Larger ones go as ordinary buffers
 * (copied when posted): a SharedArrayBuffer that has been posted to a worker is freed only
 * once both isolates have collected it, and neither is pressed to — shared memory does not
 * count as the external memory that prompts V8's collections. A stream of fresh 8 MiB
 * shared buffers, one per large body, grew a daemon past 4 GiB; pooled ones of at most this
 * size are reused instead of made.
 */
export const MAX_SHARED_BYTES = 4 << 20;

/**
 * Shared buffers lent for one job each and given back once the job is answered, so that a
 * steady stream of bodies reuses a few buffers. Bounded: at most `maxSpare` are kept, none
 * larger than `maxKeptBytes` (a rare huge body gets its own buffer, dropped after its job).
 */
export class SharedBufferPool {
  private readonly spare: Buffer[] = [];

  /**
   * @param maxSpare buffers kept between jobs
   * @param maxKeptBytes the largest buffer kept, in bytes
   * @param minBytes the smallest buffer made, in bytes (small bodies share a size)
   */
  constructor(
    private readonly maxSpare = 8,
    readonly maxKeptBytes = MAX_SHARED_BYTES,
    private readonly minBytes = 64 << 10,
  ) {}

  /** A shared buffer holding a copy of `bytes` (its first `bytes.length` bytes); give it back with `release`. */
  lend(bytes: Uint8Array): Buffer {
    const lent = this.take(bytes.length);
    copyIntoShared(lent, 0, bytes, 0, bytes.length);
    return lent;
  }

  /** A shared buffer of at least `minBytes` bytes (contents undefined); give it back with `release`. */
  take(minBytes: number): Buffer {
    // the smallest spare that fits: bodies of one client are alike in size
    let best = -1;
    for (let i = 0; i < this.spare.length; i++) {
      const candidate = this.spare[i]!;
      if (candidate.length >= minBytes && (best < 0 || candidate.length < this.spare[best]!.length)) best = i;
    }
    if (best < 0) {
      let size = this.minBytes;
      while (size < minBytes) size *= 2;
      return sharedBuffer(size);
    }
    const taken = this.spare[best]!;
    this.spare[best] = this.spare[this.spare.length - 1]!;
    this.spare.pop();
    return taken;
  }

  /** Takes back a buffer from `lend` or `take` once nothing reads it any more (its job answered, its request answered). */
  release(buffer: Buffer): void {
    if (buffer.length > this.maxKeptBytes) return;
    if (this.spare.length < this.maxSpare) {
      this.spare.push(buffer);
      return;
    }
    // full: keep the larger buffers, which fit more bodies
    let smallest = 0;
    for (let i = 1; i < this.spare.length; i++) if (this.spare[i]!.length < this.spare[smallest]!.length) smallest = i;
    if (this.spare[smallest]!.length < buffer.length) this.spare[smallest] = buffer;
  }

  /** Buffers kept now (for tests). */
  get spareCount(): number {
    return this.spare.length;
  }
}
