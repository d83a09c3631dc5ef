import { Duplex } from 'node:stream';

/**
 * Presents a socket as a plain Duplex. `tls.TLSSocket` reads a `net.Socket` straight
 * from its native handle, which skips bytes that detection pushed back with `unshift`;
 * through a plain Duplex it reads via the stream API, so those bytes come first.
 */
export class SocketStream extends Duplex {
  /** set by `handshakeDone` once the TLSSocket above completed its handshake */
  private secure = false;

  /**
   * @param socket the accepted connection, detection's pushed-back head first
   * @param endGraceMs how long a connection whose client sent its FIN before the handshake
   *   completed may still complete it (bytes sent before the FIN are still in flight to the
   *   TLSSocket); then it is destroyed, since a client that has ended cannot finish a handshake
   */
  constructor(
    private readonly socket: Duplex,
    private readonly endGraceMs = 1000,
  ) {
    super();
    // The TLSSocket above decides when a half-closed connection ends (the telnet session
    // answers a client's last lines after its FIN): the socket below must not end itself at
    // the FIN, or the replies and the TLS close_notify are lost. The TLSSocket ends it
    // through _final once it ends; the socket is then destroyed (autoDestroy).
    (socket as { allowHalfOpen?: boolean }).allowHalfOpen = true;
    socket.on('data', (chunk: Buffer) => {
      if (!this.push(chunk)) socket.pause();
    });
    socket.on('end', () => {
      this.push(null);
      // With allowHalfOpen nothing else would close a connection ended mid-handshake: the
      // TLSSocket waits for bytes that cannot come until its handshakeTimeout (10 s).
      if (!this.secure) setTimeout(() => this.secure || this.destroy(), this.endGraceMs).unref();
    });
    socket.on('error', (err) => this.destroy(err));
    socket.on('close', () => this.destroy());
  }

  /** Tells the stream the TLS handshake over it completed: a FIN is then a half-close. */
  handshakeDone(): void {
    this.secure = true;
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
