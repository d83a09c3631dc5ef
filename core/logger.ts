import pino from 'pino';

/** The logger every plugin gets, bound to its name (pino, as fastify uses). */
export type Logger = pino.Logger;
export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

export function createLogger(level: LogLevel = 'info'): Logger {
  // Logs go to stderr so that utilities can keep stdout for their output.
  return pino({ level, base: { name: 'dsdb' } }, pino.destination(2));
}

/**
 * A log line for an event any client can cause (a refused TLS handshake, wrong
 * credentials), written at most once every `everyMs` ms with `times`: how often the event
 * happened since the line before. A flood of the event is then not a flood of lines (one
 * client wrote 43 MB a second of "invalid credentials" before).
 */
export function throttledLog(everyMs: number, write: (fields: Record<string, unknown>) => void): (fields: Record<string, unknown>) => void {
  let times = 0;
  let last = -Infinity;
  return (fields) => {
    times++;
    const now = Date.now();
    if (now - last < everyMs) return;
    write({ ...fields, times });
    last = now;
    times = 0;
  };
}
