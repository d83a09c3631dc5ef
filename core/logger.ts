import pino from 'pino';

/** The logger every plugin gets, bound to its name (pino, as fastify uses). */
export type Logger = pino.Logger;
export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

export function createLogger(level: LogLevel = 'info'): Logger {
  // Logs go to stderr so that utilities can keep stdout for their output.
  return pino({ level, base: { name: 'dsdb' } }, pino.destination(2));
}
