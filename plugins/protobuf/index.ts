/**
 * Protobuf writes with dsdb.proto: `POST /api/put` with `Content-Type:
 * application/x-protobuf` (a WriteRequest body, OpenTSDB's replies), and a raw TCP
 * protocol on the shared port, claimed by its preamble (see framing.ts and
 * docs/write.md).
 */
import type { Duplex } from 'node:stream';
import { definePlugin, NEED_MORE_BYTES, Type } from '../../core';
import { getAuthenticator, type Authenticator } from '../../lib/auth';
import { getPutHooks } from '../../lib/opentsdb';
import { matchPreamble } from './framing';
import { protobufPut } from './put-format';
import { ProtobufTcpSession } from './tcp-session';

export default definePlugin({
  name: 'protobuf',
  enhances: ['put-http'],
  options: Type.Object(
    {
      /** largest WriteRequest frame accepted over raw TCP, in bytes */
      maxFrameBytes: Type.Integer({ minimum: 1024, default: 16 * 1024 * 1024 }),
      /** raw TCP: acks queued for a client that does not read them; past this, frames are not read until they drain */
      maxPendingAckBytes: Type.Integer({ minimum: 1024, default: 1024 * 1024 }),
      /** raw TCP: a connection with no bytes in either direction for this many ms is closed (0: never) */
      idleTimeoutMs: Type.Integer({ minimum: 0, default: 300_000 }),
    },
    { additionalProperties: false },
  ),
  register({ hooks, container, log }, options) {
    const sessions = new Set<ProtobufTcpSession>();
    let accepting = true;
    const writer = container.resolve('writer');
    let authenticator: Authenticator | undefined;
    // Every plugin has registered by now: an authenticator means auth is on.
    hooks.kernel.starting.tap('protobuf', () => {
      authenticator = getAuthenticator(container);
    });

    const match = {
      protocol: 'dsdb-protobuf',
      accept(socket: Duplex) {
        if (!accepting) return socket.destroy();
        const session = new ProtobufTcpSession(socket, writer, options, log, authenticator);
        sessions.add(session);
        socket.once('close', () => sessions.delete(session));
        session.start();
      },
    };
    hooks.net.detectProtocol.tap('protobuf', (head) => {
      const seen = matchPreamble(head);
      return seen === true ? match : seen === undefined ? NEED_MORE_BYTES : undefined;
    });

    // The HTTP form exists only when put-http (which owns /api/put and this hook) is loaded.
    getPutHooks(hooks).formats.tap('protobuf', (formats) => formats.add(protobufPut.contentType, protobufPut, 'protobuf'));

    hooks.kernel.collectStats.tap('protobuf', (collector) => {
      collector.record('connectionmgr.connections', sessions.size, { type: 'protobuf' });
    });

    hooks.kernel.stopping.tapPromise('protobuf', async () => {
      accepting = false;
      // The writer drains the frames already handed over; acks go out as they complete.
      await Promise.allSettled([...sessions].map((session) => session.finish()));
    });
  },
});
