/**
 * The raw TCP protocol's framing: the 4-byte preamble `00 44 53 42` ("\0DSB"; no
 * telnet command starts with NUL and no HTTP method does), then frames of a 4-byte
 * big-endian length and that many bytes of protobuf, each way.
 */
export const PREAMBLE = Buffer.from([0x00, 0x44, 0x53, 0x42]);
export const LENGTH_BYTES = 4;

/** Whether `head` starts with the preamble (true), may still (undefined), or cannot (false). */
export function matchPreamble(head: Buffer): boolean | undefined {
  const n = Math.min(head.length, PREAMBLE.length);
  for (let i = 0; i < n; i++) if (head[i] !== PREAMBLE[i]) return false;
  return head.length >= PREAMBLE.length ? true : undefined;
}

/** One frame: length prefix + payload. */
export function frame(payload: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(LENGTH_BYTES + payload.length);
  out.writeUInt32BE(payload.length, 0);
  out.set(payload, LENGTH_BYTES);
  return out;
}
