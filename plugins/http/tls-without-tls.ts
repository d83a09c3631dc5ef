/**
 * A TLS handshake on a port without the tls plugin (a client given `https://` for DSDB's
 * plain port): answered with a fatal handshake_failure alert and closed, so the client
 * fails at once with an alert instead of a reset; the operator is told once a minute what
 * happened and what to add. Detected after every other detector (stage 1000), so the tls
 * plugin, when it is loaded, takes these connections first.
 */
import type { Duplex } from 'node:stream';
import { throttledLog, type KernelHooks, type Logger } from '../../core';
import { detectTlsHandshake, TLS_HANDSHAKE_FAILURE_ALERT } from '../../lib/net';

/** How often the warning is logged at most, with the count since the last one. */
const WARN_EVERY_MS = 60_000;

export function answerTlsWithoutTls(hooks: KernelHooks, log: Logger): void {
  const warn = throttledLog(WARN_EVERY_MS, (fields) =>
    log.warn(
      fields,
      'a TLS handshake on a port without TLS (a client using https:// or TLS): answered with a TLS alert and closed; load the tls plugin to serve TLS (docs/security.md), or connect with http://',
    ),
  );
  const match = {
    protocol: 'tls-refused',
    accept(socket: Duplex) {
      warn({ remote: (socket as { remoteAddress?: string }).remoteAddress });
      socket.on('error', () => undefined);
      // the rest of the ClientHello is read and dropped: closing with unread bytes would reset the connection, and the alert with it
      socket.resume();
      socket.end(TLS_HANDSHAKE_FAILURE_ALERT);
      // the client may never close its side: do not hold the descriptor for it
      setTimeout(() => socket.destroy(), 1000).unref();
    },
  };
  hooks.net.detectProtocol.tap({ name: 'http-tls-refusal', stage: 1000 }, (head, context) => (context.secure ? undefined : detectTlsHandshake(head, match)));
}
