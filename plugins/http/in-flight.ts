/**
 * The HTTP responses not yet finished, so that a graceful stop (SIGTERM, `diediedie`)
 * sends the answers of requests already being handled before it closes their
 * connections, as a listening Node server's close() would. The plugin's server never
 * listens (the kernel hands it sockets), so neither Node nor fastify waits for them.
 */
import type { ServerResponse } from 'node:http';
import { onSocketClose } from './socket-close';

export class InFlightResponses {
  /** each response not closed yet, with the remover of its wait on its connection's close */
  private readonly open = new Map<ServerResponse, () => void>();
  private wake: (() => void) | undefined;

  /** Counts `res` until it closes (sent in full) or its connection does. */
  track(res: ServerResponse): void {
    const socket = res.req?.socket;
    this.open.set(res, socket ? onSocketClose(socket, () => this.forget(res)) : () => undefined);
    res.once('close', () => this.forget(res));
  }

  private forget(res: ServerResponse): void {
    const offSocket = this.open.get(res);
    if (!offSocket) return;
    this.open.delete(res);
    offSocket();
    if (this.open.size === 0 && this.wake) this.wake();
  }

  /** Responses not closed yet (nor their connections). */
  get size(): number {
    return this.open.size;
  }

  /** Resolves once no response is in flight, or after `timeoutMs`: true if none was left. */
  async drained(timeoutMs: number): Promise<boolean> {
    if (this.open.size === 0) return true;
    let timer: NodeJS.Timeout | undefined;
    const done = await Promise.race([
      new Promise<true>((resolve) => (this.wake = () => resolve(true))),
      new Promise<false>((resolve) => (timer = setTimeout(resolve, timeoutMs, false))),
    ]);
    clearTimeout(timer);
    this.wake = undefined;
    return done;
  }
}
