/**
 * The TLS plugin: detects a TLS ClientHello on the shared port, terminates TLS with the
 * configured certificate and key, and runs protocol detection again on the decrypted
 * stream — so HTTPS and telnet over TLS share the one port with everything else.
 */
import fs from 'node:fs';
import path from 'node:path';
import tls from 'node:tls';
import type { Duplex } from 'node:stream';
import { SocketStream } from './stream-adapter';
import { ConfigError, definePlugin, NEED_MORE_BYTES, Type, type DetectionResult, type ProtocolMatch } from '../../core';

/** A TLS record header: handshake (0x16), then version major 3, minor 0–4. */
export function detectTls(head: Buffer, match: ProtocolMatch): DetectionResult {
  if (head[0] !== 0x16) return undefined;
  if (head.length < 2) return NEED_MORE_BYTES;
  if (head[1] !== 0x03) return undefined;
  if (head.length < 3) return NEED_MORE_BYTES;
  return head[2]! <= 0x04 ? match : undefined;
}

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
      requestClientCert: Type.Boolean({ default: false }),
      /** a handshake that takes longer is abandoned */
      handshakeTimeoutMs: Type.Integer({ minimum: 100, default: 10_000 }),
    },
    { additionalProperties: false },
  ),
  register({ hooks, container, log, baseDir, configFile, configKey }, options) {
    const read = (key: 'cert' | 'key' | 'ca') => {
      const file = path.resolve(baseDir, options[key]!);
      try {
        return fs.readFileSync(file);
      } catch (err) {
        throw new ConfigError(configFile, `${configKey}.${key}`, `cannot read ${file}: ${(err as Error).message}`);
      }
    };
    let secureContext: tls.SecureContext;
    try {
      secureContext = tls.createSecureContext({
        cert: read('cert'),
        key: read('key'),
        passphrase: options.passphrase,
        ca: options.ca ? read('ca') : undefined,
      });
    } catch (err) {
      if (err instanceof ConfigError) throw err;
      throw new ConfigError(configFile, `${configKey}.cert`, `certificate and key are not usable: ${(err as Error).message}`);
    }
    const connections = container.resolve('connections');

    const match: ProtocolMatch = {
      protocol: 'tls',
      accept(socket: Duplex) {
        const secure = new tls.TLSSocket(new SocketStream(socket), {
          isServer: true,
          secureContext,
          requestCert: options.requestClientCert,
          rejectUnauthorized: options.requestClientCert,
        });
        const timer = setTimeout(() => secure.destroy(), options.handshakeTimeoutMs);
        secure.once('secure', () => clearTimeout(timer));
        secure.on('error', (err) => {
          clearTimeout(timer);
          log.debug({ err }, 'TLS connection failed');
          secure.destroy();
          socket.destroy();
        });
        secure.once('close', () => socket.destroy());
        connections.detect(secure, { secure: true });
      },
    };
    hooks.net.detectProtocol.tap({ name: 'tls', stage: -100 }, (head, context) => (context.secure ? undefined : detectTls(head, match)));
  },
});
