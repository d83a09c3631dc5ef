/**
 * The TLS plugin: detects a TLS ClientHello on the shared port, terminates TLS with the
 * configured certificate and key, and runs protocol detection again on the decrypted
 * stream — so HTTPS and telnet over TLS share the one port with everything else.
 * With `requestClientCert` a client must present a certificate `ca` signed (checked
 * after the handshake, as node's tls.Server does); with `requireTls` (implied by
 * `requestClientCert`) plaintext on the port is refused (plaintext-refusal.ts).
 */
import fs from 'node:fs';
import path from 'node:path';
import tls from 'node:tls';
import type { Duplex } from 'node:stream';
import { refusePlaintext } from './plaintext-refusal';
import { SocketStream } from './stream-adapter';
import { ConfigError, definePlugin, Type, type ProtocolMatch } from '../../core';
import { detectTlsHandshake } from '../../lib/net';

export default definePlugin({
  name: 'tls',
  options: Type.Object(
    {
      /** PEM certificate chain file (relative to the config file) */
      cert: Type.String(),
      /** PEM private key file */
      key: Type.String(),
      passphrase: Type.Optional(Type.String()),
      /** PEM CA file; with `requestClientCert`, clients must present a certificate it signed */
      ca: Type.Optional(Type.String()),
      /** require a client certificate signed by `ca` (needs `ca`; implies `requireTls`) */
      requestClientCert: Type.Boolean({ default: false }),
      /** refuse plaintext HTTP, telnet and protobuf on the port: only TLS connections are served */
      requireTls: Type.Boolean({ default: false }),
      /** a handshake that takes longer is abandoned */
      handshakeTimeoutMs: Type.Integer({ minimum: 100, default: 10_000 }),
    },
    { additionalProperties: false },
  ),
  register({ hooks, container, log, baseDir, configFile, configKey }, options) {
    if (options.requestClientCert && !options.ca) {
      // Without a CA node would verify against its public roots: any publicly issued certificate would pass.
      throw new ConfigError(configFile, `${configKey}.ca`, 'is required with requestClientCert: the CA that signs client certificates');
    }
    const requireTls = options.requireTls || options.requestClientCert;
    const read = (key: 'cert' | 'key' | 'ca') => {
      const file = path.resolve(baseDir, options[key]!);
      try {
        return fs.readFileSync(file);
      } catch (err) {
        throw new ConfigError(configFile, `${configKey}.${key}`, `cannot read ${file}: ${(err as Error).message}`);
      }
    };
    let server: tls.Server;
    try {
      // A tls.Server that never listens: it is handed streams the port detected as TLS.
      // Only its connection path applies `rejectUnauthorized` (a bare TLSSocket completes
      // the handshake whatever certificate the client shows and records no verdict).
      server = tls.createServer({
        cert: read('cert'),
        key: read('key'),
        passphrase: options.passphrase,
        ca: options.ca ? read('ca') : undefined,
        requestCert: options.requestClientCert,
        rejectUnauthorized: options.requestClientCert,
        handshakeTimeout: options.handshakeTimeoutMs,
      });
    } catch (err) {
      if (err instanceof ConfigError) throw err;
      throw new ConfigError(configFile, `${configKey}.cert`, `certificate and key are not usable: ${(err as Error).message}`);
    }
    const connections = container.resolve('connections');
    // After the handshake and, with requestClientCert, a certificate `ca` signed.
    server.on('secureConnection', (secure: tls.TLSSocket) => {
      // node's TLSSocket keeps the stream it wraps as `_parent` (not public API: should that
      // change, test/write/telnet-peer-close.test.ts fails, since a FIN then closes the connection)
      const below = (secure as unknown as { _parent?: unknown })._parent;
      if (below instanceof SocketStream) below.handshakeDone();
      connections.detect(secure, { secure: true });
    });
    server.on('tlsClientError', (err: Error, secure: tls.TLSSocket) => {
      log.debug({ err }, 'TLS connection failed');
      secure.destroy();
    });

    const match: ProtocolMatch = {
      protocol: 'tls',
      accept(socket: Duplex) {
        const stream = new SocketStream(socket);
        // The server's TLSSocket ends `stream`, and through it the socket, when it closes.
        server.emit('connection', stream);
      },
    };
    hooks.net.detectProtocol.tap({ name: 'tls', stage: -100 }, (head, context) => {
      if (context.secure) return undefined;
      const found = detectTlsHandshake(head, match);
      if (found !== undefined || !requireTls) return found;
      // Plaintext on a TLS-only port: claimed here, before any protocol plugin reads it.
      return { protocol: 'plaintext-refused', accept: (socket: Duplex) => refusePlaintext(socket, head) };
    });
  },
});
