import { Duplex } from 'node:stream';

/**
 * Presents a socket as a plain Duplex. `tls.TLSSocket` reads a `net.Socket` straight
 * from its native handle, which skips bytes that detection pushed back with `unshift`;
 * through a plain Duplex it reads via the stream API, so those bytes come first.
 */
export class SocketStream extends Duplex {
  constructor(private readonly socket: Duplex) {
    super();
    // The TLSSocket above decides when a half-closed connection ends (the telnet session
    // answers a client's last lines after its FIN): the socket below must not end itself at
    // the FIN, or the replies and the TLS close_notify are lost. The TLSSocket ends it
    // through _final once it ends; the socket is then destroyed (autoDestroy).
    (socket as { allowHalfOpen?: boolean }).allowHalfOpen = true;
    socket.on('data', (chunk: Buffer) => {
      if (!this.push(chunk)) socket.pause();
    });
    socket.on('end', () => this.push(null));
    socket.on('error', (err) => this.destroy(err));
    socket.on('close', () => this.destroy());
  }

  override _read(): void {
    this.socket.resume();
  }

  override _write(chunk: Buffer, encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.socket.write(chunk, encoding, callback);
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.socket.end(callback);
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.socket.destroy();
    callback(error);
  }
}
