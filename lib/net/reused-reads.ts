/**
 * Socket reads into a buffer the caller reuses, instead of a fresh buffer a read.
 *
 * Why: a `'data'` event hands over a new 64 KiB buffer for every read(2) — at a 10M-point
 * telnet load, ~700 MB of short-lived buffers. V8 counts their memory as external, and each
 * ~25 MB of it starts a collection on the storage thread (about half of its scavenges in such
 * a load were "external memory pressure"). Each buffer also goes through the readable
 * stream's machinery (push, flowing state, emit) before the listener sees it. Reading into a
 * reused buffer costs about half the CPU per byte read (700 MB over loopback: ~120 against
 * ~270 ms).
 *
 * Node offers exactly this as `net.connect({ onread: { buffer, callback } })` (docs:
 * net.md, "socket.connect(options)"), but only for sockets it connects; sockets accepted by
 * a `net.Server` cannot be given the option. This switches an accepted socket to the same
 * mode by setting the fields that option sets (Socket's `kBuffer`, `kBufferCb`,
 * `kBufferGen`, found by their symbols' descriptions) and calling the handle's
 * `useUserBuffer`, as net.js does for `onread`. Everything is checked first: on a Node whose
 * sockets do not have those fields, on TLS sockets and on other streams it returns false
 * and changes nothing, and the caller keeps its `'data'` listener.
 *
 * Bytes already buffered by the stream (a protocol detector's `unshift`) still come as
 * `'data'` events, before any read that reaches `onBytes`: keep the `'data'` listener.
 */
import net from 'node:net';
import type { Duplex } from 'node:stream';

/**
 * Called with each read: `bytes` is a view of the current buffer, valid until this call
 * returns. Return true when something still holds a view of the buffer (the next read
 * then goes into a fresh one), false when the buffer may be reused.
 */
export type OnBytes = (bytes: Buffer) => boolean;

interface SocketInternals {
  _handle?: { useUserBuffer?: (buffer: Uint8Array) => void } | null;
  encrypted?: boolean;
}

function symbolNamed(target: object, description: string): symbol | undefined {
  return Object.getOwnPropertySymbols(target).find((symbol) => symbol.description === description);
}

/** The buffer of a connection that reads little (one line now and then): an idle connection holds no more. */
export const SMALL_READ_BYTES = 4 * 1024;

/**
 * Switches `socket` to reads into a reused buffer of up to `bytes` bytes, handed to
 * `onBytes`. Returns false (and changes nothing) when the socket cannot be switched.
 *
 * The buffer follows the reads: it starts at SMALL_READ_BYTES, grows to `bytes` once a
 * read fills it, and goes back to the small one after a read shorter than that. So a
 * loaded connection reads `bytes` at a time into one buffer, and each of a fleet's idle
 * connections holds SMALL_READ_BYTES, not `bytes` (400 mostly idle connections held 25 MiB
 * of read buffers at 64 KiB each).
 */
export function readIntoReusedBuffer(socket: Duplex, bytes: number, onBytes: OnBytes): boolean {
  if (!(socket instanceof net.Socket)) return false;
  const internals = socket as unknown as SocketInternals & Record<symbol, unknown>;
  if (internals.encrypted) return false;
  const handle = internals._handle;
  if (!handle || typeof handle.useUserBuffer !== 'function') return false;
  const kBuffer = symbolNamed(socket, 'kBuffer');
  const kBufferCb = symbolNamed(socket, 'kBufferCb');
  const kBufferGen = symbolNamed(socket, 'kBufferGen');
  // each null until set: anything else means another mode, or fields this was not written for
  if (!kBuffer || !kBufferCb || !kBufferGen) return false;
  if (internals[kBuffer] !== null || internals[kBufferCb] !== null || internals[kBufferGen] !== null) return false;
  const small = Math.min(bytes, SMALL_READ_BYTES);
  let buffer = Buffer.allocUnsafeSlow(small);
  let held = false;
  let lastRead = 0;
  internals[kBuffer] = buffer;
  internals[kBufferCb] = (nread: number, into: Buffer): void => {
    lastRead = nread;
    // set before the call: a throwing onBytes leaves the buffer to whoever may hold it
    held = true;
    held = onBytes(into.subarray(0, nread));
  };
  // asked after each read for the buffer of the next one
  internals[kBufferGen] = (): Buffer => {
    const size = lastRead === buffer.length ? bytes : lastRead < small ? small : buffer.length;
    if (held || size !== buffer.length) buffer = Buffer.allocUnsafeSlow(size);
    held = false;
    return buffer;
  };
  handle.useUserBuffer(buffer);
  return true;
}
