/**
 * The kernel's one TCP port. The kernel owns the server; what each connection speaks
 * is decided by detection (detection.ts). Tracks open sockets so shutdown can end them.
 */
import net from 'node:net';
import { once } from 'node:events';
import { detectConnection, type DetectorOptions } from './detection';
import { DsdbError } from './errors';

/**
 * What a connection over `maxConnections` receives before it is closed. Its protocol is
 * not known yet; an HTTP status line is what HTTP clients understand, and a telnet
 * client or a person reads it as text.
 */
function refusal(limit: number): string {
  const body = JSON.stringify({ error: { code: 503, message: 'Too many connections', details: `This DSDB accepts at most ${limit} connections; try again later` } });
  return `HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json; charset=UTF-8\r\ncontent-length: ${Buffer.byteLength(body)}\r\nretry-after: 5\r\nconnection: close\r\n\r\n${body}`;
}

/** listen(2)'s backlog by default; Listener's constructor says why. */
export const DEFAULT_LISTEN_BACKLOG = 4096;

export class Listener {
  private readonly server: net.Server;
  private readonly sockets = new Set<net.Socket>();
  private refused = 0;
  private lastRefusalLog = 0;

  /**
   * `backlog`: connections the OS queues until they are accepted (listen(2); the OS caps it
   * at net.core.somaxconn). Why 4096 (Linux's somaxconn since 5.4), not Node's 511: a fleet's
   * collectors reconnect at once after a restart, and each SYN a full queue drops is a put
   * delayed by the client's retry, or lost by a client that gives up (2,000 connections
   * opened at once on a busy machine lost 47 of 1,000 puts at 511). OpenTSDB 2.4.1 listens
   * with 50 (Netty's default on the JDK, read with `ss` on the reference server). The queue
   * costs nothing until connections wait in it.
   */
  constructor(
    private readonly detector: DetectorOptions,
    private readonly maxConnections = Infinity,
    private readonly backlog = DEFAULT_LISTEN_BACKLOG,
  ) {
    this.server = net.createServer({ noDelay: true }, (socket) => this.onConnection(socket));
  }

  private onConnection(socket: net.Socket): void {
    if (this.sockets.size >= this.maxConnections) {
      this.refuse(socket);
      return;
    }
    this.sockets.add(socket);
    socket.once('close', () => this.sockets.delete(socket));
    detectConnection(socket, this.detector);
  }

  async listen(port: number, host: string): Promise<{ port: number; host: string }> {
    this.server.listen({ port, host, backlog: this.backlog });
    try {
      await Promise.race([
        once(this.server, 'listening'),
        once(this.server, 'error').then(([err]) => Promise.reject(err)),
      ]);
    } catch (err) {
      throw new DsdbError('DSDB_ERR_LISTEN', `cannot listen on ${host}:${port}: ${(err as Error).message}`, { cause: err });
    }
    const address = this.server.address() as net.AddressInfo;
    return { port: address.port, host: address.address };
  }

  /** Over the limit: a clear answer, then the descriptor is released (within a second at most). */
  private refuse(socket: net.Socket): void {
    this.refused++;
    const now = Date.now();
    if (now - this.lastRefusalLog > 10_000) {
      this.lastRefusalLog = now;
      this.detector.logger.warn({ limit: this.maxConnections, refused: this.refused }, 'connection limit reached; refusing connections');
    }
    socket.on('error', () => undefined);
    socket.end(refusal(this.maxConnections));
    setTimeout(() => socket.destroy(), 1000).unref();
  }

  /** Connections refused for the limit since start. */
  get refusedConnections(): number {
    return this.refused;
  }

  /** Stops accepting new connections; open ones stay until their plugins end them. */
  stopAccepting(): void {
    // close() stops listening at once; its callback waits for every socket, which
    // shutdown handles itself (plugins end theirs, then destroyRemaining).
    if (this.server.listening) this.server.close();
  }

  /** Ends what is still open after plugins had their chance to close gracefully. */
  destroyRemaining(): void {
    for (const socket of this.sockets) socket.destroy();
  }

  get openConnections(): number {
    return this.sockets.size;
  }
}
