/**
 * Protocol detection on one port. Reads a connection's first bytes without consuming
 * them: each chunk is kept, the `net.detectProtocol` hook is asked about everything seen
 * so far, and when a tap answers the bytes are pushed back (`unshift`) before the
 * connection is handed over. Works when the head arrives one byte at a time; the wait
 * for more bytes is bounded by `timeoutMs` from the first byte.
 */
import type { Duplex } from 'node:stream';
import { NEED_MORE_BYTES, type DetectionContext } from './extension-points';
import type { KernelHooks } from './hooks';
import type { Logger } from './logger';

/** Past this many bytes every detector must have decided. */
export const MAX_HEAD_BYTES = 64;

export interface DetectorOptions {
  hooks: KernelHooks;
  logger: Logger;
  timeoutMs: number;
  /** how long a connection may stay silent before its first byte (0: no limit) */
  firstByteTimeoutMs?: number;
}

export function detectConnection(socket: Duplex, options: DetectorOptions, secure = false): void {
  const { hooks, logger, timeoutMs } = options;
  let head: Buffer = Buffer.alloc(0);
  let timer: NodeJS.Timeout | undefined;
  let done = false;
  // A connection that never sends a byte would otherwise hold its descriptor forever.
  let silence: NodeJS.Timeout | undefined =
    options.firstByteTimeoutMs && options.firstByteTimeoutMs > 0
      ? setTimeout(() => {
          if (done) return;
          logger.debug('connection sent nothing before firstByteTimeoutMs; closing');
          finish();
          socket.destroy();
        }, options.firstByteTimeoutMs)
      : undefined;

  const finish = () => {
    done = true;
    if (timer) clearTimeout(timer);
    if (silence) clearTimeout(silence);
    socket.removeListener('data', onData);
    socket.removeListener('end', onEnd);
    socket.removeListener('error', onError);
    socket.removeListener('close', onEnd);
  };

  const decide = (final: boolean) => {
    const context: DetectionContext = { final, secure };
    let result;
    try {
      result = hooks.net.detectProtocol.call(head, context);
    } catch (err) {
      logger.error({ err }, 'protocol detector failed');
      result = undefined;
    }
    if (result === NEED_MORE_BYTES && !final) {
      if (!timer) timer = setTimeout(() => !done && decide(true), timeoutMs);
      return;
    }
    finish();
    if (result === undefined || result === NEED_MORE_BYTES) {
      logger.debug({ head: head.subarray(0, 16).toString('hex') }, 'no plugin speaks this protocol; closing');
      socket.destroy();
      return;
    }
    socket.pause();
    socket.unshift(head);
    try {
      result.accept(socket, context);
    } catch (err) {
      logger.error({ err, protocol: result.protocol }, 'protocol handler failed to take the connection');
      socket.destroy();
    }
  };

  const onData = (chunk: Buffer) => {
    if (silence) {
      clearTimeout(silence);
      silence = undefined;
    }
    head = head.length === 0 ? chunk : Buffer.concat([head, chunk]);
    decide(head.length >= MAX_HEAD_BYTES);
  };
  const onEnd = () => {
    if (done) return;
    if (head.length > 0) decide(true);
    if (!done) {
      finish();
      socket.destroy();
    }
  };
  const onError = (err: Error) => {
    logger.debug({ err }, 'connection error before detection');
    finish();
    socket.destroy();
  };

  socket.on('data', onData);
  socket.on('end', onEnd);
  socket.on('close', onEnd);
  socket.on('error', onError);
}
