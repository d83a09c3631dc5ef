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
   * as it is until the packet's `endOfInput` returns (the session never reuses a packet's
   * bytes), so a command may keep a reference and copy runs of lines at once. Must be
   * synchronous: a command that writes somewhere gathers the work and does it in
   * `endOfInput`.
   */
  executeRaw?(line: Buffer, start: number, end: number, connection: TelnetConnection): void;
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

