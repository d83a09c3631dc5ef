/**
 * The telnet plugin: OpenTSDB's line protocol. It takes every connection no other
 * detector claims (the fallback, as in OpenTSDB), and runs the commands plugins add on
 * the `telnet.commands` hook; `version`, `help` and `exit` are its own, and `diediedie`
 * when its option is on.
 */
import type { Duplex } from 'node:stream';
import { definePlugin, Registry, Type } from '../../core';
import { getAuthenticator, type Authenticator } from '../../lib/auth';
import { type TelnetCommand, getTelnetHooks } from '../../lib/telnet';
import { authCommand } from './auth-command';
import { addBuiltinCommands, diediedieCommand } from './builtin-commands';
import { TelnetSession, type SessionStats } from './session';

/** Runs after every other detector: telnet is what is left. */
const FALLBACK_STAGE = 1000;

export default definePlugin({
  name: 'telnet',
  provides: ['hook:telnet.commands'],
  options: Type.Object(
    {
      /**
       * longest incomplete line held while its newline has not arrived; more closes the
       * connection. A complete line is taken whatever its length. OpenTSDB's LineBasedFrameDecoder(1024) does the same.
       */
      maxLineLength: Type.Integer({ minimum: 16, default: 1024 }),
      /** replies queued for a client that does not read are dropped past this */
      maxPendingReplyBytes: Type.Integer({ minimum: 1024, default: 1024 * 1024 }),
      /** a connection that sends nothing for this many ms is closed, a partial line with it (0: never) */
      idleTimeoutMs: Type.Integer({ minimum: 0, default: 300_000 }),
      /**
       * the `diediedie` command: a graceful shutdown from any telnet client (admin scope
       * under auth). Off by default: without it `diediedie` is an unknown command.
       * OpenTSDB has it on unless tsd.no_diediedie = true.
       */
      diediedie: Type.Boolean({ default: false }),
    },
    { additionalProperties: false },
  ),
  register({ hooks, container, log }, options) {
    const commands = new Registry<TelnetCommand>('telnet command');
    const sessions = new Set<TelnetSession>();
    const stats: SessionStats = { linesReceived: 0, repliesDropped: 0 };
    let accepting = true;
    let authenticator: Authenticator | undefined;

    getTelnetHooks(hooks).commands.tap('telnet', (registry) => {
      addBuiltinCommands(registry, container.resolve('buildInfo'));
      if (options.diediedie) registry.add('diediedie', diediedieCommand(container.resolve('lifecycle')), 'telnet');
      if (authenticator) registry.add('auth', authCommand(authenticator), 'telnet');
    });
    hooks.kernel.starting.tap('telnet', () => {
      // Every plugin has registered by now: an authenticator means auth is on.
      authenticator = getAuthenticator(container);
      getTelnetHooks(hooks).commands.call(commands);
    });

    const match = {
      protocol: 'telnet',
      accept(socket: Duplex) {
        if (!accepting) return socket.destroy();
        const session = new TelnetSession(socket, commands, options, stats, log, authenticator);
        sessions.add(session);
        socket.once('close', () => sessions.delete(session));
        session.start();
      },
    };
    hooks.net.detectProtocol.tap({ name: 'telnet', stage: FALLBACK_STAGE }, (head) => (head.length > 0 ? match : undefined));

    hooks.kernel.collectStats.tap('telnet', (collector) => {
      collector.record('rpc.received', stats.linesReceived, { type: 'telnet' });
      collector.record('connectionmgr.connections', sessions.size, { type: 'telnet' });
      collector.record('telnet.replies_dropped', stats.repliesDropped);
    });

    hooks.kernel.stopping.tap('telnet', () => {
      accepting = false;
      for (const session of sessions) session.close();
    });
  },
});
