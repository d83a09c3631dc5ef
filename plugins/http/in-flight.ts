/**
 * The HTTP responses not yet finished, so that a graceful stop (SIGTERM, `diediedie`)
 * sends the answers of requests already being handled before it closes their
 * connections, as a listening Node server's close() would. The plugin's server never
 * listens (the kernel hands it sockets), so neither Node nor fastify waits for them.
 */
import type { ServerResponse } from 'node:http';

export class InFlightResponses {
  private count = 0;
  private wake: (() => void) | undefined;
  /** one listener for every response (no closure a request) */
  private readonly finished = (): void => {
    if (--this.count === 0 && this.wake) this.wake();
  };

  /** Counts `res` until it closes (sent in full, or its connection ended). */
  track(res: ServerResponse): void {
    this.count++;
    res.once('close', this.finished);
  }

  /** Responses not closed yet. */
  get size(): number {
    return this.count;
  }

  /** Resolves once no response is in flight, or after `timeoutMs`: true if none was left. */
  async drained(timeoutMs: number): Promise<boolean> {
    if (this.count === 0) return true;
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
