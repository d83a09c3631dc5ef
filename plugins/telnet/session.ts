/**
 * One telnet connection: frames lines (`\n` or `\r\n`, like OpenTSDB's
 * LineBasedFrameDecoder), splits each on single spaces, and runs the command the first
 * word names. Commands with a raw-bytes path (`executeRaw`, e.g. `put`) get the line's
 * bytes unsplit, and a command with a run path (`executeRun`: `put` on a parse worker)
 * gets the rest of the packet's lines at once, unsplit, giving back (`replay`) those it
 * does not take; commands with `endOfInput` are told once per packet, after its lines.
 * Lines are handled strictly in order; while an async command runs the
 * socket is paused, which is the back-pressure a fast writer needs.
 *
 * With auth on, each command's scope is checked against the connection's principal
 * (from `auth …` or a verified TLS client certificate). The raw path holds only the
 * commands the principal may run, rebuilt when it changes, so a refused `put` falls
 * to the checked path and an allowed one costs nothing per line.
 */
import type { Duplex } from 'node:stream';
import type { Logger, Registry } from '../../core';
import { closeWhenIdle, readIntoReusedBuffer } from '../../lib/net';
import { ANYONE, allows, certificateCredentials, type Authenticator, type Principal } from '../../lib/auth';
import { type TelnetCommand, type TelnetConnection } from '../../lib/telnet';

/** The reused read buffer's size (bytes): libuv's own read size, so a read takes as much as before. */
const READ_BYTES = 64 * 1024;
/**
 * The length limit of a run's lines (executeRun): none, as they are complete. Bounded all
 * the same: a packet is at most READ_BYTES, plus an incomplete line of maxLineLength.
 */
const COMPLETE_LINES = 0x7fffffff;

export interface SessionOptions {
  maxLineLength: number;
  maxPendingReplyBytes: number;
  idleTimeoutMs?: number;
}

export interface SessionStats {
  linesReceived: number;
  repliesDropped: number;
}

export class TelnetSession implements TelnetConnection {
  readonly remoteAddress: string;
  private pending: Buffer | undefined;
  /** endOfInput calls so far: a packet's bytes are released once it ran after them (onRead) */
  private inputEnds = 0;
  private busy = false;
  /** the session ended it (`exit`, a too-long line, a refused login): queued lines are dropped */
  private closed = false;
  /** the socket is closed (by the peer or by us): replies cannot be written, reads are over */
  private peerGone = false;
  /** the peer sent its FIN: no more lines come; our side ends once the last one has run */
  private inputEnded = false;
  private queue: Buffer[] = [];
  /** commands with a raw path, found by comparing the line's first word as bytes */
  private raw: { name: Buffer; command: TelnetCommand }[] = [];
  private readonly flushers: TelnetCommand[] = [];
  /** commands whose work may go on after endOfInput (TelnetCommand.settle) */
  private readonly settlers: TelnetCommand[] = [];
  /** who this connection acts as: ANYONE while auth is off, undefined until it authenticates */
  private principal: Principal | undefined;

  constructor(
    private readonly socket: Duplex,
    private readonly commands: Registry<TelnetCommand>,
    private readonly options: SessionOptions,
    private readonly stats: SessionStats,
    private readonly log: Logger,
    /** set when auth is on */
    private readonly authenticator?: Authenticator,
  ) {
    this.remoteAddress = (socket as { remoteAddress?: string }).remoteAddress ?? 'unknown';
    for (const name of commands.names()) {
      const command = commands.get(name)!;
      if (command.endOfInput) this.flushers.push(command);
      if (command.settle) this.settlers.push(command);
    }
    this.setPrincipal(authenticator ? undefined : ANYONE);
    // A client that sends its lines and half-closes (`nc -N`, a script's socket.end()) still
    // reads the replies: lines may run after its FIN (puts settling on a worker before a
    // `version`), so the session, not Node, ends our side once every line has run (finishInput).
    (socket as { allowHalfOpen?: boolean }).allowHalfOpen = true;
    // bytes the protocol detector put back come as 'data'; the socket's reads after them go
    // into one reused buffer where the socket allows it (lib/net/reused-reads.ts)
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    readIntoReusedBuffer(socket, READ_BYTES, (bytes) => this.onRead(bytes));
    socket.on('end', () => {
      this.inputEnded = true;
      if (!this.busy && this.queue.length === 0) this.finishInput();
    });
    socket.on('error', (err) => log.debug({ err }, 'telnet connection error'));
    // The peer going away ends nothing here: lines already received still run (a collector
    // that sends its lines and closes at once loses none of them); their replies go nowhere.
    socket.on('close', () => {
      this.peerGone = true;
    });
  }

  start(): void {
    closeWhenIdle(this.socket, this.options.idleTimeoutMs ?? 0, () => {
      this.log.debug({ remote: this.remoteAddress }, 'telnet connection idle; closing');
      this.socket.destroy();
    });
    const certificate = this.authenticator && certificateCredentials(this.socket);
    if (!certificate) return void this.socket.resume();
    // A verified client certificate may name a principal: known before the first line runs.
    this.authenticator!.authenticate(certificate).then(
      (principal) => {
        if (principal) this.setPrincipal(principal);
        if (!this.closed) this.socket.resume();
      },
      (err) => {
        this.log.error({ err }, 'telnet certificate authentication failed');
        this.socket.destroy();
      },
    );
  }

  /** The connection now acts as `principal` (the `auth` command, a client certificate). */
  setPrincipal(principal: Principal | undefined): void {
    this.principal = principal;
    this.raw = [];
    for (const name of this.commands.names()) {
      const command = this.commands.get(name)!;
      if (command.executeRaw && allows(principal, command.scope ?? 'admin')) this.raw.push({ name: Buffer.from(name), command });
    }
  }

  replay(bytes: Uint8Array): void {
    if (this.closed || bytes.length === 0) return;
    // given back lines come before the partial line that follows everything handed over
    const lines = Buffer.from(bytes);
    this.queue.unshift(this.pending ? Buffer.concat([lines, this.pending]) : lines);
    this.pending = undefined;
    if (!this.busy) this.drain();
  }

  countLines(lines: number): void {
    this.stats.linesReceived += lines;
  }

  writeLine(line: string): void {
    if (this.closed || this.socket.destroyed) return;
    // Collectors never read replies; a reply nobody reads must not grow without bound.
    if (this.socket.writableLength > this.options.maxPendingReplyBytes) {
      this.stats.repliesDropped++;
      return;
    }
    this.socket.write(line + '\n');
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.socket.end();
  }

  /**
   * A read into the reused buffer: true when the session still holds its bytes, so that the
   * next read goes into a fresh buffer. TelnetCommand.executeRaw's contract keeps a packet's
   * bytes as they are until its endOfInput returns. A session that stops inside a packet
   * pauses the socket (no read happens until it resumes and runs the bytes it kept), so once
   * onData returns only a partial last line (pending) outlives the read: it is copied, being
   * at most a line. Should the session ever keep more (endOfInput not run after the packet:
   * it runs only once the queue is empty, so no queued bytes are a view of it then), the
   * buffer is left to it.
   */
  private onRead(bytes: Buffer): boolean {
    const ends = this.inputEnds;
    this.onData(bytes);
    if (this.closed) return false;
    if (this.inputEnds === ends) return true;
    if (this.pending !== undefined && this.pending.buffer === bytes.buffer) this.pending = Buffer.from(this.pending);
    return false;
  }

  private onData(chunk: Buffer): void {
    if (this.closed) return;
    this.queue.push(chunk);
    if (!this.busy) this.drain();
  }

  /** Processes queued bytes line by line; stops while an async command is running. */
  private drain(): void {
    while (!this.closed) {
      const chunk = this.queue.shift();
      if (!chunk) {
        this.endOfInput();
        if (this.inputEnded && !this.busy) this.finishInput();
        return;
      }
      let data = chunk;
      if (this.pending) {
        // Only the line split across packets is joined: the rest of the packet is read in
        // place (a copy of every packet would be garbage as large as the input).
        const newline = chunk.indexOf(0x0a);
        if (newline >= 0 && newline + 1 < chunk.length) this.queue.unshift(chunk.subarray(newline + 1));
        data = Buffer.concat([this.pending, newline >= 0 ? chunk.subarray(0, newline + 1) : chunk]);
        this.pending = undefined;
      }
      let start = 0;
      for (;;) {
        const newline = data.indexOf(0x0a, start);
        if (newline < 0) break;
        let end = newline;
        if (end > start && data[end - 1] === 0x0d) end--;
        // a complete line is taken whatever its length: OpenTSDB's LineBasedFrameDecoder
        // checks max_length only against what it buffers without a newline (below)
        const raw = this.rawCommand(data, start, end);
        if (raw?.executeRun) {
          // this line and every complete one after it in the packet, at once: the command
          // splits and checks them, and gives back (replay) what it does not take
          const last = data.lastIndexOf(0x0a);
          raw.executeRun(data, start, last + 1, COMPLETE_LINES, this);
          start = last + 1;
          if (this.closed) return this.endOfInput();
          break;
        }
        if (!raw && this.settlers.length > 0) {
          // another command's line: the puts before it take effect first
          const wait = this.settle();
          if (wait) return this.pauseUntil(wait, data.subarray(start), 'telnet command failed while settling');
        }
        const result = raw ? this.runRaw(raw, data, start, end) : this.runLine(data.toString('utf8', start, end));
        start = newline + 1;
        // An async command: keep the rest, wait for it, then go on.
        if (result) return this.pauseUntil(result, data.subarray(start), 'telnet command failed');
        if (this.closed) return this.endOfInput();
      }
      if (start < data.length) {
        data = data.subarray(start);
        // a `\r` at the end may be the first half of the line's `\r\n`, which is not counted
        if (data.length > this.options.maxLineLength + (data[data.length - 1] === 0x0d ? 1 : 0)) return this.tooLong(data);
        this.pending = data;
      }
    }
  }

  /** The raw-path command the line's first word names, if any. */
  private rawCommand(data: Buffer, start: number, end: number): TelnetCommand | undefined {
    for (let r = 0; r < this.raw.length; r++) {
      const name = this.raw[r]!.name;
      const after = start + name.length;
      if (after > end || (after < end && data[after] !== 0x20)) continue;
      let same = true;
      for (let i = 0; i < name.length; i++) {
        if (data[start + i] !== name[i]) {
          same = false;
          break;
        }
      }
      if (same) return this.raw[r]!.command;
    }
    return undefined;
  }

  private runRaw(command: TelnetCommand, data: Buffer, start: number, end: number): undefined {
    this.stats.linesReceived++;
    try {
      command.executeRaw!(data, start, end, this);
    } catch (err) {
      this.log.error({ err }, 'telnet command failed');
      this.writeLine(`${data.toString('utf8', start, Math.min(end, data.indexOf(0x20, start) >>> 0))}: unexpected error: ${(err as Error).message}`);
    }
    return undefined;
  }

  /** Every queued line has run: let batching commands write what they gathered. */
  private endOfInput(): void {
    this.inputEnds++;
    const failure = 'telnet command failed at end of input';
    const wait = this.callEach(this.flushers, (command) => command.endOfInput!(this), failure);
    if (wait) this.pauseUntil(wait, undefined, failure);
  }

  /**
   * The peer half-closed and every line it sent has run: once the work they started has
   * settled (and written its replies), our side ends too. A partial last line without a
   * newline is not run (as when the peer closes entirely).
   */
  private finishInput(): void {
    if (this.closed) return;
    const wait = this.settlers.length > 0 ? this.settle() : undefined;
    if (!wait) return this.close();
    this.busy = true;
    const done = (): void => {
      this.busy = false;
      // lines given back while it settled (replay) run first; drain comes back here after them
      if (this.queue.length > 0) this.drain();
      else this.close();
    };
    wait.then(done, (err) => {
      this.log.error({ err }, 'telnet command failed while settling');
      done();
    });
  }

  /** What the settling commands still do on this connection, or undefined when nothing. */
  private settle(): Promise<unknown> | undefined {
    return this.callEach(this.settlers, (command) => command.settle!(this), 'telnet command failed while settling');
  }

  /** Calls `call` on each command; the promises they return, joined, or undefined when none did. */
  private callEach(commands: readonly TelnetCommand[], call: (command: TelnetCommand) => void | Promise<void>, failure: string): Promise<unknown> | undefined {
    let waits: Promise<void>[] | undefined;
    for (const command of commands) {
      try {
        const result = call(command);
        if (result && typeof (result as Promise<void>).then === 'function') (waits ??= []).push(result as Promise<void>);
      } catch (err) {
        this.log.error({ err }, failure);
      }
    }
    return waits && Promise.all(waits);
  }

  /** Pauses the connection until `work` settles; `rest` (bytes not run yet) runs first after it. */
  private pauseUntil(work: Promise<unknown>, rest: Buffer | undefined, failure: string): void {
    this.busy = true;
    this.socket.pause();
    if (rest && rest.length > 0) this.queue.unshift(rest);
    work.then(
      () => this.resumeAfterAsync(),
      (err) => {
        this.log.error({ err }, failure);
        this.resumeAfterAsync();
      },
    );
  }

  private resumeAfterAsync(): void {
    this.busy = false;
    if (this.closed) return;
    if (!this.peerGone) this.socket.resume();
    this.drain();
  }

  /** Runs one line; returns a promise only when the command is asynchronous. */
  private runLine(line: string): Promise<void> | undefined {
    this.stats.linesReceived++;
    const words = line.split(' ');
    const name = words[0]!;
    const command = this.commands.get(name);
    if (!command) {
      this.writeLine(`unknown command: ${name}.  Try \`help'.`);
      return undefined;
    }
    const scope = command.scope ?? 'admin';
    if (!allows(this.principal, scope)) {
      if (this.principal) {
        this.writeLine(`${name}: forbidden: ${this.principal.name} lacks the ${scope} scope`);
        return undefined;
      }
      // Not authenticated: refused, and the connection closed (a collector without
      // credentials would otherwise get one error line per point).
      this.writeLine(`${name}: authentication required: send "auth <token>" or "auth <user> <password>" first`);
      this.close();
      return undefined;
    }
    try {
      const result = command.execute(words, this);
      return result && typeof (result as Promise<void>).then === 'function' ? (result as Promise<void>) : undefined;
    } catch (err) {
      this.log.error({ err, command: name }, 'telnet command failed');
      this.writeLine(`${name}: unexpected error: ${(err as Error).message}`);
      return undefined;
    }
  }

  /**
   * `rest` is an incomplete line (no newline yet) longer than maxLineLength. OpenTSDB closes
   * the connection on such a frame (TooLongFrameException), after the lines before it: the work they started
   * settles first (a put parsed on a worker is written, lines it gives back run), then the
   * session comes back to this line and closes.
   */
  private tooLong(rest: Buffer): void {
    const wait = this.settlers.length > 0 ? this.settle() : undefined;
    if (wait) return this.pauseUntil(wait, rest, 'telnet command failed while settling');
    this.log.debug({ remote: this.remoteAddress }, 'telnet line too long; closing');
    this.queue = [];
    this.pending = undefined;
    this.closed = true;
    this.socket.destroy();
    // a batching command writes the lines before it (the socket is gone; the writes are not)
    this.endOfInput();
  }
}
