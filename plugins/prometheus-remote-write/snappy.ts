/**
 * A bounded snappy block-format decoder (https://github.com/google/snappy/blob/main/format_description.txt).
 * snappyjs trusts its input: a malformed copy element moves its position backwards and
 * it loops forever (`01 fc fa ff ff ff`). This one checks every element against the
 * input and the output, so any input ends in time linear in the output it declares, and
 * the declared length is refused before anything is allocated when it is over `maxBytes`
 * or more than the input could possibly expand to.
 */

/**
 * Literals and copies up to this many bytes are moved in a loop, longer ones by
 * `set`/`copyWithin`. A remote_write body is made of short elements: the bench's bodies
 * hold ~5 a sample (a literal of ~3 bytes, copies of ~23 on average, from the repeated
 * labels), and a native call a element, plus a Buffer object for a literal's `subarray`,
 * cost 190–200 ns a sample against 130–150 with this bound (one thread, 5 rounds of 10M
 * samples; 8 and 32 were slower).
 */
const SHORT_RUN = 16;

/** What one input byte can at most become: a 2-byte copy-1 element yields 11 bytes, a 3-byte copy-2 up to 64. */
const MAX_EXPANSION = 22;

export class SnappyError extends Error {
  constructor(
    message: string,
    /** true when the data is refused for its size rather than malformed */
    readonly tooLarge = false,
  ) {
    super(message);
    this.name = 'SnappyError';
  }
}

/** The uncompressed length a block declares (its varint preamble), and where its elements start. */
export function snappyDeclaredLength(input: Uint8Array): { length: number; offset: number } {
  let length = 0;
  let shift = 0;
  for (let pos = 0; pos < 5; pos++) {
    if (pos >= input.length) throw new SnappyError('truncated length preamble');
    const byte = input[pos]!;
    length += (byte & 0x7f) * 2 ** shift;
    if ((byte & 0x80) === 0) {
      if (length > 0xffffffff) throw new SnappyError('declared length over 2^32-1');
      return { length, offset: pos + 1 };
    }
    shift += 7;
  }
  throw new SnappyError('length preamble longer than 5 bytes');
}

/**
 * The block's bytes, decompressed into `into` when it holds them (the result is then a
 * view of its start, valid until `into` is used again), otherwise into a new buffer.
 * Throws SnappyError on a malformed block or one declared longer than `maxBytes`.
 */
export function snappyUncompress(input: Uint8Array, maxBytes: number, into?: Buffer): Buffer {
  const { length, offset } = snappyDeclaredLength(input);
  if (length > maxBytes) throw new SnappyError(`declared uncompressed length ${length} exceeds the limit of ${maxBytes} bytes`, true);
  if (length > (input.length - offset) * MAX_EXPANSION) throw new SnappyError(`declared uncompressed length ${length} is more than ${input.length} bytes can hold`);
  const out = into !== undefined && into.length >= length ? into.subarray(0, length) : Buffer.allocUnsafe(length);
  let pos = offset;
  let op = 0;
  while (pos < input.length) {
    const tag = input[pos++]!;
    const kind = tag & 3;
    if (kind === 0) {
      // literal: length-1 in the upper 6 bits, or in the next 1–4 bytes
      let len = tag >>> 2;
      if (len >= 60) {
        const bytes = len - 59;
        if (pos + bytes > input.length) throw new SnappyError('truncated literal length');
        len = 0;
        for (let i = 0; i < bytes; i++) len += input[pos + i]! * 2 ** (8 * i);
        pos += bytes;
      }
      len += 1;
      if (pos + len > input.length) throw new SnappyError('literal runs past the input');
      if (op + len > length) throw new SnappyError('literal runs past the declared length');
      if (len <= SHORT_RUN) {
        for (let i = 0; i < len; i++) out[op + i] = input[pos + i]!;
      } else {
        out.set(input.subarray(pos, pos + len), op);
      }
      pos += len;
      op += len;
      continue;
    }
    let len: number;
    let distance: number;
    if (kind === 1) {
      if (pos + 1 > input.length) throw new SnappyError('truncated copy element');
      len = ((tag >>> 2) & 7) + 4;
      distance = ((tag >>> 5) << 8) | input[pos]!;
      pos += 1;
    } else if (kind === 2) {
      if (pos + 2 > input.length) throw new SnappyError('truncated copy element');
      len = (tag >>> 2) + 1;
      distance = input[pos]! | (input[pos + 1]! << 8);
      pos += 2;
    } else {
      if (pos + 4 > input.length) throw new SnappyError('truncated copy element');
      len = (tag >>> 2) + 1;
      distance = (input[pos]! | (input[pos + 1]! << 8) | (input[pos + 2]! << 16)) + input[pos + 3]! * 2 ** 24;
      pos += 4;
    }
    if (distance === 0 || distance > op) throw new SnappyError(`copy offset ${distance} out of range at output byte ${op}`);
    if (op + len > length) throw new SnappyError('copy runs past the declared length');
    if (len <= SHORT_RUN) {
      // byte by byte: a copy longer than its distance (overlapping) repeats the bytes it has just written, as the format means
      for (let i = 0; i < len; i++, op++) out[op] = out[op - distance]!;
    } else if (distance >= len) {
      out.copyWithin(op, op - distance, op - distance + len);
      op += len;
    } else {
      for (let i = 0; i < len; i++, op++) out[op] = out[op - distance]!;
    }
  }
  if (op !== length) throw new SnappyError(`decoded ${op} bytes, the block declares ${length}`);
  return out;
}
