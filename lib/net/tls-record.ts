/**
 * Telling a TLS handshake from a connection's first bytes (RFC 8446 §5.1, the record
 * layer): a handshake record (content type 22) with protocol version major 3, minor 0–4.
 * Shared by the tls plugin, which serves such connections, and the http plugin, which
 * answers them when no tls plugin is there.
 */
import { NEED_MORE_BYTES, type DetectionResult, type ProtocolMatch } from '../../core';

/** `match` when `head` opens a TLS handshake, NEED_MORE_BYTES while too short to tell, else undefined. */
export function detectTlsHandshake(head: Buffer, match: ProtocolMatch): DetectionResult {
  if (head[0] !== 0x16) return undefined;
  if (head.length < 2) return NEED_MORE_BYTES;
  if (head[1] !== 0x03) return undefined;
  if (head.length < 3) return NEED_MORE_BYTES;
  return head[2]! <= 0x04 ? match : undefined;
}

/**
 * A fatal `handshake_failure` alert record (RFC 8446 §6: alert 21, TLS 1.0 record version,
 * level 2, description 40): what a server that cannot do TLS sends a TLS client, so that
 * it fails at once with an alert rather than a reset or a wait.
 */
export const TLS_HANDSHAKE_FAILURE_ALERT: Readonly<Buffer> = Buffer.from([0x15, 0x03, 0x01, 0x00, 0x02, 0x02, 0x28]);
