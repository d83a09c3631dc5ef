/**
 * What a plaintext connection gets on a port that requires TLS. The protocol it meant to
 * speak is guessed from its first bytes with the same rules the protocol plugins detect
 * by, so the refusal is in a form the client reads: an HTTP status line with OpenTSDB's
 * error JSON for HTTP (an uppercase first byte, OpenTSDB's rule), nothing for the
 * raw-TCP protobuf preamble `\0DSB` (any text would be misread as a frame length), and a
 * telnet error line for everything else.
 */
import type { Duplex } from 'node:stream';

const REASON = 'TLS required';
const DETAILS = 'this port accepts only TLS connections (tls requireTls / requestClientCert); connect with TLS';

/** The refusal bytes for a connection whose first bytes are `head` (empty: close without a word). */
export function plaintextRefusal(head: Buffer): string {
  const first = head[0] ?? 0;
  if (first >= 0x41 && first <= 0x5a) {
    const body = JSON.stringify({ error: { code: 403, message: REASON, details: DETAILS } });
    return `HTTP/1.1 403 Forbidden\r\ncontent-type: application/json; charset=UTF-8\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`;
  }
  if (first === 0x00) return '';
  return `error: ${REASON}: ${DETAILS}\n`;
}

/** Answers and closes a plaintext connection; nothing it sent is read by any protocol. */
export function refusePlaintext(socket: Duplex, head: Buffer): void {
  socket.on('error', () => undefined);
  socket.end(plaintextRefusal(head));
  // A client that never reads its refusal must not hold the descriptor.
  setTimeout(() => socket.destroy(), 1000).unref();
}
