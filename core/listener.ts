/**
 * The kernel's one TCP port. The kernel owns the server; what each connection speaks
 * is decided by detection (detection.ts). Tracks open sockets so shutdown can end them.
 */
import net from 'node:net';
import { once } from 'node:events';
import { detectConnection, type DetectorOptions } from './detection';
import { DsdbError } from './errors';

export class Listener {
  private readonly server: net.Server;
  private readonly sockets = new Set<net.Socket>();

  constructor(private readonly detector: DetectorOptions) {
    this.server = net.createServer({ noDelay: true }, (socket) => this.onConnection(socket));
  }

  private onConnection(socket: net.Socket): void {
    this.sockets.add(socket);
    socket.once('close', () => this.sockets.delete(socket));
    detectConnection(socket, this.detector);
  }

  async listen(port: number, host: string): Promise<{ port: number; host: string }> {
    this.server.listen({ port, host });
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
