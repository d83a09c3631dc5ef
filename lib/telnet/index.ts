/**
 * The telnet plugin's extension point: its command table. A plugin adds commands with
 *
 *   getTelnetHooks(hooks).commands.tap('my-plugin', (commands) => commands.add('hello', command, 'my-plugin'));
 *
 * and declares `dependencies: ['telnet']` (or lists it in `enhances` when the command is
 * optional). The telnet plugin calls the hook once, at `kernel.starting`; a command is
 * then looked up per line in the table, never through a hook.
 */
import { SyncHook } from 'tapable';
import { defineFeatureHooks } from '../../core/feature-hooks';
import type { Registry } from '../../core/registry';

export const getTelnetHooks = defineFeatureHooks('telnet', () => ({
  /** Collects telnet commands by name. Every tap runs. Called by the telnet plugin. */
  commands: new SyncHook<[Registry<TelnetCommand>]>(['commands']),
}));

export type TelnetHooks = ReturnType<typeof getTelnetHooks>;

export interface TelnetConnection {
  readonly remoteAddress: string;
  /** Writes one reply line (a `\n` is appended). Replies to a client that never reads are capped, not buffered without bound. */
  writeLine(line: string): void;
  /** Closes the connection once pending replies are written. */
  close(): void;
  /**
   * For a command's `executeRun`: gives back the lines it was handed and did not run,
   * from the first it does not take (another command's line, a line too long) to the end
   * of everything it was handed since. `bytes` holds complete lines and is copied; the
   * session runs them next, before any byte it has not handed over, with the checks and
   * commands it runs other lines with.
   */
  replay(bytes: Uint8Array): void;
  /** For a command's `executeRun`: counts `lines` it ran among the connection's received lines (`tsd.rpc.received type=telnet`). */
  countLines(lines: number): void;
}

export interface TelnetCommand {
  /** One line for `help`-style listings. */
  description?: string;
  /**
   * The scope a connection needs to run it when auth is on (lib/auth's Scope, or `none`
   * for anyone: `version`, `help`, `exit`, `auth`). Undeclared means `admin`.
   */
  scope?: 'read' | 'write' | 'admin' | 'none';
  /**
   * Runs one command line. `words` is the line split on single spaces, as OpenTSDB
   * does (`words[0]` is the command). Errors are written back by the command itself.
   */
  execute(words: string[], connection: TelnetConnection): void | Promise<void>;
  /**
   * Optional fast path for high-volume commands (`put`): when present the session calls
   * it instead of `execute`, with the line's raw bytes `line[start, end)` (no `\r\n`;
   * `words[0]` and its space included), skipping the split into strings. `line` stays
   * as it is until the packet's `endOfInput` returns, so a command may keep a reference
   * and copy runs of lines at once; after that the session may read the next packet into
   * the same memory, so copy whatever is kept longer. Must be
   * synchronous: a command that writes somewhere gathers the work and does it in
   * `endOfInput`.
   */
  executeRaw?(line: Buffer, start: number, end: number, connection: TelnetConnection): void;
  /**
   * Optional, with `executeRaw`: takes every complete line left in a packet at once, not
   * line by line. The session calls it when a line's first word names this command, with
   * `bytes[start, end)`: that line and all the packet's complete lines after it (`end` is
   * just past a `\n`; `\r\n` endings are the command's to strip). The session does not
   * split or check them: the command runs those it takes, in order, refuses none of them
   * for their length below `maxLineLength`, and gives back through `connection.replay`
   * the rest from the first line it does not take (another command's, or one longer than
   * `maxLineLength`, which closes the connection as OpenTSDB does), once the lines before
   * it have taken effect. The bytes stay as they are until the packet's `endOfInput`
   * returns. Synchronous, as `executeRaw`; lines it runs are counted with
   * `connection.countLines`.
   */
  executeRun?(bytes: Buffer, start: number, end: number, maxLineLength: number, connection: TelnetConnection): void;
  /**
   * Called once per received packet, after the session has run every complete line in
   * it (never per line), on each command that defines it. A returned promise pauses the
   * connection until it settles: batching commands write their batch here, which gives
   * a fast writer back-pressure.
   */
  endOfInput?(connection: TelnetConnection): void | Promise<void>;
  /**
   * Optional, for a command whose `endOfInput` lets work go on in the background (a put
   * parsed ahead on a worker thread): the session calls it before it runs any line of
   * another command on the connection, and waits on the promise returned, so lines take
   * effect in the order they came (a `stats` or `exit` after puts sees them written).
   * Undefined when nothing is in flight.
   */
  settle?(connection: TelnetConnection): void | Promise<void>;
}

