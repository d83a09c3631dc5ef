/**
 * One raw-TCP protobuf connection: skips the preamble, reads length-prefixed
 * WriteRequest frames, writes each frame's good points as one batch and answers every
 * frame, in order, with a WriteAck frame. While a frame is being written the socket is
 * paused (back-pressure). A frame over the size limit is answered with an error and
 * the connection closed, since what follows can no longer be trusted to be a frame.
 * With auth on, the first frame authenticates the connection (its `authorization`
 * field, else a verified TLS client certificate) and needs the `write` scope; anything
 * less is answered with an error ack and the connection closed.
 */
import type { Duplex } from 'node:stream';
import { BatchBuilder, DsdbError, type Logger, type WriteService } from '../../core';
import { allows, certificateCredentials, parseAuthorization, type Authenticator, type Principal } from '../../lib/auth';
import { closeWhenIdle } from '../../lib/net';
import { PutCollector } from '../../lib/opentsdb';
import { admitWriteRequest } from './admit';
import { frame, LENGTH_BYTES, PREAMBLE } from './framing';
import { decodeWriteRequest, encodeWriteAck, type WriteAckMessage, type WriteRequestMessage } from './schema';

/**
 * With auth on, the most bytes the first frame (the one that authenticates) may have:
 * before it, a client is nobody, and 16 MiB buffered for each of many such connections
 * was the daemon's memory for the asking. A first frame of ~20,000 points fits; a client
 * with more sends its credentials in a smaller first frame (an empty WriteRequest with
 * only `authorization` will do).
 */
export const MAX_UNAUTHENTICATED_FRAME_BYTES = 1024 * 1024;

export interface TcpSessionOptions {
  maxFrameBytes: number;
  /** acks queued for a client that does not read them: past this, reading stops until they drain */
  maxPendingAckBytes?: number;
  /** a connection with no bytes in either direction for this long is closed (0: never) */
  idleTimeoutMs?: number;
}

export class ProtobufTcpSession {
  /** bytes of the frame being read (and whatever follows it), joined */
  private buffered: Buffer = Buffer.alloc(0);
  /**
   * chunks received since, not yet joined: joined once enough bytes are here for the
   * next step (joining every chunk onto the buffer copied a 16 MiB frame ~250 times)
   */
  private chunks: Buffer[] = [];
  private chunkBytes = 0;
  private preambleSeen = false;
  private busy = false;
  private closed = false;
  /** true while acks wait for a client that does not read: no more frames are read */
  private blocked = false;
  /** the frame being written, so shutdown can let it finish and ack it */
  private pending?: Promise<void>;
  /** set once the first frame authenticated the connection (auth on only) */
  private principal?: Principal;

  constructor(
    private readonly socket: Duplex,
    private readonly writer: WriteService,
    private readonly options: TcpSessionOptions,
    private readonly log: Logger,
    /** set when auth is on */
    private readonly authenticator?: Authenticator,
  ) {
    socket.on('data', (chunk: Buffer) => {
      this.chunks.push(chunk);
      this.chunkBytes += chunk.length;
      if (!this.busy) this.pump();
    });
    socket.on('error', (err) => log.debug({ err }, 'protobuf connection error'));
    // Back-pressure on the acks: frames are read only as fast as the client reads acks.
    socket.on('drain', () => {
      if (!this.blocked || this.closed) return;
      this.blocked = false;
      if (this.busy) return;
      this.socket.resume();
      this.pump();
    });
    socket.on('close', () => {
      this.closed = true;
    });
  }

  start(): void {
    closeWhenIdle(this.socket, this.options.idleTimeoutMs ?? 0, () => {
      this.log.debug('protobuf connection idle; closing');
      this.socket.destroy();
    });
    this.socket.resume();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.socket.end();
  }

  /** Shutdown: stops reading, lets the frame in progress be written and acked, then closes. */
  async finish(): Promise<void> {
    this.socket.pause();
    await this.pending?.catch(() => undefined);
    this.close();
  }

  /** Whether `n` bytes are buffered, joining the chunks received when they make it so. */
  private have(n: number): boolean {
    if (this.buffered.length >= n) return true;
    if (this.buffered.length + this.chunkBytes < n) return false;
    if (this.buffered.length === 0 && this.chunks.length === 1) this.buffered = this.chunks[0]!; // the common case: no copy
    else {
      this.chunks.unshift(this.buffered);
      this.buffered = Buffer.concat(this.chunks);
    }
    this.chunks = [];
    this.chunkBytes = 0;
    return true;
  }

  /** Handles every complete frame buffered, one at a time. */
  private pump(): void {
    while (!this.closed && !this.blocked) {
      if (!this.preambleSeen) {
        if (!this.have(PREAMBLE.length)) return;
        this.buffered = this.buffered.subarray(PREAMBLE.length);
        this.preambleSeen = true;
      }
      if (!this.have(LENGTH_BYTES)) return;
      const length = this.buffered.readUInt32BE(0);
      const unauthenticated = this.authenticator !== undefined && !this.principal;
      const limit = unauthenticated ? Math.min(this.options.maxFrameBytes, MAX_UNAUTHENTICATED_FRAME_BYTES) : this.options.maxFrameBytes;
      if (length > limit) {
        const why = limit < this.options.maxFrameBytes ? ' for the first frame, which authenticates the connection: send the credentials in a smaller one' : '';
        this.reply({ id: 0, written: 0, failed: 0, errors: [], error: `frame of ${length} bytes exceeds the limit of ${limit}${why}` });
        this.close();
        return;
      }
      if (!this.have(LENGTH_BYTES + length)) return;
      const payload = this.buffered.subarray(LENGTH_BYTES, LENGTH_BYTES + length);
      this.buffered = this.buffered.subarray(LENGTH_BYTES + length);
      const pending = this.handleFrame(payload);
      if (pending) {
        this.busy = true;
        this.pending = pending;
        this.socket.pause();
        pending.finally(() => {
          this.busy = false;
          this.pending = undefined;
          if (this.closed || this.blocked) return;
          this.socket.resume();
          this.pump();
        });
        return;
      }
    }
  }

  /** Answers one frame; returns a promise when it has points to write. */
  private handleFrame(payload: Buffer): Promise<void> | undefined {
    let request: WriteRequestMessage;
    try {
      request = decodeWriteRequest(payload);
    } catch (err) {
      this.reply({ id: 0, written: 0, failed: 0, errors: [], error: `invalid WriteRequest: ${(err as Error).message}` });
      if (this.authenticator && !this.principal) this.close();
      return undefined;
    }
    if (this.authenticator && !this.principal) return this.authenticateThenWrite(request);
    return this.writeFrame(request);
  }

  /** The first frame with auth on: who the connection acts as, then its points if it may write. */
  private async authenticateThenWrite(request: WriteRequestMessage): Promise<void> {
    const refuse = (error: string) => {
      this.reply({ id: request.id, written: 0, failed: request.points.length, errors: [], error });
      this.close();
    };
    const credentials = request.authorization ? parseAuthorization(request.authorization) : certificateCredentials(this.socket);
    if (!credentials) {
      return refuse(request.authorization ? 'authentication required: authorization is neither "Bearer <token>" nor "Basic <base64>"' : 'authentication required: set authorization ("Bearer <token>" or "Basic <base64>") in the first WriteRequest');
    }
    let principal: Principal | undefined;
    try {
      principal = await this.authenticator!.authenticate(credentials);
    } catch (err) {
      // A broken authenticator refuses (fail closed) without taking the session down.
      this.log.error({ err }, 'protobuf authentication failed');
      return refuse('authentication failed: unexpected error');
    }
    if (!principal) return refuse('invalid credentials');
    if (!allows(principal, 'write')) return refuse(`forbidden: ${principal.name} lacks the write scope`);
    this.principal = principal;
    await this.writeFrame(request);
  }

  /** Writes one decoded frame's good points and acks it; returns a promise when it has points to write. */
  private writeFrame(request: WriteRequestMessage): Promise<void> | undefined {
    const collector = new PutCollector(new BatchBuilder(Math.max(16, request.points.length)), false);
    let errors: { index: number; message: string }[];
    try {
      errors = admitWriteRequest(request, collector);
    } catch (err) {
      // A bug, not bad input: answer it and keep the connection, store nothing of the frame.
      this.log.error({ err }, 'protobuf frame failed');
      this.reply({ id: request.id, written: 0, failed: request.points.length, errors: [], error: `unexpected error: ${(err as Error).message}` });
      return undefined;
    }
    const ack: WriteAckMessage = { id: request.id, written: collector.success, failed: collector.failed, errors, error: '' };
    if (collector.batch.length === 0) {
      this.reply(ack);
      return undefined;
    }
    return this.writer.write(collector.batch.take(), { source: 'protobuf', sync: request.sync }).then(
      () => this.reply(ack),
      (err: Error) => {
        const noStorage = err instanceof DsdbError && err.code === 'DSDB_ERR_NO_STORAGE';
        if (!noStorage) this.log.error({ err }, 'storage write failed');
        this.reply({ id: request.id, written: 0, failed: ack.written + ack.failed, errors, error: noStorage ? err.message : `storage error: ${err.message}` });
      },
    );
  }

  private reply(ack: WriteAckMessage): void {
    if (this.socket.destroyed || !this.socket.writable) return;
    const flushed = this.socket.write(frame(encodeWriteAck(ack)));
    if (!flushed && this.socket.writableLength > (this.options.maxPendingAckBytes ?? 1024 * 1024)) {
      this.blocked = true;
      this.socket.pause();
    }
  }
}
