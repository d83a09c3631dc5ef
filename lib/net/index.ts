/** Connection helpers shared by the protocol plugins (telnet, protobuf over TCP, http, tls). */
import type { Duplex } from 'node:stream';

/**
 * Calls `onIdle` when the connection has seen no bytes in either direction for `ms`
 * (0: never). Sockets (plain or TLS) have their own inactivity timer; other streams get one.
 */
export function closeWhenIdle(socket: Duplex, ms: number, onIdle: () => void): void {
  if (ms <= 0) return;
  const timed = socket as Duplex & { setTimeout?: (ms: number, cb?: () => void) => unknown };
  if (typeof timed.setTimeout === 'function') {
    timed.setTimeout(ms);
    socket.on('timeout', onIdle);
    return;
  }
  const timer = setTimeout(onIdle, ms);
  const touch = () => timer.refresh();
  socket.on('data', touch);
  socket.once('close', () => clearTimeout(timer));
}

export { readIntoReusedBuffer, SMALL_READ_BYTES, type OnBytes } from './reused-reads';
export { detectTlsHandshake, TLS_HANDSHAKE_FAILURE_ALERT } from './tls-record';
