/**
 * The HTTP responses not yet finished, so that a graceful stop (SIGTERM, `diediedie`)
 * sends the answers of requests already being handled before it closes their
 * connections, as a listening Node server's close() would. The plugin's server never
 * listens (the kernel hands it sockets), so neither Node nor fastify waits for them.
 */
import type { ServerResponse } from 'node:http';

export class InFlightResponses {
  private readonly open = new Set<ServerResponse>();
  /** each connection's responses not closed yet: a pipelined response whose client left never emits 'close' */
  private readonly bySocket = new WeakMap<object, Set<ServerResponse>>();
  private wake: (() => void) | undefined;
  /** Counts `res` until it closes (sent in full) or its connection does. */
  track(res: ServerResponse): void {
    this.open.add(res);
    res.once('close', () => this.forget(res));
    const socket = res.req?.socket;
    if (!socket) return;
    let mine = this.bySocket.get(socket);
    if (!mine) {
      const set = (mine = new Set());
      this.bySocket.set(socket, set);
      // one listener a connection, however many pipelined responses wait on it
      socket.once('close', () => {
        for (const r of set) this.forget(r);
        set.clear();
      });
    }
    mine.add(res);
  }

  private forget(res: ServerResponse): void {
    if (!this.open.delete(res)) return;
    const socket = res.req?.socket;
    if (socket) this.bySocket.get(socket)?.delete(res);
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
